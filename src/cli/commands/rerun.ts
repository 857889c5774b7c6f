import { Option, type Command } from 'commander';
import { addModelRunOptions, modelRunOptionsFrom } from './cache.ts';
import { addRunOutputOptions, addSelectionOptions, runOutputOptionsFrom, type CommandEnv } from '../options.ts';

export function registerRerun(program: Command, env: CommandEnv): void {
  const command = program
    .command('rerun')
    .description("run an earlier run's cases again, with its pipeline and config plus new overrides")
    .argument('<run>', "the run to repeat: 'latest', a run-id prefix or a log file")
    .argument('[overrides...]', 'config overrides on top of the original config: key.path=value, key.path:=<json>')
    .addOption(new Option('--only <which>', 'which cases of the run: failed (failed or errored), errored, or all').choices(['failed', 'errored', 'all']).default('all'))
    .option('--from <stage>', 'reuse the outputs of the stages <stage> depends on from the original run; run the rest');
  addRunOutputOptions(command, 'run every chosen case N times (default: each record once, as in the original run)');
  addModelRunOptions(command);
  addSelectionOptions(command)
    .addHelpText(
      'after',
      `
Cases come from the original run's log, not from the suite file; templates and other files the
config names are read again. Config changes are shown against the original run.

Examples:
  $ tagliots rerun latest --only failed
  $ tagliots rerun 019aa1 infer.model.name=perfect
  $ tagliots rerun latest --from extract

Exit codes: 0 success, 1 unexpected error (or errored cases with --strict), 2 usage/config/input error, 3 stopped at --max-cost, 130 interrupted.`,
    )
    .action(async (run: string, overrides: string[], opts: Record<string, unknown>) => {
      const { rerunCommand } = await import('../../commands/rerun.ts');
      env.setExit(
        await rerunCommand(
          {
            run,
            overrides,
            only: opts['only'] as 'failed' | 'errored' | 'all',
            ...(opts['from'] !== undefined ? { from: opts['from'] as string } : {}),
            ...runOutputOptionsFrom(opts),
            ...modelRunOptionsFrom(opts),
          },
          env.io,
        ),
      );
    });
}
