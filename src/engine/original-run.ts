/**
 * What a rerun and a resume take from the run they repeat: its pipeline (by name, from the
 * project), the secrets it had (which the log does not keep), and whether the code may differ.
 */
import { relative } from 'node:path';
import { flattenLeaves } from '../config/dotted.ts';
import type { Override } from '../config/overrides.ts';
import { isSecretPath, REDACTED } from '../config/secrets.ts';
import { ConfigError, PipelineError } from '../errors.ts';
import type { GitInfo, RunStartRecord } from '../log/schema.ts';
import { CACHE_MODES, type CacheMode } from '../model/cache-mode.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import type { Project } from '../project/load.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';

/** What a rerun's or a resume's plan takes from the run it repeats: its resolved config, and the link to it. */
export function repeatOf(original: RunStartRecord, mode: 'rerun' | 'resume'): { base: Record<string, unknown>; mode: 'rerun' | 'resume'; parentRunId: string } {
  return { base: original.config, mode, parentRunId: original.runId };
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
