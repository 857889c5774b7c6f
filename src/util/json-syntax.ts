/**
 * Where JSON text is broken or ambiguous, for messages that name file:line:column and show the
 * line with a caret; and where the parts of valid JSON text are, for edits and messages.
 *
 * JSON.parse does the parsing: it is many times faster than any parser written in JavaScript, but
 * Node 20's messages do not always say where the text is wrong. The jsonc-parser library (strict
 * here: no comments, no trailing commas) answers the "where" on the error path, and this module
 * words the "why" from the parser's state at that point.
 */
import { parseTree, printParseErrorCode, visit, type Node as JsonNode, type ParseErrorCode } from 'jsonc-parser';

import { messageOf } from '../errors.ts';

export type { JsonNode };

export interface SyntaxProblem {
  /** UTF-16 offset in the text. */
  offset: number;
  reason: string;
  /** How to fix it, when the problem calls for more than the reader's usual hint. */
  hint?: string;
}

const STRICT = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

/** What the parser was looking for when it stopped. */
type Expecting = 'value' | 'key' | 'colon' | 'member-end' | 'element-end' | 'end';

const EXPECTED: Readonly<Record<Exclude<Expecting, 'end'>, { token: string; atEnd: string }>> = {
  value: { token: 'expected a value', atEnd: 'expected a value' },
  key: { token: 'expected a property name in double quotes', atEnd: 'expected a property name' },
  colon: { token: "expected ':' after the property name", atEnd: "expected ':'" },
  'member-end': { token: "expected ',' or '}' after a property value", atEnd: "expected ',' or '}' after a property value" },
  'element-end': { token: "expected ',' or ']' after an array element", atEnd: "expected ',' or ']' after an array element" },
};

/** Thrown inside a visitor to stop the walk once it has found what it looks for. */
const STOP = Symbol('stop');

/** Calls jsonc-parser's `visit`; false when the text nests too deeply for its recursion. */
function walk(text: string, visitor: Parameters<typeof visit>[1]): boolean {
  try {
    visit(text, visitor, STRICT);
  } catch (error) {
    if (error === STOP) return true;
    if (error instanceof RangeError) return false;
    throw error;
  }
  return true;
}

/**
 * Where and why `text` is not JSON, or undefined when it is. Meant for the error path of
 * JSON.parse: it accepts exactly what JSON.parse accepts, but is many times slower.
 */
export function findJsonSyntaxError(text: string): SyntaxProblem | undefined {
  const containers: ('object' | 'array')[] = [];
  let expecting: Expecting = 'value';
  let afterComma = false;
  let lastLiteral = { offset: -1, end: -1 };
  let found: { code: ParseErrorCode; offset: number; length: number; expecting: Expecting; afterComma: boolean } | undefined;

  const afterValue = (): void => {
    const inside = containers[containers.length - 1];
    expecting = inside === 'object' ? 'member-end' : inside === 'array' ? 'element-end' : 'end';
    afterComma = false;
  };
  // The parser reports the end of a container also when the text stops inside it: only a real
  // closing bracket moves the state on (an error follows at once otherwise).
  const close = (offset: number, bracket: string): void => {
    if (text[offset] !== bracket) return;
    containers.pop();
    afterValue();
  };
  const complete = walk(text, {
    onObjectBegin: () => {
      containers.push('object');
      expecting = 'key';
      afterComma = false;
    },
    onArrayBegin: () => {
      containers.push('array');
      expecting = 'value';
      afterComma = false;
    },
    onObjectEnd: (offset) => close(offset, '}'),
    onArrayEnd: (offset) => close(offset, ']'),
    onObjectProperty: () => {
      expecting = 'colon';
    },
    onSeparator: (separator) => {
      if (separator === ':') {
        expecting = 'value';
        return;
      }
      expecting = containers[containers.length - 1] === 'object' ? 'key' : 'value';
      afterComma = true;
    },
    onLiteralValue: (_value, offset, length) => {
      lastLiteral = { offset, end: offset + length };
      afterValue();
    },
    onError: (code, offset, length) => {
      found = { code, offset, length, expecting, afterComma };
      throw STOP;
    },
  });
  if (!complete) return { offset: 0, reason: 'the JSON nests too deeply to locate the error' };
  if (found === undefined) return undefined;

  const { offset, length } = found;
  const n = text.length;
  const at = (position: number, reason: string): SyntaxProblem =>
    position >= n ? { offset: text.trimEnd().length, reason: `unexpected end of input (${reason})` } : { offset: position, reason };
  const token = text.slice(offset, offset + length);

  switch (printParseErrorCode(found.code)) {
    case 'UnexpectedEndOfString':
    case 'InvalidCharacter':
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
      return stringProblem(text, offset, at);
    case 'UnexpectedEndOfNumber':
      // The number token stops where a digit was needed.
      return at(offset + length, text[offset + length - 1] === '.' ? 'expected a digit after the decimal point' : 'expected a digit in the exponent');
    case 'InvalidCommentToken':
      return at(offset, "unexpected '/': JSON does not allow comments");
    default:
      break;
  }
  if (offset >= n) return at(offset, found.expecting === 'end' ? 'expected the end of input' : EXPECTED[found.expecting].atEnd);
  if (token === '-') return at(offset + 1, "expected a digit after '-'");
  // `01` scans as the numbers 0 and 1, side by side.
  if (offset === lastLiteral.end && /^-?0$/.test(text.slice(lastLiteral.offset, lastLiteral.end)) && isDigit(text.charCodeAt(offset))) {
    return at(lastLiteral.offset, 'a JSON number cannot start with 0');
  }
  const char = text[offset];
  if ((char === ']' || char === '}') && found.afterComma) return at(offset, `unexpected '${char}': JSON does not allow a trailing comma`);
  if (char === "'") return at(offset, "unexpected \"'\": JSON strings use double quotes");
  const word = /^[A-Za-z_$][\w$]*/.exec(token)?.[0];
  const shown = word === undefined ? describeChar(text, offset) : `'${word}'`;
  if (found.expecting === 'end') return at(offset, `unexpected ${shown} after the end of the JSON value`);
  const quotes = word !== undefined && found.expecting === 'value' ? ' (strings need double quotes)' : '';
  return at(offset, `unexpected ${shown}: ${EXPECTED[found.expecting].token}${quotes}`);
}

