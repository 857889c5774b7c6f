import type { Command } from 'commander';
import type { CommandEnv } from '../options.ts';

export function registerReport(program: Command, env: CommandEnv): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a run (optionally compared with a baseline)')
    .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
    .option('--baseline <run>', 'compare with this run (A, the baseline); <run> is B')
    .option('-o, --out <file>', 'the HTML file to write (default: <run-id-prefix>.report.html)')
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
    .addHelpText(
      'after',
      `
The file has no outside dependencies: open it from disk or attach it to a CI run. It holds every
case record (compressed); a case's details are unpacked when you open it.

Examples:
  $ tagliots report latest
  $ tagliots report latest --baseline 019aa1 -o compare.html

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or unreadable log.`,
    )
    .action(async (run: string, opts: Record<string, unknown>) => {
      const { reportCommand } = await import('../../commands/report.ts');
      env.setExit(
        await reportCommand(
          {
            run,
            ...(opts['baseline'] !== undefined ? { baseline: opts['baseline'] as string } : {}),
            ...(opts['out'] !== undefined ? { out: opts['out'] as string } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
          },
          env.io,
        ),
      );
    });
}
