import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFileError, hardLinksUnsupported, LogError, messageOf, writeFailureExitCode } from '../errors.ts';
import { pid } from '../host.ts';
import type { SecretScrubber } from '../util/scrub.ts';
import type { RunLogRecord, RunStartRecord } from './schema.ts';
import { ensureRunsDir } from './store.ts';
import { tempPathBeside } from '../util/paths.ts';

export interface RunLogWriter {
  readonly path: string;
  /** Appends one JSON line. */
  write(record: RunLogRecord): void;
  /** Synchronously writes what is buffered. */
  flush(): void;
  /** flush + fsync + close; idempotent. */
  close(): void;
}

/** Buffered bytes (approximately: UTF-16 length) that trigger a synchronous flush. */
const FLUSH_AT = 64 * 1024;

/**
 * The deepest nesting of objects and arrays a log line may have. Deeper records are refused
 * (`E_LOG_RECORD`): many JSON tools cannot read them back (Python's json stops near 1,000 levels)
 * and past a few thousand levels they cannot even be serialized.
 */
export const MAX_LOG_NESTING = 512;

export interface RunLogWriterOptions {
  /** The secrets in play: scrubbed from each record as it is serialized. */
  readonly secrets?: SecretScrubber;
  /**
   * The log's first line. With it, the log appears on disk already holding it (written under a
   * temporary name, then linked into place): a log is never seen empty, even after a kill or on a
   * full disk.
   */
  readonly header?: RunStartRecord;
}

/**
 * Creates `path` (never overwriting an existing log) and returns a buffered JSONL writer. Each
 * flush is one write of whole lines, so a killed process leaves at most a truncated last line.
 * A record that cannot be a log line (nested deeper than MAX_LOG_NESTING, or not serializable)
 * throws `E_LOG_RECORD` and leaves the writer as it was; a failed write throws `E_LOG_WRITE`
 * (exit code 1 when the disk is full or failing), and so does every later call.
 */
export function createRunLogWriter(path: string, options: RunLogWriterOptions = {}): RunLogWriter {
  const { secrets } = options;
  const serialize = (record: RunLogRecord) => (secrets ? secrets.json(record) : JSON.stringify(record));
  const fail = (doing: string, error: unknown): LogError =>
    new LogError('E_LOG_WRITE', `Cannot ${doing} run log ${path}: ${describeFileError(error)}`, { cause: error, exitCode: writeFailureExitCode(error) });

  ensureRunsDir(dirname(path));
  // With a header, the file is written under this name until it holds the header.
  const temp = options.header ? tempPathBeside(path, pid) : undefined;
  let fd: number;
  try {
    if (temp !== undefined && existsSync(path)) throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST' });
    fd = openSync(temp ?? path, 'wx');
  } catch (error) {
    throw fail('create', error);
  }

  let pending: string[] = [];
  let pendingLength = 0;
  let scheduled = false;
  let closed = false;
  // A failure in a scheduled flush has no caller to throw to; it is rethrown by the next call.
  let deferredError: LogError | undefined;

  const flush = (): void => {
    if (deferredError) throw deferredError;
    if (pendingLength === 0) return;
    const bytes = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingLength = 0;
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    } catch (error) {
      deferredError = fail('write to', error);
      throw deferredError;
    }
  };

  const scheduledFlush = (): void => {
    scheduled = false;
    if (closed || deferredError) return;
    try {
      flush();
    } catch {
      // Kept in deferredError.
    }
  };

  const writer: RunLogWriter = {
    path,
    write(record) {
      if (closed) throw new LogError('E_LOG_WRITE', `Cannot write to run log ${path}: it is closed`);
      if (deferredError) throw deferredError;
      if (nestingExceeds(record, MAX_LOG_NESTING)) {
        throw new LogError('E_LOG_RECORD', `A ${record.type} record nested deeper than ${MAX_LOG_NESTING} levels cannot be written to run log ${path}.`, {
          hint: `Keep cases and stage outputs within ${MAX_LOG_NESTING} levels of nested objects and arrays.`,
        });
      }
      let line: string;
      try {
        line = serialize(record) + '\n';
      } catch (error) {
        throw new LogError('E_LOG_RECORD', `A ${record.type} record cannot be written to run log ${path}: ${messageOf(error)}`, {
          cause: error,
          hint: 'Records hold JSON values only: strings, numbers, booleans, null, arrays and plain objects.',
        });
      }
      pending.push(line);
      pendingLength += line.length;
      if (record.type !== 'case' || pendingLength >= FLUSH_AT) {
        flush();
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(scheduledFlush);
      }
    },
    flush() {
      if (!closed) flush();
    },
    close() {
      if (closed) return;
      closed = true;
      let failure: LogError | undefined;
      try {
        flush();
        fsyncSync(fd);
      } catch (error) {
        failure = error instanceof LogError ? error : fail('sync', error);
      }
      try {
        closeSync(fd);
      } catch (error) {
        failure ??= fail('close', error);
      }
      if (failure) throw failure;
    },
  };
  if (temp !== undefined) publish(writer, temp, options.header!, fail);
  return writer;
}

/**
 * Writes the header into the temporary file, then links the file to the log's name (which fails
 * if a log of that name exists): the log appears holding its header. Nothing is left on failure.
 */
function publish(writer: RunLogWriter, temp: string, header: RunStartRecord, fail: (doing: string, error: unknown) => LogError): void {
  try {
    writer.write(header);
    try {
      linkSync(temp, writer.path);
    } catch (error) {
      // A file system without hard links: rename, which would replace a log that appeared just now.
      if (!hardLinksUnsupported(error) || existsSync(writer.path)) throw fail('create', error);
      renameSync(temp, writer.path);
    }
  } catch (error) {
    try {
      writer.close();
    } catch {
      // The header failed already.
    }
    // The header's write failed: to the user, the log could not be created.
    throw error instanceof LogError && error.code === 'E_LOG_WRITE' && error.cause !== undefined && !error.message.startsWith('Cannot create') ? fail('create', error.cause) : error;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // Renamed, or never created.
    }
  }
}

/**
 * Whether `value` nests objects and arrays more than `limit` deep (the value itself is level 1).
 * Recursive, but never deeper than `limit` calls, however deep the value.
 */
export function nestingExceeds(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object' && nestingExceeds(item, limit - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === 'object' && nestingExceeds(item, limit - 1)) return true;
  }
  return false;
}