/** The first problem in the string token that starts (with its quote) at `start`. */
function stringProblem(text: string, start: number, at: (position: number, reason: string) => SyntaxProblem): SyntaxProblem {
  for (let i = start + 1; ; i++) {
    if (i >= text.length) return at(i, 'unterminated string');
    const c = text.charCodeAt(i);
    if (c === QUOTE) return at(start, 'invalid string');
    if (c === 10 || c === 13) return at(i, 'unterminated string: a JSON string cannot contain a line break (write \\n)');
    if (c < 32) return at(i, `${describeChar(text, i)} inside a string must be escaped`);
    if (c !== BACKSLASH) continue;
    const escape = text[i + 1];
    if (escape === undefined) return at(i + 1, 'unterminated string');
    if (escape === 'u') {
      if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return at(i, 'invalid \\u escape: expected 4 hex digits');
      i += 5;
    } else if ('"\\/bfnrt'.includes(escape)) {
      i++;
    } else {
      return at(i, `invalid escape '\\${escape}'`);
    }
  }
}

const QUOTE = 34;
const BACKSLASH = 92;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function describeChar(text: string, offset: number): string {
  const c = text.codePointAt(offset) ?? 0;
  return c < 32 ? `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}` : `'${String.fromCodePoint(c)}'`;
}

// ---------------------------------------------------------------------------------------------
// Duplicate keys: JSON.parse keeps the last value of a repeated key without a word

/**
 * The second occurrence of a key repeated within one object of `text`, which must be valid JSON
 * and parse to `value`; undefined when no object repeats a key.
 *
 * Cheap when there is none (it runs on every suite line): every member of the text has one colon
 * outside strings, so the colons of the text, less the colons inside the parsed strings, count the
 * members of the text. Fewer members in `value` means a key was repeated; only then, or when a
 * `\u003a` escape spoils the count, does jsonc-parser walk the text to find where.
 */
export function findDuplicateKey(text: string, value: unknown): SyntaxProblem | undefined {
  const colons = colonsIn(text);
  if (colons === 0) return undefined;
  // Most text has no colon inside its strings: then the members alone must account for every colon.
  if (colons === countMembers(value, false)) return undefined;
  // `\u003a` (or `\u003A`) puts a colon in a parsed string that the text does not show.
  if (colons === countMembers(value, true) && !text.includes('\\u003')) return undefined;
  return locateDuplicateKey(text);
}

/**
 * The members of the objects in `value`, plus the colons inside its strings (keys included) with
 * `colons`; -1 (which no text matches) when the value nests too deeply to count.
 */
function countMembers(value: unknown, colons: boolean): number {
  try {
    return members(value, colons);
  } catch (error) {
    if (error instanceof RangeError) return -1;
    throw error;
  }
}

