import { Option, type Command } from 'commander';
import { addModelRunOptions, modelRunOptionsFrom } from './cache.ts';
import { addGateOptions, gateOptionsFrom } from './gate.ts';
import { addSelectionOptions, collect, positiveInteger, rowLimit, seconds, selectionFromOptions, type CommandEnv } from '../options.ts';

export function registerRun(program: Command, env: CommandEnv): void {
  const command = program
    .command('run')
    .description('run a suite through a pipeline and write a run log')
    .argument('<suite>', 'suite file: .json, .yaml/.yml or .jsonl')
    .argument('[overrides...]', 'config overrides: key.path=value (typed like the default), key.path:=<json>')
    .option('-p, --pipeline <name>', 'pipeline to run (default: the one the suite names, or the only one)')
    .option('-c, --concurrency <n>', 'cases in flight at once (default: the project config, else 8)', positiveInteger('--concurrency'))
    .option('--config <file>', 'a JSON or YAML config patch (repeatable; applied before key=value overrides)', collect, [])
    .option('--runs-dir <dir>', 'folder for run logs (default: the project config, else runs/)')
    .option('--rows <n>', "most summary rows to print, or 'all'", rowLimit, 50)
    .addOption(new Option('--grace <seconds>', 'after Ctrl-C, how long running cases may finish before they are cancelled').argParser(seconds).default(5))
    .option('--strict', 'exit with code 1 when any case errored')
    .option('--repeat <n>', 'run every case N times (repeat indexes 0 to N-1 in the log)', positiveInteger('--repeat'));
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
      const selection = selectionFromOptions(opts);
      const gate = gateOptionsFrom(opts);
      const { runCommand } = await import('../../commands/run.ts');
      env.setExit(
        await runCommand(
          {
            suite,
            overrides,
            ...(opts['pipeline'] !== undefined ? { pipeline: opts['pipeline'] as string } : {}),
            ...(opts['concurrency'] !== undefined ? { concurrency: opts['concurrency'] as number } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            configFiles: opts['config'] as string[],
            strict: opts['strict'] === true,
            maxRows: opts['rows'] as number,
            graceMs: (opts['grace'] as number) * 1000,
            ...(selection && { selection }),
            ...(opts['repeat'] !== undefined ? { repeat: opts['repeat'] as number } : {}),
            ...modelRunOptionsFrom(opts),
            ...(Object.keys(gate).length > 0 && { gate }),
          },
          env.io,
        ),
      );
    });
}
