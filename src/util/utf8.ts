/**
 * Strict UTF-8: text files whose bytes are not well-formed UTF-8 are refused, not decoded with
 * U+FFFD in place of the bad bytes (which would silently change the text, and so a case's content
 * or id). Valid text costs one validation pass (`isUtf8`); locating a bad byte is the error path.
 */
import { isUtf8 } from 'node:buffer';
import { caretExcerpt, codePoints, type TextPosition } from './json-syntax.ts';

/** Where the first malformed byte sequence is, and what it is, for a message. */
export interface Utf8Problem extends TextPosition {
  /** `invalid UTF-8 (byte 0xFF)`. */
  reason: string;
}

/** The text of UTF-8 `bytes`, or where they are not UTF-8. */
export function decodeUtf8(bytes: Buffer): { ok: true; text: string } | { ok: false; problem: Utf8Problem } {
  const bad = invalidUtf8Offset(bytes);
  return bad === -1 ? { ok: true, text: bytes.toString('utf8') } : { ok: false, problem: utf8Problem(bytes, bad) };
}

/** The offset of the first byte of `bytes` that is not part of well-formed UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return -1;
}

/**
 * The length of the well-formed sequence at `i` (Unicode table 3-7), or 0. A sequence cut short
 * by the end of `bytes` counts as malformed.
 */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) low = 0xa0;
    if (b === 0xed) high = 0x9f; // no UTF-16 surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) low = 0x90;
    if (b === 0xf4) high = 0x8f; // nothing above U+10FFFF
  } else return 0;
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k];
    if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return 0;
  }
  return length;
}

/**
 * How many leading bytes of `bytes` end on a character boundary: a chunk of a stream can end part
 * way through a character, whose first bytes then wait for the next chunk.
 */
export function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= Math.max(0, n - 3); i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + needed > n ? i : n;
  }
  return n;
}

/**
 * Where the malformed byte at `offset` of `bytes` is. When `bytes` is a chunk of a longer stream,
 * `start` gives the line number at its start and the text of that line before it.
 */
export function utf8Problem(bytes: Buffer, offset: number, start: { line: number; before: string } = { line: 1, before: '' }): Utf8Problem {
  let line = start.line;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  let before = (lineStart === 0 ? start.before : '') + bytes.toString('utf8', lineStart, offset);
  if (line === 1 && before.startsWith('\uFEFF')) before = before.slice(1); // a byte order mark is not a column
  const end = bytes.indexOf(10, offset);
  let lineText = before + bytes.toString('utf8', offset, end === -1 ? bytes.length : end);
  if (lineText.endsWith('\r')) lineText = lineText.slice(0, -1);
  // The lead byte and the continuation bytes after it: what a reader would replace with U+FFFD.
  let length = 1;
  while (length < 4 && offset + length < bytes.length && (bytes[offset + length]! & 0xc0) === 0x80) length++;
  const shown = Array.from(bytes.subarray(offset, offset + length), (b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`);
  return {
    line,
    column: codePoints(before).length + 1,
    reason: `invalid UTF-8 (${length === 1 ? 'byte' : 'bytes'} ${shown.join(' ')})`,
    excerpt: caretExcerpt(lineText, before.length),
  };
}
