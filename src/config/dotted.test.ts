import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { internal, prompt } from './markers.ts';
import { flattenLeaves, getPath, hasPath, isBranch, setPath } from './dotted.ts';

describe('getPath and hasPath', () => {
  const obj = { a: { b: { c: 1 }, list: [1, 2], empty: null }, m: prompt('x') };

  it('walks nested plain objects by dotted path', () => {
    expect(getPath(obj, 'a.b.c')).toBe(1);
    expect(getPath(obj, 'a.b')).toEqual({ c: 1 });
    expect(hasPath(obj, 'a.empty')).toBe(true);
  });

  it('reports missing segments as undefined / false', () => {
    expect(getPath(obj, 'a.x.c')).toBeUndefined();
    expect(hasPath(obj, 'a.b.d')).toBe(false);
  });

  it('does not index into arrays, markers or inherited properties', () => {
    expect(hasPath(obj, 'a.list.0')).toBe(false);
    expect(getPath(obj, 'm.description')).toBeUndefined();
    expect(hasPath(obj, 'a.toString')).toBe(false);
  });
});

describe('setPath', () => {
  it('creates intermediate objects as needed', () => {
    const obj: Record<string, unknown> = { a: { keep: true } };
    setPath(obj, 'a.b.c', 3);
    expect(obj).toEqual({ a: { keep: true, b: { c: 3 } } });
  });

  it('refuses to replace a non-object value that stands in the way', () => {
    const obj: Record<string, unknown> = { a: 5 };
    expect(() => setPath(obj, 'a.b', 1)).toThrow(/'a' is not an object/);
  });

  it('sets __proto__ as an own key without touching the prototype', () => {
    const obj: Record<string, unknown> = {};
    setPath(obj, '__proto__.polluted', 1);
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(getPath(obj, '__proto__.polluted')).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('round-trips with getPath for any path', () => {
    const segment = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('.'));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.jsonValue(), (segments, value) => {
        const obj: Record<string, unknown> = {};
        const path = segments.join('.');
        setPath(obj, path, value);
        expect(hasPath(obj, path)).toBe(true);
        expect(getPath(obj, path)).toBe(value);
      }),
    );
  });
});

describe('flattenLeaves', () => {
  it('lists leaves in key order, treating arrays, markers and empty objects as leaves', () => {
    const p = prompt('p');
    const i = internal();
    const leaves = flattenLeaves({ b: { y: [1], x: p }, a: i, e: {}, n: null, u: undefined });
    expect(leaves).toEqual([
      ['b.y', [1]],
      ['b.x', p],
      ['a', i],
      ['e', {}],
      ['n', null],
    ]);
  });

  it('lets the caller stop recursion with isLeaf', () => {
    const leaves = flattenLeaves({ a: { b: { c: 1 } }, d: 2 }, (_value, path) => path === 'a.b');
    expect(leaves).toEqual([
      ['a.b', { c: 1 }],
      ['d', 2],
    ]);
  });

  it('rebuilds the original object when its leaves are set again', () => {
    const key = fc.string({ minLength: 1, maxLength: 5 }).filter((s) => !s.includes('.'));
    const tree = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 0 }), fc.dictionary(key, tie('node'), { maxKeys: 3 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 4 }), (obj) => {
        const rebuilt: Record<string, unknown> = {};
        for (const [path, value] of flattenLeaves(obj)) setPath(rebuilt, path, value);
        expect(rebuilt).toEqual(obj);
      }),
    );
  });

  it('treats only non-empty plain non-marker objects as branches', () => {
    expect(isBranch({ a: 1 })).toBe(true);
    expect(isBranch({})).toBe(false);
    expect(isBranch([1])).toBe(false);
    expect(isBranch(prompt('x'))).toBe(false);
  });
});
