/**
 * How commands write: text to stdout or to an `--out` file, and the warnings the engine reports,
 * on stderr. A file is written under a temporary name beside it and renamed into place once
 * whole, so a failure (a full disk) or a kill never leaves a truncated or empty file behind, and an
 * older file of that name stays as it was until then.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeFileError, errnoCode, UsageError, writeFailureExitCode } from '../../errors.ts';
import { pid } from '../../host.ts';
import type { Io } from '../../util/io.ts';
import { scrubText } from './scrubbed-io.ts';
import { tempPathBeside } from '../../util/paths.ts';

/** Text output to stdout, or to `--out <file>`, in 64 KiB writes. */
export interface Output {
  write(text: string): void;
  /** Flushes; a file is then put in place, whole. Idempotent. */
  close(): void;
  /**
   * After a failure: a file's partial text is removed (an older file of that name stays as it
   * was); stdout gets what was written so far. Does nothing after close().
   */
  abort(): void;
}

/** An Output to `outFile` (relative to the working directory), or to stdout when it is undefined. */
export function createOutput(io: Io, outFile: string | undefined): Output {
  if (outFile === undefined) {
    const sink = (text: string) => io.stdout.write(text);
    return bufferedOutput({ sink, commit: () => undefined, discard: () => undefined, keepsPartial: true });
  }
  const target = resolve(io.cwd, outFile);
  const temp = tempPathBeside(join(dirname(target), `.${basename(target)}`), pid);
  const fail = (error: unknown) => outputError(outFile, error);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx');
  } catch (error) {
    throw fail(error);
  }
  const closeQuietly = () => {
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // Failed already.
    }
    fd = undefined;
  };
  const discard = () => {
    closeQuietly();
    try {
      unlinkSync(temp);
    } catch {
      // Never created, or gone.
    }
  };
  // The first failure: the file is dropped, and every later call throws it again.
  let failure: UsageError | undefined;
  const failWith = (error: unknown): UsageError => {
    discard();
    return (failure = fail(error));
  };
  return bufferedOutput({
    sink: (text) => {
      if (failure) throw failure;
      try {
        const bytes = Buffer.from(scrubText(io, text), 'utf8');
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd!, bytes, offset);
      } catch (error) {
        throw failWith(error);
      }
    },
    commit: () => {
      if (failure) throw failure;
      try {
        fsyncSync(fd!);
        closeSync(fd!);
        fd = undefined;
        renameSync(temp, target);
      } catch (error) {
        throw failWith(error);
      }
    },
    discard,
    keepsPartial: false,
  });
}

/**
 * Runs `write` on an Output to `outFile` (stdout when undefined) and puts the file in place when
 * it returns; when it throws, nothing is left of the file (an older one stays as it was).
 */
export async function writeOutput<T>(io: Io, outFile: string | undefined, write: (out: Output) => T | Promise<T>): Promise<T> {
  const out = createOutput(io, outFile);
  let result: T;
  try {
    result = await write(out);
  } catch (error) {
    out.abort();
    throw error;
  }
  out.close();
  return result;
}

/** `E_OUTPUT` for a file that cannot be written, saying why in words (a full disk: exit code 1). */
export function outputError(file: string, error: unknown): UsageError {
  const code = errnoCode(error);
  const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
  return new UsageError('E_OUTPUT', `Cannot write ${file}: ${describeFileError(error)}`, {
    hint: full ? 'Free some disk space, or write the file to another disk.' : 'Check that the folder exists and is writable.',
    exitCode: writeFailureExitCode(error),
    cause: error,
  });
}

interface OutputTarget {
  /** Takes one chunk of text. */
  sink(text: string): void;
  /** Called once everything was handed to sink. */
  commit(): void;
  /** Called instead of commit after a failure. */
  discard(): void;
  /** Whether text written before a failure is still handed to the sink (stdout: it shows what there is). */
  readonly keepsPartial: boolean;
}

/** Collects writes and hands them to the sink 64 KiB at a time: one system call per chunk, not per line. */
function bufferedOutput(target: OutputTarget): Output {
  let buffered: string[] = [];
  let length = 0;
  let ended = false;
  const flush = () => {
    if (length === 0) return;
    const text = buffered.join('');
    buffered = [];
    length = 0;
    target.sink(text);
  };
  return {
    write(text) {
      buffered.push(text);
      length += text.length;
      if (length >= 1 << 16) flush();
    },
    close() {
      if (ended) return;
      ended = true;
      flush();
      target.commit();
    },
    abort() {
      if (ended) return;
      ended = true;
      try {
        if (target.keepsPartial) flush();
      } finally {
        buffered = [];
        length = 0;
        target.discard();
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
