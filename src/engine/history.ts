import { historyEntry, unreadableEntry, type HistoryEntry } from '../analysis/history.ts';
import { isTagliotsError, messageOf } from '../errors.ts';
import { LEGACY_VERSION } from '../log/legacy.ts';
import { readRunLogEnds } from '../log/reader.ts';
import { listLegacyRuns, listRuns, type RunEntry } from '../log/store.ts';
import { uniquePrefixLength } from '../util/ids.ts';
import { shownPath } from '../util/paths.ts';

export interface RunHistoryOptions {
  /** Most runs to return, newest first. @default 20 */
  readonly limit?: number;
  /** Paths in the entries are shown relative to this folder when inside it. */
  readonly cwd?: string;
}

/** Recent runs of a runs folder, newest first. */
export interface RunHistory {
  readonly entries: readonly HistoryEntry[];
  /** Runs in the folder, listed or not. */
  readonly total: number;
  /** The shortest run-id prefix length (at least 8) that tells every run of the folder apart. */
  readonly idLength: number;
}

/**
 * The recent runs of `runsDir`, newest first, from the first and last line of each log (so it
 * stays fast with many large logs). A log that cannot be read is listed with its problem.
 */
export async function runHistory(runsDir: string, options: RunHistoryOptions = {}): Promise<RunHistory> {
  const limit = options.limit ?? 20;
  const show = (path: string) => (options.cwd === undefined ? path : shownPath(path, options.cwd));
  // UUIDv7 ids sort by start time; GoTaglio logs (UUIDv4) are placed by the start time inside them.
  const runs = (await listRuns(runsDir)).reverse();
  const legacy = await listLegacyRuns(runsDir);
  const read = async (run: RunEntry): Promise<HistoryEntry> => {
    try {
      const { header, end } = await readRunLogEnds(run.path);
      return historyEntry(show(run.path), header, end, header.versions.tagliots === LEGACY_VERSION);
    } catch (error) {
      return unreadableEntry(run.runId, show(run.path), isTagliotsError(error) ? `${error.code}: ${error.message}` : messageOf(error));
    }
  };
  const entries: HistoryEntry[] = [];
  for (const run of runs.slice(0, legacy.length > 0 ? runs.length : limit)) entries.push(await read(run));
  for (const run of legacy) entries.push(await read(run));
  if (legacy.length > 0) entries.sort(compareNewestFirst);
  return {
    entries: entries.slice(0, limit),
    total: runs.length + legacy.length,
    idLength: uniquePrefixLength([...runs, ...legacy].map((r) => r.runId), 8),
  };
}

function compareNewestFirst(a: HistoryEntry, b: HistoryEntry): number {
  const ta = a.startedAt ? Date.parse(a.startedAt) : Number.NEGATIVE_INFINITY;
  const tb = b.startedAt ? Date.parse(b.startedAt) : Number.NEGATIVE_INFINITY;
  return tb - ta || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0);
}