function members(value: unknown, colons: boolean): number {
  if (typeof value === 'string') return colons ? colonsIn(value) : 0;
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += members(item, colons);
    return count;
  }
  for (const key in value) count += 1 + (colons ? colonsIn(key) : 0) + members((value as Record<string, unknown>)[key], colons);
  return count;
}

function colonsIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) count++;
  return count;
}

function locateDuplicateKey(text: string): SyntaxProblem | undefined {
  const objects: Map<string, number>[] = [];
  let found: SyntaxProblem | undefined;
  walk(text, {
    onObjectBegin: () => {
      objects.push(new Map());
    },
    onObjectEnd: () => {
      objects.pop();
    },
    onObjectProperty: (key, offset) => {
      const keys = objects[objects.length - 1]!;
      const first = keys.get(key);
      if (first === undefined) {
        keys.set(key, offset);
        return;
      }
      const here = positionOf(text, offset);
      const there = positionOf(text, first);
      const where = there.line === here.line ? `column ${there.column}` : `line ${there.line}, column ${there.column}`;
      found = { offset, reason: `duplicate key ${quoteKey(key)} (first at ${where}): a key may appear only once in an object`, hint: DUPLICATE_KEY_HINT };
      throw STOP;
    },
  });
  return found;
}

const DUPLICATE_KEY_HINT = 'remove or rename one of the two: JSON readers silently keep only the last value of a repeated key';

function quoteKey(key: string): string {
  return /^[\w$.-]*$/.test(key) ? `'${key}'` : JSON.stringify(key);
}

/**
 * JSON.parse, with a located problem instead of an exception: a syntax error, or (with
 * `uniqueKeys`) a key repeated within an object, which JSON.parse would silently resolve.
 */
export function parseJson(text: string, options: { uniqueKeys?: boolean } = {}): { ok: true; value: unknown } | { ok: false; problem: SyntaxProblem } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: findJsonSyntaxError(text) ?? { offset: 0, reason: messageOf(error) } };
  }
  const duplicate = options.uniqueKeys ? findDuplicateKey(text, value) : undefined;
  return duplicate === undefined ? { ok: true, value } : { ok: false, problem: duplicate };
}

// ---------------------------------------------------------------------------------------------
// Positions in valid JSON

/**
 * The syntax tree of valid JSON `text`, each node with its offset and length: what edits in place
 * and messages that point at a case or key need. Undefined when it nests too deeply to walk.
 */
export function jsonTree(text: string): JsonNode | undefined {
  try {
    return parseTree(text, undefined, STRICT);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Lines, columns and the caret excerpt

/** Where `offset` is, for messages: 1-based line and column, and the line with a caret under it. */
export interface TextPosition {
  line: number;
  column: number;
  /** Two lines: the source line (a window of it, when long) and a caret under the position. */
  excerpt: string;
}

/**
 * The position of `offset` in `text` for a message. An offset at the very end is shown after the
 * last character rather than on a blank last line.
 */
export function textPosition(text: string, offset: number): TextPosition {
  const { line, column, lineText, offsetInLine } = positionOf(text, Math.min(offset, text.trimEnd().length));
  return { line, column, excerpt: caretExcerpt(lineText, offsetInLine) };
}

/** Line (1-based), column (1-based, in code points) and the text of the line holding `offset`. */
export function positionOf(text: string, offset: number): { line: number; column: number; lineText: string; offsetInLine: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  let lineText = text.slice(start, end === -1 ? text.length : end);
  if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
  const offsetInLine = offset - start;
  return { line, column: codePoints(lineText.slice(0, offsetInLine)).length + 1, lineText, offsetInLine };
}

/** The source line (a window of it, when long) with a caret under `offset`; tabs are kept so the caret lines up. */
export function caretExcerpt(lineText: string, offset: number): string {
  const chars = codePoints(lineText);
  const column = codePoints(lineText.slice(0, offset)).length;
  const width = 100;
  const from = chars.length <= width ? 0 : Math.max(0, Math.min(column - width / 2, chars.length - width));
  const to = Math.min(chars.length, from + width);
  const lead = from > 0 ? '…' : '';
  const shown = lead + chars.slice(from, to).join('') + (to < chars.length ? '…' : '');
  const pad = (lead === '' ? '' : ' ') + chars.slice(from, column).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return `  ${shown}\n  ${pad}^`;
}

export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** The 1-based line of any offset of one text, by binary search over its line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }
}
