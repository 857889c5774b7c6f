import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepEqual, deepFreeze, findNonJson, isPlainObject, stableStringify } from './json.ts';

describe('findNonJson', () => {
  it('accepts plain JSON, including null-prototype objects and shared (not circular) references', () => {
    const shared = { a: 1 };
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { k: 'v' });
    expect(findNonJson({ s: 'x', n: -1.5, b: false, z: null, list: [1, [2, { deep: 'y' }]], bare, one: shared, two: shared, pair: [shared, shared] })).toBeUndefined();
    expect(findNonJson('text')).toBeUndefined();
    expect(findNonJson(null)).toBeUndefined();
  });

  it('ignores undefined object properties, which JSON drops like missing keys', () => {
    expect(findNonJson({ a: undefined, b: { c: undefined } })).toBeUndefined();
  });

  class Point {
    constructor(readonly x: number) {}
  }
  const cyclic: Record<string, unknown> = { items: [{}] };
  ((cyclic['items'] as unknown[])[0] as Record<string, unknown>)['back'] = cyclic;
  const selfArray: unknown[] = [];
  selfArray.push(selfArray);

  it.each([
    ['$ is NaN', Number.NaN],
    ['$ is Infinity', Infinity],
    ['$.score is -Infinity', { score: -Infinity }],
    ['$ is undefined', undefined],
    ['$[1] is undefined', [1, undefined]],
    ['$.n is a bigint', { n: 10n }],
    ['$.f is a function', { f: () => 1 }],
    ['$.s is a symbol', { s: Symbol('x') }],
    ['$.items[2].when is a Date (only plain objects, arrays, strings, finite numbers, booleans and null are JSON)', { items: [1, 2, { when: new Date(0) }] }],
    ['$ is a Map (only plain objects, arrays, strings, finite numbers, booleans and null are JSON)', new Map()],
    ['$.p is a Point (only plain objects, arrays, strings, finite numbers, booleans and null are JSON)', { p: new Point(1) }],
    ['$.items[0].back is a circular reference', cyclic],
    ['$[0] is a circular reference', selfArray],
    ['$["two words"]["a.b"][0] is NaN', { 'two words': { 'a.b': [NaN] } }],
    ['$.$ok._also["é"] is a bigint', { $ok: { _also: { é: 1n } } }],
  ])('reports %s', (problem, value) => {
    expect(findNonJson(value)).toBe(problem);
  });

  it('starts paths from the given root', () => {
    expect(findNonJson({ t: NaN }, 'infer.settings')).toBe('infer.settings.t is NaN');
  });

  it('reports the first problem in key and index order', () => {
    expect(findNonJson({ a: [1, NaN], b: () => 1 })).toBe('$.a[1] is NaN');
  });

  it('finds nothing in any value JSON.parse produces', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findNonJson(JSON.parse(JSON.stringify(value)))).toBeUndefined();
      }),
    );
  });
});

describe('stableStringify', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives equal text for equal values whatever their key order', () => {
    expect(stableStringify({ x: 1, y: [1, 2] })).toBe(stableStringify({ y: [1, 2], x: 1 }));
    expect(stableStringify([1, 2])).not.toBe(stableStringify([2, 1]));
  });

  it('writes primitives like JSON.stringify and drops undefined properties', () => {
    expect(stableStringify('a"b')).toBe('"a\\"b"');
    expect(stableStringify(null)).toBe('null');
    expect(stableStringify(1.5)).toBe('1.5');
    expect(stableStringify({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it('keeps a "__proto__" key read from JSON', () => {
    const value: unknown = JSON.parse('{"b":1,"__proto__":{"x":2}}');
    expect(stableStringify(value)).toBe('{"__proto__":{"x":2},"b":1}');
  });

  it('parses back to a deeply equal value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = JSON.parse(JSON.stringify(value)) as unknown;
        expect(deepEqual(JSON.parse(stableStringify(json)), json)).toBe(true);
      }),
    );
  });
});

describe('deepEqual', () => {
  it.each([
    [1, 1],
    ['a', 'a'],
    [null, null],
    [NaN, NaN],
    [[1, [2, 3]], [1, [2, 3]]],
    [{ a: 1, b: { c: [null] } }, { b: { c: [null] }, a: 1 }],
    [{}, {}],
    [[], []],
  ])('treats %j and %j as equal', (a, b) => {
    expect(deepEqual(a, b)).toBe(true);
  });

  it.each([
    [1, 2],
    [1, '1'],
    [0, null],
    [null, undefined],
    [null, {}],
    [{}, null],
    [[], {}],
    [{ 0: 'a' }, ['a']],
    [[1, 2], [1, 2, 3]],
    [[1, 2], [2, 1]],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: undefined }, { b: undefined }],
    [{ a: { b: 1 } }, { a: { b: 2 } }],
    [NaN, 0],
  ])('tells %j and %j apart', (a, b) => {
    expect(deepEqual(a, b)).toBe(false);
    expect(deepEqual(b, a)).toBe(false);
  });

  it('agrees with comparing stable JSON text for JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        const a = JSON.parse(JSON.stringify(x)) as unknown;
        const b = JSON.parse(JSON.stringify(y)) as unknown;
        expect(deepEqual(a, b)).toBe(stableStringify(a) === stableStringify(b));
        expect(deepEqual(a, structuredClone(a))).toBe(true);
      }),
    );
  });
});

describe('isPlainObject and deepFreeze', () => {
  it('calls only object literals and null-prototype objects plain', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });

  it('freezes nested objects and arrays and returns the value', () => {
    const value = { a: { b: [1, { c: 2 }] } };
    expect(deepFreeze(value)).toBe(value);
    expect(Object.isFrozen(value.a)).toBe(true);
    expect(Object.isFrozen(value.a.b)).toBe(true);
    expect(Object.isFrozen(value.a.b[1])).toBe(true);
  });
});
