import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogError, messageOf } from '../errors.ts';
import type { RunLogRecord } from './schema.ts';

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
 * Creates `path` (never overwriting an existing log) and returns a buffered JSONL writer. Each
 * flush is one write of whole lines, so a killed process leaves at most a truncated last line.
 */
export function createRunLogWriter(path: string): RunLogWriter {
  const fail = (doing: string, error: unknown): LogError =>
    new LogError('E_LOG_WRITE', `Cannot ${doing} run log ${path}: ${messageOf(error)}`, { cause: error });

  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'wx');
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

  return {
    path,
    write(record) {
      if (closed) throw new LogError('E_LOG_WRITE', `Cannot write to run log ${path}: it is closed`);
      if (deferredError) throw deferredError;
      let line: string;
      try {
        line = JSON.stringify(record) + '\n';
      } catch (error) {
        throw fail(`serialize a ${record.type} record for`, error);
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
}
