/**
 * The self-contained report file: the page, with each run's compact rows (gzip + base64) and its
 * full case records in gzip blocks that the page opens one at a time, when a case is shown.
 */
import type { ReportComparison, ReportRows, ReportRun } from '../../analysis/report-data.ts';
import { gzipBase64, type RecordBlocks } from './embed.ts';
import { renderPageChunks } from './page.ts';
import type { SecretScrubber } from '../../util/scrub.ts';

export interface EmbeddedRun {
  readonly run: ReportRun;
  /** In the order the table starts in (suite order); `line` points into the blocks. */
  readonly rows: ReportRows;
  readonly blocks: RecordBlocks;
}

/** What the page's `#tg-data` holds (after gunzip): the runs (the run first, then its baseline) and their comparison. */
export interface ReportPageData {
  readonly runs: readonly { readonly run: ReportRun; readonly rows: ReportRows; readonly blockStarts: readonly number[] }[];
  readonly comparison: ReportComparison | null;
}

export interface ReportPageOptions {
  /** `tagliots <version>`, in the page's boot data. */
  readonly generator: string;
  readonly nonce?: string;
  /** The secrets in play, scrubbed from the page's data before it is compressed. */
  readonly secrets?: SecretScrubber;
}

export function renderReportChunks(runs: readonly EmbeddedRun[], comparison: ReportComparison | null, options: ReportPageOptions): string[] {
  const [main] = runs;
  if (!main) throw new Error('a report needs a run');
  const data: ReportPageData = {
    runs: runs.map((r) => ({ run: r.run, rows: r.rows, blockStarts: r.blocks.starts })),
    comparison,
  };
  const header = main.run.header;
  return renderPageChunks({
    title: `${header.pipeline.name} ${header.runId.slice(0, 13)}${comparison ? ' vs baseline' : ''} · tagliots report`,
    boot: { mode: 'static', generator: options.generator },
    blobs: [{ id: 'tg-data', parts: [gzipBase64(options.secrets ? options.secrets.json(data) : JSON.stringify(data))] }, ...runs.map((r, k) => ({ id: `tg-records-${k}`, parts: r.blocks.blocks, late: true }))],
    ...(options.nonce !== undefined && { nonce: options.nonce }),
  });
}
