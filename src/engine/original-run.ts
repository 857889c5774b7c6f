/**
 * What a rerun and a resume take from the run they repeat: its pipeline (by name, from the
 * project), the secrets it had (which the log does not keep), and whether the code may differ.
 */
import { relative } from 'node:path';
import { flattenLeaves, getPath, setPath } from '../config/dotted.ts';
import { isInternalMarker, isMarker, isPromptMarker } from '../config/markers.ts';
import type { Override } from '../config/overrides.ts';
import { check, coerce } from '../config/resolve.ts';
import { isSecretPath, REDACTED } from '../config/secrets.ts';
import { ConfigError, isTagliotsError, PipelineError } from '../errors.ts';
import { LEGACY_VERSION } from '../log/legacy.ts';
import type { GitInfo, RunStartRecord } from '../log/schema.ts';
import { CACHE_MODES, type CacheMode } from '../model/cache-mode.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import type { Project } from '../project/load.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';

/** What a rerun's or a resume's plan takes from the run it repeats: its resolved config, and the link to it. */
export function repeatOf(original: RunStartRecord, mode: 'rerun' | 'resume'): { base: Record<string, unknown>; mode: 'rerun' | 'resume'; parentRunId: string } {
  return { base: original.config, mode, parentRunId: original.runId };
}

/** A setting of the original run that the rerun does not use, and why. */
export interface NotCarried {
  readonly path: string;
  readonly value: unknown;
  readonly reason: string;
}

/** A value the original run's log holds as text, converted to the type of the pipeline's default. */
export interface Converted {
  readonly path: string;
  readonly from: string;
  readonly to: unknown;
}

/** What a rerun starts from: the original run's config, checked against the pipeline's defaults. */
export interface CarriedConfig {
  /** The config to resolve the rerun's overrides on, in place of the defaults. */
  readonly base: Record<string, unknown>;
  /** Settings of the original run this pipeline has no place for, in the log's order. */
  readonly notCarried: readonly NotCarried[];
  /** Text values (GoTaglio logged every command-line value as text) given the default's type. */
  readonly converted: readonly Converted[];
}

/**
 * The original run's config, checked as strictly as `run` checks overrides: each value the
 * pipeline has a setting for must have the type of its default. A string where the default is a
 * number, a boolean or JSON (GoTaglio logged `temperature=0` as `"0"`) is converted by the
 * command-line rules; one that does not convert, or another type, is an E_CONFIG_TYPE error naming
 * the path and the log, unless an override replaces it. Values the pipeline has no setting for
 * (typo keys, another version's settings, GoTaglio's `prepare.template_text`) are listed in
 * `notCarried` rather than dropped silently; internal() values are computed again by the setup.
 */
export function carryOverConfig(spec: PipelineSpec, header: RunStartRecord, overrides: readonly Override[], shownLog: string): CarriedConfig {
  const defaults = flattenLeaves(spec.config ?? {});
  const leaves = new Map(defaults);
  const source = `run ${header.runId} (${shownLog})`;
  const replaced = (path: string) => overrides.some((o) => o.path === path || path.startsWith(`${o.path}.`));
  const base: Record<string, unknown> = {};
  const converted: Converted[] = [];
  for (const [path, fallback] of defaults) {
    if (isInternalMarker(fallback)) continue;
    const value = getPath(header.config, path);
    if (value === undefined || isMarker(value) || replaced(path)) continue;
    const override: Override = { path, value, raw: typeof value === 'string', source };
    try {
      if (typeof value === 'string' && wantsConversion(fallback)) {
        const to = coerce(value, fallback, override);
        if (to !== value) converted.push({ path, from: value, to });
        setPath(base, path, to);
      } else {
        setPath(base, path, check(value, fallback, override));
      }
    } catch (error) {
      if (!isTagliotsError(error)) throw error;
      const example = /^e\.g\. (\S+=\S+)$/.exec(error.hint ?? '')?.[1] ?? `${path}=...`;
      throw new ConfigError(error.code, `${error.message} The original run's value cannot be carried over.`, {
        hint: `Give the setting on the command line, which replaces the logged value: tagliots rerun ${header.runId.slice(0, 8)} ${example}`,
      });
    }
  }

  const legacy = header.versions.tagliots === LEGACY_VERSION;
  const notCarried: NotCarried[] = [];
  for (const [path, value] of flattenLeaves(header.config)) {
    // A leaf of the defaults, or inside one (a JSON object value), is carried above.
    if (leaves.has(path) || [...leaves.keys()].some((leaf) => path.startsWith(`${leaf}.`))) continue;
    if (replaced(path)) continue;
    const isGroup = [...leaves.keys()].some((leaf) => leaf.startsWith(`${path}.`));
    let reason = isGroup ? `pipeline '${spec.name}' has a group of settings there, not one value` : `pipeline '${spec.name}' has no such setting`;
    if (legacy && /(^|\.)template_text$/.test(path)) reason = `GoTaglio's copy of the template text; ${reason}, so this rerun uses the prompt the pipeline builds itself`;
    notCarried.push({ path, value, reason });
  }
  return { base, notCarried, converted };
}

