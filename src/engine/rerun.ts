/**
 * Running the cases of an earlier run again (`tagliots rerun`), with that run's pipeline and
 * resolved config plus new overrides. Files the config names (templates) are read again.
 */
import { relative } from 'node:path';
import { configChanges, type ConfigChange } from '../analysis/config-changes.ts';
import { loadPatchFile, parseOverrideArgs, type Override } from '../config/overrides.ts';
import { PipelineError } from '../errors.ts';
import { readGitInfo } from '../log/git.ts';
import { readRunLog } from '../log/reader.ts';
import type { CaseRecord, RunStartRecord } from '../log/schema.ts';
import { resolveRun } from '../log/store.ts';
import { loadProject } from '../project/load.ts';
import { noCasesSelected } from '../project/select-pipeline.ts';
import { ancestorsOf, reuseFrom, runKey } from '../runner/plan.ts';
import type { RunItem, RunListener } from '../runner/run.ts';
import { runSession, type RunResult, type RunStart } from '../runner/session.ts';
import { createCaseSelector, isEmptySelection, type Selection } from '../suite/select.ts';
import { getPath } from '../config/dotted.ts';
import { deepEqual } from '../util/json.ts';
import { formatCount } from '../util/units.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import { cacheModeOf, carryOverConfig, checkSecretsSupplied, gitWarning, pipelineOfRun, repeatOf, type Converted, type NotCarried } from './original-run.ts';
import { runPlace, wholeNumber, type NothingToRun, type RunOptions } from './run-options.ts';

/** Which records of the original run a rerun runs again: all, failed or errored ones, or errored ones. */
export type RerunOnly = 'all' | 'failed' | 'errored';

export interface RerunOptions extends Omit<RunOptions, 'onStart'> {
  /** The run to repeat: `latest`, a run-id prefix or a log file. */
  readonly run: string;
  /** `key.path=value` overrides, applied on top of the original run's config. */
  readonly overrides?: readonly string[];
  /** JSON or YAML config patch files, applied before `overrides`. */
  readonly configFiles?: readonly string[];
  /** Which records of the original run to run again: `failed` also takes errored ones. @default 'all' */
  readonly only?: RerunOnly;
  /** Reuse the outputs of the stages this stage depends on from the original records; run the rest. */
  readonly from?: string;
  /** Which of the chosen cases to run (applies to cases, not to repeats). */
  readonly selection?: Selection;
  /** Times each chosen case runs. @default each chosen record once, with its repeat index */
  readonly repeat?: number;
  /** As RunOptions.onStart, with what the rerun runs. */
  onStart?(header: RunStartRecord, start: RunStart, rerun: RerunInfo): RunListener | undefined | void;
}

/** What a rerun runs, as its configuration block shows it. */
export interface RerunInfo {
  readonly original: RunStartRecord;
  /** The original run's log, absolute. */
  readonly originalLogPath: string;
  /** Distinct cases chosen … */
  readonly cases: number;
  /** … of the distinct cases in the original log. */
  readonly ofCases: number;
  /** Items to run: cases times repeats. */
  readonly runs: number;
  readonly only: RerunOnly;
  /** Whether a selection narrowed the cases. */
  readonly selected: boolean;
  /** The config against the original run's (settings listed in `notCarried` and `converted` left out). */
  readonly configChanges: readonly ConfigChange[];
  /** Settings of the original run the pipeline has no place for: not used by the rerun. */
  readonly notCarried: readonly NotCarried[];
  /** Values the original log held as text (GoTaglio), converted to the type of the pipeline's default. */
  readonly converted: readonly Converted[];
  /** With `from`: the stage, and the stages whose outputs are reused, in pipeline order. */
  readonly from?: { readonly stage: string; readonly reused: readonly string[] };
  readonly repeat: number;
}

/** How `only` reads in messages. */
export const ONLY_TEXT: Readonly<Record<RerunOnly, string>> = { all: '', failed: 'failed or errored', errored: 'errored' };

/**
 * Runs the cases of an earlier run again, as `tagliots rerun` does: its pipeline (by name, from the
 * project config) with its resolved config plus `overrides`, on the cases of its log (not the suite
 * file). Resolves to the new run, or to a note when the original has no record to run again.
 */
