import { describe, expect, it } from 'vitest';
import { makeCase } from '../../test/helpers/records.ts';
import { createKeywordBreakdown } from './keyword-breakdown.ts';

describe('createKeywordBreakdown', () => {
  it('counts each case under each of its keywords, sorted, with the cases without keywords last', () => {
    const breakdown = createKeywordBreakdown({ hasPassed: true });
    breakdown.add(makeCase(0, { keywords: ['hex', 'add'], score: 1 }));
    breakdown.add(makeCase(1, { keywords: ['add'], passed: false, score: 0 }));
    breakdown.add(makeCase(2, { keywords: ['add', 'add'], status: 'error' }));
    breakdown.add(makeCase(3));
    breakdown.add(makeCase(4, { keywords: ['hex'], status: 'cancelled' }));
    expect(breakdown.finish()).toMatchInlineSnapshot(`
      [
        {
          "cases": 3,
          "complete": 2,
          "errors": 1,
          "failed": 1,
          "keyword": "add",
          "meanScore": 0.5,
          "passRate": 0.3333333333333333,
          "passed": 1,
        },
        {
          "cases": 2,
          "complete": 1,
          "errors": 0,
          "failed": 0,
          "keyword": "hex",
          "meanScore": 1,
          "passRate": 0.5,
          "passed": 1,
        },
        {
          "cases": 1,
          "complete": 1,
          "errors": 0,
          "failed": 0,
          "keyword": null,
          "meanScore": null,
          "passRate": 1,
          "passed": 1,
        },
      ]
    `);
  });

  it('has no pass rate without passed(), and nothing for no cases', () => {
    const breakdown = createKeywordBreakdown({ hasPassed: false });
    expect(breakdown.finish()).toEqual([]);
    breakdown.add(makeCase(0, { keywords: ['a'], passed: null }));
    expect(breakdown.finish()[0]).toMatchObject({ keyword: 'a', passRate: null });
  });
});
