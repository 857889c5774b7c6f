/**
 * The data behind the HTML report and `tagliots view`: the run's header facts, and one compact row
 * per case record for the page's table and charts. Rows are column-oriented (one array per field),
 * so 100k cases are a few megabytes of JSON that parse fast, and the page sorts and filters them
 * without building an object per case. The full records stay out of this: the page loads them on
 * demand, by `line` (the record's position among the case records of the log).
 */
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import type { Comparison, RunDigest } from './compare.ts';

export type ColumnValue = string | number | boolean | null;

/** Longest column value or error message kept in a row; the case detail has the full text. */
export const MAX_CELL_CHARS = 300;

/** Case status codes in `ReportRows.status`. */
export const STATUS_CODES = { complete: 0, error: 1, cancelled: 2 } as const;

/** The facts the page header shows. */
export interface ReportRun {
  readonly header: RunStartRecord;
  readonly end: RunEndRecord | null;
  /** No run.end (crashed, killed or still running), or a truncated last line. */
  readonly incomplete: boolean;
  readonly warnings: readonly string[];
  /** The models the run used: its `models` profiles, else model names found in the config. */
  readonly models: readonly ReportModel[];
  /** Epoch milliseconds the rows' `start` and `end` are relative to (the run's start). */
  readonly t0: number;
  /** The log file, as shown to the user. */
  readonly log: string;
}

export interface ReportModel {
  readonly name: string;
  /** Where it was found: `models.<name>` or a config path such as `infer.model.name`. */
  readonly source: string;
  /** A short description: provider and model id of a profile. */
  readonly detail: string | null;
}

/** One entry per case record in every array. */
export interface ReportRows {
  id: string[];
  index: number[];
  repeat: number[];
  /** 0 complete, 1 error, 2 cancelled (STATUS_CODES). */
  status: number[];
  /** 1 passed, 0 failed, -1 not evaluated. */
  passed: number[];
  score: (number | null)[];
  /** Index into `keywordSets`. */
  keywords: number[];
  /** Each distinct sorted keyword list, once (append-only: a live run's later rows keep the indexes). */
  keywordSets: string[][];
  /** To 0.01 ms. */
  durationMs: number[];
  /** When the case started: milliseconds since `ReportRun.t0`, to 0.1 ms. It ended `durationMs` later. */
  start: number[];
  cost: (number | null)[];
  tokensIn: (number | null)[];
  tokensOut: (number | null)[];
  errorStage: (string | null)[];
  /** `Name: message`, cut to MAX_CELL_CHARS. */
  errorMessage: (string | null)[];
  /** The pipeline's summary columns, by name; strings cut to MAX_CELL_CHARS. */
  columns: Record<string, ColumnValue[]>;
  /** Position of the record among the case records of its log (file order, from 0). */
  line: number[];
}

