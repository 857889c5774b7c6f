import { Option, type Command } from 'commander';
import { addModelRunOptions, modelRunOptionsFrom } from './cache.ts';
import { positiveInteger, rowLimit, seconds, type CommandEnv } from '../options.ts';

export function registerResume(program: Command, env: CommandEnv): void {
  const command = program
    .command('resume')
    .description('finish an interrupted or killed run: run only the cases its log lacks')
    .argument('<run>', "the run to finish: 'latest', a run-id prefix or a log file")
    .argument('[secrets...]', 'secrets the log does not keep, again: key.path=value')
    .option('-c, --concurrency <n>', 'cases in flight at once (default: as in the original run)', positiveInteger('--concurrency'))
    .option('--allow-changed-suite', 'resume even though the suite file changed since the run started')
    .option('--runs-dir <dir>', 'folder of the run logs (default: the project config, else runs/)')
    .option('--rows <n>', "most summary rows to print, or 'all'", rowLimit, 100)
    .addOption(new Option('--grace <seconds>', 'after Ctrl-C, how long running cases may finish before they are cancelled').argParser(seconds).default(5))
    .option('--strict', 'exit with code 1 when any case errored');
  addModelRunOptions(command)
    .addHelpText(
      'after',
      `
Writes a new log that copies every finished case of the original (cancelled ones run again) and
runs the rest, with the recorded config and the same suite and selection. The original log is
left as it is.

Examples:
  $ tagliots resume latest
  $ tagliots resume 019aa1 -c 4

Exit codes: 0 success (or nothing to resume), 1 unexpected error (or errored cases with --strict), 2 usage/config/input error, 3 stopped at --max-cost, 130 interrupted.`,
    )
    .action(async (run: string, secrets: string[], opts: Record<string, unknown>) => {
      const { resumeCommand } = await import('../../commands/resume.ts');
      env.setExit(
        await resumeCommand(
          {
            run,
            overrides: secrets,
            allowChangedSuite: opts['allowChangedSuite'] === true,
            ...(opts['concurrency'] !== undefined ? { concurrency: opts['concurrency'] as number } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            strict: opts['strict'] === true,
            maxRows: opts['rows'] as number,
            graceMs: (opts['grace'] as number) * 1000,
            ...modelRunOptionsFrom(opts),
          },
          env.io,
        ),
      );
    });
}
