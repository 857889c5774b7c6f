/**
 * The session that owns one run, from its header to its `run.end`: the run's models and setup, the
 * header, the claim on its log and the log file, the records a resume copies from the run it
 * finishes, the run loop, stopping on a signal, and the totals of the whole log. `runSuite`, rerun and resume all run
 * through it. It prints nothing: callers see the run through its hooks and its result.
 */
import { resolve } from 'node:path';
import type { Override } from '../config/overrides.ts';
import { redactArgs, redactConfig, redactDeltas, secretsInConfig } from '../config/secrets.ts';
import { describeFileError, errnoCode, EXIT, LogError, messageOf, TagliotsError, type TagliotsErrorOptions } from '../errors.ts';
import { runtimeInfo } from '../host.ts';
import type { CaseRecord, ErrorInfo, GitInfo, RunCounts, RunEndRecord, RunStartRecord, RunStatus, Usage } from '../log/schema.ts';
import { claimRun } from '../log/claim.ts';
import { ensureRunsDir, runLogPath } from '../log/store.ts';
import { countOutcome, RunTotals } from '../log/totals.ts';
import { LOG_VERSION } from '../log/version.ts';
import { createRunLogWriter, MAX_LOG_NESTING, type RunLogWriter } from '../log/writer.ts';
import type { CacheMode } from '../model/cache-mode.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { DEFAULT_CONCURRENCY } from '../project/config.ts';
import type { Project } from '../project/load.ts';
import type { Selection } from '../suite/select.ts';
import { uuidv7 } from '../util/ids.ts';
import { shownPath } from '../util/paths.ts';
import { SecretScrubber } from '../util/scrub.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import { toErrorInfo } from './error-info.ts';
import { executeRun, type RunControl, type RunItem, type RunListener } from './run.ts';
import { loadRunModels } from './run-models.ts';
import { BatchCoordinator, type LiveBatch } from '../model/batch/batcher.ts';
import { BatchJournal, journalPath, readJournals } from '../model/batch/journal.ts';
import { BATCH_DEFAULTS, type BatchRunOptions } from '../model/batch/settings.ts';
import type { ModelEvent } from '../model/types.ts';
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
  /**
   * Batch mode, for a resume: the id the requests of the run are named after (the run it finishes)
   * and the batch journals of the runs before, whose batches it re-attaches to instead of paying
   * for their requests again. @default the new run's id, no journals
   */
  readonly batch?: { readonly runKey: string; readonly journals: readonly string[] };
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
  /** Called with each warning, as a line of text (say, that the code differs from a rerun run's). @default warnings are dropped */
  readonly onWarning?: (text: string) => void;
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
  /**
   * Scrubs the secrets in play from the log and the response cache; the run adds every key it can
   * see (environment, credentials files, its models') and its secret config values to it, so a
   * caller printing through the same scrubber never shows them either. @default a new one
   */
  readonly secrets?: SecretScrubber;
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
  /**
   * Batch mode: configured models queue their requests for the provider's Batch API (half the price,
   * answers within 24 hours) instead of sending them; `{ all: true }` batches every configured
   * model, and the mock models through a Batch API in memory, otherwise only the profiles that set
   * `batch`. See docs/models.md.
   */
  readonly batch?: BatchRunOptions;
  /** For tests: the wait between two looks at a running batch. @default a timer of the profile's `pollIntervalMs` */
  readonly batchSleep?: (ms: number, signal: AbortSignal) => Promise<void>;
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
  /**
   * Batch mode: the batches still running when the run ended (an interrupted run leaves them for
   * `resume`, which re-attaches to them). Absent when none are.
   */
  readonly batches?: readonly LiveBatch[];
}

/**
 * Runs `plan`: sets the run up (every setup error is thrown before anything is written), claims
 * the new log (src/log/claim.ts) and creates it holding the header, writes the copied records and
 * each finished case (a case the log cannot hold as that case's error), stops on the signals, and
 * writes `run.end` (also when tagliots itself fails mid-run: the log then says why it ends there,
 * and the error thrown has exit code 1 and says how to finish the run). A log that cannot be
 * written (a full disk) stops the run and is left without `run.end`. The claim is released
 * however the run ends.
 */