export function emptyRows(columns: readonly string[]): ReportRows {
  return {
    id: [],
    index: [],
    repeat: [],
    status: [],
    passed: [],
    score: [],
    keywords: [],
    keywordSets: [],
    durationMs: [],
    start: [],
    cost: [],
    tokensIn: [],
    tokensOut: [],
    errorStage: [],
    errorMessage: [],
    columns: Object.fromEntries(columns.map((name) => [name, []])),
    line: [],
  };
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

function cut(text: string): string {
  return text.length <= MAX_CELL_CHARS ? text : `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
}

function keywordList(record: CaseRecord): string[] {
  const raw = record.case['keywords'];
  if (!Array.isArray(raw)) return [];
  return raw.filter((k): k is string => typeof k === 'string').sort();
}

/** The epoch milliseconds of the run's start, for relative case times. */
export function runStartMs(header: RunStartRecord): number {
  const parsed = Date.parse(header.startedAt);
  return Number.isFinite(parsed) ? parsed : 0;
}

/** Keyword list → its index in `rows.keywordSets`, for one rows object being built. */
const keywordIndexes = new WeakMap<ReportRows, Map<string, number>>();

function keywordSetIndex(rows: ReportRows, record: CaseRecord): number {
  const list = keywordList(record);
  const key = list.join('\u0001');
  let index = keywordIndexes.get(rows);
  if (!index) {
    index = new Map(rows.keywordSets.map((set, i) => [set.join('\u0001'), i]));
    keywordIndexes.set(rows, index);
  }
  let at = index.get(key);
  if (at === undefined) {
    at = rows.keywordSets.length;
    rows.keywordSets.push(list);
    index.set(key, at);
  }
  return at;
}

/** Appends one record to `rows`. `line` is its position among the log's case records. */
export function addRow(rows: ReportRows, record: CaseRecord, line: number, t0: number, columns: readonly string[]): void {
  rows.id.push(record.caseId);
  rows.index.push(record.index);
  rows.repeat.push(record.repeat ?? 0);
  rows.status.push(STATUS_CODES[record.status]);
  rows.passed.push(record.passed === true ? 1 : record.passed === false ? 0 : -1);
  rows.score.push(record.score);
  rows.keywords.push(keywordSetIndex(rows, record));
  rows.durationMs.push(round(record.durationMs, 2));
  rows.start.push(round(record.startMs - t0, 1));
  rows.cost.push(record.costUsd ?? null);
  rows.tokensIn.push(record.usage ? record.usage.inputTokens : null);
  rows.tokensOut.push(record.usage ? record.usage.outputTokens : null);
  rows.errorStage.push(record.error ? record.error.stage : null);
  rows.errorMessage.push(record.error ? cut(record.error.name && record.error.name !== 'Error' ? `${record.error.name}: ${record.error.message}` : record.error.message) : null);
  for (const name of columns) {
    let list = rows.columns[name];
    if (!list) rows.columns[name] = list = new Array<ColumnValue>(rows.id.length - 1).fill(null);
    const value = record.columns?.[name];
    list.push(value === undefined ? null : typeof value === 'string' ? cut(value) : value);
  }
  rows.line.push(line);
}

/** Rows from..end of `rows` (for the live view's increments), with every keyword set. */
export function sliceRows(rows: ReportRows, from: number): ReportRows {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(rows)) {
    out[key] = key === 'keywordSets' ? value : key === 'columns' ? Object.fromEntries(Object.entries(value as ReportRows['columns']).map(([name, list]) => [name, list.slice(from)])) : (value as unknown[]).slice(from);
  }
  return out as unknown as ReportRows;
}

/** The rows reordered by `order` (a permutation of row positions). */
export function permuteRows(rows: ReportRows, order: readonly number[]): ReportRows {
  const pick = <T>(list: readonly T[]) => order.map((i) => list[i]!);
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(rows)) {
    out[key] = key === 'keywordSets' ? value : key === 'columns' ? Object.fromEntries(Object.entries(value as ReportRows['columns']).map(([name, list]) => [name, pick(list)])) : pick(value as unknown[]);
  }
  return out as unknown as ReportRows;
}

/** Positions of the rows in suite order: by index, then repeat, then log order. */
export function suiteOrder(rows: ReportRows): number[] {
  const order = rows.id.map((_, i) => i);
  return order.sort((x, y) => rows.index[x]! - rows.index[y]! || rows.repeat[x]! - rows.repeat[y]! || rows.line[x]! - rows.line[y]!);
}

/** The models a run used: its `models` profiles when recorded, else model names in its config. */
export function modelsOf(header: RunStartRecord): ReportModel[] {
  const profiles = (header as { models?: unknown }).models;
  if (profiles && typeof profiles === 'object' && !Array.isArray(profiles)) {
    return Object.entries(profiles as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, profile]) => {
        const p = profile && typeof profile === 'object' ? (profile as Record<string, unknown>) : {};
        const parts = [p['provider'], p['model'] ?? p['deployment']].filter((v): v is string => typeof v === 'string');
        return { name, source: `models.${name}`, detail: parts.length > 0 ? parts.join(' ') : null };
      });
  }
  const found: ReportModel[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'string') {
      const last = path.at(-1)?.toLowerCase() ?? '';
      const parent = path.at(-2)?.toLowerCase() ?? '';
      if (last === 'model' || last === 'modelname' || last === 'model_name' || (last === 'name' && parent.endsWith('model'))) {
        found.push({ name: value, source: path.join('.'), detail: null });
      }
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
    }
  };
  walk(header.config, []);
  return found;
}

export interface ReportRunOptions {
  readonly incomplete: boolean;
  readonly warnings: readonly string[];
  readonly log: string;
}

export function reportRun(header: RunStartRecord, end: RunEndRecord | null, options: ReportRunOptions): ReportRun {
  return {
    header,
    end,
    incomplete: options.incomplete,
    warnings: options.warnings,
    models: modelsOf(header),
    t0: runStartMs(header),
    log: options.log,
  };
}

/** Builds the rows of one run as its records stream in (in log order). */
export interface ReportRowsBuilder {
  add(record: CaseRecord): void;
  /** Rows so far, in log order. */
  readonly rows: ReportRows;
  readonly size: number;
}

export function createReportRowsBuilder(header: RunStartRecord): ReportRowsBuilder {
  const columns = header.pipeline.columns;
  const t0 = runStartMs(header);
  const rows = emptyRows(columns);
  let line = 0;
  return {
    add(record) {
      addRow(rows, record, line++, t0, columns);
    },
    rows,
    get size() {
      return line;
    },
  };
}

/** Comparison categories, in the order the page lists them. */
export const PAIR_KINDS = ['regression', 'fix', 'changed', 'onlyA', 'onlyB', 'unchanged'] as const;
export type PairKind = (typeof PAIR_KINDS)[number];

/** The cases of two runs side by side: positions in A's and B's rows (-1: absent), and their kind. */
export interface ReportPairs {
  kind: number[];
  a: number[];
  b: number[];
}

/**
 * What the comparison view shows: compareDigests' statistics and verdict (without its per-case lists,
 * which the page rebuilds from `pairs`), and every case of either run, paired by (case id, repeat).
 */
export interface ReportComparison {
  readonly summary: Omit<Comparison, 'regressions' | 'fixes' | 'cases' | 'onlyA' | 'onlyB'> & {
    readonly regressionCount: number;
    readonly fixCount: number;
    readonly onlyACount: number;
    readonly onlyBCount: number;
  };
  readonly pairs: ReportPairs;
}

const pairKey = (id: string, repeat: number) => (repeat === 0 ? id : `${id}\u0000${repeat}`);

/**
 * Pairs the rows of A (the baseline) and B by (case id, repeat) and sorts them: regressions, fixes,
 * other changes (outcome or score), only in A, only in B, unchanged; each in suite order. The
 * regressions and fixes are compareDigests' own, so the page and `tagliots compare` agree.
 */
export function pairRows(a: ReportRows, b: ReportRows, comparison: Comparison): ReportPairs {
  const regressions = new Set(comparison.regressions.map((c) => pairKey(c.caseId, c.repeat)));
  const fixes = new Set(comparison.fixes.map((c) => pairKey(c.caseId, c.repeat)));
  // compareDigests lists only the changed cases when it did not list them all (maxRows).
  const changed = comparison.casesListed === 'changed' ? new Set(comparison.cases.map((c) => pairKey(c.caseId, c.repeat))) : null;
  const inA = new Map<string, number>();
  for (let i = 0; i < a.id.length; i++) {
    const key = pairKey(a.id[i]!, a.repeat[i]!);
    if (!inA.has(key)) inA.set(key, i);
  }
  const list: { kind: number; a: number; b: number; index: number; key: string }[] = [];
  const seenB = new Set<string>();
  for (let j = 0; j < b.id.length; j++) {
    const key = pairKey(b.id[j]!, b.repeat[j]!);
    if (seenB.has(key)) continue;
    seenB.add(key);
    const i = inA.get(key);
    let kind: PairKind;
    if (i === undefined) kind = 'onlyB';
    else if (regressions.has(key)) kind = 'regression';
    else if (fixes.has(key)) kind = 'fix';
    else if (changed ? changed.has(key) : rowsDiffer(a, i, b, j)) kind = 'changed';
    else kind = 'unchanged';
    list.push({ kind: PAIR_KINDS.indexOf(kind), a: i ?? -1, b: j, index: b.index[j]!, key });
  }
  for (const [key, i] of inA) if (!seenB.has(key)) list.push({ kind: PAIR_KINDS.indexOf('onlyA'), a: i, b: -1, index: a.index[i]!, key });
  list.sort((x, y) => x.kind - y.kind || x.index - y.index || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return { kind: list.map((p) => p.kind), a: list.map((p) => p.a), b: list.map((p) => p.b) };
}

/** Outcome or score differ (what compareDigests counts as changed), for when it listed every case. */
function rowsDiffer(a: ReportRows, i: number, b: ReportRows, j: number): boolean {
  const outcome = (rows: ReportRows, k: number) => (rows.status[k] !== 0 ? 2 : rows.passed[k] === 0 ? 1 : 0);
  return outcome(a, i) !== outcome(b, j) || a.score[i] !== b.score[j];
}

/** The comparison for the page, from compareDigests' result and both runs' rows. */
export function reportComparison(comparison: Comparison, a: ReportRows, b: ReportRows): ReportComparison {
  const { regressions, fixes, cases: _cases, onlyA, onlyB, ...rest } = comparison;
  return {
    summary: { ...rest, regressionCount: regressions.length, fixCount: fixes.length, onlyACount: onlyA.length, onlyBCount: onlyB.length },
    pairs: pairRows(a, b, comparison),
  };
}

export type { RunDigest };
