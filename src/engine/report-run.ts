/**
 * Runs read for the report pages (`tagliots report`, `tagliots view`): a run's facts and rows, the
 * comparison of two runs as a page shows it, and a run followed while its log grows.
 */
import { compareDigests, createDigestBuilder, type RunDigest } from '../analysis/compare.ts';
import { createReportRowsBuilder, reportComparison, reportRun, type ReportComparison, type ReportRows, type ReportRowsBuilder, type ReportRun } from '../analysis/report-data.ts';
import { readRunLogEnds } from '../log/reader.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { tailRunLog, type TailHandlers } from '../log/tail.ts';
import { shownPath } from '../util/paths.ts';
import { openRunLog } from './read-run-log.ts';

/** A run read for a page: its facts, its rows in log order, and its digest when asked for. */
export interface LoadedRun {
  readonly run: ReportRun;
  readonly rows: ReportRows;
  readonly digest: RunDigest | null;
}

export interface LoadRunOptions {
  /** Reduce the run for comparePages() too. */
  readonly digest?: boolean;
  /** Called with each case record on the way (a report file embeds them all). */
  readonly onCase?: (record: CaseRecord) => void;
}

/** Reads the whole run log at `path` once, streaming; paths in the facts are shown relative to `cwd`. */
export async function loadRun(path: string, cwd: string, options: LoadRunOptions = {}): Promise<LoadedRun> {
  const log = await openRunLog(path);
  const rows = createReportRowsBuilder(log.header);
  const digest = options.digest ? createDigestBuilder(log.header) : null;
  await log.forEachCase((record) => {
    rows.add(record);
    options.onCase?.(record);
    digest?.add(record);
  });
  const end = await log.end();
  const warnings = [...log.warnings];
  const shown = shownPath(path, cwd);
  return {
    run: reportRun(log.header, end, { incomplete: end === null || warnings.length > 0, warnings, log: shown }),
    rows: rows.rows,
    digest: digest ? digest.finish(end, { path: shown, warnings }) : null,
  };
}

/**
 * The comparison of B with its baseline A, for a page; both loaded with `digest`. `rowsA` and
 * `rowsB` must be the rows the page gets (in the order it gets them).
 */
export function comparePages(a: LoadedRun, b: LoadedRun, rowsA: ReportRows, rowsB: ReportRows): ReportComparison {
  if (!a.digest || !b.digest) throw new Error('comparePages() needs runs loaded with { digest: true }');
  // maxRows 0: compareDigests lists only the changed cases; the page pairs every case itself.
  return reportComparison(compareDigests(a.digest, b.digest, { maxRows: 0 }), rowsA, rowsB);
}

/** A run read as its log grows: the rows so far, and where each case record's line is in the file. */
export interface FollowedRun {
  readonly path: string;
  readonly header: RunStartRecord;
  /** Reads what was appended to the log since the last call (all of it the first time). */
  refresh(): Promise<void>;
  /** The rows read so far, in log order. */
  readonly rows: ReportRowsBuilder;
  /** The run.end record, once read. */
  readonly end: RunEndRecord | null;
  /** The byte range of the line of the `n`th case record (0-based, in log order); undefined past the last. */
  caseLine(n: number): { readonly start: number; readonly end: number } | undefined;
  /** The run's facts as read so far. */
  facts(): ReportRun;
}

/** Follows the run log at `path` (read nothing until the first refresh()); paths are shown relative to `cwd`. */
export async function followRun(path: string, cwd: string): Promise<FollowedRun> {
  const { header } = await readRunLogEnds(path);
  const shown = shownPath(path, cwd);
  const tail = tailRunLog(path, shown);
  let rows = createReportRowsBuilder(header);
  let starts: number[] = [];
  let ends: number[] = [];
  let end: RunEndRecord | null = null;
  const handlers: TailHandlers = {
    onRestart() {
      rows = createReportRowsBuilder(header);
      starts = [];
      ends = [];
      end = null;
    },
    onRecord(record, start, stop) {
      if (record.type === 'case') {
        rows.add(record);
        starts.push(start);
        ends.push(stop);
      } else if (record.type === 'run.end') {
        end = record;
      }
    },
  };
  return {
    path,
    header,
    refresh: () => tail.read(handlers),
    get rows() {
      return rows;
    },
    get end() {
      return end;
    },
    caseLine: (n) => (n < starts.length ? { start: starts[n]!, end: ends[n]! } : undefined),
    facts: () => reportRun(header, end, { incomplete: end === null, warnings: tail.warnings, log: shown }),
  };
}
