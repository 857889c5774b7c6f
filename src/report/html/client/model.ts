/**
 * A run as the page holds it: its facts, its column-oriented rows (report-data.ts), and what is
 * derived from the rows once per version (they grow while `tagliots view` follows a live run).
 */
import type { ColumnValue, ReportRows, ReportRun } from '../../../analysis/report-data.ts';
import type { CaseRecord, TurnRecord } from '../../../log/schema.ts';
import { h } from './dom.ts';
import type { RunData } from './boot.ts';
import type { CaseDetails } from './load.ts';

export interface RunModel {
  /** Replaced as a live run's facts change. */
  run: ReportRun;
  readonly rows: ReportRows;
  readonly details: CaseDetails;
  readonly role: 'run' | 'baseline';
  /** Rows so far. */
  n: number;
  /** Bumped on every append, so derived values are recomputed. */
  version: number;
  derivedData: Derived | null;
}

export interface Derived {
  readonly version: number;
  /** Per row: its index into `setLists` and `sets`. */
  readonly setIds: readonly number[];
  readonly sets: readonly ReadonlySet<string>[];
  readonly setLists: readonly (readonly string[])[];
  readonly anyKeywords: boolean;
  /** Row positions in suite order. */
  readonly order: readonly number[];
  /** Per row: its place in `order`. */
  readonly rank: Int32Array;
  /** Row position by caseKey(id, repeat). */
  readonly byKey: ReadonlyMap<string, number>;
  haystack: string[] | null;
}

export function createRunModel(data: RunData, details: CaseDetails, role: RunModel['role']): RunModel {
  return { run: data.run, rows: data.rows, details, role, n: data.rows.id.length, version: 0, derivedData: null };
}

/** The row arrays that hold one value per row (the columns and keyword sets are handled apart). */
const ROW_ARRAYS = ['id', 'index', 'repeat', 'status', 'passed', 'score', 'keywords', 'durationMs', 'start', 'cost', 'tokensIn', 'tokensOut', 'errorStage', 'errorMessage', 'line'] as const satisfies readonly (keyof ReportRows)[];

/** Appends a live run's new rows. */
export function appendRows(model: RunModel, more: ReportRows): void {
  const rows = model.rows;
  const before = model.n;
  for (const [name, values] of Object.entries(more.columns)) {
    const target = (rows.columns[name] ??= new Array<ColumnValue>(before).fill(null));
    for (const value of values) target.push(value);
  }
  // Append-only on the server: the new list extends the old one.
  rows.keywordSets = more.keywordSets;
  for (const key of ROW_ARRAYS) {
    const target = rows[key] as unknown[];
    for (const value of more[key] as readonly unknown[]) target.push(value);
  }
  model.n = rows.id.length;
  model.version++;
}

/** How the address names a case: its id, and its repeat when it is not the first. */
export function caseKey(id: string, repeat: number): string {
  return repeat === 0 ? id : `${id}\u0000${repeat}`;
}

/** Per-run values computed once per version of the rows: keyword sets, suite order, cases by id. */
export function derived(model: RunModel): Derived {
  if (model.derivedData && model.derivedData.version === model.version) return model.derivedData;
  const { rows, n } = model;
  const setLists = rows.keywordSets;
  const order = Array.from({ length: n }, (_, i) => i);
  const at = <T>(list: readonly T[], i: number): T => list[i] as T;
  order.sort((x, y) => at(rows.index, x) - at(rows.index, y) || at(rows.repeat, x) - at(rows.repeat, y) || at(rows.line, x) - at(rows.line, y));
  const rank = new Int32Array(n);
  order.forEach((i, p) => (rank[i] = p));
  const byKey = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = caseKey(at(rows.id, i), at(rows.repeat, i));
    if (!byKey.has(key)) byKey.set(key, i);
  }
  model.derivedData = {
    version: model.version,
    setIds: rows.keywords,
    sets: setLists.map((list) => new Set(list)),
    setLists,
    anyKeywords: setLists.some((list) => list.length > 0),
    order,
    rank,
    byKey,
    haystack: null,
  };
  return model.derivedData;
}

