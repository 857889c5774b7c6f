/**
 * Resolves a pipeline's default config against overrides: every path must exist in the defaults,
 * command-line strings are converted to the default's type, internal() values cannot be set, and
 * all prompt() values left unsupplied are reported together.
 */
import { ConfigError } from '../errors.ts';
import type { ConfigDelta } from '../log/schema.ts';
import { flattenLeaves, getPath, joinPath, setPath } from './dotted.ts';
import { deepClone, deepEqual, findNonJson, isPlainObject, type Json } from '../util/json.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import { isInternalMarker, isMarker, isPromptMarker, type PromptMarker } from './markers.ts';
import { patchToOverrides, type Override } from './overrides.ts';

export interface ResolvedConfig {
  /** Plain JSON, markers replaced: prompt() by the supplied value, internal() by null (unset). */
  config: Record<string, unknown>;
  deltas: ConfigDelta[];
  /** Paths of internal() markers, which the pipeline's setup must fill. */
  internalPaths: string[];
}

type JsonKind = 'number' | 'string' | 'boolean' | 'array' | 'object' | 'null';

const LIST_LIMIT = 8;

export function resolveConfig(
  defaults: object,
  overrides: readonly Override[],
  options: { base?: Record<string, unknown> } = {},
): ResolvedConfig {
  const leaves = new Map(flattenLeaves(defaults));
  const groups = new Set([...leaves.keys()].flatMap(prefixes));
  const internalPaths = [...leaves].filter(([, value]) => isInternalMarker(value)).map(([path]) => path);
  const settable = [...leaves.keys()].filter((path) => !isInternalMarker(leaves.get(path)));

  // Current value of each leaf; a prompt() path is absent until supplied.
  const values = new Map<string, unknown>();
  for (const [path, value] of leaves) if (!isMarker(value)) values.set(path, deepClone(value));
  const { base } = options;
  if (base !== undefined) {
    for (const path of settable) {
      const value = getPath(base, path);
      if (value !== undefined && !isMarker(value)) values.set(path, deepClone(value));
    }
  }

  const apply = (override: Override): void => {
    const { path, source } = override;
    if (groups.has(path)) {
      if (override.raw || !isPlainObject(override.value)) throw groupError(override, settable);
      const nested = patchToOverrides(override.value, getPath(defaults, path) as object, source);
      for (const child of nested) apply({ ...child, path: joinPath(path, child.path) });
      return;
    }
    if (!leaves.has(path)) throw unknownPathError(override, leaves, [...settable, ...groups]);
    const fallback = leaves.get(path);
    if (isInternalMarker(fallback)) {
      const what = fallback.description === undefined ? '' : ` (${fallback.description})`;
      throw new ConfigError(
        'E_CONFIG_INTERNAL',
        `Config path '${path}'${what} cannot be set (from ${source}): it is filled in by the pipeline's setup.`,
        { hint: `Remove '${path}' from your overrides; the pipeline computes it and records it in the run log.` },
      );
    }
    const value =
      override.raw && typeof override.value === 'string'
        ? coerce(override.value, fallback, override)
        : check(override.value, fallback, override);
    values.set(path, deepClone(value));
  };
  for (const override of overrides) apply(override);

  const missing = [...leaves].filter((entry): entry is [string, PromptMarker<unknown>] => isPromptMarker(entry[1]) && !values.has(entry[0]));
  if (missing.length > 0) {
    const lines = missing.map(([path, marker]) => `  ${path}: ${marker.description}`);
    const example = missing.map(([path]) => `${path}=...`).join(' ');
    throw new ConfigError('E_CONFIG_REQUIRED', `Missing required config values:\n${lines.join('\n')}`, {
      hint:
        `Supply them on the command line (tagliots run <suite> ${example}), ` +
        `in the suite's "config", or in a patch file with --config patch.yaml.`,
    });
  }

  const config: Record<string, unknown> = {};
  const deltas: ConfigDelta[] = [];
  for (const [path, fallback] of leaves) {
    const value = isInternalMarker(fallback) ? null : values.get(path);
    setPath(config, path, value);
    if (isInternalMarker(fallback)) continue;
    if (isPromptMarker(fallback)) deltas.push({ path, from: null, to: deepClone(value) as Json, prompt: true });
    else if (!deepEqual(value, fallback)) deltas.push({ path, from: deepClone(fallback) as Json, to: deepClone(value) as Json });
  }
  return { config, deltas, internalPaths };
}

/** `a.b.c` → `a`, `a.b` (the groups that contain it). */
function prefixes(path: string): string[] {
  const segments = path.split('.');
  return segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('.'));
}

function kindOf(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value as JsonKind;
}

const KIND_NAME: Record<JsonKind, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  array: 'a JSON array',
  object: 'a JSON object',
  null: 'null',
};

