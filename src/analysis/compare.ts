/**
 * Comparing runs, from their logs alone. A run is first reduced to a digest: one compact row per
 * case record (id, repeat, outcome, score, duration, cost, tokens, keyword set) in typed arrays, so
 * a million-case log takes tens of megabytes rather than gigabytes. Two digests are then aligned by
 * (case id, repeat) and compared: GoTaglio's status transitions, regressions and fixes by id, score,
 * cost, token and latency deltas, config differences, a per-keyword breakdown, McNemar's exact test
 * on the pass/fail flips and paired bootstrap intervals. Everything is deterministic: lists are
 * sorted, sums are exact, and the bootstrap is seeded.
 */
import type { CaseRecord, GitInfo, RunCounts, RunEndRecord, RunStartRecord, RunStatus } from '../log/schema.ts';
import { flattenLeaves } from '../config/dotted.ts';
import { RunTotals } from '../log/totals.ts';
import { createExactSum } from '../util/exact-sum.ts';
import { deepEqual } from '../util/json.ts';
import { formatCount } from '../util/units.ts';
import {
  BOOTSTRAP_DEFAULTS,
  bootstrapMean,
  formatPValue,
  mcnemarExact,
  quantileSorted,
  type BootstrapInterval,
  type McNemarResult,
} from './stats.ts';

/** How a case ended, for comparing: `passed` (complete, not judged failed), `failed`, or `error` (errored or cancelled). */
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
  return [d.ids.bytes, d.ids.offsets, d.repeats, d.indexes, d.outcomes, d.scores, d.durations, d.costs, d.inputTokens, d.outputTokens, d.keywordSet].map((a) => a.buffer as ArrayBuffer);
}

export function outcomeCode(record: Pick<CaseRecord, 'status' | 'passed'>): number {
  if (record.status !== 'complete') return ERROR;
  return record.passed === false ? FAIL : PASS;
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
  let scores = new Float64Array(capacity);
  let durations = new Float32Array(capacity);
  let costs = new Float64Array(capacity);
  let inputTokens = new Float32Array(capacity);
  let outputTokens = new Float32Array(capacity);
  let keywordSet = new Int32Array(capacity);
  const keywordSets: string[][] = [];
  const keywordIndex = new Map<string, number>();
  const totals = new RunTotals();
  const scoreSum = createExactSum();
  let scored = 0;
  let filtered = false;

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
    scores = grow(scores, length);
    durations = grow(durations, length);
    costs = grow(costs, length);
    inputTokens = grow(inputTokens, length);
    outputTokens = grow(outputTokens, length);
    keywordSet = grow(keywordSet, length);
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
        meanScore: scored > 0 ? scoreSum.value() / scored : null,
        costUsd: totals.costUsd ?? null,
        inputTokens: usage ? usage.inputTokens : null,
        outputTokens: usage ? usage.outputTokens : null,
        warnings: [...(source.warnings ?? [])],
      };
      return { header, info, size, ids: { bytes: idBytes, offsets: idOffsets }, repeats, indexes, outcomes, scores, durations, costs, inputTokens, outputTokens, keywordSet, keywordSets };
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
  readonly scoreA: number | null;
  readonly scoreB: number | null;
  /** B − A, when both have a score. */
  readonly scoreDelta: number | null;
  /** The case's keywords in A, sorted. */
  readonly keywords: readonly string[];
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
  /** Common cases with the keyword (in A). */
  readonly cases: number;
  readonly passedA: number;
  readonly passedB: number;
  readonly passRateA: number;
  readonly passRateB: number;
  readonly regressions: number;
  readonly fixes: number;
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
  /** One line in plain words, e.g. "B is worse: 12 regressions vs 3 fixes, p = 0.035". */
  readonly text: string;
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
  /** Over the common cases; `ci` is the paired bootstrap interval of B − A. */
  readonly passRate: Delta & { readonly ci: BootstrapInterval | null };
  /** Over the common cases scored in both runs (`pairs`). */
  readonly score: Delta & { readonly pairs: number; readonly ci: BootstrapInterval | null };
  /** Totals over the common cases that recorded them. */
  readonly costUsd: Delta;
  readonly inputTokens: Delta;
  readonly outputTokens: Delta;
  /** Case durationMs over the common cases. */
  readonly latency: { readonly mean: Delta; readonly p50: Delta; readonly p95: Delta };
  readonly keywords: readonly KeywordComparison[];
  /** McNemar's exact test on the pass/fail flips; null without common cases. */
  readonly mcnemar: McNemarResult | null;
  /** Significance level of the verdict. */
  readonly alpha: number;
  readonly verdict: Verdict;
}

