import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDigestBuilder, compareRuns, type RunDigest } from '../analysis/compare.ts';
import {
  createReportRowsBuilder,
  permuteRows,
  reportComparison,
  reportRun,
  suiteOrder,
  type ReportComparison,
  type ReportRows,
  type ReportRun,
} from '../analysis/report-data.ts';
import { EXIT, UsageError, messageOf } from '../errors.ts';
import { readRunLogEnds, readRunLogRecords } from '../log/reader.ts';
import { createRecordBlockWriter, type RecordBlocks } from '../report/html/embed.ts';
import { formatCount } from '../report/format-value.ts';
import { renderReportChunks } from '../report/html/report-page.ts';
import type { Io } from '../util/io.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import { findRunLog, shownPath } from './log-input.ts';

export interface ReportOptions {
  /** `latest`, a run-id prefix or a path to a log. */
  readonly run: string;
  /** A run to compare with (A, the baseline; `run` is B). */
  readonly baseline?: string;
  /** The HTML file to write. @default `<run-id-prefix>.report.html` in the working directory */
  readonly out?: string;
  readonly runsDir?: string;
}

/** A run read for a page: its facts, its rows in log order, and optionally its records and digest. */
export interface LoadedRun {
  readonly run: ReportRun;
  readonly rows: ReportRows;
  readonly blocks: RecordBlocks | null;
  readonly digest: RunDigest | null;
}

export interface LoadRunOptions {
  /** Pack the full records into gzip blocks (for a report file). */
  readonly blocks?: boolean;
  /** Reduce the run for compareRuns. */
  readonly digest?: boolean;
}

/** Reads a whole run log once, streaming: rows, and the records and digest when asked for. */
export async function loadRun(path: string, cwd: string, options: LoadRunOptions = {}): Promise<LoadedRun> {
  const { header } = await readRunLogEnds(path);
  const rows = createReportRowsBuilder(header);
  const blocks = options.blocks ? createRecordBlockWriter() : null;
  const digest = options.digest ? createDigestBuilder(header) : null;
  const warnings: string[] = [];
  let end = null;
  for await (const { record } of readRunLogRecords(path, { onWarning: (w) => warnings.push(w) })) {
    if (record.type === 'case') {
      rows.add(record);
      blocks?.add(JSON.stringify(record));
      digest?.add(record);
    } else if (record.type === 'run.end') {
      end = record;
    }
  }
  const shown = shownPath(path, cwd);
  return {
    run: reportRun(header, end, { incomplete: end === null || warnings.length > 0, warnings, log: shown }),
    rows: rows.rows,
    blocks: blocks ? await blocks.finish() : null,
    digest: digest ? digest.finish(end, { path: shown, warnings }) : null,
  };
}

/** The comparison of B with its baseline A, for a page. Rows must be the ones the page gets. */
export function comparePages(a: LoadedRun, b: LoadedRun, rowsA: ReportRows, rowsB: ReportRows): ReportComparison {
  // maxRows 0: compareRuns lists only the changed cases; the page pairs every case itself.
  const comparison = compareRuns(a.digest!, b.digest!, { maxRows: 0 });
  return reportComparison(comparison, rowsA, rowsB);
}

/** The file name a report gets by default: the run id up to its millisecond timestamp. */
export function defaultReportName(runId: string): string {
  return `${runId.slice(0, 13).replace(/[^A-Za-z0-9-]/g, '_')}.report.html`;
}

/** `tagliots report <run> [--baseline <run>] [-o file]`: one self-contained HTML file. */
export async function reportCommand(options: ReportOptions, io: Io): Promise<number> {
  const path = await findRunLog(options.run, options.runsDir, io);
  const basePath = options.baseline === undefined ? undefined : await findRunLog(options.baseline, options.runsDir, io);
  const compare = basePath !== undefined;
  const [b, a] = await Promise.all([loadRun(path, io.cwd, { blocks: true, digest: compare }), basePath ? loadRun(basePath, io.cwd, { blocks: true, digest: true }) : null]);
  for (const loaded of [b, a]) {
    if (!loaded) continue;
    for (const warning of loaded.run.warnings) io.stderr.write(`Warning: ${warning}\n`);
    if (loaded.run.end === null) io.stderr.write(`Warning: ${loaded.run.log} has no run.end record (the run crashed, was killed or is still running): the report shows the cases it holds.\n`);
  }
  const rowsB = permuteRows(b.rows, suiteOrder(b.rows));
  const rowsA = a ? permuteRows(a.rows, suiteOrder(a.rows)) : null;
  const comparison = a && rowsA ? comparePages(a, b, rowsA, rowsB) : null;
  const runs = [{ run: b.run, rows: rowsB, blocks: b.blocks! }];
  if (a && rowsA) runs.push({ run: a.run, rows: rowsA, blocks: a.blocks! });
  const chunks = renderReportChunks(runs, comparison, { generator: `tagliots ${TAGLIOTS_VERSION}` });

  const out = resolve(io.cwd, options.out ?? defaultReportName(b.run.header.runId));
  writeChunks(out, chunks, options.out ?? out);
  const bytes = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  const cases = b.rows.id.length;
  io.stdout.write(`Report of ${b.run.header.runId} (${formatCount(cases)} case${cases === 1 ? '' : 's'}${a ? `, compared with ${a.run.header.runId}` : ''}) written to ${shownPath(out, io.cwd)} (${formatBytes(bytes)})\n`);
  return EXIT.ok;
}

function writeChunks(path: string, chunks: readonly string[], shown: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new UsageError('E_OUTPUT', `Cannot write ${shown}: ${messageOf(error)}`, { hint: 'Check that the folder exists and is writable.', cause: error });
  }
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
