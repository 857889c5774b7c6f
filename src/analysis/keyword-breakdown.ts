import type { CaseRecord } from '../log/schema.ts';

export interface KeywordRow {
  /** null for the cases without keywords. */
  readonly keyword: string | null;
  /** Case records with the keyword (each repetition counts). */
  readonly cases: number;
  readonly complete: number;
  readonly errors: number;
  readonly passed: number;
  readonly failed: number;
  /** passed / cases; null when the pipeline has no passed(). */
  readonly passRate: number | null;
  /** Mean of the non-null scores; null when none. */
  readonly meanScore: number | null;
}

export interface KeywordBreakdown {
  add(record: CaseRecord): void;
  /** One row per keyword, sorted by keyword, then `(no keywords)` last. */
  finish(): KeywordRow[];
}

/** Counts per keyword (`summarize --by keyword`). A case with several keywords counts under each. */
export function createKeywordBreakdown(options: { readonly hasPassed: boolean }): KeywordBreakdown {
  type Acc = { cases: number; complete: number; errors: number; passed: number; failed: number; scoreSum: number; scored: number };
  const byKeyword = new Map<string | null, Acc>();
  const bump = (keyword: string | null, record: CaseRecord) => {
    let acc = byKeyword.get(keyword);
    if (!acc) {
      acc = { cases: 0, complete: 0, errors: 0, passed: 0, failed: 0, scoreSum: 0, scored: 0 };
      byKeyword.set(keyword, acc);
    }
    acc.cases++;
    if (record.status === 'complete') acc.complete++;
    if (record.status === 'error') acc.errors++;
    if (record.passed === true) acc.passed++;
    else if (record.status === 'complete' && record.passed === false) acc.failed++;
    if (record.score !== null) {
      acc.scoreSum += record.score;
      acc.scored++;
    }
  };
  return {
    add(record) {
      const raw = record.case['keywords'];
      const keywords = new Set(Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : []);
      if (keywords.size === 0) bump(null, record);
      for (const keyword of keywords) bump(keyword, record);
    },
    finish() {
      const keys = [...byKeyword.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
      return keys.map((keyword) => {
        const acc = byKeyword.get(keyword)!;
        return {
          keyword,
          cases: acc.cases,
          complete: acc.complete,
          errors: acc.errors,
          passed: acc.passed,
          failed: acc.failed,
          passRate: options.hasPassed && acc.cases > 0 ? acc.passed / acc.cases : null,
          meanScore: acc.scored > 0 ? acc.scoreSum / acc.scored : null,
        };
      });
    },
  };
}
