/**
 * What the log-reading commands (history, summarize, format, timeline, export) share: finding the
 * runs folder, naming a run, streaming its selected case records, warnings, and writing output to
 * stdout or a file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { shownPath } from '../util/paths.ts';
import { planRecordSelection, type RecordSelection } from '../analysis/select-records.ts';
import { UsageError, isTagliotsError, messageOf } from '../errors.ts';
import { readRunLogBatches, readRunLogEnds } from '../log/reader.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { resolveRun } from '../log/store.ts';
import { DEFAULT_RUNS_DIR } from '../project/config.ts';
import { findProjectConfig, loadProject } from '../project/load.ts';
import type { Selection } from '../suite/select.ts';
import type { Io } from '../util/io.ts';

/**
 * The runs folder: `--runs-dir`, else the project config's `runsDir` (the config is loaded only
 * when there is one), else `runs/` in the working directory. A project config that fails to load
 * does not stop a command that only reads logs: it falls back to `runs/` next to the config.
 */
export async function resolveRunsDir(runsDir: string | undefined, io: Io): Promise<string> {
  if (runsDir !== undefined) return resolve(io.cwd, runsDir);
  const configPath = findProjectConfig(io.cwd);
  if (!configPath) return resolve(io.cwd, DEFAULT_RUNS_DIR);
  try {
    return (await loadProject(io.cwd)).runsDir;
  } catch (error) {
    const fallback = join(dirname(configPath), DEFAULT_RUNS_DIR);
    const why = isTagliotsError(error) ? `${error.code}: ${error.message}` : messageOf(error);
    io.stderr.write(`Warning: cannot load ${shownPath(configPath, io.cwd)} (${why.split('\n')[0]}); reading runs from ${shownPath(fallback, io.cwd)}. Pass --runs-dir to choose.\n`);
    return fallback;
  }
}

/** The log a run reference names: `latest`, a run-id prefix, or a path to a log file. */
export async function findRunLog(ref: string, runsDir: string | undefined, io: Io): Promise<string> {
  if (ref.toLowerCase() !== 'latest' && ref !== '' && (await isFile(resolve(io.cwd, ref)))) return resolve(io.cwd, ref);
  return resolveRun(await resolveRunsDir(runsDir, io), ref, io.cwd);
}

export { shownPath } from '../util/paths.ts';

export interface OpenedLog {
  readonly path: string;
  readonly header: RunStartRecord;
  readonly selection: RecordSelection;
  /**
   * One pass over the selected case records, in log order, calling `each` for every one (a chunk
   * of the log per await, so a million records cost little more than parsing them). run.end is
   * captured on the way.
   */
  forEachCase(each: (record: CaseRecord) => void): Promise<void>;
  /** The run.end record, once a pass has read the log to the end (null when the log has none). */
  end(): RunEndRecord | null;
  /** Warnings met so far, each once (a truncated last line). */
  readonly warnings: ReadonlySet<string>;
}

/**
 * Opens a run log for streaming: reads its first line (checking the version before anything else)
 * and plans the selection, which may read the log in extra passes. Never holds more than one case
 * record at a time.
 */
export async function openLog(path: string, selection: Selection | undefined): Promise<OpenedLog> {
  const { header } = await readRunLogEnds(path);
  const warnings = new Set<string>();
  const onWarning = (warning: string) => warnings.add(warning);
  let end: RunEndRecord | null = null;
  const forEach = async (each: (record: CaseRecord) => void) => {
    for await (const batch of readRunLogBatches(path, { onWarning })) {
      for (const { record } of batch) {
        if (record.type === 'case') each(record);
        else if (record.type === 'run.end') end = record;
      }
    }
  };
  // The selection's passes iterate: fine, they are only made when a selection needs them.
  async function* all(): AsyncGenerator<CaseRecord> {
    for await (const batch of readRunLogBatches(path, { onWarning })) {
      for (const { record } of batch) if (record.type === 'case') yield record;
    }
  }
  const planned = await planRecordSelection(selection, all, { repeated: (header.repeat ?? 1) > 1 });
  return {
    path,
    header,
    selection: planned,
    forEachCase: (each) => forEach((record) => planned.keep(record) && each(record)),
    end: () => end,
    warnings,
  };
}

/** Writes the warnings of a log, and that it is incomplete, to stderr. */
export function warnAboutLog(log: OpenedLog, io: Io, shown: string): void {
  for (const warning of log.warnings) io.stderr.write(`Warning: ${warning}\n`);
  if (log.end() === null) {
    io.stderr.write(`Warning: ${shown} has no run.end record (the run crashed, was killed or is still running): showing the cases it holds.\n`);
  }
}

/** Text output to stdout, or to `--out <file>`, in 64 KiB writes. */
export interface Output {
  write(text: string): void;
  /** Flushes; for a file, closes it. */
  close(): void;
}

export function createOutput(io: Io, outFile: string | undefined): Output {
  let buffered: string[] = [];
  let length = 0;
  if (outFile === undefined) {
    const flush = () => {
      if (length === 0) return;
      io.stdout.write(buffered.join(''));
      buffered = [];
      length = 0;
    };
    return {
      write(text) {
        buffered.push(text);
        length += text.length;
        if (length >= 1 << 16) flush();
      },
      close: flush,
    };
  }
  const path = resolve(io.cwd, outFile);
  const fail = (error: unknown) =>
    new UsageError('E_OUTPUT', `Cannot write ${outFile}: ${messageOf(error)}`, { hint: 'Check that the folder exists and is writable.', cause: error });
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw fail(error);
  }
  const flush = () => {
    if (length === 0) return;
    try {
      writeSync(fd, buffered.join(''));
    } catch (error) {
      throw fail(error);
    }
    buffered = [];
    length = 0;
  };
  let closed = false;
  return {
    write(text) {
      buffered.push(text);
      length += text.length;
      if (length >= 1 << 16) flush();
    },
    close() {
      if (closed) return;
      flush();
      closed = true;
      closeSync(fd);
    },
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