/** Lower-case text of each row for the search box: id, column values and the error. */
export function haystack(model: RunModel): string[] {
  const d = derived(model);
  if (!d.haystack) {
    const { rows, n } = model;
    const lists = Object.values(rows.columns);
    const text = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      let s = rows.id[i] ?? '';
      for (const list of lists) {
        const v = list[i];
        if (v !== null && v !== undefined) s += `\n${v}`;
      }
      const message = rows.errorMessage[i];
      if (message !== null && message !== undefined) s += `\n${rows.errorStage[i] ?? ''}: ${message}`;
      text[i] = s.toLowerCase();
    }
    d.haystack = text;
  }
  return d.haystack;
}

export type Verdict = 'passed' | 'failed' | 'error' | 'cancelled' | 'complete';

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = { passed: 'PASSED', failed: 'FAILED', error: 'ERROR', cancelled: 'CANCELLED', complete: 'COMPLETE' };

export function verdictOfRow(rows: ReportRows, i: number): Verdict {
  const status = rows.status[i];
  if (status === 1) return 'error';
  if (status === 2) return 'cancelled';
  return rows.passed[i] === 1 ? 'passed' : rows.passed[i] === 0 ? 'failed' : 'complete';
}

export function verdictOfRecord(record: Pick<CaseRecord, 'status' | 'passed'> | Pick<TurnRecord, 'status' | 'passed'>): Verdict {
  if (record.status === 'error') return 'error';
  if (record.status === 'cancelled') return 'cancelled';
  return record.passed === true ? 'passed' : record.passed === false ? 'failed' : 'complete';
}

export function badge(verdict: Verdict): HTMLElement {
  return h('span', { class: `badge ${verdict}`, text: VERDICT_TEXT[verdict] });
}

/** The start of a run id: its time part, which tells runs apart. */
export function shortId(id: string): string {
  return id.slice(0, 13);
}

export interface Totals {
  cases: number;
  passed: number;
  failed: number;
  error: number;
  cancelled: number;
  /** Cases with no verdict (a pipeline without passed()). */
  complete: number;
  /** Cases that ran to the end: passed, failed or without a verdict. */
  completed: number;
  scoreSum: number;
  scored: number;
  tokensIn: number;
  tokensOut: number;
  tokened: number;
  cost: number;
  costed: number;
  duration: number;
}

/** Counts and sums over the rows of `subset`, or over every row. */
export function totalsOf(model: RunModel, subset: readonly number[] | null): Totals {
  const { rows } = model;
  const t: Totals = { cases: 0, passed: 0, failed: 0, error: 0, cancelled: 0, complete: 0, completed: 0, scoreSum: 0, scored: 0, tokensIn: 0, tokensOut: 0, tokened: 0, cost: 0, costed: 0, duration: 0 };
  const visit = (i: number) => {
    t.cases++;
    const v = verdictOfRow(rows, i);
    t[v]++;
    if (v === 'passed' || v === 'failed' || v === 'complete') t.completed++;
    const score = rows.score[i];
    if (score !== null && score !== undefined) {
      t.scoreSum += score;
      t.scored++;
    }
    const tokensIn = rows.tokensIn[i];
    if (tokensIn !== null && tokensIn !== undefined) {
      t.tokensIn += tokensIn;
      t.tokensOut += rows.tokensOut[i] ?? 0;
      t.tokened++;
    }
    const cost = rows.cost[i];
    if (cost !== null && cost !== undefined) {
      t.cost += cost;
      t.costed++;
    }
    t.duration += rows.durationMs[i] ?? 0;
  };
  if (subset) for (const i of subset) visit(i);
  else for (let i = 0; i < model.n; i++) visit(i);
  return t;
}
