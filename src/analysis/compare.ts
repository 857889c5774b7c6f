/**
 * Comparing runs, from their logs alone. A run is first reduced to a digest: one compact row per
 * case record (id, repeat, outcome, error kind, score, duration, cost, tokens, keyword set) in typed
 * arrays, so a million-case log takes tens of megabytes rather than gigabytes. Two digests are then
 * aligned by (case id, repeat) and compared: GoTaglio's status transitions, regressions and fixes by
 * id, score, cost, token and latency deltas, config differences, a per-keyword breakdown, and the
 * paired statistics of stats.ts over cases (repeats of a case are averaged; records that ended in an
 * infrastructure error are left out and counted apart). Everything is deterministic: lists are
 * sorted, sums are exact, and random sign flips are seeded.
 */
import type { CaseRecord, GitInfo, RunCounts, RunEndRecord, RunStartRecord, RunStatus } from '../log/schema.ts';
import { flattenLeaves } from '../config/dotted.ts';
import { RunTotals } from '../log/totals.ts';
import { createExactSum } from '../util/exact-sum.ts';
import { deepEqual } from '../util/json.ts';
import { formatCount } from '../util/units.ts';
import { describeChange, describeCounts, describeP } from './compare-wording.ts';
import { errorKind } from './error-kind.ts';
import { toolCallLines } from './tool-calls.ts';
import { holm, pairedBinaryTest, quantileSorted, SIGN_FLIP_DEFAULTS, signFlipTest, type PairedTest } from './stats.ts';

/**
 * How a case ended, for comparing: `passed` (complete, not judged failed), `failed`, or `error`
 * (errored or cancelled; the digest's `infra` says whether for infrastructure reasons).
 */
export type Outcome = 'passed' | 'failed' | 'error';
/** In GoTaglio's order (0, 1, 2), which groups the comparison table. */
export const OUTCOMES: readonly Outcome[] = ['passed', 'failed', 'error'];
const PASS = 0;
const FAIL = 1;
const ERROR = 2;

/** What a comparison says about one run (from its header, its records and its run.end). */
export interface RunInfo {
  readonly runId: string;
  readonly path: string;
  readonly startedAt: string;
  readonly pipeline: string;
  readonly suite: { readonly path: string; readonly sha256: string; readonly count: number };
  readonly git: GitInfo | null;
  /** `incomplete` when the log has no run.end. */
  readonly status: RunStatus | 'incomplete';
  readonly hasPassed: boolean;
  readonly hasScore: boolean;
  readonly repeat: number;
  readonly selection: NonNullable<RunStartRecord['selection']> | null;
  /** The shard runs a merged log was made from. */
  readonly mergedFrom: readonly string[] | null;
  /** Over the records read (after --filter/--ids). `total` is the cases times repeats the run covers. */
  readonly counts: RunCounts;
  /** Records that did not complete, by why (src/analysis/error-kind.ts); cancelled ones are infrastructure. */
  readonly errors: { readonly pipeline: number; readonly infrastructure: number };
  /**
   * The shards of `--shard i/n` the log covers: one for a shard run, those merged for a merged log
   * (`merged` in order); null for a run of the whole suite.
   */
  readonly shards: { readonly count: number; readonly merged: readonly number[] } | null;
  readonly meanScore: number | null;
  /** Summed over the records that recorded a cost; null when none did. */
  readonly costUsd: number | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  /** Reader warnings (a truncated last line) and duplicate records. */
  readonly warnings: readonly string[];
}

/**
 * Case ids packed as UTF-8 bytes: id i is `bytes[offsets[i]..offsets[i + 1])`. A million UUIDs take
 * 40 MB outside the JavaScript heap instead of a million strings inside it, and move between
 * threads without copying.
 */
