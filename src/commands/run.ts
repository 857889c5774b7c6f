import type { RunSuiteOptions } from '../engine/run-suite.ts';
import type { Io } from '../util/io.ts';
import type { RunTerminalOptions } from './shared/run-terminal.ts';
import {
  addModelRunOptions,
  addRunGateOptions,
  addRunOptions,
  addSelectionOptions,
  addShardOption,
  Command,
  gateFlagsFrom,
  modelRunOptionsFrom,
  runFlagsFrom,
  selectionFrom,
  type CommandEnv,
  type GateFlags,
} from './shared/flags.ts';

/** `tagliots run`: its flags, help and handler. */
export function runCommand(env: CommandEnv) {
  const command = new Command('run')
    .description('run a suite through a pipeline and write a run log')
    .argument('<suite>', 'suite file: .json, .yaml/.yml or .jsonl')
    .argument('[overrides...]', 'config overrides: key.path=value (typed like the default), key.path:=<json>')
    .option('-p, --pipeline <name>', 'pipeline to run (default: the one the suite names, or the only one)');
  return addShardOption(addSelectionOptions(addRunGateOptions(addModelRunOptions(addRunOptions(command, 'run every case N times (repeat indexes 0 to N-1 in the log)')))))
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots run suites/calc.json
  $ tagliots run suites/calc.json infer.model.name=flakey -c 4
  $ tagliots run suites/calc.json --config patch.yaml prepare.template=samples/calc/template2.txt
  $ tagliots run suites/calc.json --filter 'hexadecimal && !flakey-fails' --repeat 5
  $ tagliots run suites/calc.json --shard 2/4 --min-pass-rate 0.9 --baseline main.jsonl --max-regressions 0

Exit codes: 0 success, 1 the run stopped early (a full disk, an unexpected error), errored cases with --strict or a failed gate, 2 usage/config/input error (nothing ran), 3 stopped at --max-cost, 130 interrupted.`,
    )
    .action(async (suite, overrides, opts) => {
      const selection = selectionFrom(opts);
      const gate = gateFlagsFrom(opts);
      env.setExit(
        await run(
          {
            suite,
            overrides,
            ...(opts.pipeline !== undefined && { pipeline: opts.pipeline }),
            ...runFlagsFrom(opts),
            ...modelRunOptionsFrom(opts),
            ...(selection && { selection }),
            ...(gate && { gate }),
          },
          env.io,
        ),
      );
    });
}

export interface RunCommandOptions
  extends RunTerminalOptions,
    Pick<RunSuiteOptions, 'configFiles' | 'selection' | 'repeat' | 'concurrency' | 'runsDir' | 'cache' | 'maxCostUsd'> {
  readonly suite: string;
  /** `key.path=value` arguments. */
  readonly overrides: readonly string[];
  /** A pipeline of the project config, or a `*.pipeline.yaml` file. */
  readonly pipeline?: string;
  /** Gate rules checked on the finished log (--min-pass-rate, --baseline, …): a failed gate exits 1. */
  readonly gate?: GateFlags;
}

/** Runs a suite, showing progress and the summary, and gates the finished run when asked to. */
export async function run(options: RunCommandOptions, io: Io): Promise<number> {
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const [{ runSuite }, { createRunTerminal }, { renderRunConfig }] = await Promise.all([
    import('../engine/run-suite.ts'),
    import('./shared/run-terminal.ts'),
    import('../report/run-config.ts'),
  ]);
  const terminal = createRunTerminal(io, options);
  const { gate: asked, ...runOptions } = options;
  let gate = asked;
  let runsDir = '';
  const result = await terminal.run(
    runSuite({
      ...runOptions,
      ...terminal.options,
      // Checked before any case runs, so a long run does not end in a usage error.
      beforeStart: async (_header, start) => {
        runsDir = start.runsDir;
        if (gate) gate = await (await import('../engine/gate.ts')).checkRunGate(gate, runsDir, io.cwd);
      },
      onStart: (header, start) => terminal.start(header, start, renderRunConfig(header, terminal.theme, terminal.shown(start.logPath))),
    }),
  );
  terminal.printSummary(result);
  const gatePassed = gate ? await (await import('./shared/gate-output.ts')).gateFinishedRun(result.logPath, { ...gate, runsDir }, io) : true;
  return terminal.exitCode(result, gatePassed);
}
