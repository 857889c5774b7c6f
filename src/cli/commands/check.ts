import type { Command } from 'commander';
import { collect, positiveInteger, type CommandEnv } from '../options.ts';

export function registerCheck(program: Command, env: CommandEnv): void {
  program
    .command('check')
    .description('validate a pipeline and a suite without running anything; estimate tokens and cost')
    .argument('<target>', 'a suite file, a pipeline file (*.pipeline.yaml), or a pipeline name')
    .argument('[overrides...]', 'config overrides: key.path=value, key.path:=<json>')
    .option('-p, --pipeline <name>', 'pipeline for the suite: a name or a *.pipeline.yaml file (default: the one the suite names, or the only one)')
    .option('--config <file>', 'a JSON or YAML config patch (repeatable; applied before key=value overrides)', collect, [])
    .option('--cases <n>', 'render templates against the first N cases', positiveInteger('--cases'), 3)
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots check suites/qa.json
  $ tagliots check suites/qa.json infer.model=gpt-4o-mini --cases 10
  $ tagliots check samples/qa/qa.pipeline.yaml infer.model=perfect judge.model=perfect

No model is called and no case runs. Exit codes: 0 valid, 2 problems found (all listed).`,
    )
    .action(async (target: string, overrides: string[], opts: Record<string, unknown>) => {
      const { checkCommand } = await import('../../commands/check.ts');
      env.setExit(
        await checkCommand(
          {
            target,
            overrides,
            configFiles: opts['config'] as string[],
            cases: opts['cases'] as number,
            ...(opts['pipeline'] !== undefined && { pipeline: opts['pipeline'] as string }),
          },
          env.io,
        ),
      );
    });
}
