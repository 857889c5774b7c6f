import { mkdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeFileError, errnoCode, LogError, RunNotFoundError, writeFailureExitCode } from '../errors.ts';
import { UUID_PATTERN } from '../util/ids.ts';
import { parseTime } from './legacy.ts';

const EXT = '.jsonl';
const LEGACY_EXT = '.json';

export interface RunEntry {
  runId: string;
  path: string;
}

export function runLogPath(runsDir: string, runId: string): string {
  return join(runsDir, runId + EXT);
}

/**
 * Creates the runs folder `dir` (and its parents) unless it exists. A file in its place is an
 * `E_RUNS_DIR` error saying so, not a raw `EEXIST`.
 */
export function ensureRunsDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') throw notAFolder(dir, error);
    throw new LogError('E_LOG_WRITE', `Cannot create the runs folder ${dir}: ${describeFileError(error)}`, { cause: error, exitCode: writeFailureExitCode(error) });
  }
}

function notAFolder(dir: string, cause: unknown): LogError {
  return new LogError('E_RUNS_DIR', `The runs folder ${dir} is a file, or inside one, not a folder.`, {
    cause,
    hint: 'Move the file away, or keep run logs elsewhere: --runs-dir <folder>, or runsDir in the project config.',
  });
}

/** Logs named `<uuid>.jsonl` in `runsDir`, oldest first (UUIDv7 ids sort by start time). */
export async function listRuns(runsDir: string): Promise<RunEntry[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    if (errnoCode(error) === 'ENOTDIR') throw notAFolder(runsDir, error);
    throw new LogError('E_LOG_READ', `Cannot list runs in ${runsDir}: ${describeFileError(error)}`, { cause: error, hint: 'Check that the runs folder is readable.' });
  }
  return names
    .filter((name) => name.endsWith(EXT))
    .map((name) => name.slice(0, -EXT.length))
    .filter((runId) => UUID_PATTERN.test(runId))
    .sort((a, b) => compare(a.toLowerCase(), b.toLowerCase()))
    .map((runId) => ({ runId, path: runLogPath(runsDir, runId) }));
}

