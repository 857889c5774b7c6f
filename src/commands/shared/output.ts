/**
 * How commands write: text to stdout or to an `--out` file, and the warnings the engine reports,
 * on stderr.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, messageOf } from '../../errors.ts';
import type { Io } from '../../util/io.ts';

/** Text output to stdout, or to `--out <file>`, in 64 KiB writes. */
export interface Output {
  write(text: string): void;
  /** Flushes; for a file, closes it. */
  close(): void;
}

/** An Output to `outFile` (relative to the working directory), or to stdout when it is undefined. */
export function createOutput(io: Io, outFile: string | undefined): Output {
  if (outFile === undefined) return bufferedOutput((text) => io.stdout.write(text));
  const fail = (error: unknown) =>
    new UsageError('E_OUTPUT', `Cannot write ${outFile}: ${messageOf(error)}`, { hint: 'Check that the folder exists and is writable.', cause: error });
  let fd: number;
  try {
    fd = openSync(resolve(io.cwd, outFile), 'w');
  } catch (error) {
    throw fail(error);
  }
  return bufferedOutput(
    (text) => {
      try {
        writeSync(fd, text);
      } catch (error) {
        throw fail(error);
      }
    },
    () => closeSync(fd),
  );
}

/** Collects writes and hands them to `sink` 64 KiB at a time: one system call per chunk, not per line. */
function bufferedOutput(sink: (text: string) => void, release?: () => void): Output {
  let buffered: string[] = [];
  let length = 0;
  let released = false;
  const flush = () => {
    if (length === 0) return;
    const text = buffered.join('');
    buffered = [];
    length = 0;
    sink(text);
  };
  return {
    write(text) {
      buffered.push(text);
      length += text.length;
      if (length >= 1 << 16) flush();
    },
    close() {
      if (released) return;
      flush();
      if (release) {
        released = true;
        release();
      }
    },
  };
}

/** What engine calls take from a command's Io: the working directory, and where warnings go. */
export interface EngineContext {
  readonly cwd: string;
  readonly onWarning: (warning: string) => void;
}

/** The working directory of `io`, and warnings printed as `Warning: …` lines on its stderr. */
export function engineContext(io: Io): EngineContext {
  return { cwd: io.cwd, onWarning: (warning) => io.stderr.write(`Warning: ${warning}\n`) };
}

/**
 * Prints the warnings met reading a log and, when it has no run.end record, that the command shows
 * what it holds (`showing` says how).
 */
export function warnAboutLog(
  io: Io,
  log: { readonly shown: string; readonly warnings: Iterable<string>; readonly ended: boolean },
  showing = 'showing the cases it holds',
): void {
  const { onWarning } = engineContext(io);
  for (const warning of log.warnings) onWarning(warning);
  if (!log.ended) onWarning(`${log.shown} has no run.end record (the run crashed, was killed or is still running): ${showing}.`);
}
