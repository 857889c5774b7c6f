/**
 * The summary of a run from its log alone, streamed: what `tagliots run` prints at the end and
 * `tagliots summarize` prints again.
 */
import { createKeywordBreakdown, type KeywordRow } from '../analysis/keyword-breakdown.ts';
import type { RepeatStats } from '../analysis/repeats.ts';
import { createSummaryBuilder, type Summary, type SummaryRow } from '../analysis/summary.ts';
import { processCwd } from '../host.ts';
import type { RunCounts, RunEndRecord, RunStartRecord, Usage } from '../log/schema.ts';
import type { Selection } from '../suite/select.ts';
import { shownPath } from '../util/paths.ts';
import { readRunLog, type ReadRunLogOptions, type RunLogReader } from './read-run-log.ts';

export interface SummarizeRunOptions extends ReadRunLogOptions {
  /** Add the per-keyword breakdown (`byKeyword`). */
  readonly byKeyword?: boolean;
  /** Most rows in `rows`; errors and failures come first. @default 100 */
  readonly maxRows?: number;
}

/** A run's summary: what summarizeRun() returns and `tagliots summarize --json` prints. */
export interface RunSummary {
  readonly runId: string;
  /** The log's path, relative to `cwd` when inside it. */
  readonly log: string;
  readonly pipeline: string;
  /** The suite file, as the run named it. */
  readonly suite: string;
  /** `incomplete` when the log has no run.end record. */
  readonly status: Summary['status'];
  /** True when the log has no run.end record (the run crashed, was killed or is still running). */
  readonly incomplete: boolean;
  /** The selection asked for, when there was one. */
  readonly selection?: Selection;
  /** With a selection: how many cases it kept, repetitions not counted. */
  readonly selectedCases?: number | null;
  /** Of the summarized case records (with a selection, the selected ones). */
  readonly counts: RunCounts;
  readonly meanScore: number | null;
  readonly usage: Usage | null;
  /** Cost summed over the cases that recorded one; null when none did. */
  readonly costUsd: number | null;
  readonly durationMs: number | null;
  /** Repetitions per case (`run --repeat`); 1 for a plain run. */
  readonly repeat: number;
  /** pass@k, pass^k and flaky cases, for a repeated run. */
  readonly repeats?: RepeatStats;
  /** One row per keyword, when asked for with `byKeyword`. */
  readonly byKeyword?: readonly KeywordRow[];
  /** Up to `maxRows` rows, errors and failures first, then in suite order. */
  readonly rows: readonly SummaryRow[];
  /** Rows left out by `maxRows`. */
  readonly hiddenRows: number;
  /** What was met reading the log (a truncated last line). */
  readonly warnings: readonly string[];
}

/** A summarized log with what the summary tables render from, besides the plain summary. */
export interface SummarizedLog {
  readonly summary: RunSummary;
  readonly header: RunStartRecord;
  readonly end: RunEndRecord | null;
  /** The summary as the summary table renders it. */
  readonly table: Summary;
}

/**
 * The summary of the run `ref` names (`latest`, a run-id prefix or a path), of its selected cases
 * when `selection` is given, computed from the log in one streaming pass (the selection may add
 * passes of its own). A selection's counts are its own; run.end gives only the status and the
 * duration.
 */
export async function summarizeRun(ref: string, options: SummarizeRunOptions = {}): Promise<RunSummary> {
  const log = await readRunLog(ref, options);
  return (await summarizeLog(log, { ...options, cwd: options.cwd ?? processCwd() })).summary;
}

/** summarizeRun() for a log already opened, with the parts the summary tables need. */
export async function summarizeLog(log: RunLogReader, options: SummarizeRunOptions & { readonly cwd: string }): Promise<SummarizedLog> {
  const { header } = log;
  const repeat = header.repeat ?? 1;
  const builder = createSummaryBuilder(header, {
    maxRows: options.maxRows ?? 100,
    ...(log.selectedCases !== null ? { total: () => (log.selectedCases ?? 0) * repeat } : {}),
  });
  const keywords = options.byKeyword ? createKeywordBreakdown({ hasPassed: header.pipeline.hasPassed }) : undefined;
  await log.forEachCase((record) => {
    builder.add(record);
    keywords?.add(record);
  });
  const end = await log.end();
  const table = builder.finish(end);
  const byKeyword = keywords?.finish();
  const summary: RunSummary = {
    runId: header.runId,
    log: shownPath(log.path, options.cwd),
    pipeline: header.pipeline.name,
    suite: header.suite.path,
    status: table.status,
    incomplete: end === null,
    ...(options.selection ? { selection: options.selection, selectedCases: log.selectedCases } : {}),
    counts: table.counts,
    meanScore: table.meanScore,
    usage: table.usage ?? null,
    costUsd: table.costUsd,
    durationMs: table.durationMs,
    repeat: table.repeat,
    ...(table.repeats ? { repeats: table.repeats } : {}),
    ...(byKeyword ? { byKeyword } : {}),
    rows: table.rows,
    hiddenRows: table.hiddenRows,
    warnings: [...log.warnings],
  };
  return { summary, header, end, table };
}
