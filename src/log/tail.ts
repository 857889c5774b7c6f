/**
 * Following a run log while its run writes it: each read takes the complete lines appended since
 * the last one, so a page of a run in progress costs one read of the new bytes per refresh.
 */
import { open, stat } from 'node:fs/promises';
import { RunLogRecordSchema, type RunLogRecord } from './schema.ts';

/** What a LogTail hands over as it reads. */
export interface TailHandlers {
  /** The file was replaced or shrank: everything handed over so far no longer holds. */
  onRestart(): void;
  /** A record after the first line (the run.start record), and the byte range of its line. */
  onRecord(record: RunLogRecord, start: number, end: number): void;
}

export interface LogTail {
  /**
   * Reads the complete lines appended since the last call (the whole log the first time); a last
   * line still being written waits for the next call. After the run.end record it reads no more.
   * Lines that are not valid records are skipped with a warning.
   */
  read(handlers: TailHandlers): Promise<void>;
  /** The lines skipped since the last restart, as `<name>:<line>: …`. */
  readonly warnings: readonly string[];
}

/** Read size: large enough that a big log is read in few calls. */
const CHUNK = 4 << 20;
const NEWLINE = 0x0a;

/** Follows the log at `path`; `name` is how warnings name it. */
export function tailRunLog(path: string, name: string): LogTail {
  /** Bytes read: up to and including the last complete line; -1 before the first read. */
  let consumed = -1;
  let inode = -1;
  let lineNumber = 0;
  let ended = false;
  let warnings: string[] = [];

  function take(text: string, start: number, end: number, handlers: TailHandlers): void {
    lineNumber++;
    if (lineNumber === 1) return; // the run.start record: readers get it from readRunLogEnds
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      warnings.push(`${name}:${lineNumber}: not valid JSON; skipped`);
      return;
    }
    const parsed = RunLogRecordSchema.safeParse(value);
    if (!parsed.success) {
      warnings.push(`${name}:${lineNumber}: not a valid run-log record; skipped`);
      return;
    }
    if (parsed.data.type === 'run.end') ended = true;
    handlers.onRecord(parsed.data, start, end);
  }

  return {
    get warnings() {
      return warnings;
    },
    async read(handlers) {
      const info = await stat(path);
      if (info.ino !== inode || info.size < consumed) {
        // A new or rewritten file: start over.
        consumed = 0;
        inode = info.ino;
        lineNumber = 0;
        ended = false;
        warnings = [];
        handlers.onRestart();
      }
      if (ended || info.size <= consumed) return;
      const handle = await open(path, 'r');
      try {
        let carry = Buffer.alloc(0);
        let carryAt = consumed;
        for (let position = consumed; position < info.size; ) {
          const length = Math.min(CHUNK, info.size - position);
          const chunk = Buffer.alloc(length);
          const { bytesRead } = await handle.read(chunk, 0, length, position);
          if (bytesRead === 0) break;
          position += bytesRead;
          const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
          let start = 0;
          for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
            take(data.toString('utf8', start, nl), carryAt + start, carryAt + nl, handlers);
            start = nl + 1;
          }
          consumed = carryAt + start;
          carry = data.subarray(start);
          carryAt += start;
        }
      } finally {
        await handle.close();
      }
    },
  };
}
