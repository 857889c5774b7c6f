import { EXIT } from '../errors.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { shownPath } from '../util/paths.ts';
import { createOutput, engineContext } from './shared/output.ts';
import { addRunsDirOption, Command, countOrAll, type CommandEnv } from './shared/flags.ts';

/** `tagliots history`: its flags, help and handler. */
export function historyCommand(env: CommandEnv) {
  return addRunsDirOption(new Command('history').description('list recent runs, newest first'))
    .option('-n, --number <n>', "most runs to list, or 'all'", countOrAll('-n'), 20)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots history
  $ tagliots history -n all --json

Exit codes: 0 success, 1 unexpected error, 2 usage error.`,
    )
    .action(async (opts) => env.setExit(await history({ runsDir: opts.runsDir, limit: opts.number, json: opts.json === true }, env.io)));
}

export interface HistoryOptions {
  readonly runsDir?: string;
  /** Most runs to list, newest first. @default 20 */
  readonly limit?: number;
  readonly json?: boolean;
}

/** Prints the recent runs of the runs folder, newest first. */
export async function history(options: HistoryOptions, io: Io): Promise<number> {
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { resolveRunsDir, runHistory, renderHistory, createTheme } = await import('./shared/engine.ts');
  const runsDir = await resolveRunsDir({ runsDir: options.runsDir, ...engineContext(io) });
  const { entries, total, idLength } = await runHistory(runsDir, { cwd: io.cwd, ...(options.limit !== undefined && { limit: options.limit }) });
  const out = createOutput(io, undefined);
  if (options.json) {
    out.write(`${JSON.stringify(entries, null, 2)}\n`);
  } else if (total === 0) {
    out.write(`No runs yet in ${shownPath(runsDir, io.cwd)} (\`tagliots run <suite>\` writes one).\n`);
  } else {
    const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
    out.write(renderHistory(entries, theme, { idLength, hidden: total - entries.length }));
  }
  out.close();
  return EXIT.ok;
}
