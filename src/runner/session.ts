/**
 * The session that owns one run, from its header to its `run.end`: the run's models and setup, the
 * header, the log file, the records a resume copies from the run it finishes, the run loop,
 * stopping on a signal, and the totals of the whole log. `runSuite`, rerun and resume all run
 * through it. It prints nothing: callers see the run through its hooks and its result.
 */
import { resolve } from 'node:path';
import type { Override } from '../config/overrides.ts';
import { redactArgs, redactConfig, redactDeltas } from '../config/secrets.ts';
import { runtimeInfo } from '../host.ts';
import type { CaseRecord, GitInfo, RunCounts, RunEndRecord, RunStartRecord, RunStatus, Usage } from '../log/schema.ts';
import { runLogPath } from '../log/store.ts';
import { countOutcome, RunTotals } from '../log/totals.ts';
import { LOG_VERSION } from '../log/version.ts';
import { createRunLogWriter } from '../log/writer.ts';
import type { CacheMode } from '../model/cache-mode.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { DEFAULT_CONCURRENCY } from '../project/config.ts';
import type { Project } from '../project/load.ts';
import type { Selection } from '../suite/select.ts';
import { uuidv7 } from '../util/ids.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import { toErrorInfo } from './error-info.ts';
import { executeRun, type RunControl, type RunItem, type RunListener } from './run.ts';
import { loadRunModels } from './run-models.ts';
import { prepareRun, type PreparedRun } from './setup.ts';

/** What to run: built by `runSuite`, rerun and resume. */
export interface RunPlan {
  readonly project: Project;
  readonly spec: PipelineSpec;
  readonly overrides: readonly Override[];
  /** A resolved config (of an earlier run) to start from instead of the pipeline defaults. */
  readonly base?: Record<string, unknown>;
  /** The suite as the header records it; `count` is the number of (selected) cases. */
  readonly suite: RunStartRecord['suite'];
  readonly mode: 'run' | 'rerun' | 'resume';
  readonly parentRunId: string | null;
  readonly selection?: Selection;
  /** Times each case runs; 1 (the default) records no repeat. */
  readonly repeat?: number;
  readonly git: Promise<GitInfo | null>;
  /**
   * The cases to run, asked for after setup (so they may depend on the stage graph) and before
   * anything is written; may throw. `total` counts items: cases times repeats.
   */
  cases(prepared: PreparedRun): RunCases | Promise<RunCases>;
  /** Finished records of an earlier log, copied into this one before any case runs (resume). */
  readonly copied?: CopiedRecords;
  /** The plan's own look at the header before anything is written (warnings); may throw. */
  beforeStart?(header: RunStartRecord): void;
}

export interface RunCases {
  readonly items: AsyncIterable<RunItem> | Iterable<RunItem>;
  readonly total: number;
}

export interface CopiedRecords {
  readonly count: number;
  records(): AsyncIterable<CaseRecord>;
}

/** Where a run writes and how many records it will hold: what the start hooks get with the header. */
export interface RunStart {
  /** The runs folder, absolute. */
  readonly runsDir: string;
  /** The run log, absolute: `<runsDir>/<runId>.jsonl`. */
  readonly logPath: string;
  /** Items this run runs (cases times repeats), not counting records copied from an earlier run. */
  readonly toRun: number;
  /** Case records the log holds once every item ran: the copied ones and `toRun`. */
  readonly total: number;
}

