import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { LineIndex, caretExcerpt, findDuplicateKey, findJsonSyntaxError, jsonTree, parseJson, positionOf, textPosition } from './json-syntax.ts';

describe('findJsonSyntaxError', () => {
  it('accepts exactly what JSON.parse accepts', () => {
    const token = fc.constantFrom('{', '}', '[', ']', ',', ':', ' ', '\n', '"a"', '"\\u00e9"', '"\\x"', '"', '1', '-0.5e+3', '01', '1.', 'true', 'nul', 'x', "'", '\\', '//', '-', '\t', '\u00a0');
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
    const cases: [string, number, string][] = [
      ['{"a": 1,}', 8, "unexpected '}': JSON does not allow a trailing comma"],
      ['[1, 2,]', 6, "unexpected ']': JSON does not allow a trailing comma"],
      ['{a: 1}', 1, "unexpected 'a': expected a property name in double quotes"],
      ['{"a" 1}', 5, "unexpected '1': expected ':' after the property name"],
      ['{"a": NaN}', 6, "unexpected 'NaN': expected a value (strings need double quotes)"],
      ['{"a": 1 "b": 2}', 8, "unexpected '\"': expected ',' or '}' after a property value"],
      ['[1 2]', 3, "unexpected '2': expected ',' or ']' after an array element"],
      ["['a']", 1, 'unexpected "\'": JSON strings use double quotes'],
      ['[1] 2', 4, "unexpected '2' after the end of the JSON value"],
      ['[01]', 1, 'a JSON number cannot start with 0'],
      ['[-01]', 1, 'a JSON number cannot start with 0'],
      ['[-x]', 2, "expected a digit after '-'"],
      ['[1.]', 3, 'expected a digit after the decimal point'],
      ['[1e+]', 4, 'expected a digit in the exponent'],
      ['["a\tb"]', 3, 'control character U+0009 inside a string must be escaped'],
      ['["a\nb"]', 3, 'unterminated string: a JSON string cannot contain a line break (write \\n)'],
      ['["a\\qb"]', 3, "invalid escape '\\q'"],
      ['["\\u12x4"]', 2, 'invalid \\u escape: expected 4 hex digits'],
      ['{"a": 1} // note', 9, "unexpected '/': JSON does not allow comments"],
      ['[1, \u00a0]', 4, "unexpected '\u00a0': expected a value"],
    ];
    for (const [text, offset, reason] of cases) expect(findJsonSyntaxError(text), text).toEqual({ offset, reason });
  });

  it('places an error at the end of input after the last character, saying what was expected', () => {
    expect(findJsonSyntaxError('{"a": \n\n')).toEqual({ offset: 5, reason: 'unexpected end of input (expected a value)' });
    expect(findJsonSyntaxError('{"id":"x",')).toEqual({ offset: 10, reason: 'unexpected end of input (expected a property name)' });
    expect(findJsonSyntaxError('{"id"')).toEqual({ offset: 5, reason: "unexpected end of input (expected ':')" });
    expect(findJsonSyntaxError('[\n  {"id": "a"}\n\n')).toEqual({ offset: 15, reason: "unexpected end of input (expected ',' or ']' after an array element)" });
    expect(findJsonSyntaxError('{"a": "b')).toEqual({ offset: 8, reason: 'unexpected end of input (unterminated string)' });
    expect(findJsonSyntaxError('')).toEqual({ offset: 0, reason: 'unexpected end of input (expected a value)' });
  });

  it('does not overflow the stack on deeply nested text', () => {
    expect(findJsonSyntaxError('['.repeat(100_000))).toMatchObject({ offset: expect.any(Number) as number });
  });
});

