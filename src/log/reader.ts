import { open, type FileHandle } from 'node:fs/promises';
import type { z } from 'zod';
import { LogError, RunNotFoundError, TagliotsError, messageOf } from '../errors.ts';
import { isCaseRecord } from './fast-validate.ts';
import { isLegacyLog, readLegacyLog } from './legacy.ts';
import {
  LOG_VERSION,
  RunLogRecordSchema,
  RunStartRecordSchema,
  type CaseRecord,
  type RunEndRecord,
  type RunLogRecord,
  type RunStartRecord,
} from './schema.ts';

export interface RunLog {
  path: string;
  header: RunStartRecord;
  /** In file order (completion order). */
  cases: CaseRecord[];
  end: RunEndRecord | null;
  /** No run.end, or a truncated last line. */
  incomplete: boolean;
  warnings: string[];
  /** 'gotaglio' for a GoTaglio JSON log, converted on reading (see legacy.ts). */
  format?: 'tagliots' | 'gotaglio';
}

export interface ReadRecordsOptions {
  /** Called with each warning (a truncated last line), which readRunLog collects in `warnings`. */
  onWarning?: (warning: string) => void;
}

const CHUNK = 1 << 20;
/** Read size when streaming every line: smaller chunks keep fewer parsed records alive at once (less RSS on large logs, same speed). */
const STREAM_CHUNK = 1 << 18;
const NEWLINE = 0x0a;

/** Reads a whole run log into memory, validating every line. */
export async function readRunLog(path: string): Promise<RunLog> {
  if (await isLegacyLog(path)) return { path, ...(await readLegacyLog(path)), format: 'gotaglio' };
  let header: RunStartRecord | undefined;
  const cases: CaseRecord[] = [];
  let end: RunEndRecord | null = null;
  const warnings: string[] = [];
  let truncated = false;
  for await (const item of scan(path)) {
    if ('truncatedLine' in item) {
      truncated = true;
      warnings.push(truncatedWarning(path, item.truncatedLine));
    } else if (item.record.type === 'case') {
      cases.push(item.record);
    } else if (item.record.type === 'run.start') {
      header = item.record;
    } else {
      end = item.record;
    }
  }
  if (!header) throw emptyError(path); // scan() already throws for an empty file
  return { path, header, cases, end, incomplete: truncated || end === null, warnings };
}

/**
 * Streams the records of a run log with their 1-based line numbers, validating as it goes. Memory
 * stays flat however large the log. A truncated last line is skipped silently (readRunLog reports it).
 */
export async function* readRunLogRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<{ record: RunLogRecord; line: number }> {
  if (await isLegacyLog(path)) {
    // A GoTaglio log is one JSON document: it is read whole, then handed out record by record.
    const log = await readLegacyLog(path);
    for (const warning of log.warnings) options.onWarning?.(warning);
    yield { record: log.header, line: 1 };
    for (const [i, record] of log.cases.entries()) yield { record, line: i + 2 };
    if (log.end) yield { record: log.end, line: log.cases.length + 2 };
    return;
  }
  for await (const item of scan(path)) {
    if ('record' in item) yield item;
    else options.onWarning?.(truncatedWarning(path, item.truncatedLine));
  }
}

/**
 * Like readRunLogRecords, a read chunk of records at a time (256 KiB of log): for callers that
 * go through every record of large logs, where one `await` per record would be the main cost.
 */
export async function* readRunLogBatches(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<{ record: RunLogRecord; line: number }[]> {
  if (await isLegacyLog(path)) {
    const log = await readLegacyLog(path);
    for (const warning of log.warnings) options.onWarning?.(warning);
    const records: RunLogRecord[] = [log.header, ...log.cases, ...(log.end ? [log.end] : [])];
    yield records.map((record, i) => ({ record, line: i + 1 }));
    return;
  }
  for await (const batch of scanBatches(path)) {
    const records: { record: RunLogRecord; line: number }[] = [];
    for (const item of batch) {
      if ('record' in item) records.push(item);
      else options.onWarning?.(truncatedWarning(path, item.truncatedLine));
    }
    if (records.length > 0) yield records;
  }
}

/**
 * The first and last records only, for listing many large logs: reads the first line and seeks to
 * the end for the last complete one. Lines in between are not read, hence not validated.
 */
export async function readRunLogEnds(
  path: string,
): Promise<{ header: RunStartRecord; end: RunEndRecord | null; incomplete: boolean }> {
  if (await isLegacyLog(path)) {
    const { header, end, incomplete } = await readLegacyLog(path);
    return { header, end, incomplete };
  }
  const handle = await openLog(path);
  try {
    const { size } = await handle.stat();
    if (size === 0) throw emptyError(path);
    const first = await readFirstLine(handle, size);
    const header = parseHeader(first.toString('utf8'), path);
    const bodyStart = first.length + 1;
    if (bodyStart >= size) return { header, end: null, incomplete: true };

    const last = await readLastLine(handle, bodyStart, size);
    const text = last.bytes.toString('utf8');
    const value = parseJson(text);
    if (value === undefined && !last.terminated) return { header, end: null, incomplete: true };
    const record = checkRecord(value, text, `${path}: last line`);
    return record.type === 'run.end' ? { header, end: record, incomplete: false } : { header, end: null, incomplete: true };
  } catch (error) {
    throw asLogError(error, path);
  } finally {
    await handle.close();
  }
}

function truncatedWarning(path: string, line: number): string {
  return `${path}:${line}: last line is truncated (the run was killed while writing); ignored`;
}

type Scanned = { record: RunLogRecord; line: number } | { truncatedLine: number };

/** Splits the file into lines (a chunked splitter, faster than readline) and checks each one. */
async function* scan(path: string): AsyncGenerator<Scanned> {
  for await (const batch of scanBatches(path)) yield* batch;
}

/**
 * The lines of a read chunk (256 KiB) at a time: one `await` a chunk rather than one a line, which
 * costs more than the parsing in a large log. On an error, the lines before it are yielded first.
 */
async function* scanBatches(path: string): AsyncGenerator<Scanned[]> {
  const handle = await openLog(path);
  const stream = handle.createReadStream({ encoding: 'utf8', highWaterMark: STREAM_CHUNK });
  let line = 0;
  let ended = false;
  const check = (text: string): RunLogRecord => {
    line++;
    if (line === 1) return parseHeader(text, path);
    const where = `${path}:${line}`;
    if (ended) throw formatError(`${where}: unexpected content after the run.end record`);
    const record = checkRecord(parseJson(text), text, where);
    if (record.type === 'run.end') ended = true;
    return record;
  };

  let batch: Scanned[] = [];
  try {
    let rest = '';
    for await (const chunk of stream as AsyncIterable<string>) {
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        const text = rest + chunk.slice(start, nl);
        rest = '';
        start = nl + 1;
        batch.push({ record: check(text), line });
      }
      rest += chunk.slice(start);
      if (batch.length > 0) {
        const full = batch;
        batch = [];
        yield full;
      }
    }
    if (rest !== '') {
      // Flushes write whole lines, so only a kill can leave a final line without its newline.
      if (line > 0 && !ended && parseJson(rest) === undefined) batch.push({ truncatedLine: line + 1 });
      else batch.push({ record: check(rest), line });
    }
    if (line === 0) throw emptyError(path);
    if (batch.length > 0) yield batch;
  } catch (error) {
    if (batch.length > 0) yield batch;
    throw asLogError(error, path);
  } finally {
    stream.destroy();
  }
}

