/**
 * Case selection (`--filter`, `--ids`, `--limit`, `--sample --seed`) over the case records of a run
 * log, with src/suite/select.ts: a record is a case whose id is `caseId` and whose fields are
 * `record.case`. The repetitions of a case (run --repeat) are selected together. `--limit N` keeps
 * the N selected cases that come first in the suite (by `index`), not the first N lines of the log,
 * which are in completion order.
 *
 * Selection reads the log more than once (each pass streams it): once to check `--ids` and draw the
 * sample, once more for `--sample` or `--limit`. Memory stays bounded by the sample and limit sizes
 * (for a repeated run, by the number of distinct cases).
 */
import type { CaseRecord } from '../log/schema.ts';
import { createCaseSelector, isEmptySelection, type SelectableCase, type Selection } from '../suite/select.ts';

export interface RecordSelection {
  /** True when the record belongs to a selected case. */
  keep(record: CaseRecord): boolean;
  /** Selected cases (not counting repetitions); null when there is no selection. */
  readonly count: number | null;
}

const ALL: RecordSelection = { keep: () => true, count: null };

/**
 * Plans a selection over the case records that `source()` yields (each call a fresh pass over the
 * log). `repeated` is true for a run with repeat > 1: repetitions are then de-duplicated by id.
 * Throws the UsageErrors of createCaseSelector (bad filter, unknown ids).
 */
export async function planRecordSelection(
  selection: Selection | undefined,
  source: () => AsyncIterable<CaseRecord>,
  options: { readonly repeated?: boolean } = {},
): Promise<RecordSelection> {
  if (!selection || isEmptySelection(selection)) return ALL;
  const { limit, sample } = selection;
  // The limit is applied here, by suite position; the selector gets the other criteria.
  const selector = createCaseSelector({ ...selection, limit: undefined });
  const cases = () => distinctCases(source(), options.repeated === true);

  let count: number | null = null;
  if (sample !== undefined || (selection.ids?.length ?? 0) > 0) count = await selector.plan(cases);

  let sampled: Set<string> | undefined;
  let cutoff = Number.POSITIVE_INFINITY;
  if (sample !== undefined || limit !== undefined) {
    if (sample !== undefined) sampled = new Set();
    const firstIndexes = limit === undefined ? undefined : createSmallest(limit);
    let selected = 0;
    for await (const item of selector.select(cases())) {
      selected++;
      sampled?.add(item.id);
      firstIndexes?.add(item.index);
    }
    if (firstIndexes && selected > limit!) cutoff = firstIndexes.largest();
    count = Math.min(selected, limit ?? selected);
  }
  if (count === null) {
    // Only a filter: count what it keeps on the way (one pass, done by the caller's read).
    let counted = 0;
    return {
      keep(record) {
        const ok = selector.matches({ id: record.caseId, case: record.case });
        if (ok && !record.repeat) counted++;
        return ok;
      },
      get count() {
        return counted;
      },
    };
  }
  const finalCount = count;
  return {
    keep(record) {
      if (record.index > cutoff) return false;
      if (sampled) return sampled.has(record.caseId);
      return selector.matches({ id: record.caseId, case: record.case });
    },
    count: finalCount,
  };
}

interface IndexedCase extends SelectableCase {
  readonly index: number;
}

async function* distinctCases(records: AsyncIterable<CaseRecord>, repeated: boolean): AsyncGenerator<IndexedCase> {
  const seen = repeated ? new Set<string>() : undefined;
  for await (const record of records) {
    if (seen) {
      if (seen.has(record.caseId)) continue;
      seen.add(record.caseId);
    }
    yield { id: record.caseId, case: record.case, index: record.index };
  }
}

/** The `size` smallest numbers added so far (a bounded max-heap). */
function createSmallest(size: number) {
  const heap: number[] = [];
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && heap[l]! > heap[top]!) top = l;
      if (r < heap.length && heap[r]! > heap[top]!) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  };
  return {
    add(value: number) {
      if (heap.length < size) {
        heap.push(value);
        for (let i = heap.length - 1; i > 0; ) {
          const parent = (i - 1) >> 1;
          if (heap[parent]! >= heap[i]!) break;
          swap(i, parent);
          i = parent;
        }
      } else if (value < heap[0]!) {
        heap[0] = value;
        down(0);
      }
    },
    largest: () => heap[0] ?? Number.POSITIVE_INFINITY,
  };
}