describe('findDuplicateKey', () => {
  const duplicate = (text: string) => findDuplicateKey(text, JSON.parse(text));

  it('points at the second of two equal keys in one object, naming where the first is', () => {
    expect(duplicate('{"id": "a", "input": "x", "id": "b"}')).toMatchObject({
      offset: 26,
      reason: "duplicate key 'id' (first at column 2): a key may appear only once in an object",
      hint: expect.stringContaining('keep only the last value') as string,
    });
    const nested = '[\n  {"id": "a", "meta": {\n    "k": 1,\n    "k": 2}}\n]';
    expect(duplicate(nested)).toMatchObject({ offset: nested.lastIndexOf('"k"'), reason: expect.stringContaining("duplicate key 'k' (first at line 3, column 5)") as string });
    expect(duplicate('{"a b": 1, "a b": 2}')?.reason).toContain('duplicate key "a b"');
  });

  it('finds none in objects whose keys differ, however their strings hold colons', () => {
    for (const text of ['{"a": 1, "b": {"a": 2}}', '[{"a": 1}, {"a": 1}]', '{"a:b": "c:d", "a": ":"}', '{"t": "\\u003a", "u": "\\u003A"}', '{}', '[]', '"a:b"', '3']) {
      expect(duplicate(text), text).toBeUndefined();
    }
  });

  it('is not fooled by an escaped colon making up for a dropped member', () => {
    // Three colons in the text, and three in the parsed value (two members and one escaped colon).
    expect(duplicate('{"a": 1, "a": 2, "b": "\\u003a"}')?.reason).toContain("duplicate key 'a'");
  });

  it('agrees with a direct count on any JSON text, with or without a repeated key', () => {
    const key = fc.constantFrom('a', 'b', 'a:b', ':', 'id');
    const value = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(1, 'x', 'x:y', '\\u003a', null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((members) => ({ members })),
      ),
    })).value;
    // Writes objects member by member, so a key may repeat, and counts the repeats directly.
    const write = (v: unknown): { text: string; repeats: number } => {
      if (Array.isArray(v)) {
        const items = v.map(write);
        return { text: `[${items.map((i) => i.text).join(',')}]`, repeats: items.reduce((n, i) => n + i.repeats, 0) };
      }
      if (v !== null && typeof v === 'object') {
        const members = (v as { members: [string, unknown][] }).members.map(([k, item]) => ({ key: k, ...write(item) }));
        const keys = new Set(members.map((m) => m.key));
        return {
          text: `{${members.map((m) => `${JSON.stringify(m.key)}:${m.text}`).join(',')}}`,
          repeats: members.length - keys.size + members.reduce((n, m) => n + m.repeats, 0),
        };
      }
      return { text: v === '\\u003a' ? '"\\u003a"' : JSON.stringify(v), repeats: 0 };
    };
    fc.assert(
      fc.property(value, (v) => {
        const { text, repeats } = write(v);
        expect(duplicate(text) !== undefined, text).toBe(repeats > 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('does not overflow the stack on deeply nested text', () => {
    const depth = 100_000;
    expect(duplicate('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))).toBeUndefined();
  });
});

describe('parseJson', () => {
  it('returns the value, or the located problem', () => {
    expect(parseJson('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJson('{"a": 1,}')).toMatchObject({ ok: false, problem: { offset: 8 } });
    expect(parseJson('{"a": 1, "a": 2}')).toEqual({ ok: true, value: { a: 2 } });
    expect(parseJson('{"a": 1, "a": 2}', { uniqueKeys: true })).toMatchObject({ ok: false, problem: { offset: 9 } });
  });
});

describe('jsonTree', () => {
  it('gives the offset and length of every node', () => {
    const text = '{"cases": [{"id": "a"}, 2]}';
    const cases = jsonTree(text)?.children?.[0]?.children?.[1];
    expect(cases?.children?.map((node) => text.slice(node.offset, node.offset + node.length))).toEqual(['{"id": "a"}', '2']);
  });
});

describe('caretExcerpt', () => {
  it('puts the caret under the offset', () => {
    expect(caretExcerpt('abc', 1)).toBe('  abc\n   ^');
    expect(caretExcerpt('abc', 3)).toBe('  abc\n     ^');
  });
});

describe('positionOf, textPosition and LineIndex', () => {
  it('gives 1-based line and column, counting code points and ignoring a CR', () => {
    const text = '{\r\n  "é": 1,\r\n  x\r\n}';
    const at = positionOf(text, text.indexOf('x'));
    expect(at).toMatchObject({ line: 3, column: 3, lineText: '  x' });
    expect(positionOf('ab', 0)).toMatchObject({ line: 1, column: 1 });
  });

  it('shows a position at the end after the last character, not on a blank last line', () => {
    expect(textPosition('[1,\n\n', 5)).toEqual({ line: 1, column: 4, excerpt: '  [1,\n     ^' });
  });

  it('finds the line of any offset', () => {
    const text = 'a\nbc\n\nd';
    const lines = new LineIndex(text);
    expect([0, 1, 2, 4, 5, 6].map((offset) => lines.lineOf(offset))).toEqual([1, 1, 2, 2, 3, 4]);
  });
});
