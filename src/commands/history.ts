import { historyEntry, unreadableEntry, type HistoryEntry } from '../analysis/history.ts';
import { EXIT, isTagliotsError, messageOf } from '../errors.ts';
import { LEGACY_VERSION } from '../log/legacy.ts';
import { readRunLogEnds } from '../log/reader.ts';
import { listLegacyRuns, listRuns, type RunEntry } from '../log/store.ts';
import { renderHistory } from '../report/history-table.ts';
import { createTheme } from '../report/theme.ts';
import { uniquePrefixLength } from '../util/ids.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { createOutput, resolveRunsDir, shownPath } from './log-input.ts';

export interface HistoryOptions {
  readonly runsDir?: string;
  /** Most runs to list, newest first. @default 20 */
  readonly limit?: number;
  readonly json?: boolean;
}

/**
 * `tagliots history`: recent runs, newest first, from the first and last line of each log (so it
 * stays fast with many large logs). A log that cannot be read is listed with its problem.
 */
export async function historyCommand(options: HistoryOptions, io: Io): Promise<number> {
  const runsDir = await resolveRunsDir(options.runsDir, io);
  const limit = options.limit ?? 20;
  // UUIDv7 ids sort by start time; GoTaglio logs (UUIDv4) are placed by the start time inside them.
  const runs = (await listRuns(runsDir)).reverse();
  const legacy = await listLegacyRuns(runsDir);
  const entries: HistoryEntry[] = [];
  const read = async (run: RunEntry): Promise<HistoryEntry> => {
    try {
      const { header, end } = await readRunLogEnds(run.path);
      return historyEntry(shownPath(run.path, io.cwd), header, end, header.versions.tagliots === LEGACY_VERSION);
    } catch (error) {
      return unreadableEntry(run.runId, shownPath(run.path, io.cwd), isTagliotsError(error) ? `${error.code}: ${error.message}` : messageOf(error));
    }
  };
  for (const run of runs.slice(0, legacy.length > 0 ? runs.length : limit)) entries.push(await read(run));
  for (const run of legacy) entries.push(await read(run));
  if (legacy.length > 0) entries.sort((a, b) => compareNewestFirst(a, b));
  const total = runs.length + legacy.length;
  const shown = entries.slice(0, limit);

  const out = createOutput(io, undefined);
  if (options.json) {
    out.write(`${JSON.stringify(shown, null, 2)}\n`);
  } else {
    const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
    const idLength = uniquePrefixLength([...runs, ...legacy].map((r) => r.runId), 8);
    if (total === 0) out.write(`No runs yet in ${shownPath(runsDir, io.cwd)} (\`tagliots run <suite>\` writes one).\n`);
    else out.write(renderHistory(shown, theme, { idLength, hidden: total - shown.length }));
  }
  out.close();
  return EXIT.ok;
}

function compareNewestFirst(a: HistoryEntry, b: HistoryEntry): number {
  const ta = a.startedAt ? Date.parse(a.startedAt) : Number.NEGATIVE_INFINITY;
  const tb = b.startedAt ? Date.parse(b.startedAt) : Number.NEGATIVE_INFINITY;
  return tb - ta || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0);
}
