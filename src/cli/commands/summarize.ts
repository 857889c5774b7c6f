import type { Command } from 'commander';
import { addSelectionOptions, rowLimit, selectionFromOptions, type CommandEnv } from '../options.ts';

export function registerSummarize(program: Command, env: CommandEnv): void {
  const command = program
    .command('summarize')
    .description('print the summary of a run from its log')
    .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
    .option('--by <what>', "add a breakdown table: 'keyword'")
    .option('--json', 'print the summary as JSON')
    .option('--rows <n>', "most table rows to print, or 'all'", rowLimit, 100);
  addSelectionOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots summarize latest
  $ tagliots summarize 019aa1 --by keyword --rows all
  $ tagliots summarize runs/019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13.jsonl --filter 'hexadecimal && !flakey-fails' --json

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or unreadable log.`,
    )
    .action(async (run: string, opts: Record<string, unknown>) => {
      const selection = selectionFromOptions(opts);
      const { summarizeCommand } = await import('../../commands/summarize.ts');
      env.setExit(
        await summarizeCommand(
          {
            run,
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            ...(opts['by'] !== undefined ? { by: opts['by'] as string } : {}),
            json: opts['json'] === true,
            maxRows: opts['rows'] as number,
            ...(selection ? { selection } : {}),
          },
          env.io,
        ),
      );
    });
}
