/**
 * The text of suite files, for the loader and `add-ids` alike: strict UTF-8 (whole files, and
 * JSONL files streamed a read chunk at a time), JSON parsed with every problem located, and the
 * `file:line:column` parse errors with the line and a caret under the position.
 */
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { YAMLError } from 'yaml';

import { SuiteError } from '../errors.ts';
import { parseJson, textPosition, type SyntaxProblem, type TextPosition } from '../util/json-syntax.ts';
import { completeLength, decodeUtf8, invalidUtf8Offset, utf8Problem, type Utf8Problem } from '../util/utf8.ts';

export type SuiteFormat = 'json' | 'yaml' | 'jsonl';

/** The format of a suite file, by its extension in lower case. */
export const SUITE_FORMATS: Readonly<Record<string, SuiteFormat>> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml', '.jsonl': 'jsonl' };
export const SUPPORTED_EXTENSIONS = '.json, .yaml, .yml or .jsonl';

const FORMAT_NAMES: Readonly<Record<SuiteFormat, string>> = { json: 'JSON', yaml: 'YAML', jsonl: 'JSONL' };
const PARSE_HINTS: Readonly<Record<SuiteFormat, string>> = {
  json: 'fix the JSON at that position (JSON allows no comments, trailing commas or single-quoted strings)',
  yaml: 'fix the YAML at that position (indent with spaces, and quote strings that contain ": " or start with a special character)',
  jsonl: 'each line of a .jsonl file must hold one complete JSON object: a case cannot span several lines',
};
const BYTE_ORDER_MARK = 0xfeff;

/** `display:line:column: invalid <format>: <reason>`, the line with a caret, and the format's hint. */
export function parseError(display: string, format: SuiteFormat, at: TextPosition, reason: string, hint = PARSE_HINTS[format]): SuiteError {
  return new SuiteError('E_SUITE_PARSE', `${display}:${at.line}:${at.column}: invalid ${FORMAT_NAMES[format]}: ${reason}\n${at.excerpt}`, { hint });
}

function encodingError(display: string, problem: Utf8Problem): SuiteError {
  return new SuiteError('E_SUITE_ENCODING', `${display}:${problem.line}:${problem.column}: ${problem.reason}\n${problem.excerpt}`, {
    hint: 'save the file as UTF-8: bytes that are not UTF-8 are refused rather than replaced, which would change the text (and the ids) of cases',
  });
}

/** The text of a whole suite file's bytes, without its byte order mark; throws E_SUITE_ENCODING. */
export function suiteText(display: string, bytes: Buffer): { text: string; bom: boolean } {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) throw encodingError(display, decoded.problem);
  const bom = decoded.text.charCodeAt(0) === BYTE_ORDER_MARK;
  return { text: bom ? decoded.text.slice(1) : decoded.text, bom };
}

/**
 * Parses a JSON suite (or cases) file. A syntax error, or a key repeated within an object (which
 * JSON.parse would resolve silently, keeping the last value), is an E_SUITE_PARSE error.
 */
export function parseJsonSuite(display: string, text: string): unknown {
  const parsed = parseJson(text, { uniqueKeys: true });
  if (parsed.ok) return parsed.value;
  throw problemError(display, 'json', text, parsed.problem);
}

/** Parses one line of a JSONL file (without its line end), as parseJsonSuite does a JSON file. */
export function parseJsonlLine(display: string, text: string, line: number): unknown {
  const parsed = parseJson(text, { uniqueKeys: true });
  if (parsed.ok) return parsed.value;
  throw problemError(display, 'jsonl', text, parsed.problem, line);
}

function problemError(display: string, format: 'json' | 'jsonl', text: string, problem: SyntaxProblem, line?: number): SuiteError {
  const at = textPosition(text, problem.offset);
  return parseError(display, format, line === undefined ? at : { ...at, line }, problem.reason, problem.hint ?? PARSE_HINTS[format]);
}

/** The first error of a YAML document, as a parse error. */
export function yamlError(display: string, text: string, error: YAMLError): SuiteError {
  const reason = error.code === 'MULTIPLE_DOCS' ? "a suite file holds one YAML document, but a second one starts here ('---')" : error.message.split('\n')[0]!;
  return parseError(display, 'yaml', textPosition(text, error.pos[0]), reason);
}

/**
 * Where the content of line `line` (as readLines gives it) starts and ends: after the byte order
 * mark of line 1, before the carriage return of a CRLF line end.
 */
export function lineBounds(text: string, line: number): { start: number; end: number } {
  return { start: line === 1 && text.charCodeAt(0) === BYTE_ORDER_MARK ? 1 : 0, end: text.endsWith('\r') ? text.length - 1 : text.length };
}

/** The content of line `line`: see lineBounds. */
export function lineContent(text: string, line: number): string {
  const { start, end } = lineBounds(text, line);
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * The lines of a UTF-8 text file as it streams in, a read chunk (64 KiB) of lines at a time: one
 * `await` a chunk rather than one a line. Lines are split at '\n' only, so a line keeps the '\r'
 * of a CRLF line end, and the last line is the text after the last '\n' (often ''): joined with
 * '\n', the lines give back the file. Bytes that are not UTF-8 throw E_SUITE_ENCODING with their
 * line and column. `hash`, when given, is fed every byte read.
 */
export async function* readLines(absolute: string, display: string, hash?: Hash): AsyncGenerator<string[]> {
  const input = createReadStream(absolute, { highWaterMark: 1 << 16 });
  // The first bytes of a character cut by the end of a chunk wait for the next one.
  let pending: Buffer | undefined;
  // The text of the line the last chunk ended in, and its line number.
  let rest = '';
  let line = 1;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      hash?.update(chunk);
      const bytes = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      const cut = completeLength(bytes);
      const whole = cut === bytes.length ? bytes : bytes.subarray(0, cut);
      pending = cut === bytes.length ? undefined : bytes.subarray(cut);
      if (!isUtf8(whole)) throw encodingError(display, utf8Problem(whole, invalidUtf8Offset(whole), { line, before: rest }));
      const lines = (rest + whole.toString('utf8')).split('\n');
      rest = lines.pop()!;
      line += lines.length;
      if (lines.length > 0) yield lines;
    }
    if (pending !== undefined) throw encodingError(display, utf8Problem(pending, 0, { line, before: rest }));
    yield [rest];
  } finally {
    input.destroy();
  }
}
