import type { CaseRecord, ErrorInfo, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { RunTotals } from '../log/totals.ts';
import type { SuiteCase } from '../suite/load.ts';
import { nowMs, roundMs } from './clock.ts';
import { startCase, type CaseEnvironment, type CaseInput, type CaseRun, type ReusedStages } from './case.ts';
import { toErrorInfo } from './error-info.ts';
import type { PreparedRun } from './setup.ts';
import type { ModelEvent } from '../model/types.ts';

/** Receives the run's records as they happen: the log writer, the progress view, the summary. */
export interface RunListener {
  onRunStart?(header: RunStartRecord): void;
  onCaseStart?(info: { caseId: string; index: number }): void;
  onCaseEnd?(record: CaseRecord): void;
  onRunEnd?(end: RunEndRecord): void;
  /** Live notices from configured models: rate-limit waits, retries, finished calls. */
  onModelEvent?(event: ModelEvent): void;
}

/** One case to run: a suite case and, for repeats and reruns, its repetition and reused stages. */
export interface RunItem extends SuiteCase {
  /** Which repetition (run --repeat), from 0; recorded on the case record when given. */
  readonly repeat?: number;
  /** Stage outputs taken from an earlier run instead of being computed (rerun --from). */
  readonly reused?: ReusedStages;
}

/** How a run is stopped from outside (Ctrl-C). */
export interface RunControl {
  /** Stop starting cases; cases in flight may finish. */
  stopStarting(): void;
  /** Cancel the cases in flight now (their stages' signals are aborted). */
  cancelInFlight(): void;
  /**
   * The budget (`maxCostUsd`) stopped work the cases in flight asked for (batch mode leaves out of a
   * batch the requests that would pass it): no case starts any more, and the run ends with status budget.
   */
  budgetReached(): void;
  readonly stopped: boolean;
}

export interface ExecuteRunOptions {
  readonly prepared: PreparedRun;
  readonly header: RunStartRecord;
  readonly cases: AsyncIterable<RunItem> | Iterable<RunItem>;
  /** Cases to run (`cases` yields them); those never started are counted as notRun. */
  readonly total: number;
  /**
   * Totals of the records an earlier run finished, copied into this log before any case runs
   * (resume): run.end's counts, usage, cost and model calls then cover them too, while its status
   * depends on this run's cases alone.
   */
  readonly copied?: RunTotals;
  readonly concurrency: number;
  /**
   * Writes each finished case to the run log before anything else sees it, and returns the record
   * as the log holds it: the totals and the listeners get that one. Throwing stops the run (no case
   * starts any more, the running ones are cancelled, nothing more is recorded) and executeRun
   * rethrows once the running cases have ended.
   */
  readonly log?: (record: CaseRecord) => CaseRecord;
  readonly listeners: readonly RunListener[];
  /** Called with the control object as soon as the run starts, so signal handlers can use it. */
  onControl?(control: RunControl): void;
  /** Stop starting cases once model calls have cost this many US dollars (run --max-cost). */
  readonly maxCostUsd?: number;
  /** Where ctx.artifact() stores content (`<runs>/<run-id>.artifacts`); without it, artifacts fail. */
  readonly artifactsDir?: string;
  /** Replaces the secrets in play in the text of artifacts (see CaseEnvironment). */
  readonly scrub?: (text: string) => string;
  /**
   * Told whenever the cases in flight change: how many there are, and whether no other case can
   * start now (all workers busy, no case left, or the run stopping). Batch mode submits its queued
   * requests at once when every case in flight waits for a batch and none can start.
   */
  readonly activity?: (inFlight: number, saturated: boolean) => void;
}

/** How long the scheduler may keep the event loop busy before it yields, so signals and timers run. */
const YIELD_EVERY_MS = 16;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs every case with at most `concurrency` in flight, streaming each finished case to the
 * listeners, and returns the `run.end` record (also sent to the listeners).
 */
export async function executeRun(options: ExecuteRunOptions): Promise<RunEndRecord> {
  const { prepared, header, listeners } = options;
  const env: { -readonly [K in keyof CaseEnvironment]: CaseEnvironment[K] } = {
    runId: header.runId,
    spec: prepared.spec,
    graph: prepared.graph,
    config: prepared.config,
    models: prepared.models,
    artifactsDir: options.artifactsDir,
    scrub: options.scrub,
  };
  // Model calls: live cost for --max-cost, notices for the progress display, totals for run.end.
  const budget = options.maxCostUsd;
  const eventListeners = listeners.filter((listener) => listener.onModelEvent);
  let liveCostUsd = 0;
  let budgetReached = false;
  // Work of cases in flight was refused for the budget: the run ends with status budget even if every case started.
  let budgetRefused = false;
  if (budget !== undefined || eventListeners.length > 0) {
    env.onModelEvent = (event) => {
      if (event.type === 'call' && event.costUsd > 0) {
        liveCostUsd += event.costUsd;
        if (budget !== undefined && liveCostUsd >= budget && !budgetReached) {
          budgetReached = true;
          stopped = true;
        }
      }
      for (const listener of eventListeners) listener.onModelEvent!(event);
    };
  }
  const totals = new RunTotals();
  const inFlight = new Set<CaseRun>();
  let stopped = false;
  let cancelled = false;
  let runError: ErrorInfo | undefined;
  const startMs = nowMs();

  const control: RunControl = {
    stopStarting() {
      stopped = true;
    },
    cancelInFlight() {
      stopped = true;
      cancelled = true;
      for (const run of inFlight) run.cancel('interrupted');
    },
    budgetReached() {
      budgetReached = true;
      budgetRefused = true;
      stopped = true;
    },
    get stopped() {
      return stopped;
    },
  };
  options.onControl?.(control);
  for (const listener of listeners) listener.onRunStart?.(header);

  // The log failed (a full disk): what it threw, rethrown once the running cases have ended.
  let logFailure: { error: unknown } | undefined;
  const record = (caseRecord: CaseRecord) => {
    if (logFailure) return;
    let logged = caseRecord;
    if (options.log) {
      try {
        logged = options.log(caseRecord);
      } catch (error) {
        logFailure = { error };
        // Their results could not be recorded either: stop spending on them.
        control.cancelInFlight();
        return;
      }
    }
    totals.add(logged);
    for (const listener of listeners) listener.onCaseEnd?.(logged);
  };

  const source = options.cases;
  const iterator: AsyncIterator<RunItem> | Iterator<RunItem> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<RunItem>)[Symbol.asyncIterator]() : (source as Iterable<RunItem>)[Symbol.iterator]();
  let lastYield = performance.now();
  let sourceDone = false;
  const concurrency = Math.max(1, options.concurrency);
  const activity = options.activity ? () => options.activity!(inFlight.size, sourceDone || stopped || inFlight.size >= concurrency) : undefined;

  const worker = async (): Promise<void> => {
    while (!stopped) {
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
        if (stopped) return;
      }
      let next: IteratorResult<RunItem>;
      try {
        next = await iterator.next();
      } catch (error) {
        // The case source failed (a suite file changed or vanished mid-run). Cases already
        // started still finish and are recorded; the run ends with status error.
        runError ??= toErrorInfo(error, null, ['reading the suite']);
        stopped = true;
        return;
      }
      if (next.done || stopped) {
        if (next.done) sourceDone = true;
        activity?.();
        return;
      }
      const suiteCase = next.value;
      for (const listener of listeners) listener.onCaseStart?.({ caseId: suiteCase.id, index: suiteCase.index });
      const input: CaseInput = { index: suiteCase.index, id: suiteCase.id, case: suiteCase.case as never };
      const run = startCase(env, suiteCase.repeat === undefined && suiteCase.reused === undefined ? input : { ...input, repeat: suiteCase.repeat, reused: suiteCase.reused });
      inFlight.add(run);
      if (cancelled) run.cancel('interrupted');
      activity?.();
      const caseRecord = await run.done;
      inFlight.delete(run);
      record(caseRecord);
      activity?.();
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await (iterator as AsyncIterator<RunItem>).return?.();
  }
  if (logFailure) throw logFailure.error;

  // The status is this run's own; the totals cover the copied records too.
  const { notRun, cancelled: cancelledCases } = totals.counts(options.total);
  let whole = totals;
  if (options.copied) {
    whole = new RunTotals();
    whole.merge(options.copied);
    whole.merge(totals);
  }
  const endMs = nowMs();
  const end: RunEndRecord = {
    type: 'run.end',
    status: runError
      ? 'error'
      : budgetReached && (notRun > 0 || budgetRefused)
        ? 'budget'
        : stopped && (notRun > 0 || cancelledCases > 0)
          ? 'interrupted'
          : 'completed',
    endedAt: new Date(endMs).toISOString(),
    durationMs: roundMs(endMs - startMs),
    ...whole.endFields(options.total + (options.copied?.cases ?? 0)),
  };
  if (budget !== undefined) end.maxCostUsd = budget;
  if (runError) end.error = runError;
  for (const listener of listeners) listener.onRunEnd?.(end);
  return end;
}
