import type { CaseRecord, CaseStatus, RunCounts, RunEndRecord, RunStartRecord, RunStatus, Usage } from '../log/schema.ts';
import { addUsage } from '../log/usage.ts';
import { uniquePrefixLength } from '../util/ids.ts';

export type ColumnValue = string | number | boolean | null;

export interface SummaryRow {
  readonly caseId: string;
  readonly index: number;
  readonly status: CaseStatus;
  readonly passed: boolean | null;
  readonly score: number | null;
  readonly keywords: readonly string[];
  readonly columns: Readonly<Record<string, ColumnValue>>;
  /** `stage: message` of the failure, for errored cases. */
  readonly error: string | null;
}

export interface Summary {
  readonly runId: string;
  readonly pipeline: string;
  readonly columns: readonly string[];
  readonly hasPassed: boolean;
  readonly hasScore: boolean;
  readonly counts: RunCounts;
  /** The rows to show, in suite order. */
  readonly rows: readonly SummaryRow[];
  /** Rows left out because of the row limit. */
  readonly hiddenRows: number;
  /** Characters of case ids to show so that every id in the run stays unique. */
  readonly idPrefixLength: number;
  readonly meanScore: number | null;
  readonly usage: Usage | undefined;
  /** `incomplete` when the log has no run.end (crashed or still running). */
  readonly status: RunStatus | 'incomplete';
  readonly durationMs: number | null;
  readonly anyKeywords: boolean;
}

export interface SummaryBuilder {
  add(record: CaseRecord): void;
  finish(end: RunEndRecord | null): Summary;
}

export interface SummaryOptions {
  /** Most rows to keep; errored, cancelled and failed cases are kept first. @default Infinity */
  readonly maxRows?: number;
}

const needsAttention = (row: SummaryRow) => row.status !== 'complete' || row.passed === false;
const byIndex = (a: SummaryRow, b: SummaryRow) => a.index - b.index;

/**
 * Summarises a run from its records alone, as they stream in, in bounded memory: counts, score
 * mean and usage are accumulated; rows beyond `maxRows` are dropped, keeping the first ones (by
 * suite position) that need attention.
 */
export function createSummaryBuilder(header: RunStartRecord, options: SummaryOptions = {}): SummaryBuilder {
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const attention: SummaryRow[] = [];
  const others: SummaryRow[] = [];
  const ids: string[] = [];
  const counts: RunCounts = { total: header.suite.count, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 };
  let scoreSum = 0;
  let scored = 0;
  let usage: Usage | undefined;
  let anyKeywords = false;

  const keep = (list: SummaryRow[], row: SummaryRow) => {
    list.push(row);
    if (list.length >= 2 * maxRows && list.length > 64) {
      list.sort(byIndex);
      list.length = maxRows;
    }
  };

  return {
    add(record) {
      ids.push(record.caseId);
      counts[record.status]++;
      if (record.passed === true) counts.passed++;
      else if (record.status === 'complete' && record.passed === false) counts.failed++;
      if (record.score !== null) {
        scoreSum += record.score;
        scored++;
      }
      if (record.usage) usage = addUsage(usage, record.usage);
      const rawKeywords = record.case['keywords'];
      const keywords = Array.isArray(rawKeywords) ? rawKeywords.filter((k): k is string => typeof k === 'string').sort() : [];
      if (keywords.length > 0) anyKeywords = true;
      const row: SummaryRow = {
        caseId: record.caseId,
        index: record.index,
        status: record.status,
        passed: record.passed,
        score: record.score,
        keywords,
        columns: record.columns ?? {},
        error: record.error ? `${record.error.stage ?? 'case'}: ${record.error.message}` : null,
      };
      keep(needsAttention(row) ? attention : others, row);
    },
    finish(end) {
      attention.sort(byIndex);
      others.sort(byIndex);
      const shown = attention.slice(0, maxRows);
      shown.push(...others.slice(0, Math.max(0, maxRows - shown.length)));
      shown.sort(byIndex);
      const seen = counts.complete + counts.error + counts.cancelled;
      counts.notRun = Math.max(0, counts.total - seen);
      return {
        runId: header.runId,
        pipeline: header.pipeline.name,
        columns: header.pipeline.columns,
        hasPassed: header.pipeline.hasPassed,
        hasScore: header.pipeline.hasScore,
        counts,
        rows: shown,
        hiddenRows: seen - shown.length,
        idPrefixLength: uniquePrefixLength(ids),
        meanScore: scored > 0 ? scoreSum / scored : null,
        usage,
        status: end ? end.status : 'incomplete',
        durationMs: end ? end.durationMs : null,
        anyKeywords,
      };
    },
  };
}
