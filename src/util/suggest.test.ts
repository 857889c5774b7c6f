import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, levenshtein, oxfordJoin } from './suggest.ts';

describe('levenshtein', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('abc', '')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('name', 'nmae')).toBe(2);
  });

  it('is symmetric and zero only for equal strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(levenshtein(a, b)).toBe(levenshtein(b, a));
        expect(levenshtein(a, b) === 0).toBe(a === b);
        expect(levenshtein(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('closest', () => {
  const paths = [
    'prepare.template',
    'infer.model',
    'infer.model.name',
    'infer.model.settings',
    'infer.model.settings.temperature',
    'infer.model.settings.top_p',
  ];

  it('suggests the intended path for a typo in any segment', () => {
    expect(closest('infer.modle.name', paths)).toEqual(['infer.model.name']);
    expect(closest('infer.model.nmae', paths)).toEqual(['infer.model.name']);
    expect(closest('prepare.templte', paths)).toEqual(['prepare.template']);
  });

  it('ignores case', () => {
    expect(closest('Infer.Model.Name', paths)).toEqual(['infer.model.name']);
  });

  it('matches on the last segment when the prefix is wrong or missing', () => {
    expect(closest('temperature', paths)).toEqual(['infer.model.settings.temperature']);
    expect(closest('infer.settings.temprature', paths)).toEqual(['infer.model.settings.temperature']);
  });

  it('returns nothing when no candidate is close', () => {
    expect(closest('zzz', paths)).toEqual([]);
    expect(closest('x', ['y'])).toEqual([]);
    expect(closest('anything', [])).toEqual([]);
  });

  it('returns several equally good candidates, best first, up to max', () => {
    expect(closest('cat', ['bat', 'cut', 'car', 'dog'])).toEqual(['bat', 'cut', 'car']);
    expect(closest('cat', ['bat', 'cut', 'car'], { max: 1 })).toEqual(['bat']);
  });
});

describe('oxfordJoin', () => {
  it('joins lists the way English does', () => {
    expect(oxfordJoin([])).toBe('');
    expect(oxfordJoin(['a'])).toBe('a');
    expect(oxfordJoin(['a', 'b'])).toBe('a and b');
    expect(oxfordJoin(['a', 'b', 'c'])).toBe('a, b, and c');
    expect(oxfordJoin(['a', 'b', 'c'], 'or')).toBe('a, b, or c');
  });
});