/**
 * Converts a command-line string to the type of the default. Booleans accept true/false, yes/no,
 * on/off and 1/0 (any case), the spellings people use for switches. A null default means "any
 * JSON": the text is parsed as JSON when it is JSON, else kept as a string.
 */
export function coerce(text: string, fallback: unknown, override: Override): unknown {
  if (isPromptMarker(fallback)) return text;
  const kind = kindOf(fallback);
  switch (kind) {
    case 'string':
      return text;
    case 'number': {
      const trimmed = text.trim();
      const number = Number(trimmed);
      if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) && Number.isFinite(number)) return number;
      break;
    }
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(word)) return true;
      if (['false', 'no', 'off', '0'].includes(word)) return false;
      break;
    }
    case 'null':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    case 'array':
    case 'object':
      try {
        const parsed: unknown = JSON.parse(text);
        if (kindOf(parsed) === kind) return parsed;
      } catch {
        // Reported below with an example of the expected JSON.
      }
      break;
  }
  throw typeError(override, fallback, `'${text}'`);
}

/** Checks that a typed value (patch file, `:=`, suite) has the default's JSON type. */
export function check(value: unknown, fallback: unknown, override: Override): unknown {
  const problem = findNonJson(value, override.path);
  if (problem !== undefined) {
    throw new ConfigError('E_CONFIG_TYPE', `Config path '${override.path}' must be a JSON value, but ${problem} (from ${override.source}).`, {
      hint: example(override.path, fallback),
    });
  }
  if (isPromptMarker(fallback) || fallback === null || kindOf(value) === kindOf(fallback)) return value;
  throw typeError(override, fallback, `${preview(value)} (${KIND_NAME[kindOf(value)]})`);
}

function typeError(override: Override, fallback: unknown, got: string): ConfigError {
  const expected = KIND_NAME[kindOf(fallback)] + (typeof fallback === 'boolean' ? ' (true or false)' : '');
  return new ConfigError(
    'E_CONFIG_TYPE',
    `Config path '${override.path}' expects ${expected}, got ${got} (from ${override.source}).`,
    { hint: example(override.path, fallback) },
  );
}

/** A hint showing a valid setting, based on the default value. */
function example(path: string, fallback: unknown): string {
  switch (kindOf(fallback)) {
    case 'number':
    case 'boolean':
      return `e.g. ${path}=${String(fallback)}`;
    case 'string':
      return `e.g. ${path}=${String(fallback)} on the command line, or a quoted string in a patch file`;
    case 'array':
    case 'object': {
      const json = JSON.stringify(fallback);
      const shown = json.length <= 40 && !json.includes("'") ? json : kindOf(fallback) === 'array' ? '[...]' : '{...}';
      return `Write the value as JSON, e.g. ${path}='${shown}'`;
    }
    default:
      return `e.g. ${path}=value`;
  }
}

function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function listPaths(paths: readonly string[]): string {
  const shown = paths.slice(0, LIST_LIMIT);
  const more = paths.length - shown.length;
  return more > 0 ? `${shown.join(', ')}, ... (${more} more)` : shown.join(', ');
}

function groupError(override: Override, settable: readonly string[]): ConfigError {
  const { path, source } = override;
  const inside = settable.filter((leaf) => leaf.startsWith(`${path}.`));
  const got = override.raw ? `'${String(override.value)}'` : preview(override.value);
  return new ConfigError(
    'E_CONFIG_GROUP',
    `Config path '${path}' is a group of settings, not a single value; got ${got} (from ${source}). Set one of: ${listPaths(inside)}.`,
    { hint: `e.g. ${inside[0] ?? `${path}.<name>`}=..., or several at once with JSON: ${path}:='{...}'` },
  );
}

function unknownPathError(override: Override, leaves: ReadonlyMap<string, unknown>, valid: readonly string[]): ConfigError {
  const { path, source } = override;
  const suggestions = closest(path, valid);
  let hint: string;
  const leafAbove = prefixes(path).find((prefix) => leaves.has(prefix));
  if (leafAbove !== undefined) {
    hint = `'${leafAbove}' is a single setting, not a group; set it directly, e.g. ${leafAbove}=...`;
  } else if (suggestions.length > 0) {
    hint = `Did you mean ${oxfordJoin(suggestions.map((s) => `'${s}'`), 'or')}?`;
  } else if (valid.length === 0) {
    hint = 'This pipeline has no config settings.';
  } else {
    const leafPaths = valid.filter((p) => leaves.has(p));
    const topLevel = [...new Set(leafPaths.map((p) => p.split('.')[0] as string))];
    hint = `Valid config paths: ${listPaths(leafPaths)}.`;
    if (leafPaths.length > LIST_LIMIT) hint += ` Top-level settings: ${topLevel.join(', ')}.`;
  }
  return new ConfigError('E_CONFIG_UNKNOWN_PATH', `Unknown config path '${path}' (from ${source}).`, { hint });
}
