import type { Command } from 'commander';
import { integer, type CommandEnv } from '../options.ts';

export function registerView(program: Command, env: CommandEnv): void {
  program
    .command('view')
    .description('browse runs, reports and comparisons in a browser (serves on 127.0.0.1)')
    .option('--port <n>', 'port to listen on; 0 picks a free one', integer('--port'), 7433)
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
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
    .action(async (opts: Record<string, unknown>) => {
      const { viewCommand } = await import('../../commands/view.ts');
      env.setExit(
        await viewCommand(
          {
            port: opts['port'] as number,
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
          },
          env.io,
        ),
      );
    });
}
