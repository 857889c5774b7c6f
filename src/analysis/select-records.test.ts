import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import type { CaseRecord } from '../log/schema.ts';
import { makeCase } from '../../test/helpers/records.ts';
import { planRecordSelection } from './select-records.ts';

/** 20 cases in completion order (not suite order): even ones have keyword `even`. */
const log: CaseRecord[] = [...Array(20).keys()].reverse().map((i) => makeCase(i, { keywords: i % 2 === 0 ? ['even'] : ['odd'] }));

async function* stream(records: readonly CaseRecord[]) {
  yield* records;
}

async function pick(selection: Parameters<typeof planRecordSelection>[0], records: readonly CaseRecord[] = log, repeated = false) {
  let passes = 0;
  const plan = await planRecordSelection(selection, () => {
    passes++;
    return stream(records);
  }, { repeated });
  const kept = records.filter((r) => plan.keep(r));
  return { kept: kept.map((r) => `${r.index}${r.repeat ? `#${r.repeat}` : ''}`), count: plan.count, passes };
}

describe('planRecordSelection', () => {
  it('keeps everything, without reading, when nothing is selected', async () => {
    expect(await pick(undefined)).toMatchObject({ count: null, passes: 0 });
    expect((await pick({})).kept).toHaveLength(20);
  });

  it('filters by keyword expression in one pass (the caller’s), counting as it goes', async () => {
    const result = await pick({ filter: 'odd && !even' });
    expect(result.passes).toBe(0);
    expect(result.kept).toHaveLength(10);
    expect(result.count).toBe(10);
  });

  it('limits to the first cases in suite order, not in log order', async () => {
    expect((await pick({ limit: 3 })).kept.sort()).toEqual(['0', '1', '2']);
    expect((await pick({ filter: 'odd', limit: 2 })).kept.sort()).toEqual(['1', '3']);
    expect((await pick({ limit: 50 })).count).toBe(20);
  });

  it('checks --ids and selects by id prefix', async () => {
    expect((await pick({ ids: ['case-01'] })).count).toBe(10);
    await expect(pick({ ids: ['nope'] })).rejects.toThrow(UsageError);
    await expect(pick({ ids: ['nope'] })).rejects.toThrow("No case id starts with 'nope'.");
  });

  it('samples the same cases for the same seed, whatever the log order', async () => {
    const a = await pick({ sample: 5, seed: 3 });
    expect(a.count).toBe(5);
    expect((await pick({ sample: 5, seed: 3 }, [...log].reverse())).kept.sort()).toEqual([...a.kept].sort());
    expect((await pick({ sample: 5, seed: 4 })).kept.sort()).not.toEqual([...a.kept].sort());
  });

  it('selects the repetitions of a case together', async () => {
    const repeated = [0, 1, 2].flatMap((repeat) => [makeCase(0, { id: 'a', repeat }), makeCase(1, { id: 'b', repeat, keywords: ['x'] }), makeCase(2, { id: 'c', repeat })]);
    expect(await pick({ limit: 2 }, repeated, true)).toMatchObject({ count: 2, kept: ['0', '1', '0#1', '1#1', '0#2', '1#2'] });
    expect((await pick({ sample: 1, seed: 1 }, repeated, true)).kept).toHaveLength(3);
    expect((await pick({ filter: 'x' }, repeated, true)).count).toBe(1);
  });

  it('reports a bad filter as a usage error', async () => {
    await expect(pick({ filter: 'a &&' })).rejects.toThrow(/Invalid --filter expression: expected a keyword/);
  });
});
