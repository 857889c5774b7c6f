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
import { HashSet52, stringHash52 } from '../util/ids.ts';
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
  const repeated = createRepeatFinder();
  await log.forEachCase((record) => {
    builder.add(record);
    keywords?.add(record);
    repeated.add(record);
  });
  const duplicates = await repeated.count(log);
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
    warnings: [...log.warnings, ...(duplicates > 0 ? [duplicateWarning(shownPath(log.path, options.cwd), duplicates)] : [])],
  };
  return { summary, header, end, table };
}

/** Says that a log holds records for a (case, repeat) it already had: its counts include them. */
function duplicateWarning(shown: string, duplicates: number): string {
  const records = duplicates === 1 ? '1 record' : `${duplicates} records`;
  return `${shown} holds ${records} for a case and repeat it already has (it was written by two processes at once, or joined by hand): the counts include ${duplicates === 1 ? 'it' : 'them'}.`;
}

/** Suspected (case, repeat) keys confirmed against the log; past this many, a repeated hash counts as it is. */
const MAX_SUSPECTS = 10_000;

/**
 * Finds (case, repeat) pairs a log records more than once (the counts then add up to more than
 * the run's cases). Keeps 52-bit hashes, not the keys, so a million-case log costs a few MB; a
 * repeated hash is a suspect, confirmed by a second pass over the log, which only then happens.
 */
function createRepeatFinder() {
  const keyOf = (record: { caseId: string; repeat?: number | undefined }) => `${record.repeat ?? 0}:${record.caseId}`;
  const hashes = new HashSet52();
  const suspects = new Map<string, number>();
  let unconfirmed = 0;
  return {
    add(record: { caseId: string; repeat?: number | undefined }): void {
      const key = keyOf(record);
      if (hashes.add(stringHash52(key))) return;
      if (suspects.size < MAX_SUSPECTS || suspects.has(key)) suspects.set(key, 0);
      else unconfirmed++;
    },
    /** Records beyond the first of their (case, repeat). */
    async count(log: RunLogReader): Promise<number> {
      if (suspects.size === 0) return unconfirmed;
      await log.forEachCase((record) => {
        const key = keyOf(record);
        const seen = suspects.get(key);
        if (seen !== undefined) suspects.set(key, seen + 1);
      });
      let duplicates = unconfirmed;
      for (const seen of suspects.values()) duplicates += Math.max(0, seen - 1);
      return duplicates;
    },
  };
}
