/**
 * `tagliots rerun <run>`: runs the cases of an earlier run again, with that run's pipeline and
 * resolved config plus new overrides. Files the config names (templates) are read again.
 */
import { relative } from 'node:path';
import { loadPatchFile, parseOverrideArgs, type Override } from '../config/overrides.ts';
import { isSecretPath, REDACTED } from '../config/secrets.ts';
import { ConfigError, EXIT, PipelineError } from '../errors.ts';
import { readRunLog } from '../log/reader.ts';
import type { CaseRecord, GitInfo, RunStartRecord } from '../log/schema.ts';
import { resolveRun } from '../log/store.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { loadProject, type Project } from '../project/load.ts';
import { formatCount, formatValue } from '../report/format-value.ts';
import type { Theme } from '../report/theme.ts';
import { ancestorsOf, reuseFrom, runKey } from '../runner/plan.ts';
import type { RunItem } from '../runner/run.ts';
import { createCaseSelector, isEmptySelection, type Selection } from '../suite/select.ts';
import { flattenLeaves } from '../util/dotted.ts';
import { readGitInfo } from '../util/git.ts';
import type { Io } from '../util/io.ts';
import { deepEqual } from '../util/json.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import { executePlan, noCasesSelected, outputOptions, type RunOutputOptions } from './run.ts';

export type RerunOnly = 'all' | 'failed' | 'errored';

export interface RerunCommandOptions extends RunOutputOptions {
  /** `latest`, a run-id prefix or a log path. */
  readonly run: string;
  /** `key.path=value` arguments, applied on top of the original run's config. */
  readonly overrides: readonly string[];
  /** `--config` patch files, applied before `overrides`. */
  readonly configFiles?: readonly string[];
  /** Which records of the original run to run again. @default 'all' */
  readonly only?: RerunOnly;
  /** Reuse the outputs of the stages before this one. */
  readonly from?: string;
  readonly selection?: Selection;
  /** Times each case runs; by default each chosen record runs once, with its repeat index. */
  readonly repeat?: number;
}

const ONLY_TEXT: Record<RerunOnly, string> = { all: '', failed: 'failed or errored', errored: 'errored' };