export interface CompareOptions {
  /** Significance level for the verdict. @default 0.05 */
  readonly alpha?: number;
  /** List every common case when there are at most this many. @default 100 */
  readonly maxRows?: number;
  /** Keep only the first N cases in suite order (--limit). */
  readonly limit?: number;
  /** Bootstrap resamples (0 skips the intervals). @default 2000 */
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
  const resamples = options.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const seed = options.seed ?? BOOTSTRAP_DEFAULTS.seed;
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
  let scorePairs = 0;
  const scoreDiffs = new Float64Array(common);
  const sums = {
    costA: createExactSum(),
    costB: createExactSum(),
  };
  let costed = 0;
  let tokensA = 0;
  let tokensB = 0;
  let outA = 0;
  let outB = 0;
  let used = 0;
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
    const sa = a.scores[i]!;
    const sb = b.scores[j]!;
    if (!Number.isNaN(sa) && !Number.isNaN(sb)) scoreDiffs[scorePairs++] = sb - sa;
    const isChange = oa !== ob || !sameScore(sa, sb);
    if (isChange) changed++;
    if (isChange || listAll) changedPairs.push(p);
    const ca = a.costs[i]!;
    const cb = b.costs[j]!;
    if (!Number.isNaN(ca) || !Number.isNaN(cb)) {
      costed++;
      if (!Number.isNaN(ca)) sums.costA.add(ca);
      if (!Number.isNaN(cb)) sums.costB.add(cb);
    }
    if (!Number.isNaN(a.inputTokens[i]!) || !Number.isNaN(b.inputTokens[j]!)) {
      used++;
      if (!Number.isNaN(a.inputTokens[i]!)) {
        tokensA += a.inputTokens[i]!;
        outA += a.outputTokens[i]!;
      }
      if (!Number.isNaN(b.inputTokens[j]!)) {
        tokensB += b.inputTokens[j]!;
        outB += b.outputTokens[j]!;
      }
    }
    durationsA[p] = a.durations[i]!;
    durationsB[p] = b.durations[j]!;
    const row = 5 * a.keywordSet[i]!;
    perSet[row]!++;
    if (oa === PASS) perSet[row + 1]!++;
    if (ob === PASS) perSet[row + 2]!++;
    if (oa === PASS && ob !== PASS) perSet[row + 3]!++;
    if (oa !== PASS && ob === PASS) perSet[row + 4]!++;
  }

  const changeAt = (p: number): CaseChange => {
    const i = pairA[p]!;
    const j = pairB[p]!;
    const sa = a.scores[i]!;
    const sb = b.scores[j]!;
    return {
      caseId: idAt(a.ids, i),
      repeat: a.repeats[i]!,
      index: a.indexes[i]!,
      a: OUTCOMES[a.outcomes[i]!]!,
      b: OUTCOMES[b.outcomes[j]!]!,
      scoreA: Number.isNaN(sa) ? null : sa,
      scoreB: Number.isNaN(sb) ? null : sb,
      scoreDelta: Number.isNaN(sa) || Number.isNaN(sb) ? null : sb - sa,
      keywords: a.keywordSets[a.keywordSet[i]!]!,
    };
  };
  const listed = changedPairs.map(changeAt).sort(byGoTaglio);
  const regressions = listed.filter((c) => c.a === 'passed' && c.b !== 'passed');
  const fixes = listed.filter((c) => c.a !== 'passed' && c.b === 'passed');

  const transitionList: Transition[] = [];
  for (let ob = 0; ob < 3; ob++) for (let oa = 0; oa < 3; oa++) transitionList.push({ from: OUTCOMES[oa]!, to: OUTCOMES[ob]!, count: transitions[3 * ob + oa]! });
  const count = (oa: number | null, ob: number | null) => {
    let n = 0;
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) if ((oa === null || x === oa) && (ob === null || y === ob)) n += transitions[3 * y + x]!;
    return n;
  };
  const passedA = count(PASS, null);
  const passedB = count(null, PASS);
  const nRegressions = passedA - transitions[3 * PASS + PASS]!;
  const nFixes = passedB - transitions[3 * PASS + PASS]!;

  const ci = (tallyOrSample: Parameters<typeof bootstrapMean>[0], seedOffset: number) =>
    resamples > 0 ? bootstrapMean(tallyOrSample, { resamples, seed: seed + seedOffset }) : null;
  const passCi = common === 0 ? null : ci({ values: [-1, 0, 1], counts: [nRegressions, common - nRegressions - nFixes, nFixes] }, 0);
  const scores = scoreDiffs.subarray(0, scorePairs);
  const scoreMeanA = meanOver(pairA, common, a.scores, (i) => !Number.isNaN(b.scores[pairB[i]!]!));
  const scoreMeanB = meanOver(pairB, common, b.scores, (i) => !Number.isNaN(a.scores[pairA[i]!]!));

  durationsA.sort();
  durationsB.sort();
  const mcnemar = common === 0 ? null : mcnemarExact(nRegressions, nFixes);
  const sameRun = a.header.runId === b.header.runId;
  const identical = changed === 0 && onlyA.length === 0 && onlyB.length === 0 && common > 0;
  const scoreCi = scorePairs === 0 ? null : ci(scores, 1);

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
      a: common === 0 ? null : passedA / common,
      b: common === 0 ? null : passedB / common,
      delta: common === 0 ? null : (passedB - passedA) / common,
      ci: passCi,
    },
    score: {
      pairs: scorePairs,
      a: scoreMeanA,
      b: scoreMeanB,
      delta: scoreMeanA === null || scoreMeanB === null ? null : scoreMeanB - scoreMeanA,
      ci: scoreCi,
    },
    costUsd: costed === 0 ? EMPTY : delta(sums.costA.value(), sums.costB.value()),
    inputTokens: used === 0 ? EMPTY : delta(tokensA, tokensB),
    outputTokens: used === 0 ? EMPTY : delta(outA, outB),
    latency: {
      mean: common === 0 ? EMPTY : delta(sortedSum(durationsA) / common, sortedSum(durationsB) / common),
      p50: common === 0 ? EMPTY : delta(quantileSorted(durationsA, 0.5), quantileSorted(durationsB, 0.5)),
      p95: common === 0 ? EMPTY : delta(quantileSorted(durationsA, 0.95), quantileSorted(durationsB, 0.95)),
    },
    keywords: keywordRows(a, perSet),
    mcnemar,
    alpha,
  };
  return { ...base, verdict: verdictOf(base) };
}

