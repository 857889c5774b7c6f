import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CaseSchema, checkCase, checkSuiteObject, formatPath, hasCaseShape } from './schema.ts';

describe('checkCase', () => {
  it('takes the id from uuid or id, integers as their decimal string', () => {
    expect(checkCase({ uuid: 'a', input: 1 })).toEqual({ ok: true, id: 'a' });
    expect(checkCase({ id: 'b' })).toEqual({ ok: true, id: 'b' });
    expect(checkCase({ id: 42 })).toEqual({ ok: true, id: '42' });
    expect(checkCase({ uuid: -3, id: '-3' })).toEqual({ ok: true, id: '-3' });
    expect(checkCase({ uuid: '', id: 'c' })).toEqual({ ok: true, id: 'c' });
  });

  it('treats a missing or empty id as no id', () => {
    expect(checkCase({})).toEqual({ ok: true, id: undefined });
    expect(checkCase({ uuid: '' })).toEqual({ ok: true, id: undefined });
    expect(checkCase({ uuid: '', id: '' })).toEqual({ ok: true, id: undefined });
  });

  it('rejects a uuid and an id that differ', () => {
    const result = checkCase({ uuid: 'a', id: 'b' });
    expect(result).toMatchObject({ ok: false, problem: { path: 'id', message: "'b' differs from uuid 'a'" } });
  });

  it('rejects what is not an object, naming what it is', () => {
    expect(checkCase([1])).toMatchObject({ ok: false, problem: { path: '', message: 'must be an object, not an array' } });
    expect(checkCase(null)).toMatchObject({ ok: false, problem: { message: 'must be an object, not null' } });
    expect(checkCase(3)).toMatchObject({ ok: false, problem: { message: 'must be an object, not a number' } });
  });

  it('reports the path and reason of an ill-typed field', () => {
    expect(checkCase({ id: 1.5 })).toEqual({ ok: false, problem: { path: 'id', message: 'must be a string or an integer' } });
    expect(checkCase({ uuid: null })).toEqual({ ok: false, problem: { path: 'uuid', message: 'must be a string or an integer' } });
    expect(checkCase({ keywords: ['a', 2] })).toEqual({
      ok: false,
      problem: { path: 'keywords[1]', message: 'expected string, received number' },
    });
    expect(checkCase({ keywords: 'a' })).toEqual({ ok: false, problem: { path: 'keywords', message: 'expected array, received string' } });
  });

  it('lets every other field through untouched', () => {
    expect(checkCase({ id: 'a', anything: { nested: [null, true] } })).toEqual({ ok: true, id: 'a' });
  });
});

describe('hasCaseShape', () => {
  it('agrees with CaseSchema on any value', () => {
    const id = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.boolean());
    const keywords = fc.oneof(fc.array(fc.string()), fc.array(fc.oneof(fc.string(), fc.integer())), fc.string(), fc.constant(undefined));
    const caseLike = fc.record({ uuid: id, id, keywords, other: fc.anything() }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(caseLike, fc.anything()), (value) => {
        expect(hasCaseShape(value)).toBe(CaseSchema.safeParse(value).success && value !== null && typeof value === 'object' && !Array.isArray(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkSuiteObject', () => {
  it('accepts the object form with cases inline or as a path', () => {
    const inline = checkSuiteObject({ pipeline: 'p', description: 'd', config: { 'a.b': 1 }, cases: [{ id: 'x' }] });
    expect(inline).toEqual({ ok: true, suite: { pipeline: 'p', description: 'd', config: { 'a.b': 1 }, cases: [{ id: 'x' }] } });
    expect(checkSuiteObject({ cases: 'cases.jsonl' })).toEqual({ ok: true, suite: { cases: 'cases.jsonl' } });
  });

  it('rejects an unknown key with a suggestion', () => {
    const result = checkSuiteObject({ pipeline: 'p', Cases: [] });
    expect(result).toMatchObject({ ok: false, problem: { path: 'Cases', message: "unknown key 'Cases' (did you mean 'cases'?)" } });
    const far = checkSuiteObject({ cases: [], zzzzzz: 1 });
    expect(far).toMatchObject({ ok: false, problem: { message: "unknown key 'zzzzzz'" } });
  });

  it('rejects a missing cases key, an empty pipeline and a config that is not an object', () => {
    expect(checkSuiteObject({ pipeline: 'p' })).toMatchObject({ ok: false, problem: { path: 'cases', message: 'is missing' } });
    expect(checkSuiteObject({ pipeline: '', cases: [] })).toMatchObject({ ok: false, problem: { path: 'pipeline', message: 'must not be empty' } });
    expect(checkSuiteObject({ config: 'x', cases: [] })).toMatchObject({ ok: false, problem: { path: 'config' } });
    expect(checkSuiteObject({ cases: 3 })).toMatchObject({ ok: false, problem: { path: 'cases', message: expect.stringContaining('array of cases') as string } });
  });
});

describe('formatPath', () => {
  it('writes property names with dots and indices in brackets', () => {
    expect(formatPath(['keywords', 1])).toBe('keywords[1]');
    expect(formatPath(['a', 'b', 0, 'c'])).toBe('a.b[0].c');
    expect(formatPath([])).toBe('');
  });
});
