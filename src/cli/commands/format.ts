import type { Command } from 'commander';
import { addSelectionOptions, selectionFromOptions, type CommandEnv } from '../options.ts';

export function registerFormat(program: Command, env: CommandEnv): void {
  const command = program
    .command('format')
    .description('print a readable report of each case of a run')
    .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
    .argument('[case-id-prefix]', 'only the cases whose id starts with this')
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
    .option('--md', 'Markdown (long values collapsed in <details>)')
    .option('--failed', 'only failed and errored cases')
    .option('--out <file>', 'write to this file instead of stdout');
  addSelectionOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots format latest
  $ tagliots format latest b52
  $ tagliots format 019aa1 --failed --md --out report.md

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or case, unreadable log.`,
    )
    .action(async (run: string, casePrefix: string | undefined, opts: Record<string, unknown>) => {
      const selection = selectionFromOptions(opts);
      const { formatCommand } = await import('../../commands/format.ts');
      env.setExit(
        await formatCommand(
          {
            run,
            ...(casePrefix !== undefined ? { casePrefix } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            markdown: opts['md'] === true,
            failed: opts['failed'] === true,
            ...(opts['out'] !== undefined ? { out: opts['out'] as string } : {}),
            ...(selection ? { selection } : {}),
          },
          env.io,
        ),
      );
    });
}
