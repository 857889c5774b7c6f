import type { CaseRecord, ErrorInfo, RunCounts, RunEndRecord, RunStartRecord, Usage } from '../log/schema.ts';
import type { SuiteCase } from '../suite/load.ts';
import { addUsage } from '../log/usage.ts';
import { nowMs, roundMs } from './clock.ts';
import { startCase, type CaseEnvironment, type CaseRun } from './case.ts';
import { toErrorInfo } from './error-info.ts';
import type { PreparedRun } from './setup.ts';

/** Receives the run's records as they happen: the log writer, the progress view, the summary. */
export interface RunListener {
  onRunStart?(header: RunStartRecord): void;
  onCaseStart?(info: { caseId: string; index: number }): void;
  onCaseEnd?(record: CaseRecord): void;
  onRunEnd?(end: RunEndRecord): void;
}

/** How a run is stopped from outside (Ctrl-C). */
export interface RunControl {
  /** Stop starting cases; cases in flight may finish. */
  stopStarting(): void;
  /** Cancel the cases in flight now (their stages' signals are aborted). */
  cancelInFlight(): void;
  readonly stopped: boolean;
}

export interface ExecuteRunOptions {
  readonly prepared: PreparedRun;
  readonly header: RunStartRecord;
  readonly cases: AsyncIterable<SuiteCase> | Iterable<SuiteCase>;
  readonly total: number;
  readonly concurrency: number;
  readonly listeners: readonly RunListener[];
  /** Called with the control object as soon as the run starts, so signal handlers can use it. */
  onControl?(control: RunControl): void;
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
  const env: CaseEnvironment = {
    runId: header.runId,
    spec: prepared.spec,
    graph: prepared.graph,
    config: prepared.config,
    models: prepared.models,
  };
  const counts: RunCounts = { total: options.total, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 };
  let usage: Usage | undefined;
  const inFlight = new Set<CaseRun>();
  let stopped = false;
  let cancelled = false;
  let started = 0;
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
    get stopped() {
      return stopped;
    },
  };
  options.onControl?.(control);
  for (const listener of listeners) listener.onRunStart?.(header);

  const record = (caseRecord: CaseRecord) => {
    counts[caseRecord.status]++;
    if (caseRecord.passed === true) counts.passed++;
    else if (caseRecord.status === 'complete' && caseRecord.passed === false) counts.failed++;
    if (caseRecord.usage) usage = addUsage(usage, caseRecord.usage);
    for (const listener of listeners) listener.onCaseEnd?.(caseRecord);
  };

  const source = options.cases;
  const iterator: AsyncIterator<SuiteCase> | Iterator<SuiteCase> =
    Symbol.asyncIterator in source ? (source as AsyncIterable<SuiteCase>)[Symbol.asyncIterator]() : (source as Iterable<SuiteCase>)[Symbol.iterator]();
  let lastYield = performance.now();

  const worker = async (): Promise<void> => {
    while (!stopped) {
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
        if (stopped) return;
      }
      let next: IteratorResult<SuiteCase>;
      try {
        next = await iterator.next();
      } catch (error) {
        // The case source failed (a suite file changed or vanished mid-run). Cases already
        // started still finish and are recorded; the run ends with status error.
        runError ??= toErrorInfo(error, null, ['reading the suite']);
        stopped = true;
        return;
      }
      if (next.done || stopped) return;
      const suiteCase = next.value;
      started++;
      for (const listener of listeners) listener.onCaseStart?.({ caseId: suiteCase.id, index: suiteCase.index });
      const run = startCase(env, { index: suiteCase.index, id: suiteCase.id, case: suiteCase.case as never });
      inFlight.add(run);
      if (cancelled) run.cancel('interrupted');
      const caseRecord = await run.done;
      inFlight.delete(run);
      record(caseRecord);
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  } finally {
    await (iterator as AsyncIterator<SuiteCase>).return?.();
  }

  counts.notRun = Math.max(0, options.total - started);
  const endMs = nowMs();
  const end: RunEndRecord = {
    type: 'run.end',
    status: runError ? 'error' : stopped && (counts.notRun > 0 || counts.cancelled > 0) ? 'interrupted' : 'completed',
    endedAt: new Date(endMs).toISOString(),
    durationMs: roundMs(endMs - startMs),
    counts,
  };
  if (usage) end.usage = usage;
  if (runError) end.error = runError;
  for (const listener of listeners) listener.onRunEnd?.(end);
  return end;
}
