import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { completeLength, decodeUtf8, invalidUtf8Offset, utf8Problem } from './utf8.ts';

const bytes = (...values: number[]) => Buffer.from(values);

describe('invalidUtf8Offset', () => {
  it('is -1 for UTF-8, and the start of the first malformed sequence otherwise', () => {
    expect(invalidUtf8Offset(Buffer.from('aé✓🙂', 'utf8'))).toBe(-1);
    expect(invalidUtf8Offset(bytes(0x61, 0xff, 0x62))).toBe(1); // never in UTF-8
    expect(invalidUtf8Offset(bytes(0x61, 0x62, 0xc3, 0x28))).toBe(2); // a lead byte without its continuation
    expect(invalidUtf8Offset(bytes(0xc0, 0xaf))).toBe(0); // an overlong '/'
    expect(invalidUtf8Offset(bytes(0xed, 0xa0, 0x80))).toBe(0); // a UTF-16 surrogate
    expect(invalidUtf8Offset(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0); // above U+10FFFF
    expect(invalidUtf8Offset(bytes(0x61, 0xe2, 0x9c))).toBe(1); // cut short by the end
    expect(invalidUtf8Offset(bytes(0x80))).toBe(0); // a continuation byte alone
  });

  it('agrees with a strict decoder on any bytes', () => {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (values) => {
        const input = Buffer.from(values);
        const offset = invalidUtf8Offset(input);
        let valid = true;
        try {
          strict.decode(input);
        } catch {
          valid = false;
        }
        expect(offset === -1).toBe(valid);
        // Everything before the reported offset is well formed.
        if (offset > 0) expect(() => strict.decode(input.subarray(0, offset))).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});

describe('completeLength', () => {
  it('leaves out the first bytes of a character cut by the end of a chunk', () => {
    const text = Buffer.from('a🙂', 'utf8'); // 1 + 4 bytes
    expect([1, 2, 3, 4, 5].map((n) => completeLength(text.subarray(0, n)))).toEqual([1, 1, 1, 1, 5]);
    expect(completeLength(Buffer.from('aé', 'utf8'))).toBe(3);
    expect(completeLength(bytes())).toBe(0);
  });
});

describe('decodeUtf8 and utf8Problem', () => {
  it('decodes UTF-8 and locates the first malformed byte with its line, column and bytes', () => {
    expect(decodeUtf8(Buffer.from('é\n'))).toEqual({ ok: true, text: 'é\n' });
    const input = Buffer.concat([Buffer.from('{"a": 1}\r\n{"id": "café', 'utf8'), bytes(0xe9, 0x22, 0x7d), Buffer.from('\r\n')]);
    expect(decodeUtf8(input)).toEqual({
      ok: false,
      problem: { line: 2, column: 13, reason: 'invalid UTF-8 (byte 0xE9)', excerpt: '  {"id": "café\uFFFD"}\n              ^' },
    });
  });

  it('names every byte of a malformed sequence, and skips a byte order mark in the column', () => {
    expect(utf8Problem(Buffer.concat([Buffer.from('\uFEFFab'), bytes(0xf0, 0x9f, 0x99)]), 5)).toMatchObject({ line: 1, column: 3, reason: 'invalid UTF-8 (bytes 0xF0 0x9F 0x99)' });
  });

  it('continues the line and its count from the part of a stream before the chunk', () => {
    const chunk = Buffer.concat([Buffer.from('cd\nxy'), bytes(0xff)]);
    expect(utf8Problem(chunk, 5, { line: 7, before: 'ab' })).toMatchObject({ line: 8, column: 3 });
    expect(utf8Problem(bytes(0xff), 0, { line: 7, before: 'ab' })).toMatchObject({ line: 7, column: 3, excerpt: '  ab\uFFFD\n    ^' });
  });
});