export interface PackedIds {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

/**
 * One run reduced to a row per case record, in typed arrays (transferable between threads). The
 * arrays may be longer than `size`; rows are `0..size-1`, in the log's order.
 */
export interface RunDigest {
  readonly header: RunStartRecord;
  readonly info: RunInfo;
  readonly size: number;
  readonly ids: PackedIds;
  readonly repeats: Int32Array;
  /** Position in the suite. */
  readonly indexes: Int32Array;
  readonly outcomes: Uint8Array;
  /** 1 for a record that ended in an infrastructure error (see error-kind.ts), else 0. */
  readonly infra: Uint8Array;
  /** NaN: no score. */
  readonly scores: Float64Array;
  readonly durations: Float32Array;
  /** NaN: no cost recorded. */
  readonly costs: Float64Array;
  /** NaN: no usage recorded. */
  readonly inputTokens: Float32Array;
  readonly outputTokens: Float32Array;
  /** Index into keywordSets: each distinct sorted keyword list is stored once. */
  readonly keywordSet: Int32Array;
  readonly keywordSets: readonly (readonly string[])[];
  /** Index into toolCallSets (see tool-calls.ts); -1: the record ran no tool loop. */
  readonly toolCallSet: Int32Array;
  readonly toolCallSets: readonly (readonly string[])[];
}

export interface DigestBuilder {
  add(record: CaseRecord): void;
  finish(end: RunEndRecord | null, source: { readonly path: string; readonly warnings?: readonly string[] }): RunDigest;
}

export interface DigestOptions {
  /** Records to keep (--filter, --ids); the others are not read into the digest. */
  readonly keep?: (record: CaseRecord) => boolean;
}

const buffers = new WeakMap<Uint8Array, Buffer>();

/** The id of row `i`. */
export function idAt(ids: PackedIds, i: number): string {
  let buffer = buffers.get(ids.bytes);
  if (!buffer) buffers.set(ids.bytes, (buffer = Buffer.from(ids.bytes.buffer, ids.bytes.byteOffset, ids.bytes.byteLength)));
  return buffer.toString('utf8', ids.offsets[i], ids.offsets[i + 1]);
}

/** The typed arrays of a digest, to transfer it to another thread without copying. */
export function digestBuffers(d: RunDigest): ArrayBuffer[] {
  return [d.ids.bytes, d.ids.offsets, d.repeats, d.indexes, d.outcomes, d.infra, d.scores, d.durations, d.costs, d.inputTokens, d.outputTokens, d.keywordSet, d.toolCallSet].map((a) => a.buffer as ArrayBuffer);
}

export function outcomeCode(record: Pick<CaseRecord, 'status' | 'passed'>): number {
  if (record.status !== 'complete') return ERROR;
  return record.passed === false ? FAIL : PASS;
}

/** The shards a log covers: its own for a shard run, the merged ones for a merged log. */
function shardsOf(header: RunStartRecord): RunInfo['shards'] {
  if (header.shards) return { count: header.shards.count, merged: [...header.shards.merged] };
  const own = header.selection?.shard;
  return own ? { count: own.count, merged: [own.index] } : null;
}

/** Reduces a run's records, as they stream in, to a digest. */
export function createDigestBuilder(header: RunStartRecord, options: DigestOptions = {}): DigestBuilder {
  const repeat = header.repeat ?? 1;
  let capacity = Math.max(16, header.suite.count * repeat);
  let size = 0;
  let idBytes = new Uint8Array(capacity * 40);
  let idOffsets = new Uint32Array(capacity + 1);
  let idUsed = 0;
  const encoder = new TextEncoder();
  let repeats = new Int32Array(capacity);
  let indexes = new Int32Array(capacity);
  let outcomes = new Uint8Array(capacity);
  let infra = new Uint8Array(capacity);
  let scores = new Float64Array(capacity);
  let durations = new Float32Array(capacity);
  let costs = new Float64Array(capacity);
  let inputTokens = new Float32Array(capacity);
  let outputTokens = new Float32Array(capacity);
  let keywordSet = new Int32Array(capacity);
  const keywordSets: string[][] = [];
  const keywordIndex = new Map<string, number>();
  let toolCallSet = new Int32Array(capacity);
  const toolCallSets: string[][] = [];
  const toolCallIndex = new Map<string, number>();
  const totals = new RunTotals();
  const scoreSum = createExactSum();
  let scored = 0;
  let filtered = false;
  const errors = { pipeline: 0, infrastructure: 0 };

  const grow = <T extends Int32Array | Uint32Array | Uint8Array | Float32Array | Float64Array>(array: T, length: number, used = size): T => {
    const next = new (array.constructor as new (n: number) => T)(length);
    next.set(array.subarray(0, used));
    return next;
  };
  const resize = (length: number) => {
    capacity = length;
    idOffsets = grow(idOffsets, length + 1, size + 1);
    repeats = grow(repeats, length);
    indexes = grow(indexes, length);
    outcomes = grow(outcomes, length);
    infra = grow(infra, length);
    scores = grow(scores, length);
    durations = grow(durations, length);
    costs = grow(costs, length);
    inputTokens = grow(inputTokens, length);
    outputTokens = grow(outputTokens, length);
    keywordSet = grow(keywordSet, length);
    toolCallSet = grow(toolCallSet, length);
  };

  const keywordsOf = (record: CaseRecord): number => {
    const raw = record.case['keywords'];
    let key = '';
    if (Array.isArray(raw) && raw.length > 0) {
      let strings = true;
      for (const k of raw) if (typeof k !== 'string') strings = false;
      const list = (strings ? [...raw] : raw.filter((k) => typeof k === 'string')) as string[];
      key = list.length === 1 ? list[0]! : list.sort().join('\u0001');
    }
    let at = keywordIndex.get(key);
    if (at === undefined) {
      at = keywordSets.length;
      keywordSets.push(key === '' ? [] : key.split('\u0001'));
      keywordIndex.set(key, at);
    }
    return at;
  };

  const toolCallsOf = (record: CaseRecord): number => {
    const lines = toolCallLines(record);
    if (lines === null) return -1;
    // A JSON line holds no raw NUL: it separates the calls of the key.
    const key = lines.join('\u0000');
    let at = toolCallIndex.get(key);
    if (at === undefined) {
      at = toolCallSets.length;
      toolCallSets.push(lines);
      toolCallIndex.set(key, at);
    }
    return at;
  };

  return {
    add(record) {
      if (options.keep && !options.keep(record)) {
        filtered = true;
        return;
      }
      if (size === capacity) resize(Math.ceil(capacity * 1.5));
      const i = size++;
      const id = record.caseId;
      if (idUsed + 3 * id.length > idBytes.length) idBytes = grow(idBytes, Math.max(Math.ceil(idBytes.length * 1.5), idUsed + 3 * id.length), idUsed);
      let k = 0;
      // ASCII (every UUID) is copied directly; anything else goes through the encoder.
      for (; k < id.length; k++) {
        const c = id.charCodeAt(k);
        if (c >= 0x80) break;
        idBytes[idUsed + k] = c;
      }
      idUsed += k < id.length ? k + encoder.encodeInto(id.slice(k), idBytes.subarray(idUsed + k)).written : k;
      idOffsets[i + 1] = idUsed;
      repeats[i] = record.repeat ?? 0;
      indexes[i] = record.index;
      const outcome = outcomeCode(record);
      outcomes[i] = outcome;
      const kind = errorKind(record);
      infra[i] = kind === 'infrastructure' ? 1 : 0;
      if (kind !== null) errors[kind]++;
      totals.add(record);
      scores[i] = record.score ?? Number.NaN;
      if (record.score !== null) {
        scoreSum.add(record.score);
        scored++;
      }
      durations[i] = record.durationMs;
      costs[i] = record.costUsd ?? Number.NaN;
      inputTokens[i] = record.usage ? record.usage.inputTokens : Number.NaN;
      outputTokens[i] = record.usage ? record.usage.outputTokens : Number.NaN;
      keywordSet[i] = keywordsOf(record);
      toolCallSet[i] = toolCallsOf(record);
    },
    finish(end, source) {
      // Give back what the header's count over-reserved (a filtered or partial run).
      if (capacity > size * 1.25 + 16) resize(size);
      if (idBytes.length > idUsed * 1.25 + 64) idBytes = grow(idBytes, idUsed, idUsed);
      const seen = totals.cases;
      const usage = totals.usage;
      const info: RunInfo = {
        runId: header.runId,
        path: source.path,
        startedAt: header.startedAt,
        pipeline: header.pipeline.name,
        suite: { path: header.suite.path, sha256: header.suite.sha256, count: header.suite.count },
        git: header.git,
        status: end ? end.status : 'incomplete',
        hasPassed: header.pipeline.hasPassed,
        hasScore: header.pipeline.hasScore,
        repeat,
        selection: header.selection ?? null,
        mergedFrom: header.mergedFrom ?? null,
        counts: totals.counts(filtered ? seen : Math.max(seen, header.suite.count * repeat)),
        errors: { ...errors },
        shards: shardsOf(header),
        meanScore: scored > 0 ? scoreSum.value() / scored : null,
        costUsd: totals.costUsd ?? null,
        inputTokens: usage ? usage.inputTokens : null,
        outputTokens: usage ? usage.outputTokens : null,
        warnings: [...(source.warnings ?? [])],
      };
      return { header, info, size, ids: { bytes: idBytes, offsets: idOffsets }, repeats, indexes, outcomes, infra, scores, durations, costs, inputTokens, outputTokens, keywordSet, keywordSets, toolCallSet, toolCallSets };
    },
  };
}


/** A case record, named by id and repeat, with its position in the suite. */
export interface CaseRef {
  readonly caseId: string;
  readonly repeat: number;
  readonly index: number;
}

/** A common case: its outcome and score in A and in B. */
export interface CaseChange extends CaseRef {
  readonly a: Outcome;
  readonly b: Outcome;
  /** True when the record errored for infrastructure reasons in A (B): neither a regression nor a fix. */
  readonly infraA?: true;
  readonly infraB?: true;
  readonly scoreA: number | null;
  readonly scoreB: number | null;
  /** B − A, when both have a score. */
  readonly scoreDelta: number | null;
  /** The case's keywords in A, sorted. */
  readonly keywords: readonly string[];
}

/** A common case whose tool calls differ between the runs (see tool-calls.ts for the lines). */
export interface ToolCallChange extends CaseRef {
  readonly a: Outcome;
  readonly b: Outcome;
  /** The calls in A, in order; null when A ran no tool loop for the case. */
  readonly callsA: readonly string[] | null;
  readonly callsB: readonly string[] | null;
}

/** The common cases whose tool calls differ, when either run used tools. */
export interface ToolCallComparison {
  /** Common case records whose tool calls differ. */
  readonly changed: number;
  /** The first `maxRows` of them, in suite order. */
  readonly cases: readonly ToolCallChange[];
}

export interface Transition {
  readonly from: Outcome;
  readonly to: Outcome;
  readonly count: number;
}

/** A quantity in A and B, over the common cases, and B − A. */
export interface Delta {
  readonly a: number | null;
  readonly b: number | null;
  readonly delta: number | null;
}

export interface KeywordComparison {
  readonly keyword: string;
  /** Common case records with the keyword (in A). */
  readonly cases: number;
  readonly passedA: number;
  readonly passedB: number;
  readonly passRateA: number;
  readonly passRateB: number;
  readonly regressions: number;
  readonly fixes: number;
  /**
   * The paired test of the comparison's main metric over the cases with the keyword, one-sided in
   * the direction the keyword moved (null: no case to test), and that p-value adjusted by Holm's
   * method over every keyword row. `significant` is set only when the adjusted p is below alpha:
   * other rows are within noise, however large their change looks.
   */
  readonly p: number | null;
  readonly pAdjusted: number | null;
  readonly significant: 'worse' | 'better' | null;
}

/** A config value that differs; a side without the key has no `a` (or `b`). */
export interface ConfigDifference {
  readonly path: string;
  readonly a?: unknown;
  readonly b?: unknown;
}

export type VerdictKind = 'worse' | 'better' | 'not-significant' | 'no-change' | 'same-run' | 'no-common-cases';

export interface Verdict {
  readonly kind: VerdictKind;
  /**
   * One line in plain words, e.g. "B is worse: pass rate −5.3 pts (90% CI −9.8 to −0.9), 40
   * regressions vs 23 fixes, p = 0.021 (one-sided)". The same line in every output.
   */
  readonly text: string;
}

/** What is compared: the pass rate (pipelines with passed()) or the mean score (with score()). */
export type Metric = 'pass' | 'score';

/** A paired test of one metric, and what it concludes at its level. */
export interface MetricComparison extends PairedTest {
  readonly metric: Metric;
  /** `worse` when pWorse < alpha, `better` when pBetter < alpha (alpha already split between the tests judged together). */
  readonly significant: 'worse' | 'better' | null;
}

/**
 * The paired statistics of a comparison, over the cases both runs have. A case counts once, its
 * repeats averaged; records that ended in an infrastructure error are left out.
 */
export interface ComparisonStatistics {
  /** The significance level asked for: each direction ("worse", "better") is tested at it. */
  readonly alpha: number;
  /**
   * Tests judged together (the metrics of this comparison, times the runs compared with one
   * baseline): each gets alpha / tests (Bonferroni), so that its interval and its verdict agree.
   */
  readonly tests: number;
  /** Cases compared (with a record that did not fail for infrastructure reasons in both runs). */
  readonly cases: number;
  /** Records per case: the larger repeat count of the two runs. */
  readonly repeats: number;
  /** The pass rate, when either run's pipeline defines passed(). */
  readonly pass: MetricComparison | null;
  /** The mean score, when either run's pipeline defines score() and a case has one on both sides. */
  readonly score: MetricComparison | null;
  /** The metric keywords are tested on: `pass` when there is one, else `score`. */
  readonly primary: Metric | null;
  /** Common records left out because they ended in an infrastructure error in A, in B. */
  readonly excluded: { readonly a: number; readonly b: number };
  /** The score of a pipeline error: 0, or the lowest score either run recorded when that is lower (null: no score). */
  readonly errorScore: number | null;
}

export interface Comparison {
  readonly a: RunInfo;
  readonly b: RunInfo;
  /** A and B are the same run (the same run id). */
  readonly sameRun: boolean;
  /** Same cases, and every one with the same outcome and score. */
  readonly identical: boolean;
  /** Differences in what was run (pipeline, suite, commit, selection) and problems with the logs. */
  readonly warnings: readonly string[];
  readonly configDiff: readonly ConfigDifference[];
  /** Case records in both runs. */
  readonly common: number;
  readonly onlyA: readonly CaseRef[];
  readonly onlyB: readonly CaseRef[];
  /** All nine (A, B) outcome pairs, in GoTaglio's order: by 4·order(B) + order(A). */
  readonly transitions: readonly Transition[];
  /** Passed in A, failed or errored in B; in GoTaglio's order, then by id. */
  readonly regressions: readonly CaseChange[];
  /** Failed or errored in A, passed in B. */
  readonly fixes: readonly CaseChange[];
  /** Every common case when there are at most `maxRows`, else only the changed ones; GoTaglio's order, then by id. */
  readonly cases: readonly CaseChange[];
  readonly casesListed: 'all' | 'changed';
  /** Common cases whose outcome or score changed. */
  readonly changed: number;
  /** Characters of case ids to show: all of them when no id is longer than 20, else the shortest prefix that keeps every id of both runs unique. */
  readonly idPrefixLength: number;
  /**
   * The mean over the compared cases of each case's pass rate, and `ci`, the interval of B − A
   * (stats.pass.interval). Null values without passed().
   */
  readonly passRate: Delta & { readonly ci: ComparisonInterval | null };
  /** The mean over the compared cases (`pairs`) of each case's mean score, and `ci`, the interval of B − A. */
  readonly score: Delta & { readonly pairs: number; readonly ci: ComparisonInterval | null };
  /** Totals over the common cases that recorded them; null on a side that recorded none (unknown, not 0). */
  readonly costUsd: Delta;
  readonly inputTokens: Delta;
  readonly outputTokens: Delta;
  /** Case durationMs over the common cases. */
  readonly latency: { readonly mean: Delta; readonly p50: Delta; readonly p95: Delta };
  readonly keywords: readonly KeywordComparison[];
  /** Cases whose tool calls (name and arguments, in order) differ; null when neither run used tools. */
  readonly toolCalls: ToolCallComparison | null;
  /** The paired statistics (null without common cases). */
  readonly stats: ComparisonStatistics | null;
  /** Significance level of the verdict. */
  readonly alpha: number;
  readonly verdict: Verdict;
}

/** An interval of B − A, each end a one-sided bound: `level` is 1 − 2·alpha of its test. */
export interface ComparisonInterval {
  readonly low: number;
  readonly high: number;
  readonly level: number;
}

export interface CompareOptions {
  /** Significance level for the verdict. @default 0.05 */
  readonly alpha?: number;
  /** List every common case when there are at most this many. @default 100 */
  readonly maxRows?: number;
  /** Keep only the first N cases in suite order (--limit). */
  readonly limit?: number;
  /**
   * Comparisons judged together with this one (runs compared with one baseline): alpha is split
   * between them, and between the metrics of each. @default 1
   */
  readonly family?: number;
  /** Random sign patterns of the sign-flip test. @default 10000 */
  readonly resamples?: number;
  /** @default 1 */
  readonly seed?: number;
}

/** (case id, repeat) → row: an open-addressing hash table over the packed ids, no strings. */
interface KeyIndex {
  /** Row + 1 per slot; 0 is empty. */
  readonly table: Int32Array;
  readonly mask: number;
  /** 1 for a row whose (id, repeat) an earlier row already has. */
  readonly duplicate: Uint8Array;
  readonly duplicates: number;
}

const keyIndexes = new WeakMap<RunDigest, KeyIndex>();

function hashId(ids: PackedIds, i: number, repeat: number): number {
  const { bytes, offsets } = ids;
  let h = 0x811c9dc5;
  for (let k = offsets[i]!, end = offsets[i + 1]!; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  h = Math.imul(h ^ repeat, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function sameId(x: PackedIds, i: number, y: PackedIds, j: number): boolean {
  const xs = x.offsets[i]!;
  const ys = y.offsets[j]!;
  const length = x.offsets[i + 1]! - xs;
  if (y.offsets[j + 1]! - ys !== length) return false;
  for (let k = 0; k < length; k++) if (x.bytes[xs + k] !== y.bytes[ys + k]) return false;
  return true;
}

/** Built once per digest (a baseline compared with many runs reuses it). */
function keyIndex(digest: RunDigest): KeyIndex {
  let entry = keyIndexes.get(digest);
  if (entry) return entry;
  let slots = 16;
  while (slots < digest.size * 2) slots *= 2;
  const table = new Int32Array(slots);
  const mask = slots - 1;
  const duplicate = new Uint8Array(digest.size);
  let duplicates = 0;
  for (let i = 0; i < digest.size; i++) {
    const repeat = digest.repeats[i]!;
    for (let at = hashId(digest.ids, i, repeat) & mask; ; at = (at + 1) & mask) {
      const row = table[at]! - 1;
      if (row < 0) {
        table[at] = i + 1;
        break;
      }
      if (digest.repeats[row] === repeat && sameId(digest.ids, row, digest.ids, i)) {
        duplicate[i] = 1;
        duplicates++;
        break;
      }
    }
  }
  entry = { table, mask, duplicate, duplicates };
  keyIndexes.set(digest, entry);
  return entry;
}

/** The row of `digest` with the id `ids[j]` and `repeat`, or -1. */
function findRow(digest: RunDigest, index: KeyIndex, ids: PackedIds, j: number, repeat: number): number {
  for (let at = hashId(ids, j, repeat) & index.mask; ; at = (at + 1) & index.mask) {
    const row = index.table[at]! - 1;
    if (row < 0) return -1;
    if (digest.repeats[row] === repeat && sameId(digest.ids, row, ids, j)) return row;
  }
}

/** Ids packed from strings. */
function packIds(list: readonly string[]): PackedIds {
  const parts = list.map((id) => Buffer.from(id, 'utf8'));
  const offsets = new Uint32Array(list.length + 1);
  parts.forEach((part, i) => (offsets[i + 1] = offsets[i]! + part.length));
  const bytes = new Uint8Array(offsets[list.length]!);
  parts.forEach((part, i) => bytes.set(part, offsets[i]!));
  return { bytes, offsets };
}

const keyOf = (id: string, repeat: number) => (repeat === 0 ? id : `${id}\u0000${repeat}`);

const byId = (a: CaseRef, b: CaseRef) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : a.repeat - b.repeat);
const bySuite = (a: CaseRef, b: CaseRef) => a.index - b.index || byId(a, b);
const order = (change: CaseChange) => 4 * OUTCOMES.indexOf(change.b) + OUTCOMES.indexOf(change.a);
const byGoTaglio = (a: CaseChange, b: CaseChange) => order(a) - order(b) || byId(a, b);

const sameScore = (x: number, y: number) => x === y || (Number.isNaN(x) && Number.isNaN(y));

/** Compares run B with run A (the baseline). */
export function compareDigests(a: RunDigest, b: RunDigest, options: CompareOptions = {}): Comparison {
  const alpha = options.alpha ?? 0.05;
  const maxRows = options.maxRows ?? 100;
  const resamples = options.resamples ?? SIGN_FLIP_DEFAULTS.resamples;
  const seed = options.seed ?? SIGN_FLIP_DEFAULTS.seed;
  const allowed = options.limit === undefined ? null : firstCases([a, b], options.limit);
  const index = keyIndex(a);

  // Align: pairs (A row, B row), and what only one side has.
  const pairA = new Int32Array(Math.min(a.size, b.size));
  const pairB = new Int32Array(pairA.length);
  let common = 0;
  const matched = new Uint8Array(a.size);
  const onlyB: CaseRef[] = [];
  const onlyBKeys = new Set<string>();
  let duplicatesB = 0;
  for (let j = 0; j < b.size; j++) {
    if (allowed && !allowed.has(idAt(b.ids, j))) continue;
    const i = findRow(a, index, b.ids, j, b.repeats[j]!);
    if (i < 0) {
      const id = idAt(b.ids, j);
      const key = keyOf(id, b.repeats[j]!);
      if (onlyBKeys.has(key)) duplicatesB++;
      else {
        onlyBKeys.add(key);
        onlyB.push({ caseId: id, repeat: b.repeats[j]!, index: b.indexes[j]! });
      }
    } else if (matched[i]) {
      duplicatesB++;
    } else {
      matched[i] = 1;
      pairA[common] = i;
      pairB[common] = j;
      common++;
    }
  }
  const onlyA: CaseRef[] = [];
  for (let i = 0; i < a.size; i++) {
    if (matched[i] || index.duplicate[i]) continue;
    const id = idAt(a.ids, i);
    if (!allowed || allowed.has(id)) onlyA.push({ caseId: id, repeat: a.repeats[i]!, index: a.indexes[i]! });
  }
  onlyA.sort(bySuite);
  onlyB.sort(bySuite);

  // One pass over the pairs.
  const transitions = new Int32Array(9);
  const changedPairs: number[] = [];
  const listAll = common <= maxRows;
  let changed = 0;
  const sums = {
    costA: createExactSum(),
    costB: createExactSum(),
  };
  // Pairs where A (B) recorded a cost, and usage: a side that recorded none has an unknown total, not 0.
  const costed = { a: 0, b: 0 };
  const used = { a: 0, b: 0 };
  let tokensA = 0;
  let tokensB = 0;
  let outA = 0;
  let outB = 0;
  const durationsA = new Float32Array(common);
  const durationsB = new Float32Array(common);
  // Per keyword set of A: cases, passed in A, passed in B, regressions, fixes.
  const perSet = new Int32Array(5 * a.keywordSets.length);
  for (let p = 0; p < common; p++) {
    const i = pairA[p]!;
    const j = pairB[p]!;
    const oa = a.outcomes[i]!;
    const ob = b.outcomes[j]!;
    transitions[3 * ob + oa]!++;
    const isChange = oa !== ob || !sameScore(a.scores[i]!, b.scores[j]!);
    if (isChange) changed++;
    if (isChange || listAll) changedPairs.push(p);
    const ca = a.costs[i]!;
    const cb = b.costs[j]!;
    if (!Number.isNaN(ca)) {
      costed.a++;
      sums.costA.add(ca);
    }
    if (!Number.isNaN(cb)) {
      costed.b++;
      sums.costB.add(cb);
    }
    if (!Number.isNaN(a.inputTokens[i]!)) {
      used.a++;
      tokensA += a.inputTokens[i]!;
      outA += a.outputTokens[i]!;
    }
    if (!Number.isNaN(b.inputTokens[j]!)) {
      used.b++;
      tokensB += b.inputTokens[j]!;
      outB += b.outputTokens[j]!;
    }
    durationsA[p] = a.durations[i]!;
    durationsB[p] = b.durations[j]!;
    const row = 5 * a.keywordSet[i]!;
    perSet[row]!++;
    if (oa === PASS) perSet[row + 1]!++;
    if (ob === PASS) perSet[row + 2]!++;
    // An infrastructure error on either side is neither a regression nor a fix.
    if (a.infra[i] || b.infra[j]) continue;
    if (oa === PASS && ob !== PASS) perSet[row + 3]!++;
    if (oa !== PASS && ob === PASS) perSet[row + 4]!++;
  }

  const changeAt = (p: number): CaseChange => {
    const i = pairA[p]!;
    const j = pairB[p]!;
    const sa = a.scores[i]!;
    const sb = b.scores[j]!;
    return {
      ...pairAt(a, i, b, j),
      ...(a.infra[i] ? { infraA: true } : {}),
      ...(b.infra[j] ? { infraB: true } : {}),
      scoreA: Number.isNaN(sa) ? null : sa,
      scoreB: Number.isNaN(sb) ? null : sb,
      scoreDelta: Number.isNaN(sa) || Number.isNaN(sb) ? null : sb - sa,
      keywords: a.keywordSets[a.keywordSet[i]!]!,
    };
  };
  const listed = changedPairs.map(changeAt).sort(byGoTaglio);
  const toolCalls = a.toolCallSets.length + b.toolCallSets.length === 0 ? null : toolCallChanges(a, b, pairA, pairB, common, maxRows);
  const quality = (c: CaseChange) => !c.infraA && !c.infraB;
  const regressions = listed.filter((c) => c.a === 'passed' && c.b !== 'passed' && quality(c));
  const fixes = listed.filter((c) => c.a !== 'passed' && c.b === 'passed' && quality(c));

  const transitionList: Transition[] = [];
  for (let ob = 0; ob < 3; ob++) for (let oa = 0; oa < 3; oa++) transitionList.push({ from: OUTCOMES[oa]!, to: OUTCOMES[ob]!, count: transitions[3 * ob + oa]! });

  durationsA.sort();
  durationsB.sort();
  const sameRun = a.header.runId === b.header.runId;
  const identical = changed === 0 && onlyA.length === 0 && onlyB.length === 0 && common > 0;
  const paired = common === 0 ? null : pairedStatistics(a, b, pairA, pairB, common, { alpha, family: options.family ?? 1, resamples, seed });
  const stats = paired?.stats ?? null;
  const interval = (m: MetricComparison | null | undefined): ComparisonInterval | null => (m ? m.interval : null);

  const base = {
    a: a.info,
    b: b.info,
    sameRun,
    identical,
    warnings: [...runWarnings(a, b), ...duplicateWarnings(index.duplicates, duplicatesB)],
    configDiff: configDifferences(a.header.config, b.header.config),
    common,
    onlyA,
    onlyB,
    transitions: transitionList,
    regressions,
    fixes,
    cases: listed,
    casesListed: listAll ? ('all' as const) : ('changed' as const),
    changed,
    idPrefixLength: idPrefixLength(a, index, onlyB),
    passRate: {
      a: paired?.means.pass?.a ?? null,
      b: paired?.means.pass?.b ?? null,
      delta: stats?.pass ? stats.pass.estimate : null,
      ci: interval(stats?.pass),
    },
    score: {
      pairs: stats?.score?.cases ?? 0,
      a: paired?.means.score?.a ?? null,
      b: paired?.means.score?.b ?? null,
      delta: stats?.score ? stats.score.estimate : null,
      ci: interval(stats?.score),
    },
    costUsd: knownDelta(costed, sums.costA.value(), sums.costB.value()),
    inputTokens: knownDelta(used, tokensA, tokensB),
    outputTokens: knownDelta(used, outA, outB),
    latency: {
      mean: common === 0 ? EMPTY : delta(sortedSum(durationsA) / common, sortedSum(durationsB) / common),
      p50: common === 0 ? EMPTY : delta(quantileSorted(durationsA, 0.5), quantileSorted(durationsB, 0.5)),
      p95: common === 0 ? EMPTY : delta(quantileSorted(durationsA, 0.95), quantileSorted(durationsB, 0.95)),
    },
    keywords: keywordRows(a, perSet, paired, alpha, seed),
    toolCalls,
    stats,
    alpha,
  };
  return { ...base, verdict: verdictOf(base) };
}

/** A common case: row i of A and row j of B, named as in A, with its outcome in each. */
const pairAt = (a: RunDigest, i: number, b: RunDigest, j: number): CaseRef & { a: Outcome; b: Outcome } => ({
  caseId: idAt(a.ids, i),
  repeat: a.repeats[i]!,
  index: a.indexes[i]!,
  a: OUTCOMES[a.outcomes[i]!]!,
  b: OUTCOMES[b.outcomes[j]!]!,
});

const sameLines = (x: readonly string[] | null, y: readonly string[] | null) => x === y || (x !== null && y !== null && x.length === y.length && x.every((line, k) => line === y[k]));

/** The common cases whose tool calls differ, the first `maxRows` listed in suite order. */
function toolCallChanges(a: RunDigest, b: RunDigest, pairA: Int32Array, pairB: Int32Array, common: number, maxRows: number): ToolCallComparison {
  const differing: number[] = [];
  for (let p = 0; p < common; p++) {
    const sa = a.toolCallSet[pairA[p]!]!;
    const sb = b.toolCallSet[pairB[p]!]!;
    if (sa < 0 && sb < 0) continue;
    if (!sameLines(sa < 0 ? null : a.toolCallSets[sa]!, sb < 0 ? null : b.toolCallSets[sb]!)) differing.push(p);
  }
  const cases = differing
    .map((p): ToolCallChange => {
      const i = pairA[p]!;
      const j = pairB[p]!;
      const sa = a.toolCallSet[i]!;
      const sb = b.toolCallSet[j]!;
      return {
        ...pairAt(a, i, b, j),
        callsA: sa < 0 ? null : a.toolCallSets[sa]!,
        callsB: sb < 0 ? null : b.toolCallSets[sb]!,
      };
    })
    .sort(bySuite)
    .slice(0, maxRows);
  return { changed: differing.length, cases };
}

/** Random sign patterns for the test of each keyword row: enough for Holm's smallest thresholds. */
const KEYWORD_RESAMPLES = 2000;

interface PairedStatistics {
  readonly stats: ComparisonStatistics;
  /** The mean per-case value of each run, over the cases each metric compares. */
  readonly means: { readonly pass: { a: number; b: number } | null; readonly score: { a: number; b: number } | null };
  /** Per case: its keyword set in A, and the difference of the primary metric (NaN: not compared). */
  readonly keywordSet: Int32Array;
  readonly primary: Float64Array;
  /** Per case: 1 when it has one record on each side and the primary metric is pass/fail. */
  readonly binary: Uint8Array;
  /** The widest a difference of the primary metric can be. */
  readonly range: number;
}

/**
 * Groups the pairs by case id, so that the repeats of a case count once; with no repeat in either
 * run, each pair is a case of its own.
 */
function clustersOf(a: RunDigest, pairA: Int32Array, common: number): { readonly count: number; readonly of: Int32Array } {
  const of = new Int32Array(common);
  let repeated = false;
  for (let p = 0; p < common && !repeated; p++) if (a.repeats[pairA[p]!] !== 0) repeated = true;
  if (!repeated) {
    for (let p = 0; p < common; p++) of[p] = p;
    return { count: common, of };
  }
  let slots = 16;
  while (slots < common * 2) slots *= 2;
  const first = new Int32Array(slots).fill(-1);
  const cluster = new Int32Array(slots);
  let count = 0;
  for (let p = 0; p < common; p++) {
    const i = pairA[p]!;
    for (let at = hashId(a.ids, i, 0) & (slots - 1); ; at = (at + 1) & (slots - 1)) {
      const q = first[at]!;
      if (q < 0) {
        first[at] = p;
        cluster[at] = count;
        of[p] = count++;
        break;
      }
      if (sameId(a.ids, pairA[q]!, a.ids, i)) {
        of[p] = cluster[at]!;
        break;
      }
    }
  }
  return { count, of };
}

/** The lowest and highest scores either run recorded; null when neither has a score. */
function scoreExtent(a: RunDigest, b: RunDigest): { readonly low: number; readonly high: number } | null {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const d of [a, b]) {
    for (let i = 0; i < d.size; i++) {
      const s = d.scores[i]!;
      if (Number.isNaN(s)) continue;
      if (s < low) low = s;
      if (s > high) high = s;
    }
  }
  return low === Number.POSITIVE_INFINITY ? null : { low, high };
}

/**
 * The paired statistics over cases: per case and run, the share of its repeats that passed and
 * their mean score (a pipeline error scores 0, or the lowest score recorded when lower), leaving out
 * records that ended in an infrastructure error; then the paired test of each metric.
 */
function pairedStatistics(
  a: RunDigest,
  b: RunDigest,
  pairA: Int32Array,
  pairB: Int32Array,
  common: number,
  options: { readonly alpha: number; readonly family: number; readonly resamples: number; readonly seed: number },
): PairedStatistics {
  const clusters = clustersOf(a, pairA, common);
  const k = clusters.count;
  const extent = a.info.hasScore || b.info.hasScore ? scoreExtent(a, b) : null;
  // A pipeline error is a failure: it scores 0 (the bottom of the usual 0–1 scale), or lower when scores go lower.
  const errorScore = extent ? Math.min(0, extent.low) : null;
  const scoreRange = extent ? { low: errorScore!, high: Math.max(extent.high, errorScore!) } : null;
  // Per case and run: records (not infrastructure errors), passes, score sum and scored records.
  // Without repeats each case has one record a run: a byte holds its counts (a quarter of the
  // memory, which at a million cases is tens of megabytes).
  const Counts = clusters.count === common ? Uint8Array : Int32Array;
  const side = () => ({ count: new Counts(k), pass: new Counts(k), score: new Float64Array(k), scored: new Counts(k), excluded: 0 });
  const sideA = side();
  const sideB = side();
  const keywordSet = new Int32Array(k).fill(-1);
  const add = (into: ReturnType<typeof side>, d: RunDigest, i: number, c: number) => {
    if (d.infra[i]) {
      into.excluded++;
      return;
    }
    into.count[c]!++;
    if (d.outcomes[i] === PASS) into.pass[c]!++;
    const raw = d.scores[i]!;
    const s = !Number.isNaN(raw) ? raw : d.outcomes[i] === ERROR && errorScore !== null ? errorScore : Number.NaN;
    if (!Number.isNaN(s)) {
      into.score[c]! += s;
      into.scored[c]!++;
    }
  };
  for (let p = 0; p < common; p++) {
    const c = clusters.of[p]!;
    if (keywordSet[c] === -1) keywordSet[c] = a.keywordSet[pairA[p]!]!;
    add(sideA, a, pairA[p]!, c);
    add(sideB, b, pairB[p]!, c);
  }
  const { count: countA, pass: passA, score: scoreA, scored: scoredA } = sideA;
  const { count: countB, pass: passB, score: scoreB, scored: scoredB } = sideB;
  const excluded = { a: sideA.excluded, b: sideB.excluded };

  const hasPassed = a.info.hasPassed || b.info.hasPassed;
  const hasScore = scoreRange !== null;
  const passDiffs = new Float64Array(k).fill(Number.NaN);
  const scoreDiffs = new Float64Array(k).fill(Number.NaN);
  const binary = new Uint8Array(k);
  let passCases = 0;
  let scoreCases = 0;
  let allBinary = true;
  // Exact sums: the means, and their difference, do not depend on the order of the cases.
  const passSumA = createExactSum();
  const passSumB = createExactSum();
  const scoreSumA = createExactSum();
  const scoreSumB = createExactSum();
  let compared = 0;
  for (let c = 0; c < k; c++) {
    if (countA[c]! > 0 && countB[c]! > 0) compared++;
    if (hasPassed && countA[c]! > 0 && countB[c]! > 0) {
      const x = passA[c]! / countA[c]!;
      const y = passB[c]! / countB[c]!;
      passDiffs[c] = y - x;
      passSumA.add(x);
      passSumB.add(y);
      passCases++;
      if (countA[c] === 1 && countB[c] === 1) binary[c] = 1;
      else allBinary = false;
    }
    if (hasScore && scoredA[c]! > 0 && scoredB[c]! > 0) {
      const x = scoreA[c]! / scoredA[c]!;
      const y = scoreB[c]! / scoredB[c]!;
      scoreDiffs[c] = y - x;
      scoreSumA.add(x);
      scoreSumB.add(y);
      scoreCases++;
    }
  }
  const metrics = (passCases > 0 ? 1 : 0) + (scoreCases > 0 ? 1 : 0);
  const tests = Math.max(1, metrics) * options.family;
  const testAlpha = options.alpha / tests;
  const means = {
    pass: passCases > 0 ? { a: passSumA.value() / passCases, b: passSumB.value() / passCases } : null,
    score: scoreCases > 0 ? { a: scoreSumA.value() / scoreCases, b: scoreSumB.value() / scoreCases } : null,
  };
  const judged = (metric: Metric, test: PairedTest): MetricComparison => ({
    metric,
    ...test,
    // The mean difference is the difference of the means, of exact sums: 0 when the runs agree on average.
    estimate: means[metric]!.b - means[metric]!.a,
    significant: test.pWorse < testAlpha ? 'worse' : test.pBetter < testAlpha ? 'better' : null,
  });
  const present = (diffs: Float64Array, count: number) => {
    // Not diffs.filter(): that collects the kept values in a list of boxed numbers first.
    const kept = new Float64Array(count);
    let at = 0;
    for (let c = 0; c < diffs.length; c++) if (!Number.isNaN(diffs[c]!)) kept[at++] = diffs[c]!;
    return kept;
  };
  let pass: MetricComparison | null = null;
  if (passCases > 0) {
    if (allBinary) {
      let worse = 0;
      let better = 0;
      for (let c = 0; c < k; c++) {
        if (passDiffs[c]! < 0) worse++;
        else if (passDiffs[c]! > 0) better++;
      }
      pass = judged('pass', pairedBinaryTest(worse, better, passCases, testAlpha));
    } else {
      pass = judged('pass', signFlipTest(present(passDiffs, passCases), { alpha: testAlpha, range: 1, resamples: options.resamples, seed: options.seed }));
    }
  }
  const range = scoreRange && scoreRange.high > scoreRange.low ? scoreRange.high - scoreRange.low : 1;
  const score =
    scoreCases > 0 ? judged('score', signFlipTest(present(scoreDiffs, scoreCases), { alpha: testAlpha, range, resamples: options.resamples, seed: options.seed + 1 })) : null;
  const primary: Metric | null = pass ? 'pass' : score ? 'score' : null;
  return {
    stats: {
      alpha: options.alpha,
      tests,
      cases: compared,
      repeats: Math.max(a.info.repeat, b.info.repeat),
      pass,
      score,
      primary,
      excluded,
      errorScore: hasScore ? errorScore : null,
    },
    means,
    keywordSet,
    primary: primary === 'pass' ? passDiffs : scoreDiffs,
    binary: primary === 'pass' && allBinary ? binary : new Uint8Array(k),
    range: primary === 'pass' ? 1 : range,
  };
}

const EMPTY: Delta = { a: null, b: null, delta: null };
const delta = (a: number, b: number): Delta => ({ a, b, delta: b - a });
/** A total on each side that recorded it (`seen`: records with a value), and B − A when both did. */
const knownDelta = (seen: { readonly a: number; readonly b: number }, a: number, b: number): Delta => ({
  a: seen.a > 0 ? a : null,
  b: seen.b > 0 ? b : null,
  delta: seen.a > 0 && seen.b > 0 ? b - a : null,
});

/** Ids up to this long are shown whole. */
const SHORT_ID = 20;

/**
 * The shortest prefix length (at least 3) at which the ids of both runs are all distinct, over the
 * packed bytes (as util/ids.ts does for strings), with a typed hash set: no string per id.
 */
function idPrefixLength(a: RunDigest, index: KeyIndex, onlyB: readonly CaseRef[], min = 3): number {
  const extra = packIds([...new Set(onlyB.map((ref) => ref.caseId))]);
  const lists: { ids: PackedIds; rows: number[] | null }[] = [
    { ids: a.ids, rows: null },
    { ids: extra, rows: [...Array(extra.offsets.length - 1).keys()].filter((j) => findRow(a, index, extra, j, 0) < 0) },
  ];
  const include = (i: number) => a.repeats[i] === 0 && !index.duplicate[i];
  let count = 0;
  let longest = 0;
  for (let i = 0; i < a.size; i++) {
    if (!include(i)) continue;
    count++;
    longest = Math.max(longest, a.ids.offsets[i + 1]! - a.ids.offsets[i]!);
  }
  for (const j of lists[1]!.rows!) longest = Math.max(longest, extra.offsets[j + 1]! - extra.offsets[j]!);
  count += lists[1]!.rows!.length;
  if (longest <= SHORT_ID) return longest;
  if (count < 2) return min;
  let slots = 16;
  while (slots < count * 2) slots *= 2;
  const table = new Float64Array(slots);
  for (let length = min; length < longest; length++) {
    table.fill(-1);
    let unique = true;
    const add = (ids: PackedIds, i: number): boolean => {
      const start = ids.offsets[i]!;
      const end = Math.min(ids.offsets[i + 1]!, start + length);
      let h1 = 0x811c9dc5;
      let h2 = 0x01000193;
      for (let k = start; k < end; k++) {
        h1 = Math.imul(h1 ^ ids.bytes[k]!, 0x01000193) >>> 0;
        h2 = Math.imul(h2 ^ ids.bytes[k]!, 0x5bd1e995) >>> 0;
      }
      const key = h1 * 0x200000 + (h2 & 0x1fffff);
      for (let at = (h1 ^ h2) & (slots - 1); ; at = (at + 1) & (slots - 1)) {
        if (table[at] === -1) {
          table[at] = key;
          return true;
        }
        if (table[at] === key) return false;
      }
    };
    for (let i = 0; i < a.size && unique; i++) if (include(i) && !add(a.ids, i)) unique = false;
    for (const j of lists[1]!.rows!) if (unique && !add(extra, j)) unique = false;
    if (unique) return length;
  }
  return Math.max(min, longest);
}

/** The ids of the first `limit` cases in suite order, over both runs. */
function firstCases(digests: readonly RunDigest[], limit: number): Set<string> {
  const position = new Map<string, number>();
  for (const d of digests) {
    for (let i = 0; i < d.size; i++) {
      const id = idAt(d.ids, i);
      const at = position.get(id);
      if (at === undefined || d.indexes[i]! < at) position.set(id, d.indexes[i]!);
    }
  }
  const sorted = [...position].sort(([x, i], [y, j]) => i - j || (x < y ? -1 : x > y ? 1 : 0));
  return new Set(sorted.slice(0, limit).map(([id]) => id));
}

/** A sum of sorted values: the order is fixed, so the result does not depend on the log's order. */
function sortedSum(sorted: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return sum;
}

function keywordRows(a: RunDigest, perSet: Int32Array, paired: PairedStatistics | null, alpha: number, seed: number): KeywordComparison[] {
  const totals = new Map<string, number[]>();
  a.keywordSets.forEach((keywords, set) => {
    if (perSet[5 * set] === 0) return;
    for (const keyword of keywords) {
      let total = totals.get(keyword);
      if (!total) totals.set(keyword, (total = [0, 0, 0, 0, 0]));
      for (let k = 0; k < 5; k++) total[k]! += perSet[5 * set + k]!;
    }
  });
  const names = [...totals.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const bySet = paired ? differencesBySet(a, paired) : null;
  const tests = names.map((keyword) => (paired && bySet ? keywordTest(a, paired, bySet, keyword, alpha, seed) : null));
  const given = tests.flatMap((t) => (t ? [t.p] : []));
  const adjusted = holm(given);
  let next = 0;
  return names.map((keyword, row) => {
    const [cases, passedA, passedB, regressions, fixes] = totals.get(keyword)!;
    const test = tests[row];
    const pAdjusted = test ? adjusted[next++]! : null;
    return {
      keyword,
      cases: cases!,
      passedA: passedA!,
      passedB: passedB!,
      passRateA: passedA! / cases!,
      passRateB: passedB! / cases!,
      regressions: regressions!,
      fixes: fixes!,
      p: test ? test.p : null,
      pAdjusted,
      significant: test && pAdjusted! < alpha ? test.direction : null,
    };
  });
}

/** Per keyword set of A: how many compared cases, and their differences of the primary metric, in one pass. */
interface SetDifferences {
  readonly cases: Int32Array;
  readonly worse: Int32Array;
  readonly better: Int32Array;
  /** False when a case of the set is not one pass/fail record on each side. */
  readonly binary: Uint8Array;
  /** The differences, grouped by set: set s holds values[start[s] .. start[s + 1]). */
  readonly start: Int32Array;
  readonly values: Float64Array;
}

function differencesBySet(a: RunDigest, paired: PairedStatistics): SetDifferences {
  const sets = a.keywordSets.length;
  const cases = new Int32Array(sets);
  const worse = new Int32Array(sets);
  const better = new Int32Array(sets);
  const binary = new Uint8Array(sets).fill(1);
  const { primary, keywordSet } = paired;
  for (let c = 0; c < primary.length; c++) {
    const d = primary[c]!;
    if (Number.isNaN(d)) continue;
    const set = keywordSet[c]!;
    cases[set]!++;
    if (d < 0) worse[set]!++;
    else if (d > 0) better[set]!++;
    if (!paired.binary[c]) binary[set] = 0;
  }
  const start = new Int32Array(sets + 1);
  for (let set = 0; set < sets; set++) start[set + 1] = start[set]! + cases[set]!;
  const values = new Float64Array(start[sets]!);
  const at = start.slice(0, sets);
  for (let c = 0; c < primary.length; c++) {
    const d = primary[c]!;
    if (!Number.isNaN(d)) values[at[keywordSet[c]!]!++] = d;
  }
  return { cases, worse, better, binary, start, values };
}

/** The test of the primary metric over the cases with `keyword`, one-sided in the direction it moved. */
function keywordTest(a: RunDigest, paired: PairedStatistics, bySet: SetDifferences, keyword: string, alpha: number, seed: number): { p: number; direction: 'worse' | 'better' } | null {
  let n = 0;
  let worse = 0;
  let better = 0;
  let binary = true;
  const sets: number[] = [];
  a.keywordSets.forEach((keywords, set) => {
    if (bySet.cases[set] === 0 || !keywords.includes(keyword)) return;
    sets.push(set);
    n += bySet.cases[set]!;
    worse += bySet.worse[set]!;
    better += bySet.better[set]!;
    if (!bySet.binary[set]) binary = false;
  });
  if (n === 0) return null;
  let test: PairedTest;
  if (binary) test = pairedBinaryTest(worse, better, n, alpha);
  else {
    const diffs = new Float64Array(n);
    let at = 0;
    for (const set of sets) {
      diffs.set(bySet.values.subarray(bySet.start[set]!, bySet.start[set + 1]!), at);
      at += bySet.cases[set]!;
    }
    test = signFlipTest(diffs, { alpha, range: paired.range, resamples: KEYWORD_RESAMPLES, seed });
  }
  return test.pWorse <= test.pBetter ? { p: test.pWorse, direction: 'worse' } : { p: test.pBetter, direction: 'better' };
}

/** Config values that differ between two resolved configs, in A's key order, then B's extra keys. */
export function configDifferences(a: Record<string, unknown>, b: Record<string, unknown>): ConfigDifference[] {
  const left = new Map(flattenLeaves(a));
  const right = new Map(flattenLeaves(b));
  const out: ConfigDifference[] = [];
  for (const [path, value] of left) {
    if (!right.has(path)) out.push({ path, a: value });
    else if (!deepEqual(value, right.get(path))) out.push({ path, a: value, b: right.get(path) });
  }
  for (const [path, value] of right) if (!left.has(path)) out.push({ path, b: value });
  return out;
}

const short = (sha: string) => sha.slice(0, 12);

function describeSelection(selection: RunInfo['selection']): string {
  if (!selection || Object.keys(selection).length === 0) return 'all cases';
  const parts: string[] = [];
  if (selection.shard) parts.push(`shard ${selection.shard.index}/${selection.shard.count}`);
  if (selection.filter !== undefined) parts.push(`--filter '${selection.filter}'`);
  if (selection.ids) parts.push(`--ids ${selection.ids.join(',')}`);
  if (selection.sample !== undefined) parts.push(`--sample ${selection.sample} --seed ${selection.seed ?? 0}`);
  if (selection.limit !== undefined) parts.push(`--limit ${selection.limit}`);
  return parts.join(' ') || 'all cases';
}

/** What differs between the two runs' set-ups, and what is wrong with either log. */
function runWarnings(a: RunDigest, b: RunDigest): string[] {
  const out: string[] = [];
  const [x, y] = [a.info, b.info];
  if (x.pipeline !== y.pipeline) out.push(`Different pipelines: A ran '${x.pipeline}', B ran '${y.pipeline}'.`);
  // A GoTaglio log records no checksum of its suite: its content cannot be compared, which is not a difference.
  const unchecked = [x, y].flatMap((info, k) => (info.suite.sha256 === '' ? [k === 0 ? 'A' : 'B'] : []));
  if (unchecked.length > 0) out.push(`Suite content not checked: ${unchecked.join(' and ')} recorded no checksum of ${unchecked.length === 1 ? 'its' : 'their'} suite (a GoTaglio log); cases are matched by id.`);
  else if (x.suite.sha256 !== y.suite.sha256) {
    const paths = x.suite.path === y.suite.path ? x.suite.path : `A: ${x.suite.path}, B: ${y.suite.path}`;
    out.push(`Different suite content: sha256 ${short(x.suite.sha256)}… in A, ${short(y.suite.sha256)}… in B (${paths}).`);
  }
  if (x.git?.sha && y.git?.sha && x.git.sha !== y.git.sha) out.push(`Different git commits: A at ${short(x.git.sha)}, B at ${short(y.git.sha)}.`);
  for (const [name, info] of [['A', x], ['B', y]] as const) {
    if (info.git?.dirty) out.push(`${name} ran with uncommitted changes (git dirty).`);
    if (info.status === 'incomplete') out.push(`${name} is incomplete: its log has no run.end record (crashed, killed or still running).`);
    else if (info.status === 'interrupted') out.push(`${name} was interrupted: ${info.counts.notRun} of ${info.counts.total} cases not run.`);
    else if (info.status === 'budget') out.push(`${name} stopped at its cost budget: ${info.counts.notRun} of ${info.counts.total} cases not run.`);
    else if (info.status === 'error') out.push(`${name} stopped early because tagliots itself failed.`);
    for (const warning of info.warnings) out.push(`${name}: ${warning}`);
  }
  const [sx, sy] = [describeSelection(x.selection), describeSelection(y.selection)];
  if (sx !== sy) out.push(`Different case selections: A ran ${sx}, B ran ${sy}.`);
  if (x.repeat !== y.repeat) out.push(`Different repeat counts: A ran each case ${times(x.repeat)}, B ${times(y.repeat)}.`);
  return out;
}

const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

function duplicateWarnings(a: number, b: number): string[] {
  const text = (name: string, n: number) => `${name} has ${n} record${n === 1 ? '' : 's'} for a case and repeat already seen; only the first is compared.`;
  return [...(a > 0 ? [text('A', a)] : []), ...(b > 0 ? [text('B', b)] : [])];
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : word.endsWith('x') ? 'es' : 's'}`;

function verdictOf(c: Omit<Comparison, 'verdict'>): Verdict {
  if (c.sameRun) return { kind: 'same-run', text: `Same run: A and B are both ${c.a.runId}.` };
  if (c.common === 0) {
    return {
      kind: 'no-common-cases',
      text: `Nothing to compare: A and B have no case in common (${formatCount(c.onlyA.length)} only in A, ${formatCount(c.onlyB.length)} only in B).`,
    };
  }
  const stats = c.stats!;
  const metrics = [stats.pass, stats.score].filter((m): m is MetricComparison => m !== null);
  if (c.changed === 0) {
    const only = c.onlyA.length + c.onlyB.length > 0 ? ` (${formatCount(c.onlyA.length)} only in A, ${formatCount(c.onlyB.length)} only in B)` : '';
    return { kind: 'no-change', text: `No change: all ${plural(c.common, 'common case')} have the same outcome and score${only}.` };
  }
  if (metrics.length === 0) {
    return { kind: 'not-significant', text: 'Nothing to test: the pipeline defines neither passed() nor score(), or no case completed in both runs.' };
  }
  const line = (m: MetricComparison) => `${describeChange(m)}, ${describeCounts(m)}, ${describeP(m)}`;
  const worse = metrics.filter((m) => m.significant === 'worse');
  const better = metrics.filter((m) => m.significant === 'better');
  if (worse.length > 0) return { kind: 'worse', text: `B is worse: ${worse.map(line).join('; ')}` };
  if (better.length > 0) return { kind: 'better', text: `B is better: ${better.map(line).join('; ')}` };
  return { kind: 'not-significant', text: `No significant difference: ${metrics.map(line).join('; ')}` };
}