/** The first line; a UTF-8 byte order mark before it (an editor may add one on saving) is skipped. */
function parseHeader(text: string, path: string): RunStartRecord {
  const value = parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!isObject(value) || value['type'] !== 'run.start') {
    throw formatError(`${path}:1: not a tagliots run log (the first line must be a run.start record)`);
  }
  const v = value['v'];
  if (typeof v === 'number' && v > LOG_VERSION) {
    throw new LogError(
      'E_LOG_VERSION',
      `${path} has run-log version ${v}, but this tagliots reads versions up to ${LOG_VERSION}`,
      { hint: 'The log was written by a newer tagliots. Upgrade the tagliots that reads it: `npm install -D tagliots@latest` in your project (or `git pull && npm install` in a clone of tagliots). See docs/project-setup.md.' },
    );
  }
  return validate(RunStartRecordSchema, value, `${path}:1`);
}

/** A record after the first line: valid JSON, valid per the schema, and not a second run.start. */
function checkRecord(value: unknown, text: string, where: string): RunLogRecord {
  if (value === undefined) throw formatError(`${where}: not valid JSON: ${jsonErrorMessage(text)}`);
  if (isObject(value) && value['type'] === 'run.start') {
    throw formatError(`${where}: unexpected run.start record (only the first line may be one)`);
  }
  // Most lines are case records: a fast check accepts the valid ones; zod describes the others.
  if (isCaseRecord(value)) return value;
  return validate(RunLogRecordSchema, value, where);
}

function validate<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue, ...more] = result.error.issues;
  const kind = isObject(value) && typeof value['type'] === 'string' ? `${value['type']} record` : 'record';
  const at = issue && issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  const extra = more.length > 0 ? ` (and ${more.length} more issue${more.length === 1 ? '' : 's'})` : '';
  throw formatError(`${where}: invalid ${kind}: ${at}${issue?.message ?? 'invalid'}${extra}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** JSON.parse, with undefined (never a JSON value) for unparseable text. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function jsonErrorMessage(text: string): string {
  try {
    JSON.parse(text);
    return 'unknown error';
  } catch (error) {
    return messageOf(error);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatError(message: string): LogError {
  return new LogError('E_LOG_FORMAT', message);
}

function emptyError(path: string): LogError {
  return formatError(`${path} is empty: not a tagliots run log`);
}

async function openLog(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunNotFoundError('E_RUN_NOT_FOUND', `Run log not found: ${path}`, { cause: error });
    }
    throw asLogError(error, path);
  }
}

function asLogError(error: unknown, path: string): TagliotsError {
  if (error instanceof TagliotsError) return error;
  return new LogError('E_LOG_READ', `Cannot read run log ${path}: ${messageOf(error)}`, { cause: error });
}

/** The bytes of the first line (without its newline), read in chunks until a newline or the end. */
async function readFirstLine(handle: FileHandle, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let position = 0; position < size; ) {
    const chunk = await readAt(handle, position, Math.min(CHUNK, size - position));
    const nl = chunk.indexOf(NEWLINE);
    if (nl !== -1) {
      parts.push(chunk.subarray(0, nl));
      break;
    }
    parts.push(chunk);
    position += chunk.length;
  }
  return Buffer.concat(parts);
}

/** The bytes of the last line within [from, size), reading backwards from the end of the file. */
async function readLastLine(handle: FileHandle, from: number, size: number): Promise<{ bytes: Buffer; terminated: boolean }> {
  const terminated = (await readAt(handle, size - 1, 1))[0] === NEWLINE;
  const parts: Buffer[] = [];
  for (let position = terminated ? size - 1 : size; position > from; ) {
    const start = Math.max(from, position - CHUNK);
    const chunk = await readAt(handle, start, position - start);
    const nl = chunk.lastIndexOf(NEWLINE);
    if (nl !== -1) {
      parts.unshift(chunk.subarray(nl + 1));
      break;
    }
    parts.unshift(chunk);
    position = start;
  }
  return { bytes: Buffer.concat(parts), terminated };
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
