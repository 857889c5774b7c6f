/**
 * `tagliots view`: serves the report pages on 127.0.0.1 (the server is shared/view-server.ts) until
 * Ctrl-C.
 */
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { shownPath } from '../util/paths.ts';
import { addRunsDirOption, Command, integer, type CommandEnv } from './shared/flags.ts';
import { engineContext } from './shared/output.ts';

/** `tagliots view`: its flags, help and handler. */
export function viewCommand(env: CommandEnv) {
  const command = new Command('view')
    .description('browse runs, reports and comparisons in a browser (serves on 127.0.0.1)')
    .option('--port <n>', 'port to listen on; 0 picks a free one', integer('--port'), DEFAULT_VIEW_PORT);
  return addRunsDirOption(command)
    .addHelpText(
      'after',
      `
Serves the run history, each run's report and the comparison of any two runs, on 127.0.0.1 only.
A run in progress updates as its cases finish. Stop it with Ctrl-C.

Examples:
  $ tagliots view
  $ tagliots view --port 8080 --runs-dir ../other-project/runs

Exit codes: 0 stopped with Ctrl-C, 1 unexpected error, 2 usage error or the port is taken.`,
    )
    .action(async (opts) => env.setExit(await view({ port: opts.port, runsDir: opts.runsDir }, env.io)));
}

export interface ViewOptions {
  /** 0 picks a free port. @default 7433 */
  readonly port?: number;
  readonly runsDir?: string;
}

const DEFAULT_VIEW_PORT = 7433;

/** Serves until Ctrl-C, then closes every connection and returns 0. */
export async function view(options: ViewOptions, io: Io): Promise<number> {
  const port = options.port ?? DEFAULT_VIEW_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('E_USAGE', `--port must be between 0 and 65535 (got ${port}).`);
  const { resolveRunsDir } = await import('./shared/engine.ts');
  const runsDir = await resolveRunsDir({ runsDir: options.runsDir, ...engineContext(io) });
  const { createViewServer } = await import('./shared/engine.ts');
  const server = createViewServer({ runsDir, cwd: io.cwd, onError: (text) => io.stderr.write(`${text}\n`) });
  const address = await server.listen(port);
  io.stdout.write(`tagliots view: ${address.url}\n  runs: ${shownPath(runsDir, io.cwd)}\n  Press Ctrl-C to stop.\n`);
  await new Promise<void>((resolveStop) => {
    const remove = io.onInterrupt(() => {
      remove();
      resolveStop();
    });
  });
  await server.close();
  io.stdout.write('Stopped.\n');
  return EXIT.ok;
}
