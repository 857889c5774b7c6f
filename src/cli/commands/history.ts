import type { Command } from 'commander';
import { countOrAll, type CommandEnv } from '../options.ts';

export function registerHistory(program: Command, env: CommandEnv): void {
  program
    .command('history')
    .description('list recent runs, newest first')
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
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
    .action(async (opts: Record<string, unknown>) => {
      const { historyCommand } = await import('../../commands/history.ts');
      env.setExit(
        await historyCommand(
          {
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            limit: opts['number'] as number,
            json: opts['json'] === true,
          },
          env.io,
        ),
      );
    });
}
