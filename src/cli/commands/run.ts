import type { Command } from 'commander';
import { addModelRunOptions, modelRunOptionsFrom } from './cache.ts';
import { addGateOptions, gateOptionsFrom } from './gate.ts';
import { addRunOutputOptions, addSelectionOptions, runOutputOptionsFrom, type CommandEnv } from '../options.ts';

export function registerRun(program: Command, env: CommandEnv): void {
  const command = program
    .command('run')
    .description('run a suite through a pipeline and write a run log')
    .argument('<suite>', 'suite file: .json, .yaml/.yml or .jsonl')
    .argument('[overrides...]', 'config overrides: key.path=value (typed like the default), key.path:=<json>')
    .option('-p, --pipeline <name>', 'pipeline to run (default: the one the suite names, or the only one)');
  addRunOutputOptions(command, 'run every case N times (repeat indexes 0 to N-1 in the log)');
  addModelRunOptions(command);
  addGateOptions(command, { forRun: true });
  addSelectionOptions(command, { shard: true })
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots run suites/calc.json
  $ tagliots run suites/calc.json infer.model.name=flakey -c 4
  $ tagliots run suites/calc.json --config patch.yaml prepare.template=samples/calc/template2.txt
  $ tagliots run suites/calc.json --filter 'hexadecimal && !flakey-fails' --repeat 5
  $ tagliots run suites/calc.json --shard 2/4 --min-pass-rate 0.9 --baseline main.jsonl --max-regressions 0

Exit codes: 0 success, 1 unexpected error (or errored cases with --strict), 2 usage/config/input error, 3 stopped at --max-cost, 130 interrupted.`,
    )
    .action(async (suite: string, overrides: string[], opts: Record<string, unknown>) => {
      const gate = gateOptionsFrom(opts);
      const { runCommand } = await import('../../commands/run.ts');
      env.setExit(
        await runCommand(
          {
            suite,
            overrides,
            ...(opts['pipeline'] !== undefined ? { pipeline: opts['pipeline'] as string } : {}),
            ...runOutputOptionsFrom(opts),
            ...modelRunOptionsFrom(opts),
            ...(Object.keys(gate).length > 0 && { gate }),
          },
          env.io,
        ),
      );
    });
}
