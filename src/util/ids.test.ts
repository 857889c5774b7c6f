import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashSet52, stringHash52, uniquePrefixLength, UUID_PATTERN, uuidv7 } from './ids.ts';

const MAX_MS = 2 ** 48 - 1;
const timestampOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('uuidv7', () => {
  it('is a lowercase 8-4-4-4-12 hex uuid with version 7 and the RFC 9562 variant', () => {
    for (let i = 0; i < 200; i++) {
      const id = uuidv7();
      expect(id).toMatch(UUID_PATTERN);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('starts with the 48-bit Unix millisecond timestamp', () => {
    expect(uuidv7(0).slice(0, 13)).toBe('00000000-0000');
    expect(uuidv7(0x0123456789ab).slice(0, 13)).toBe('01234567-89ab');
    expect(timestampOf(uuidv7(1_700_000_000_123.9))).toBe(1_700_000_000_123);
    const before = Date.now();
    const id = uuidv7();
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it('keeps the timestamp and the version bits for any time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_MS }), (ms) => {
        const id = uuidv7(ms);
        expect(timestampOf(id)).toBe(ms);
        expect(id[14]).toBe('7');
        expect('89ab').toContain(id[19]);
      }),
    );
  });

  it('sorts by time: an id from a later millisecond sorts after', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_MS - 1 }), fc.integer({ min: 1, max: 1_000_000 }), (ms, later) => {
        expect(uuidv7(ms) < uuidv7(Math.min(MAX_MS, ms + later))).toBe(true);
      }),
    );
  });

  it('does not repeat within a millisecond', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(2000);
  });
});

describe('uniquePrefixLength', () => {
  it('is at least 3, or the given minimum', () => {
    expect(uniquePrefixLength([])).toBe(3);
    expect(uniquePrefixLength(['a'])).toBe(3);
    expect(uniquePrefixLength(['a', 'b'])).toBe(3);
    expect(uniquePrefixLength(['abcdef', 'bcdefg'], 5)).toBe(5);
    expect(uniquePrefixLength(['abcdef', 'bcdefg'], 1)).toBe(1);
  });

  it('grows until the ids differ', () => {
    expect(uniquePrefixLength(['6919a246', '6919b246', '6f3c0000'])).toBe(5);
    expect(uniquePrefixLength(['abcdefgh1', 'abcdefgh2'])).toBe(9);
  });

  it('makes an id that is a prefix of another show whole, and the other one longer', () => {
    expect(uniquePrefixLength(['abc', 'abcd'])).toBe(4);
    expect(uniquePrefixLength(['abcd', 'abc', 'abcde'])).toBe(5);
    expect(uniquePrefixLength(['uuid-1', 'uuid-1.2'])).toBe(7);
  });

  it('separates sequential ids such as case-1 and case-10', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `case-${i + 1}`);
    expect(uniquePrefixLength(ids)).toBe(7);
    expect(uniquePrefixLength(Array.from({ length: 9 }, (_, i) => `case-${i + 1}`))).toBe(6);
  });

  it('gives the full length for repeated ids, where no prefix is unique', () => {
    expect(uniquePrefixLength(['same-id', 'same-id'])).toBe(7);
  });

  it('is the smallest length (not below the minimum) at which distinct ids stay distinct', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', '0', '-'), maxLength: 10 }), { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (ids, min) => {
        const length = uniquePrefixLength(ids, min);
        const distinctAt = (l: number) => new Set(ids.map((id) => id.slice(0, l))).size === ids.length;
        expect(length).toBeGreaterThanOrEqual(min);
        expect(distinctAt(length)).toBe(true);
        if (length > min) expect(distinctAt(length - 1)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HashSet52', () => {
  it('says whether each hash is new, across growth, for the whole 52-bit range', () => {
    const set = new HashSet52();
    const hashes = Array.from({ length: 5000 }, (_, i) => stringHash52(`case-${i}`));
    hashes.push(0, 2 ** 52 - 1, 2 ** 32, 2 ** 32 + 1024);
    expect(hashes.map((h) => set.add(h)).every(Boolean)).toBe(true);
    expect(set.size).toBe(hashes.length);
    expect(hashes.map((h) => set.add(h)).some(Boolean)).toBe(false);
    expect(set.size).toBe(hashes.length);
  });

  it('tells apart hashes that share their low 32 bits', () => {
    const set = new HashSet52(4);
    expect([5, 5 + 2 ** 32, 5 + 2 ** 33, 5].map((h) => set.add(h))).toEqual([true, true, true, false]);
  });

  it('forgets everything on clear()', () => {
    const set = new HashSet52();
    set.add(7);
    set.clear();
    expect(set.size).toBe(0);
    expect(set.add(7)).toBe(true);
  });
});
