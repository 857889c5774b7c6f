import type { Command } from 'commander';
import { positiveInteger, type CommandEnv } from '../options.ts';

export function registerTimeline(program: Command, env: CommandEnv): void {
  program
    .command('timeline')
    .description('show when the stages of a case ran, or how many cases ran at once')
    .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
    .argument('[case-id-prefix]', 'one case: its step table and stages on a time scale (default: the whole run)')
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
    .option('--trace <file>', 'also write a Chrome Trace Event file (Perfetto, chrome://tracing)')
    .option('--width <n>', 'chart width in columns (default: the terminal width)', positiveInteger('--width'))
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots timeline latest
  $ tagliots timeline latest dag-2
  $ tagliots timeline 019aa1 --trace trace.json

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or case, unreadable log.`,
    )
    .action(async (run: string, casePrefix: string | undefined, opts: Record<string, unknown>) => {
      const { timelineCommand } = await import('../../commands/timeline.ts');
      env.setExit(
        await timelineCommand(
          {
            run,
            ...(casePrefix !== undefined ? { casePrefix } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            ...(opts['trace'] !== undefined ? { trace: opts['trace'] as string } : {}),
            ...(opts['width'] !== undefined ? { width: opts['width'] as number } : {}),
          },
          env.io,
        ),
      );
    });
}
