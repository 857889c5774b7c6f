import { createHash } from 'node:crypto';
import { UsageError } from '../errors.ts';
import { keywordsOf, parseFilter, type KeywordPredicate } from './filter.ts';

/** Which cases a command works on: `--filter`, `--ids`, `--limit`, `--sample N --seed S`, `--shard i/n`. */
export interface Selection {
  /** A keyword expression (`p0 && !slow`). */
  readonly filter?: string;
  /** Case ids or id prefixes; a case is selected when its id starts with one of them. */
  readonly ids?: readonly string[];
  /** At most this many cases (the first ones, after the other criteria). */
  readonly limit?: number;
  /** A random sample of this many cases, the same for the same seed. */
  readonly sample?: number;
  /** @default 0 */
  readonly seed?: number;
  /** Part `index` (1-based) of `count` parts, by a hash of the case id: stable when cases are added. */
  readonly shard?: { readonly index: number; readonly count: number };
}

export interface SelectableCase {
  readonly id: string;
  readonly case: Readonly<Record<string, unknown>>;
}

export function isEmptySelection(selection: Selection | undefined): boolean {
  return (
    !selection ||
    (selection.filter === undefined &&
      (selection.ids === undefined || selection.ids.length === 0) &&
      selection.limit === undefined &&
      selection.sample === undefined &&
      selection.shard === undefined)
  );
}

/** A stable number in [0, 1) from a string: the same on every machine and Node version. */
export function hashUnit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Selects cases from a sequence in two passes (sources can be iterated again, and a JSONL suite is
 * streamed each time): the first pass applies the per-case criteria and decides the sample, the
 * second yields the chosen cases in their original order. Memory stays bounded by the sample size.
 */
export interface CaseSelector {
  /** The per-case criteria (filter, ids, shard). */
  matches(item: SelectableCase): boolean;
  /** Runs the first pass over `source` and returns how many cases will be selected. */
  plan(source: () => AsyncIterable<SelectableCase> | Iterable<SelectableCase>): Promise<number>;
  /** The second pass: the selected cases of a fresh iteration of `source`, in order. */
  select<T extends SelectableCase>(source: AsyncIterable<T> | Iterable<T>): AsyncIterable<T>;
}

export function createCaseSelector(selection: Selection = {}): CaseSelector {
  const predicate: KeywordPredicate | undefined = selection.filter === undefined ? undefined : parseFilter(selection.filter);
  const ids = selection.ids?.filter((id) => id !== '') ?? [];
  const seed = selection.seed ?? 0;
  const { shard, limit, sample } = selection;
  if (shard && !(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 1 && shard.index <= shard.count)) {
    throw new UsageError('E_SELECT_SHARD', `Invalid shard ${shard.index}/${shard.count}: expected i/n with 1 ≤ i ≤ n.`, { hint: 'e.g. --shard 2/4' });
  }
  let sampled: Set<string> | undefined;
  let planned = false;

  const matches = (item: SelectableCase): boolean => {
    if (ids.length > 0 && !ids.some((prefix) => item.id.startsWith(prefix))) return false;
    if (shard && Math.floor(hashUnit(item.id) * shard.count) !== shard.index - 1) return false;
    if (predicate && !predicate(keywordsOf(item.case))) return false;
    return true;
  };

  return {
    matches,
    async plan(source) {
      let count = 0;
      const unmatchedIds = new Set(ids);
      // The sample is the `sample` cases with the smallest seeded hashes: a bounded set, kept sorted.
      const best: { key: number; id: string }[] = [];
      for await (const item of source()) {
        if (!matches(item)) continue;
        for (const prefix of unmatchedIds) if (item.id.startsWith(prefix)) unmatchedIds.delete(prefix);
        count++;
        if (sample !== undefined) {
          const key = hashUnit(`${seed}:${item.id}`);
          if (best.length < sample || key < best[best.length - 1]!.key) {
            let at = best.length;
            while (at > 0 && best[at - 1]!.key > key) at--;
            best.splice(at, 0, { key, id: item.id });
            if (best.length > sample) best.pop();
          }
        }
      }
      if (unmatchedIds.size > 0) {
        throw new UsageError('E_SELECT_IDS', `No case id starts with ${[...unmatchedIds].map((id) => `'${id}'`).join(', ')}.`, {
          hint: 'Give case ids (or unique prefixes of them) separated by commas.',
        });
      }
      if (sample !== undefined) {
        sampled = new Set(best.map((entry) => entry.id));
        count = sampled.size;
      }
      planned = true;
      return limit === undefined ? count : Math.min(limit, count);
    },
    async *select(source) {
      if (sample !== undefined && !planned) throw new Error('CaseSelector.select() with a sample needs plan() first');
      let taken = 0;
      for await (const item of source) {
        if (limit !== undefined && taken >= limit) return;
        if (!matches(item)) continue;
        if (sampled && !sampled.has(item.id)) continue;
        taken++;
        yield item;
      }
    },
  };
}