export async function rerunRun(options: RerunOptions): Promise<RunResult | NothingToRun> {
  const place = runPlace(options);
  const { cwd } = place;
  wholeNumber('repeat', options.repeat, 1);
  const warn = (text: string) => options.onWarning?.(text);
  const cliOverrides = parseOverrideArgs(options.overrides ?? []);
  const git = readGitInfo(cwd);
  const project = await loadProject(cwd);
  const logPath = await resolveRun(options.runsDir ?? project.runsDir, options.run, cwd);
  const log = await readRunLog(logPath);
  const original = log.header;
  const shownLog = relative(cwd, logPath) || logPath;
  for (const warning of log.warnings) warn(`Note: ${warning}`);
  const spec = pipelineOfRun(project, original, shownLog);

  const defaults = spec.config ?? {};
  const overrides: Override[] = [];
  for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, cwd)));
  overrides.push(...cliOverrides);
  checkSecretsSupplied(original, overrides, 'rerun');
  const carried = carryOverConfig(spec, original, overrides, shownLog);

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
    return { status: 'nothing', note: `Nothing to rerun: run ${original.runId} ${what}.` };
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

  let from: RerunInfo['from'];
  const scratch: string[] = [];
  const multiTurn: string[] = [];
  let changes: ConfigChange[] = [];
  const { onStart } = options;
  // The run's own cache mode unless told otherwise: a run made with --cache off is rerun without it too.
  const cache = options.cache ?? cacheModeOf(original);

  return runSession(
    {
      project,
      spec,
      overrides,
      ...repeatOf(original, 'rerun'),
      base: carried.base,
      suite: { ...original.suite, count: chosen.length },
      ...(selection && { selection }),
      repeat,
      git,
      cases: (prepared) => {
        const stage = options.from;
        if (stage === undefined) return { items, total: items.length };
        const names = prepared.graph.nodes.map((node) => node.name);
        if (!names.includes(stage)) {
          const suggestion = closest(stage, names)[0];
          throw new PipelineError('E_STAGE_UNKNOWN', `Unknown stage '${stage}' for --from: pipeline '${spec.name}' has the stages ${oxfordJoin(names)}.`, {
            hint: suggestion ? `Did you mean '${suggestion}'?` : 'Name one of its stages.',
          });
        }
        const ancestors = ancestorsOf(prepared.graph.nodes, stage);
        const reused = names.filter((name) => ancestors.has(name));
        from = { stage, reused };
        const planned = items.map((item): RunItem => {
          if (ancestors.size === 0) return item;
          // Repeats of a run that had none all reuse its one record per case.
          const record = records.get(runKey(item.id, item.repeat)) ?? (original.repeat === undefined ? records.get(runKey(item.id, 0)) : undefined);
          const reuse = record ? reuseFrom(record, ancestors) : { ok: false as const, missing: reused };
          if (reuse.ok) return { ...item, reused: reuse.reused };
          if (reuse.multiTurn) {
            multiTurn.push(`${item.id}${item.repeat ? ` (repeat ${item.repeat})` : ''}`);
            return item;
          }
          scratch.push(`${item.id}${item.repeat ? ` (repeat ${item.repeat})` : ''}: ${reuse.missing.join(', ')}`);
          return item;
        });
        return { items: planned, total: planned.length };
      },
      beforeStart: (header) => {
        const shownElsewhere = new Set(carried.notCarried.map((n) => n.path));
        for (const c of carried.converted) if (deepEqual(getPath(header.config, c.path), c.to)) shownElsewhere.add(c.path);
        changes = configChanges(original.config, header.config).filter((change) => !shownElsewhere.has(change.path));
        if (carried.notCarried.length > 0) {
          const paths = carried.notCarried.map((n) => n.path);
          warn(
            `Note: ${formatCount(paths.length)} setting${paths.length === 1 ? '' : 's'} of run ${original.runId} ${paths.length === 1 ? 'is' : 'are'} not carried over (pipeline '${spec.name}' has no place for ${paths.length === 1 ? 'it' : 'them'}): ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, ... and ${paths.length - 5} more` : ''}.`,
          );
        }
        if (log.incomplete) {
          warn(`Note: run ${original.runId} is incomplete: only its ${formatCount(log.cases.length)} finished cases can be rerun (\`tagliots resume\` finishes it).`);
        }
        const warning = gitWarning(original.git, header.git, 'this rerun');
        if (warning) warn(warning);
        if (multiTurn.length > 0) {
          const shown = multiTurn.slice(0, 5).join(', ') + (multiTurn.length > 5 ? `, ... and ${multiTurn.length - 5} more` : '');
          warn(
            `Note: --from reuses no stage of a multi-turn case (each turn builds on the outputs of the turns before it), so ${multiTurn.length === 1 ? 'this case runs' : `these ${multiTurn.length} cases run`} from scratch, every turn: ${shown}`,
          );
        }
        if (scratch.length > 0) {
          const shown = scratch.slice(0, 5).map((line) => `\n  ${line}`).join('');
          const more = scratch.length > 5 ? `\n  ... and ${scratch.length - 5} more` : '';
          warn(
            `Note: ${scratch.length} case${scratch.length === 1 ? '' : 's'} ${scratch.length === 1 ? 'lacks' : 'lack'} an output --from ${options.from} needs (the stage did not complete in the original run), so ${scratch.length === 1 ? 'it runs' : 'they run'} from scratch:${shown}${more}`,
          );
        }
      },
    },
    {
      ...options,
      ...(cache && { cache }),
      onStart:
        onStart &&
        ((header, start) =>
          onStart(header, start, {
            original,
            originalLogPath: logPath,
            cases: chosen.length,
            ofCases: distinct.length,
            runs: items.length,
            only,
            selected: selection !== undefined,
            configChanges: changes,
            notCarried: carried.notCarried,
            converted: carried.converted,
            ...(from && { from }),
            repeat,
          })),
    },
    place,
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