/** How a run is started, watched and stopped: the options run, rerun and resume share. */
export interface RunSessionOptions {
  /** The command line recorded in the log's header (secrets we know of are redacted). @default [] */
  readonly command?: readonly string[];
  /** The id of the new run. @default a new UUIDv7 */
  readonly runId?: string;
  /** The clock of the timestamps the log records (`startedAt`, `endedAt`). @default the system clock */
  readonly now?: () => Date;
  /** Cases in flight at once. @default the project config's `concurrency`, else 8 */
  readonly concurrency?: number;
  /** The folder the log is written to, relative to `cwd`. @default the project config's `runsDir`, else `runs/` */
  readonly runsDir?: string;
  /** The response cache of configured models. @default the project config's `cache.mode`, else `rw` */
  readonly cache?: CacheMode;
  /** Stop starting cases once model calls have cost this many US dollars (the run ends with status `budget`). */
  readonly maxCostUsd?: number;
  /**
   * Aborting it stops the run as a first Ctrl-C does: no case starts any more, and the running
   * cases get `graceMs` to finish before they are cancelled. The run ends with status `interrupted`.
   */
  readonly signal?: AbortSignal;
  /** Milliseconds running cases get after `signal` aborts, before they are cancelled. @default 5000 */
  readonly graceMs?: number;
  /** Aborting it cancels the running cases at once, as a second Ctrl-C does (no case starts any more either). */
  readonly cancelSignal?: AbortSignal;
  /**
   * Called with the header once the run is set up, before the log file is created: a last check.
   * Throwing (or rejecting) stops the run with nothing written.
   */
  beforeStart?(header: RunStartRecord, start: RunStart): void | Promise<void>;
  /**
   * Called once the header is written to the log, before any case starts. May return a listener
   * for the run's events (cases starting and ending, model notices).
   */
  onStart?(header: RunStartRecord, start: RunStart): RunListener | undefined | void;
  /**
   * Called with each case record as it is written to the log (those copied from an earlier run
   * first), and the counts so far (`notRun`: not run yet).
   */
  onProgress?(record: CaseRecord, counts: RunCounts): void;
}

