import { describe, expect, it } from 'vitest';
import { checkContains, checkEquals, checkJsonSchema, checkNumeric, checkRegex, checkSimilarity, combineChecks, levenshteinRatio } from './checks.ts';

describe('checks', () => {
  it('equals compares deeply, trims strings, and ignores case on request', () => {
    expect(checkEquals({ a: [1, 2] }, { a: [1, 2] }).passed).toBe(true);
    expect(checkEquals(' Paris ', 'Paris').passed).toBe(true);
    expect(checkEquals('paris', 'Paris').passed).toBe(false);
    expect(checkEquals('paris', 'Paris', { ignoreCase: true }).passed).toBe(true);
    expect(checkEquals(4, '4')).toMatchObject({ passed: false, detail: '4 is not equal to "4"' });
  });

  it('contains finds substrings and array elements', () => {
    expect(checkContains('The answer is 42.', '42').passed).toBe(true);
    expect(checkContains(['a', { b: 1 }], { b: 1 }).passed).toBe(true);
    expect(checkContains('ABC', 'b', { ignoreCase: true }).passed).toBe(true);
    expect(checkContains(12, '1')).toMatchObject({ passed: false, detail: '12 is not a string or an array' });
  });

  it('regex matches strings only', () => {
    expect(checkRegex('abc123', '^[a-z]+\\d+$').passed).toBe(true);
    expect(checkRegex('ABC', '^abc$', 'i').passed).toBe(true);
    expect(checkRegex(5, '5').passed).toBe(false);
  });

  it('jsonSchema validates with a JSON Schema and lists what does not match', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    expect(checkJsonSchema({ answer: 3 }, schema).passed).toBe(true);
    const failed = checkJsonSchema({ answer: 'x' }, schema);
    expect(failed.passed).toBe(false);
    expect(failed.detail).toContain('answer: Invalid input: expected number');
  });

  it('numeric accepts numeric strings and a tolerance', () => {
    expect(checkNumeric('3.14', 3.14159, 0.01)).toMatchObject({ passed: true });
    expect(checkNumeric(10, 12, 1)).toMatchObject({ passed: false, value: 2 });
    expect(checkNumeric('ten', 10).detail).toBe('"ten" is not a number');
    expect(checkNumeric('1,000', 1000).passed).toBe(true);
  });

  it('similarity uses the Levenshtein ratio', () => {
    expect(levenshteinRatio('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7);
    expect(levenshteinRatio('', '')).toBe(1);
    expect(checkSimilarity('Jane Austin', 'Jane Austen', 0.9)).toMatchObject({ passed: true, value: 0.909 });
    expect(checkSimilarity('Paris', 'London', 0.8).passed).toBe(false);
    expect(checkSimilarity('PARIS', 'paris', 1, { ignoreCase: true }).passed).toBe(true);
  });

  it('combineChecks passes only when every check passed', () => {
    expect(combineChecks([checkEquals(1, 1), checkEquals(1, 2)]).passed).toBe(false);
    expect(combineChecks([checkEquals(1, 1)]).passed).toBe(true);
  });
});