export async function runSession(plan: RunPlan, options: RunSessionOptions, place: RunPlace): Promise<RunResult> {
  const { project, spec } = plan;
  const { cwd } = place;
  const now = options.now ?? (() => new Date());
  const runId = options.runId ?? uuidv7();
  const secrets = options.secrets ?? new SecretScrubber();
  const runsDir = resolve(cwd, options.runsDir ?? project.runsDir);
  const logPath = runLogPath(runsDir, runId);
  // Batch mode's events reach the run's listener once it has one.
  let batchEvents: ((event: ModelEvent) => void) | undefined;
  const coordinator = new BatchCoordinator({
    runKey: plan.batch?.runKey ?? runId,
    journal: new BatchJournal(journalPath(logPath)),
    known: readJournals(plan.batch?.journals ?? []),
    onEvent: (event) => batchEvents?.(event),
    redact: (text) => secrets.text(text),
    ...(options.batchSleep && { sleep: options.batchSleep }),
    ...(options.maxCostUsd !== undefined && { maxCostUsd: options.maxCostUsd, onBudget: () => control?.budgetReached() }),
  });
  const runModels = await loadRunModels(project, { cwd, env: place.env, cache: options.cache, secrets, batch: { coordinator, options: options.batch ?? {} } });
  const prepared = await prepareRun({
    spec,
    overrides: plan.overrides,
    runId,
    cwd,
    projectRoot: project.root,
    models: runModels.models,
    ...(runModels.intercept && { interceptModels: runModels.intercept }),
    ...(plan.base && { base: plan.base }),
  });
  runModels.check(prepared.modelsUsed);
  for (const warning of runModels.warnings) options.onWarning?.(warning);
  runModels.warm(prepared.modelsUsed);
  const { items, total: toRun } = await plan.cases(prepared);
  const total = (plan.copied?.count ?? 0) + toRun;
  // Batch mode gathers as many requests as a batch takes: every case may be in flight at once.
  const usual = project.concurrency ?? DEFAULT_CONCURRENCY;
  const batchSize = options.batch?.settings?.maxRequests ?? BATCH_DEFAULTS.maxRequests;
  const batching = Object.values(runModels.header(prepared.modelsUsed).models ?? {}).some((model) => typeof model['batch'] === 'object' && model['batch'] !== null);
  const concurrency = options.concurrency ?? (batching ? Math.max(usual, Math.min(toRun, batchSize)) : usual);
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

  // Claimed and created before the start hook (which prints), so an unwritable runs folder fails
  // with nothing half-done. The claim comes first: a resume that finds this log finds it claimed.
  secrets.add(secretsInConfig(prepared.config));
  ensureRunsDir(runsDir);
  const claim = await claimRun({ logPath, runId, holder: { runId, mode: plan.mode }, now });
  let writer: RunLogWriter;
  try {
    writer = createRunLogWriter(logPath, { secrets, header });
  } catch (error) {
    claim.release();
    throw error;
  }
  // The records copied from an earlier run: run.end covers them too.
  const copied = new RunTotals();
  // Every record the log holds, copied or new: what run.end counts if the run fails midway.
  const written = new RunTotals();
  // Outcomes of every record written, for onProgress.
  const counts: RunCounts = { total, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: total };
  // After a cancel the process may be killed at any moment (a third Ctrl-C): every record is then flushed as written.
  let flushEach = false;
  /** Writes a case record (or, when the log cannot hold it, the case as an error) and returns what was written. */
  const write = (record: CaseRecord): CaseRecord => {
    let logged = record;
    try {
      writer.write(record);
    } catch (error) {
      if (!(error instanceof LogError && error.code === 'E_LOG_RECORD')) throw error;
      logged = unloggableCase(record, error);
      writer.write(logged);
    }
    if (flushEach) writer.flush();
    written.add(logged);
    if (options.onProgress) {
      countOutcome(counts, logged);
      counts.notRun--;
      options.onProgress(logged, { ...counts });
    }
    return logged;
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
    try {
      writer.flush();
    } catch {
      // A failed write is thrown again by the next one, which stops the run.
    }
    control?.cancelInFlight();
  };
  signal?.addEventListener('abort', onStop, { once: true });
  cancelSignal?.addEventListener('abort', onCancel, { once: true });

  let end: RunEndRecord;
  let failed = false;
  let batches: LiveBatch[];
  try {
    if (cancelSignal?.aborted) onCancel();
    const listener = options.onStart?.(header, start);
    if (listener?.onModelEvent) batchEvents = (event) => listener.onModelEvent!(event);
    if (plan.copied) {
      for await (const record of plan.copied.records()) copied.add(write(record));
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
      scrub: (text) => secrets.text(text),
      activity: (inFlight, saturated) => coordinator.activity(inFlight, saturated),
      log: write,
      listeners: listener ? [listener] : [],
      onControl: (c) => {
        control = c;
        // Stopped before the run loop started (while records were copied, or earlier).
        if (cancelSignal?.aborted) c.cancelInFlight();
        else if (signal?.aborted) stopStarting(c);
      },
    });
    // Batches still running are left for a resume to re-attach to, or cancelled when asked.
    batches = await coordinator.close({ cancel: end.status !== 'completed' && options.batch?.cancelOnInterrupt === true });
    end = { ...end, endedAt: now().toISOString() };
    writer.write(end);
  } catch (error) {
    failed = true;
    // A failure of tagliots itself mid-run: record it so the log says why it ends here, with the
    // counts of the records it holds. A log that cannot be written (a full disk) is left without
    // run.end: incomplete, which is what it is.
    if (!isLogWriteFailure(error)) {
      try {
        writer.write({ type: 'run.end', status: 'error', endedAt: now().toISOString(), durationMs: 0, ...written.endFields(total), error: toErrorInfo(error, null) });
      } catch {
        // The run failed already; that failure is the one to report.
      }
    }
    throw stoppedEarly(error, { runId, logPath: shownPath(logPath, cwd), mode: plan.mode, command: header.command });
  } finally {
    if (!coordinator.stop.signal.aborted) void coordinator.close();
    coordinator.options.journal.close();
    if (graceTimer) clearTimeout(graceTimer);
    signal?.removeEventListener('abort', onStop);
    cancelSignal?.removeEventListener('abort', onCancel);
    if (failed) {
      try {
        writer.close();
      } catch {
        // The run failed already; that failure says more.
      }
      claim.release();
    }
  }
  try {
    writer.close();
  } catch (error) {
    throw stoppedEarly(error, { runId, logPath: shownPath(logPath, cwd), mode: plan.mode, command: header.command });
  } finally {
    claim.release();
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
    ...(batches.length > 0 && { batches }),
  };
}