/** Whether a text value for this default is converted (numbers, booleans, JSON) or kept (strings, prompt(), null: any JSON). */
function wantsConversion(fallback: unknown): boolean {
  if (isPromptMarker(fallback) || fallback === null) return false;
  return typeof fallback !== 'string';
}

/**
 * The response cache mode a run used, as its header records it with each configured model;
 * undefined when it used none (mock models only). A rerun or a resume uses it unless told otherwise:
 * a run made with `--cache off` to measure the models must not be finished from the cache.
 */
export function cacheModeOf(header: RunStartRecord): CacheMode | undefined {
  for (const snapshot of Object.values(header.models ?? {})) {
    const mode = (snapshot as { cache?: unknown }).cache;
    if ((CACHE_MODES as readonly unknown[]).includes(mode)) return mode as CacheMode;
  }
  return undefined;
}

/** The project's pipeline that wrote a run, by name; `shownLog` names the run's log in the message. */
export function pipelineOfRun(project: Project, header: RunStartRecord, shownLog: string): PipelineSpec {
  const name = header.pipeline.name;
  const spec = project.pipelines.get(name);
  if (spec) return spec;
  const names = [...project.pipelines.keys()];
  const suggestion = closest(name, names)[0];
  const config = project.configPath ? relative(project.root, project.configPath) : 'the project config';
  throw new PipelineError(
    'E_PIPELINE_UNKNOWN',
    `Run ${header.runId} (${shownLog}) used pipeline '${name}', which ${config} does not list. Available pipelines: ${names.length > 0 ? oxfordJoin(names) : '(none)'}.`,
    { hint: suggestion ? `Was it renamed to '${suggestion}'? Add a pipeline named '${name}' to pipelines: [...] to run it again.` : `Add the pipeline '${name}' to pipelines: [...] in ${config}.` },
  );
}

/**
 * Secrets are kept out of logs (`***`), so a run that had one cannot be repeated from its log
 * alone: the user must give each one again.
 */
export function checkSecretsSupplied(header: RunStartRecord, overrides: readonly Override[], command: 'rerun' | 'resume'): void {
  const missing = flattenLeaves(header.config)
    .filter(([path, value]) => value === REDACTED && isSecretPath(path))
    .map(([path]) => path)
    .filter((path) => !overrides.some((o) => o.path === path || path.startsWith(`${o.path}.`)));
  if (missing.length === 0) return;
  throw new ConfigError(
    'E_CONFIG_SECRET',
    `Run ${header.runId} used ${missing.length === 1 ? 'a secret' : 'secrets'} the log does not keep: ${missing.map((p) => `'${p}'`).join(', ')}.`,
    { hint: `Give ${missing.length === 1 ? 'it' : 'them'} again: tagliots ${command} ${header.runId.slice(0, 8)} ${missing.map((p) => `${p}=...`).join(' ')}` },
  );
}

/** A warning when the code may differ from the original run's: another commit, or uncommitted changes. */
export function gitWarning(original: GitInfo | null, current: GitInfo | null, what: string): string | undefined {
  if (!original && !current) return undefined;
  const short = (git: GitInfo) => (git.sha ? git.sha.slice(0, 12) : '(no commits)');
  const problems: string[] = [];
  if (!original || !current) {
    problems.push(original ? `the original run was in a git repository, ${what} is not` : `the original run was not in a git repository, ${what} is`);
  } else {
    if (original.sha !== current.sha) problems.push(`the original run was at commit ${short(original)}, ${what} is at ${short(current)}`);
    if (original.dirty) problems.push('the original run had uncommitted changes');
    if (current.dirty) problems.push('the working tree has uncommitted changes');
  }
  if (problems.length === 0) return undefined;
  return `Warning: the code may differ from the original run's: ${problems.join('; ')}.`;
}
