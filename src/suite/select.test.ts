import { describe, expect, it } from 'vitest';
import { createCaseSelector, hashUnit } from './select.ts';

const cases = Array.from({ length: 100 }, (_, i) => ({
  id: `case-${String(i).padStart(3, '0')}`,
  case: { keywords: i % 2 === 0 ? ['even'] : ['odd'] },
}));

async function pick(selection: Parameters<typeof createCaseSelector>[0]) {
  const selector = createCaseSelector(selection);
  const count = await selector.plan(() => cases);
  const ids: string[] = [];
  for await (const item of selector.select(cases)) ids.push(item.id);
  expect(ids.length).toBe(count);
  return ids;
}

describe('createCaseSelector', () => {
  it('filters by keyword expression and by id prefixes, keeping suite order', async () => {
    expect(await pick({ filter: 'even' })).toHaveLength(50);
    expect(await pick({ ids: ['case-01', 'case-099'] })).toEqual([...Array.from({ length: 10 }, (_, i) => `case-01${i}`), 'case-099']);
    expect(await pick({ filter: 'odd', limit: 3 })).toEqual(['case-001', 'case-003', 'case-005']);
  });

  it('samples the same cases for the same seed, and other cases for another seed', async () => {
    const a = await pick({ sample: 10, seed: 1 });
    expect(a).toHaveLength(10);
    expect(await pick({ sample: 10, seed: 1 })).toEqual(a);
    expect(await pick({ sample: 10, seed: 2 })).not.toEqual(a);
    expect(a).toEqual([...a].sort());
  });

  it('splits cases into shards that cover the suite exactly once, by a hash of the id', async () => {
    const shards = await Promise.all([1, 2, 3, 4].map((index) => pick({ shard: { index, count: 4 } })));
    expect(shards.flat().sort()).toEqual(cases.map((c) => c.id));
    for (const shard of shards) expect(shard.length).toBeGreaterThan(10);
    // Adding cases never moves an existing case to another shard.
    expect(Math.floor(hashUnit('case-007') * 4)).toBe(shards.findIndex((s) => s.includes('case-007')));
  });

  it('rejects ids that match no case, and invalid shards', async () => {
    await expect(pick({ ids: ['nope'] })).rejects.toMatchObject({ code: 'E_SELECT_IDS' });
    expect(() => createCaseSelector({ shard: { index: 5, count: 4 } })).toThrow(/Invalid shard 5\/4/);
  });
});
