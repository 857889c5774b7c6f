import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { caretExcerpt, findJsonSyntaxError, positionOf } from './json-syntax.ts';

describe('findJsonSyntaxError', () => {
  it('accepts exactly what JSON.parse accepts', () => {
    const token = fc.constantFrom('{', '}', '[', ']', ',', ':', ' ', '\n', '"a"', '"\\u00e9"', '"\\x"', '"', '1', '-0.5e+3', '01', '1.', 'true', 'nul', 'x', "'", '\\');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }), (tokens) => {
        const text = tokens.join('');
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(findJsonSyntaxError(text) === undefined).toBe(valid);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(findJsonSyntaxError(text)).toBeUndefined();
      }),
    );
  });

  it('reports where and why', () => {
    expect(findJsonSyntaxError('{"a": 1,}')).toEqual({ offset: 8, reason: "unexpected '}': JSON does not allow a trailing comma" });
    expect(findJsonSyntaxError('{a: 1}')).toEqual({ offset: 1, reason: "unexpected 'a': expected a property name in double quotes" });
    expect(findJsonSyntaxError('[01]')).toEqual({ offset: 1, reason: 'a JSON number cannot start with 0' });
    expect(findJsonSyntaxError('["a\tb"]')).toEqual({ offset: 3, reason: 'control character U+0009 inside a string must be escaped' });
    expect(findJsonSyntaxError('[1] 2')).toEqual({ offset: 4, reason: "unexpected '2' after the end of the JSON value" });
    expect(findJsonSyntaxError('{"a": NaN}')?.reason).toBe("unexpected 'NaN': expected a value (strings need double quotes)");
  });
});

describe('caretExcerpt', () => {
  it('puts the caret under the offset', () => {
    expect(caretExcerpt('abc', 1)).toBe('  abc\n   ^');
    expect(caretExcerpt('abc', 3)).toBe('  abc\n     ^');
  });
});

describe('positionOf', () => {
  it('gives 1-based line and column, counting code points and ignoring a CR', () => {
    const text = '{\r\n  "é": 1,\r\n  x\r\n}';
    const at = positionOf(text, text.indexOf('x'));
    expect(at).toMatchObject({ line: 3, column: 3, lineText: '  x' });
    expect(positionOf('ab', 0)).toMatchObject({ line: 1, column: 1 });
  });
});