/** Where a run happens: the working folder (relative paths, the header's `cwd`) and the environment (API keys). */
export interface RunPlace {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A finished run, as plain data. */
export interface RunResult {
  readonly runId: string;
  /** The run log, absolute. */
  readonly logPath: string;
  /** The log's first line. */
  readonly header: RunStartRecord;
  /** The log's last line. */
  readonly end: RunEndRecord;
  readonly status: RunStatus;
  readonly counts: RunCounts;
  /** Dollars the run's model calls cost, when any call had a price. */
  readonly costUsd?: number;
  /** Tokens the run's model calls used, when any call reported usage. */
  readonly usage?: Usage;
}

/**
 * Runs `plan`: sets the run up (every setup error is thrown before anything is written), writes the
 * header, the copied records and each finished case to the log, stops on the signals, and writes
 * `run.end` (also when tagliots itself fails mid-run: the log then says why it ends there).
 */
export async function runSession(plan: RunPlan, options: RunSessionOptions, place: RunPlace): Promise<RunResult> {
  const { project, spec } = plan;
  const { cwd } = place;
  const now = options.now ?? (() => new Date());
  const runId = options.runId ?? uuidv7();
  const runModels = await loadRunModels(project, { cwd, env: place.env, cache: options.cache });
  const prepared = await prepareRun({
    spec,
    overrides: plan.overrides,
    runId,
    cwd,
    projectRoot: project.root,
    models: runModels.models,
    ...(plan.base && { base: plan.base }),
  });
  runModels.check(prepared.modelsUsed);
  runModels.warm(prepared.modelsUsed);
  const { items, total: toRun } = await plan.cases(prepared);
  const total = (plan.copied?.count ?? 0) + toRun;
  const concurrency = options.concurrency ?? project.concurrency ?? DEFAULT_CONCURRENCY;
  const runsDir = resolve(cwd, options.runsDir ?? project.runsDir);
  const logPath = runLogPath(runsDir, runId);
  const repeat = plan.repeat ?? 1;
  const runtime = runtimeInfo();

  const header: RunStartRecord = {
    type: 'run.start',
    v: LOG_VERSION,
    runId,
    startedAt: now().toISOString(),
    command: redactArgs(options.command ?? []),
    cwd,
    pipeline: {
      name: spec.name,
      description: spec.description,
      stages: prepared.graph.nodes.map((node) => ({ name: node.name, inputs: [...node.inputs] })),
      columns: Object.keys(spec.columns ?? {}),
      hasPassed: typeof spec.passed === 'function',
      hasScore: typeof spec.score === 'function',
    },
    // A secret given as config (an API key on the command line) never reaches the log or the terminal.
    config: redactConfig(prepared.config as Record<string, unknown>),
    deltas: redactDeltas(prepared.deltas),
    suite: plan.suite,
    git: await plan.git,
    versions: { tagliots: TAGLIOTS_VERSION, node: runtime.node },
    platform: runtime.platform,
    concurrency,
    parentRunId: plan.parentRunId,
    ...(plan.mode !== 'run' && { mode: plan.mode }),
    ...(repeat > 1 && { repeat }),
    ...(plan.selection && { selection: selectionRecord(plan.selection) }),
    ...runModels.header(prepared.modelsUsed),
  };
  const start: RunStart = { runsDir, logPath, toRun, total };
  plan.beforeStart?.(header);
  await options.beforeStart?.(header, start);

  // Created before the start hook (which prints), so an unwritable runs folder fails with nothing half-done.
  const writer = createRunLogWriter(logPath);
  // The records copied from an earlier run: run.end covers them too.
  const copied = new RunTotals();
  // Outcomes of every record written, for onProgress.
  const counts: RunCounts = { total, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: total };
  // After a cancel the process may be killed at any moment (a third Ctrl-C): every record is then flushed as written.
  let flushEach = false;
  const write = (record: CaseRecord) => {
    writer.write(record);
    if (flushEach) writer.flush();
    if (!options.onProgress) return;
    countOutcome(counts, record);
    counts.notRun--;
    options.onProgress(record, { ...counts });
  };

  const { signal, cancelSignal } = options;
  const graceMs = options.graceMs ?? 5000;
  let control: RunControl | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const stopStarting = (c: RunControl) => {
    c.stopStarting();
    graceTimer = setTimeout(() => c.cancelInFlight(), graceMs);
    graceTimer.unref();
  };
  const onStop = () => {
    if (control) stopStarting(control);
  };
  const onCancel = () => {
    flushEach = true;
    writer.flush();
    control?.cancelInFlight();
  };
  signal?.addEventListener('abort', onStop, { once: true });
  cancelSignal?.addEventListener('abort', onCancel, { once: true });

  let end: RunEndRecord;
  try {
    if (cancelSignal?.aborted) onCancel();
    writer.write(header);
    const listener = options.onStart?.(header, start);
    if (plan.copied) {
      for await (const record of plan.copied.records()) {
        write(record);
        copied.add(record);
      }
    }
    end = await executeRun({
      prepared,
      header,
      cases: items,
      total: toRun,
      concurrency,
      ...(plan.copied && { copied }),
      ...(options.maxCostUsd !== undefined && { maxCostUsd: options.maxCostUsd }),
      artifactsDir: logPath.replace(/\.jsonl$/, '.artifacts'),
      listeners: [{ onCaseEnd: write }, ...(listener ? [listener] : [])],
      onControl: (c) => {
        control = c;
        // Stopped before the run loop started (while records were copied, or earlier).
        if (cancelSignal?.aborted) c.cancelInFlight();
        else if (signal?.aborted) stopStarting(c);
      },
    });
    end = { ...end, endedAt: now().toISOString() };
    writer.write(end);
  } catch (error) {
    // A failure of tagliots itself mid-run: record it so the log says why it ends here.
    writer.write({
      type: 'run.end',
      status: 'error',
      endedAt: now().toISOString(),
      durationMs: 0,
      counts: { total, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: total },
      error: toErrorInfo(error, null),
    });
    throw error;
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    signal?.removeEventListener('abort', onStop);
    cancelSignal?.removeEventListener('abort', onCancel);
    writer.close();
  }

  return {
    runId,
    logPath,
    header,
    end,
    status: end.status,
    counts: end.counts,
    ...(end.costUsd !== undefined && { costUsd: end.costUsd }),
    ...(end.usage && { usage: end.usage }),
  };
}

/** The selection as the header records it (only the criteria given). */
function selectionRecord(selection: Selection): NonNullable<RunStartRecord['selection']> {
  return {
    ...(selection.filter !== undefined && { filter: selection.filter }),
    ...(selection.ids !== undefined && selection.ids.length > 0 && { ids: [...selection.ids] }),
    ...(selection.limit !== undefined && { limit: selection.limit }),
    ...(selection.sample !== undefined && { sample: selection.sample, seed: selection.seed ?? 0 }),
    ...(selection.shard !== undefined && { shard: { ...selection.shard } }),
  };
}
