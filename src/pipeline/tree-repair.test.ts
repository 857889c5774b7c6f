import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hungarian, treeRepair } from './tree-repair.ts';

describe('treeRepair: the worked examples of gotaglio-spec §7.5', () => {
  it('latte with the wrong syrup and a missing milk: cost 4 with the four steps', () => {
    const observed = [{ name: 'latte', quantity: 1, options: [{ name: 'half caf' }, { name: 'vanilla syrup', quantity: 1, amount: 'regular' }] }];
    const expected = [{ name: 'latte', quantity: 1, options: [{ name: 'half caf' }, { name: 'nonfat milk', quantity: 1 }, { name: 'vanilla syrup', quantity: 2 }] }];
    const result = treeRepair(observed, expected);
    expect(result).toEqual({
      op: 'REPAIR',
      cost: 4,
      steps: [
        '0.1: vanilla syrup: change quantity to `2`',
        '0.1: vanilla syrup: remove amount',
        '1.1: nonfat milk: insert default version',
        "1.1: nonfat milk: change attribute(quantity) to '1'",
      ],
    });
    expect(observed[0]).not.toHaveProperty('id');
  });

  it('a different drink is a delete and an insert, minus the 0.001 tie-break: 2.999', () => {
    const result = treeRepair([{ name: 'latte', size: 'tall' }], [{ name: 'mocha', quantity: 2 }]);
    expect(result.cost).toBe(2.999);
    expect(result.steps).toEqual(['0: latte: delete item', '1: mocha: insert default version', "1: mocha: change attribute(quantity) to '2'"]);
  });

  it('inserting into an empty cart counts the children: 3', () => {
    const result = treeRepair([], [{ name: 'mocha', quantity: 2, options: [{ name: 'whipped cream' }] }]);
    expect(result.cost).toBe(3);
    expect(result.steps).toEqual(['0: mocha: insert default version', "0: mocha: change attribute(quantity) to '2'", '0.0: whipped cream: insert default version']);
  });

  it('an extra item is one delete: 1', () => {
    const result = treeRepair([{ name: 'mocha' }, { name: 'latte' }], [{ name: 'latte' }]);
    expect(result).toEqual({ op: 'REPAIR', cost: 1, steps: ['0: mocha: delete item'] });
  });

  it('equal carts cost 0 whatever the order; missing names show as ???', () => {
    const cart = [{ name: 'latte', size: 'tall', options: [{ name: 'oat milk' }] }, { name: 'muffin', quantity: 2 }];
    expect(treeRepair(cart, [...cart].reverse()).cost).toBe(0);
    expect(treeRepair([{ quantity: 1 }], []).steps).toEqual(['0: ???: delete item']);
  });
});

describe('hungarian', () => {
  it('finds the least-cost assignment', () => {
    expect(hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])).toEqual([1, 0, 2]);
    expect(hungarian([])).toEqual([]);
  });

  it('matches a brute-force search on small matrices', () => {
    const permutations = (n: number): number[][] => (n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }), { minLength: n, maxLength: n })),
        (matrix) => {
          const total = (assignment: readonly number[]) => assignment.reduce((sum, j, i) => sum + matrix[i]![j]!, 0);
          const best = Math.min(...permutations(matrix.length).map(total));
          const assignment = hungarian(matrix);
          expect(new Set(assignment).size).toBe(matrix.length);
          expect(total(assignment)).toBe(best);
        },
      ),
    );
  });
});
