/**
 * Config overrides from the command line (`key.path=value`, `key.path:=<json>`) and from patch files
 * (JSON or YAML). They are only parsed here; `resolve.ts` checks paths and types against the
 * pipeline's defaults.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve as resolvePath } from 'node:path';
import { parseJson as parseJsonText, textPosition } from '../util/json-syntax.ts';
import { decodeUtf8 } from '../util/utf8.ts';
import { loadYaml, type YamlModule } from '../util/yaml.ts';
import { ConfigError, messageOf } from '../errors.ts';
import { getPath, isBranch, joinPath } from './dotted.ts';
import { isPlainObject } from '../util/json.ts';

export interface Override {
  /** Dotted config path. */
  path: string;
  /** A string when `raw` is true. */
  value: unknown;
  /** True for `key=value` from the command line: the value is coerced to the default's type. */
  raw: boolean;
  /** Where it came from, for messages: 'command line', 'patch.yaml', 'suite suites/calc.json'. */
  source: string;
}

const OVERRIDE_HINT =
  'Write overrides as key.path=value (converted to the type of the default), or key.path:=<json> ' +
  `for an exact JSON value, e.g. infer.model.name=gpt-4o or infer.stop:='["END"]'.`;

/** Why `path` is not a well-formed dotted path, or undefined when it is. */
export function pathSyntaxProblem(path: string): string | undefined {
  if (path === '') return 'the key is empty';
  if (/\s/.test(path)) return 'the key contains whitespace';
  if (path.split('.').includes('')) return 'the key has an empty segment (a leading, trailing or doubled dot)';
  return undefined;
}

/** The message of an argument that is not an override: `hint` replaces the one on the syntax of overrides. */
export function overrideSyntaxError(arg: string, source: string, why: string, hint = OVERRIDE_HINT): ConfigError {
  return new ConfigError('E_OVERRIDE_SYNTAX', `Invalid config override '${arg}' (from ${source}): ${why}.`, { hint });
}

/** Why an argument without '=' is not an override. */
export const NO_EQUALS = "expected '=' between the key and the value";

/** Parses `key.path=value` and `key.path:=<json>` arguments, in order. */
export function parseOverrideArgs(args: readonly string[], source = 'command line'): Override[] {
  return args.map((arg) => {
    const fail = (why: string): never => {
      throw overrideSyntaxError(arg, source, why);
    };
    const eq = arg.indexOf('=');
    if (eq < 0) fail(NO_EQUALS);
    const json = arg[eq - 1] === ':';
    const path = arg.slice(0, json ? eq - 1 : eq);
    const text = arg.slice(eq + 1);
    const problem = pathSyntaxProblem(path);
    if (problem !== undefined) fail(problem);
    if (!json) return { path, value: text, raw: true, source };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      fail(`the value after ':=' is not valid JSON (${messageOf(error)})`);
    }
    return { path, value, raw: false, source };
  });
}

/**
 * Turns a patch object into overrides. Keys may be nested objects, dotted paths, or both; a patch
 * object is descended only where the default is a group of settings, so a value for an object- or
 * prompt-valued setting is kept whole.
 */
export function patchToOverrides(patch: unknown, defaults: object, source: string): Override[] {
  const overrides: Override[] = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const path = joinPath(prefix, key);
      if (isPlainObject(value) && isBranch(getPath(defaults, path))) walk(value, path);
      else overrides.push({ path, value, raw: false, source });
    }
  };
  if (!isPlainObject(patch)) {
    throw new ConfigError('E_PATCH_FORMAT', `Config patch from ${source} must be an object of config paths to values, got ${kindOf(patch)}.`, {
      hint: 'e.g. { "infer": { "model": { "name": "gpt-4o" } } } or { "infer.model.name": "gpt-4o" }',
    });
  }
  walk(patch, '');
  return overrides;
}

/** Reads a JSON or YAML patch file (path relative to `cwd`) and turns it into overrides. */
export async function loadPatchFile(path: string, defaults: object, cwd: string): Promise<Override[]> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    const found = ext === '' ? 'it has no extension' : `its extension is '${ext}'`;
    throw new ConfigError('E_PATCH_FORMAT', `Config patch file '${path}' must be JSON or YAML, but ${found}.`, {
      hint: 'Name it with a .json, .yaml or .yml extension.',
    });
  }
  const absolute = resolvePath(cwd, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError('E_PATCH_NOT_FOUND', `Config patch file '${path}' not found (looked for ${absolute}).`, {
        hint: 'Paths are relative to the working directory.',
        cause: error,
      });
    }
    throw new ConfigError('E_PATCH_READ', `Cannot read config patch file '${path}': ${messageOf(error)}`, { cause: error });
  }
  // Bytes that are not UTF-8 are refused: decoding them as U+FFFD would silently change a value.
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) throw parseError(path, decoded.problem.line, decoded.problem.column, `${decoded.problem.reason}\n${decoded.problem.excerpt}`);
  const text = decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
  const patch = ext === '.json' ? parseJson(text, path) : parseYaml(text, path, await loadYaml());
  if (!isPlainObject(patch)) {
    throw new ConfigError('E_PATCH_PARSE', `Config patch file '${path}' must contain an object of config paths to values, got ${kindOf(patch)}.`, {
      hint:
        ext === '.json'
          ? 'e.g. { "infer": { "model": { "name": "gpt-4o" } } }'
          : 'e.g.\ninfer:\n  model:\n    name: gpt-4o',
    });
  }
  return patchToOverrides(patch, defaults, path);
}

function parseError(file: string, line: number, column: number, message: string, hint?: string): ConfigError {
  return new ConfigError('E_PATCH_PARSE', `Cannot parse config patch file ${file}:${line}:${column}: ${message}`, { hint });
}

function parseYaml(text: string, file: string, { LineCounter, parseDocument }: YamlModule): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw parseError(file, line, col, error.message);
  }
  // A file of only comments is an empty patch.
  return doc.contents === null ? {} : doc.toJS();
}

/** A repeated key is an error too: JSON.parse would keep its last value without a word. */
function parseJson(text: string, file: string): unknown {
  const parsed = parseJsonText(text, { uniqueKeys: true });
  if (parsed.ok) return parsed.value;
  const at = textPosition(text, parsed.problem.offset);
  throw parseError(file, at.line, at.column, `${parsed.problem.reason}\n${at.excerpt}`, parsed.problem.hint);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