/** GoTaglio logs (`<uuid>.json`) in `runsDir`, sorted by id: they can be named by a prefix too. */
export async function listLegacyRuns(runsDir: string): Promise<RunEntry[]> {
  let names: string[];
  try {
    names = await readdir(runsDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(LEGACY_EXT) && UUID_PATTERN.test(name.slice(0, -LEGACY_EXT.length)))
    .sort()
    .map((name) => ({ runId: name.slice(0, -LEGACY_EXT.length), path: join(runsDir, name) }));
}

/**
 * Turns what the user typed into a log path: `latest`, a path to a log file (relative to `cwd`),
 * or a case-insensitive prefix of a run id in `runsDir`. Relative paths, `runsDir` included, are
 * resolved against `cwd`; the result is absolute. `latest` and prefixes find GoTaglio logs
 * (`<uuid>.json`) too: `latest` is the run that started last, as `history` orders them.
 */
export async function resolveRun(runsDir: string, ref: string, cwd: string): Promise<string> {
  const dir = resolve(cwd, runsDir);
  const shownDir = displayDir(dir, cwd);
  if (ref.toLowerCase() === 'latest') {
    const newest = await newestRun(dir);
    if (newest) return newest.path;
    throw new RunNotFoundError('E_RUN_NOT_FOUND', `No runs yet: ${await describeEmpty(dir, shownDir)}`, {
      hint: 'Run `tagliots run <suite>` first.',
    });
  }

  const asPath = await existingLogFile(ref, cwd);
  if (asPath !== null) return asPath;

  const runs = await listRuns(dir);
  const legacy = ref === '' ? [] : await listLegacyRuns(dir);
  const prefix = ref.toLowerCase();
  const matches = ref === '' ? [] : [...runs, ...legacy].filter((run) => run.runId.toLowerCase().startsWith(prefix));
  const [only, ...others] = matches;
  if (only && others.length === 0) return only.path;
  if (only) {
    const lines = matches.map((run) => `  ${run.runId}  ${run.path.endsWith(LEGACY_EXT) ? '(GoTaglio log)' : formatStart(run.runId)}`.trimEnd());
    throw new RunNotFoundError(
      'E_RUN_AMBIGUOUS',
      `'${ref}' matches ${matches.length} runs in ${shownDir}:\n${lines.join('\n')}`,
      { hint: 'Type more characters of the run id.' },
    );
  }
  const newest = runs.slice(-3).reverse().map((run) => run.runId);
  throw new RunNotFoundError('E_RUN_NOT_FOUND', `No run matches '${ref}' in ${shownDir}`, {
    hint:
      newest.length > 0
        ? `The newest runs are ${newest.join(', ')}. Use \`latest\`, a run-id prefix or a path to a log file.`
        : `${await describeEmpty(dir, shownDir)}. Run \`tagliots run <suite>\` first.`,
  });
}

/**
 * The run of `dir` that started last, GoTaglio logs included: a tagliots run starts when its
 * UUIDv7 says, a GoTaglio run at its `metadata.start`. A GoTaglio log is only opened when it was
 * written after the newest tagliots run started (a run cannot start after its log was last
 * written), so a folder of tagliots runs with old GoTaglio logs beside them stays fast.
 */
async function newestRun(dir: string): Promise<RunEntry | undefined> {
  let best = await newestWithContent(await listRuns(dir));
  let bestTime = best ? (runStartTime(best.runId)?.getTime() ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
  for (const entry of await listLegacyRuns(dir)) {
    let written: number;
    try {
      const info = await stat(entry.path);
      if (info.size === 0) continue;
      written = info.mtimeMs;
    } catch {
      continue;
    }
    if (best && written <= bestTime) continue;
    const started = (await legacyStart(entry.path)) ?? written;
    if (!best || started > bestTime) {
      best = entry;
      bestTime = started;
    }
  }
  return best;
}

/** A GoTaglio log's `metadata.start` in epoch milliseconds; null when it has none or cannot be read. */
async function legacyStart(path: string): Promise<number | null> {
  try {
    const log = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, '')) as { metadata?: { start?: unknown } };
    const start = parseTime(log.metadata?.start);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/**
 * The newest of `runs` that is not an empty file. tagliots never leaves an empty log (a log
 * appears holding its header), but an older version, another tool or a full disk may have.
 */
async function newestWithContent(runs: readonly RunEntry[]): Promise<RunEntry | undefined> {
  for (let i = runs.length - 1; i >= 0; i--) {
    try {
      if ((await stat(runs[i]!.path)).size > 0) return runs[i];
    } catch {
      // Removed since it was listed.
    }
  }
  return undefined;
}

/**
 * The absolute path `ref` names when it is a path to a file (relative to `cwd`), else null: a run
 * reference that needs no runs folder.
 */
export async function existingLogFile(ref: string, cwd: string): Promise<string | null> {
  if (ref === '' || ref.toLowerCase() === 'latest') return null;
  const path = resolve(cwd, ref);
  return (await isFile(path)) ? path : null;
}

/** When the run started, from the 48-bit millisecond timestamp that opens a UUIDv7; null for other ids. */
export function runStartTime(runId: string): Date | null {
  if (!UUID_PATTERN.test(runId) || runId[14] !== '7') return null;
  return new Date(Number.parseInt(runId.slice(0, 8) + runId.slice(9, 13), 16));
}

function formatStart(runId: string): string {
  const time = runStartTime(runId);
  return time ? `started ${time.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function describeEmpty(runsDir: string, shownDir: string): Promise<string> {
  try {
    await stat(runsDir);
    return `${shownDir} has no run logs`;
  } catch {
    return `${shownDir} does not exist`;
  }
}

/** `runs/` when inside cwd, else the absolute folder; always with a trailing separator. */
function displayDir(absolute: string, cwd: string): string {
  const rel = relative(cwd, absolute);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
  return shown.endsWith(sep) ? shown : shown + sep;
}