export async function rerunCommand(options: RerunCommandOptions, io: Io): Promise<number> {
  const cliOverrides = parseOverrideArgs(options.overrides, 'command line');
  const git = readGitInfo(io.cwd);
  const project = await loadProject(io.cwd);
  const logPath = await resolveRun(options.runsDir ?? project.runsDir, options.run, io.cwd);
  const log = await readRunLog(logPath);
  const original = log.header;
  const shownLog = relative(io.cwd, logPath) || logPath;
  for (const warning of log.warnings) io.stderr.write(`Note: ${warning}\n`);
  const spec = pipelineOfRun(project, original, shownLog);

  const defaults = spec.config ?? {};
  const overrides: Override[] = [];
  for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, io.cwd)));
  overrides.push(...cliOverrides);
  checkSecretsSupplied(original, overrides, 'rerun');

  // One record per (case, repeat); the first when a log somehow holds two.
  const records = new Map<string, CaseRecord>();
  for (const record of log.cases) {
    const key = runKey(record.caseId, record.repeat);
    if (!records.has(key)) records.set(key, record);
  }
  const only = options.only ?? 'all';
  const wanted = [...records.values()].filter((record) => matchesOnly(record, only));
  const distinct = distinctCases(log.cases);
  if (wanted.length === 0) {
    const what = log.cases.length === 0 ? 'has no finished cases' : `has no ${ONLY_TEXT[only]} cases`;
    io.stdout.write(`Nothing to rerun: run ${original.runId} ${what}.\n`);
    return EXIT.ok;
  }

  // The selection applies to cases (not to repeats), in suite order.
  let chosen = distinctCases(wanted);
  const selection = isEmptySelection(options.selection) ? undefined : options.selection;
  if (selection) {
    const selector = createCaseSelector(selection);
    const count = await selector.plan(() => chosen);
    if (count === 0) throw noCasesSelected(`the ${chosen.length} ${ONLY_TEXT[only] ? `${ONLY_TEXT[only]} ` : ''}cases of run ${original.runId}`);
    const selected: typeof chosen = [];
    for await (const item of selector.select(chosen)) selected.push(item);
    chosen = selected;
  }
  const chosenIds = new Set(chosen.map((c) => c.id));

  let items: RunItem[];
  if (options.repeat !== undefined) {
    items = [];
    for (let repeat = 0; repeat < options.repeat; repeat++) {
      for (const c of chosen) items.push(options.repeat > 1 ? { ...c, repeat } : c);
    }
  } else {
    items = wanted
      .filter((record) => chosenIds.has(record.caseId))
      .sort((a, b) => (a.repeat ?? 0) - (b.repeat ?? 0) || a.index - b.index)
      .map((record) => ({ index: record.index, id: record.caseId, case: record.case, ...(record.repeat !== undefined && { repeat: record.repeat }) }));
  }
  const repeat = options.repeat ?? original.repeat ?? 1;

  let fromNote = '';
  const scratch: string[] = [];
  let configChanges: ConfigChange[] = [];

  return executePlan(
    {
      ...outputOptions(options),
      project,
      spec,
      overrides,
      base: original.config,
      suite: { ...original.suite, count: chosen.length },
      mode: 'rerun',
      parentRunId: original.runId,
      ...(selection && { selection }),
      repeat,
      git,
      cases: (prepared) => {
        const from = options.from;
        if (from === undefined) return { items, total: items.length };
        const names = prepared.graph.nodes.map((node) => node.name);
        if (!names.includes(from)) {
          const suggestion = closest(from, names)[0];
          throw new PipelineError('E_STAGE_UNKNOWN', `Unknown stage '${from}' for --from: pipeline '${spec.name}' has the stages ${oxfordJoin(names)}.`, {
            hint: suggestion ? `Did you mean '${suggestion}'?` : 'Name one of its stages.',
          });
        }
        const ancestors = ancestorsOf(prepared.graph.nodes, from);
        const ordered = names.filter((name) => ancestors.has(name));
        fromNote = ordered.length > 0 ? `${from} (reusing ${ordered.join(', ')})` : `${from} (no stage runs before it: every stage runs)`;
        const planned = items.map((item): RunItem => {
          if (ancestors.size === 0) return item;
          // Repeats of a run that had none all reuse its one record per case.
          const record = records.get(runKey(item.id, item.repeat)) ?? (original.repeat === undefined ? records.get(runKey(item.id, 0)) : undefined);
          const reuse = record ? reuseFrom(record, ancestors) : { ok: false as const, missing: ordered };
          if (reuse.ok) return { ...item, reused: reuse.reused };
          scratch.push(`${item.id}${item.repeat ? ` (repeat ${item.repeat})` : ''}: ${reuse.missing.join(', ')}`);
          return item;
        });
        return { items: planned, total: planned.length };
      },
      beforeStart: (header) => {
        configChanges = diffConfigs(original.config, header.config);
        if (log.incomplete) {
          io.stderr.write(`Note: run ${original.runId} is incomplete: only its ${formatCount(log.cases.length)} finished cases can be rerun (\`tagliots resume\` finishes it).\n`);
        }
        const warning = gitWarning(original.git, header.git, 'this rerun');
        if (warning) io.stderr.write(`${warning}\n`);
        if (scratch.length > 0) {
          const shown = scratch.slice(0, 5).map((line) => `\n  ${line}`).join('');
          const more = scratch.length > 5 ? `\n  ... and ${scratch.length - 5} more` : '';
          io.stderr.write(
            `Note: ${scratch.length} case${scratch.length === 1 ? '' : 's'} ${scratch.length === 1 ? 'lacks' : 'lack'} an output --from ${options.from} needs (the stage did not complete in the original run), so ${scratch.length === 1 ? 'it runs' : 'they run'} from scratch:${shown}${more}\n`,
          );
        }
      },
      renderConfig: (header, theme, shownLogPath) => {
        const { chalk } = theme;
        const lines = [chalk.bold('Rerun configuration')];
        lines.push(`  id: ${header.runId}`);
        lines.push(`  rerun of: ${original.runId} (${shownLog})`);
        const runs = items.length === chosen.length ? '' : `, ${formatCount(items.length)} runs`;
        const why = [ONLY_TEXT[only], selection ? 'selected' : ''].filter(Boolean).join(', ');
        lines.push(`  cases: ${formatCount(chosen.length)} of ${formatCount(distinct.length)}${runs}${why ? ` (${why})` : ''}`);
        lines.push(`  pipeline: ${header.pipeline.name}`);
        lines.push(...renderConfigChanges(configChanges, theme, 'same config as the original run'));
        if (options.from !== undefined) lines.push(`  from: ${fromNote}`);
        if (repeat > 1) lines.push(`  repeat: ${repeat}`);
        lines.push(`  concurrency: ${header.concurrency}`);
        if (header.git) lines.push(`  git: ${header.git.sha?.slice(0, 12) ?? '(no commits)'}${header.git.dirty ? chalk.yellow(' (uncommitted changes)') : ''}`);
        lines.push(`  log: ${shownLogPath}`);
        return `${lines.join('\n')}\n\n`;
      },
    },
    io,
  );
}

function matchesOnly(record: CaseRecord, only: RerunOnly): boolean {
  if (only === 'all') return true;
  if (record.status === 'error') return true;
  return only === 'failed' && record.status === 'complete' && record.passed === false;
}

/** One entry per case id, in suite order. */
function distinctCases(records: readonly CaseRecord[]): { index: number; id: string; case: Record<string, unknown> }[] {
  const byId = new Map<string, { index: number; id: string; case: Record<string, unknown> }>();
  for (const record of records) if (!byId.has(record.caseId)) byId.set(record.caseId, { index: record.index, id: record.caseId, case: record.case });
  return [...byId.values()].sort((a, b) => a.index - b.index);
}

/** The project's pipeline that wrote a run, by name. */
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

export interface ConfigChange {
  readonly path: string;
  /** undefined: the path did not exist on that side. */
  readonly from: unknown;
  readonly to: unknown;
}

/** Leaf-by-leaf differences between two resolved configs, in the order of `after`, then removed paths. */
export function diffConfigs(before: Record<string, unknown>, after: Record<string, unknown>): ConfigChange[] {
  const old = new Map(flattenLeaves(before));
  const changes: ConfigChange[] = [];
  for (const [path, value] of flattenLeaves(after)) {
    const was = old.get(path);
    old.delete(path);
    if (!deepEqual(was, value)) changes.push({ path, from: was, to: value });
  }
  for (const [path, value] of old) changes.push({ path, from: value, to: undefined });
  return changes;
}

export function renderConfigChanges(changes: readonly ConfigChange[], theme: Theme, none: string): string[] {
  const { chalk } = theme;
  if (changes.length === 0) return [chalk.dim(`    (${none})`)];
  const show = (value: unknown) => (value === undefined ? '(none)' : formatValue(value));
  return changes.map((change) => `    ${change.path}: ${chalk.dim(show(change.from))} => ${chalk.cyan(show(change.to))}`);
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