/** A write to the log that failed (a full or failing disk), as opposed to a record it refused. */
function isLogWriteFailure(error: unknown): boolean {
  return error instanceof LogError && error.code === 'E_LOG_WRITE';
}

/**
 * The error a run that stopped midway ends with: exit code 1 (something ran: not a usage error),
 * and a hint to finish the run. A failure that is not a TagliotsError is a bug, left as it is.
 */
function stoppedEarly(error: unknown, run: { runId: string; logPath: string; mode: RunPlan['mode']; command: readonly string[] }): unknown {
  if (!(error instanceof TagliotsError)) return error;
  const finish = run.mode === 'rerun' ? `start the rerun again: tagliots ${run.command.join(' ')}` : `finish the run: tagliots resume ${run.runId}`;
  if (isLogWriteFailure(error)) {
    return new LogError('E_LOG_WRITE', `Cannot write to run log ${run.logPath}: ${describeFileError(error.cause ?? error)}. The run stopped; the log keeps the cases written before.`, {
      cause: error,
      exitCode: EXIT.failure,
      hint: `${errnoCode(error.cause) === 'ENOSPC' || errnoCode(error.cause) === 'EDQUOT' ? 'Free some disk space' : 'Fix the problem'}, then ${finish}`,
    });
  }
  const Class = error.constructor as new (code: string, message: string, options: TagliotsErrorOptions) => TagliotsError;
  return new Class(error.code, `${error.message} The run stopped midway; its log ${run.logPath} keeps the cases finished before.`, {
    cause: error,
    exitCode: EXIT.failure,
    hint: `${error.hint ? `${error.hint}\nThen ` : 'Then '}${finish}`,
  });
}

/** Stands in for a case no log line can hold (nested too deep, or not JSON). */
const NOT_RECORDED = `[not recorded: nested deeper than ${MAX_LOG_NESTING} levels, or not JSON]`;

/**
 * What the log records of a case it cannot hold: the case as an error saying so, with the values
 * a log line cannot hold replaced by a note. What it spent is kept, so run.end still counts it.
 */
function unloggableCase(record: CaseRecord, problem: LogError): CaseRecord {
  const why =
    problem.cause === undefined
      ? `it nests deeper than ${MAX_LOG_NESTING} levels of objects and arrays, more than a run log holds`
      : `it holds a value JSON cannot represent (${messageOf(problem.cause)})`;
  const error: ErrorInfo = { name: 'LogError', code: 'E_LOG_RECORD', message: `The case could not be recorded as it ran: ${why}. Values past that point read ${NOT_RECORDED}.`, stage: null, context: [] };
  return { ...(loggable(record, 1) as CaseRecord), status: 'error', passed: null, score: null, error };
}

/** `value` as a log line can hold it: values nested too deep, and those JSON cannot represent, become NOT_RECORDED. */
function loggable(value: unknown, depth: number, ancestors: unknown[] = []): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'object') return value === undefined || typeof value === 'function' || typeof value === 'symbol' ? undefined : NOT_RECORDED;
  if (depth > MAX_LOG_NESTING || ancestors.includes(value)) return NOT_RECORDED;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    try {
      return loggable((value as { toJSON(): unknown }).toJSON(), depth, ancestors);
    } catch {
      return NOT_RECORDED;
    }
  }
  ancestors.push(value);
  let copy: unknown;
  if (Array.isArray(value)) {
    copy = value.map((item) => loggable(item, depth + 1, ancestors) ?? null);
  } else {
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const kept = loggable(item, depth + 1, ancestors);
      if (kept !== undefined) object[key] = kept;
    }
    copy = object;
  }
  ancestors.pop();
  return copy;
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
