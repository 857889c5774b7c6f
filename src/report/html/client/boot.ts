/**
 * What the page starts from: its boot data (`#tg-boot`, written by page.ts), the element it draws
 * into, and the shapes of the data it reads from the page itself or from `tagliots view`'s /api.
 */
import type { ReportComparison, ReportRows, ReportRun } from '../../../analysis/report-data.ts';
import type { HistoryEntry } from '../../../analysis/history.ts';
import type { PageBoot } from '../page.ts';

export type { PageBoot };

export const BOOT = JSON.parse(document.getElementById('tg-boot')?.textContent || '{}') as PageBoot;

/** The element the page draws into. */
export const app: HTMLElement = document.getElementById('app') ?? document.body;

/** One run as the page gets it: its facts and its rows. */
export interface RunData {
  readonly run: ReportRun;
  readonly rows: ReportRows;
}

/** `tagliots report`'s embedded data (report-page.ts's ReportPageData): the runs and the comparison. */
export interface EmbeddedData {
  readonly runs: readonly (RunData & { readonly blockStarts: readonly number[] })[];
  readonly comparison: ReportComparison | null;
}

/** `/api/compare/A/B`: B (the run) first, then A (its baseline). */
export interface CompareData {
  readonly runs: readonly [RunData, RunData];
  readonly comparison: ReportComparison;
}

/** `/api/runs`: the runs of the folder, newest first, without their local paths. */
export interface RunsListing {
  readonly runsDir: string;
  readonly runs: readonly Omit<HistoryEntry, 'path'>[];
}