const EMPTY: Delta = { a: null, b: null, delta: null };
const delta = (a: number, b: number): Delta => ({ a, b, delta: b - a });

function meanOver(rows: Int32Array, n: number, values: Float64Array, include: (pair: number) => boolean): number | null {
  const sum = createExactSum();
  let count = 0;
  for (let p = 0; p < n; p++) {
    const v = values[rows[p]!]!;
    if (!Number.isNaN(v) && include(p)) {
      sum.add(v);
      count++;
    }
  }
  return count === 0 ? null : sum.value() / count;
}

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

function keywordRows(a: RunDigest, perSet: Int32Array): KeywordComparison[] {
  const totals = new Map<string, number[]>();
  a.keywordSets.forEach((keywords, set) => {
    if (perSet[5 * set] === 0) return;
    for (const keyword of keywords) {
      let total = totals.get(keyword);
      if (!total) totals.set(keyword, (total = [0, 0, 0, 0, 0]));
      for (let k = 0; k < 5; k++) total[k]! += perSet[5 * set + k]!;
    }
  });
  return [...totals]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([keyword, [cases, passedA, passedB, regressions, fixes]]) => ({
      keyword,
      cases: cases!,
      passedA: passedA!,
      passedB: passedB!,
      passRateA: passedA! / cases!,
      passRateB: passedB! / cases!,
      regressions: regressions!,
      fixes: fixes!,
    }));
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
  if (x.suite.sha256 !== y.suite.sha256) {
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
  if (c.changed === 0) {
    const only = c.onlyA.length + c.onlyB.length > 0 ? ` (${formatCount(c.onlyA.length)} only in A, ${formatCount(c.onlyB.length)} only in B)` : '';
    return { kind: 'no-change', text: `No change: all ${plural(c.common, 'common case')} have the same outcome and score${only}.` };
  }
  const m = c.mcnemar!;
  const flips = `${plural(m.regressions, 'regression')} vs ${plural(m.fixes, 'fix')}`;
  const usesPassed = c.a.hasPassed || c.b.hasPassed || m.regressions + m.fixes > 0;
  if (usesPassed || c.score.ci === null) {
    const p = formatPValue(m.pTwoSided);
    if (m.pTwoSided < c.alpha && m.regressions > m.fixes) return { kind: 'worse', text: `B is worse: ${flips}, ${p}` };
    if (m.pTwoSided < c.alpha && m.fixes > m.regressions) return { kind: 'better', text: `B is better: ${flips}, ${p}` };
    return { kind: 'not-significant', text: `No significant difference: ${flips}, ${p}` };
  }
  // No pass/fail verdicts: judge by the mean score difference and its interval.
  const ci = c.score.ci;
  const text = `mean score ${signed(ci.estimate)} (95% CI ${signed(ci.low)} to ${signed(ci.high)})`;
  if (ci.high < 0) return { kind: 'worse', text: `B is worse: ${text}` };
  if (ci.low > 0) return { kind: 'better', text: `B is better: ${text}` };
  return { kind: 'not-significant', text: `No significant difference: ${text}` };
}

function signed(x: number): string {
  const text = Number.isInteger(x) ? String(x) : x.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return x > 0 ? `+${text}` : text;
}
