import { extname } from 'node:path';
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
    .argument('<suite>', 'suite file: .json, .yaml/.yml or .jsonl (GoTaglio\'s order, <pipeline> <suite>, works too)')
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
  $ tagliots run menu samples/menu/data/cases.yaml prepare.template=samples/menu/data/template.txt infer.model.name=perfect

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
    Pick<RunSuiteOptions, 'configFiles' | 'selection' | 'repeat' | 'concurrency' | 'runsDir' | 'cache' | 'maxCostUsd' | 'batch'> {
  readonly suite: string;
  /** `key.path=value` arguments. */
  readonly overrides: readonly string[];
  /** A pipeline of the project config, or a `*.pipeline.yaml` file. */
  readonly pipeline?: string;
  /** Gate rules checked on the finished log (--min-pass-rate, --baseline, …): a failed gate exits 1. */
  readonly gate?: GateFlags;
}

/**
 * GoTaglio's command shape, `run <pipeline> <cases> [key=value ...]`: without `-p`, a first
 * argument that is not a suite file (or is a `*.pipeline.yaml` file) followed by one without '='
 * names the pipeline. A suite or pipeline file in the overrides is an error whose hint is the `-p`
 * form of the command line.
 */
export async function gotaglioShape(options: RunCommandOptions): Promise<RunCommandOptions> {
  const { SUITE_FORMATS, isPipelineFilePath, overrideSyntaxError, NO_EQUALS } = await import('./shared/engine.ts');
  const { suite, overrides, pipeline } = options;
  const [second, ...rest] = overrides;
  const isOverride = (arg: string) => arg.includes('=');
  const looksLikeSuite = (arg: string) => !isPipelineFilePath(arg) && SUITE_FORMATS[extname(arg).toLowerCase()] !== undefined;
  if (pipeline === undefined && second !== undefined && !isOverride(second) && !looksLikeSuite(suite)) {
    return gotaglioShape({ ...options, pipeline: suite, suite: second, overrides: rest });
  }
  // A word that looks like a config key gets the override syntax's own hint, when it is parsed.
  const stray = overrides.find((arg) => !isOverride(arg) && (looksLikeSuite(arg) || isPipelineFilePath(arg)));
  if (stray === undefined) return options;
  // The command line as it was probably meant: the pipeline with -p, then one suite, then the overrides.
  const words = [suite, ...overrides.filter((arg) => !isOverride(arg))];
  const name = pipeline ?? words.find((word) => !looksLikeSuite(word)) ?? '<pipeline>';
  const cases = words.find((word) => word !== name && looksLikeSuite(word)) ?? words.find((word) => word !== name) ?? '<suite>';
  const shown = ['tagliots', 'run', '-p', name, cases, ...overrides.filter(isOverride)].map(quoteArg).join(' ');
  throw overrideSyntaxError(
    stray,
    'command line',
    NO_EQUALS,
    `tagliots run takes one suite, then key.path=value overrides; name the pipeline with -p, as in: ${shown}`,
  );
}

/** An argument as a shell needs it: quoted when it holds anything but plain path characters. */
function quoteArg(arg: string): string {
  return /^[\w@%+=:,./<>-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Runs a suite, showing progress and the summary, and gates the finished run when asked to. */
export async function run(asked: RunCommandOptions, io: Io): Promise<number> {
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { runSuite, createRunTerminal, renderRunConfig, checkRunGate, gateFinishedRun } = await import('./shared/engine.ts');
  const options = await gotaglioShape(asked);
  const terminal = createRunTerminal(io, options);
  const { gate: askedGate, ...runOptions } = options;
  let gate = askedGate;
  let runsDir = '';
  const result = await terminal.run(
    runSuite({
      ...runOptions,
      ...terminal.options,
      // Checked before any case runs, so a long run does not end in a usage error.
      beforeStart: async (_header, start) => {
        runsDir = start.runsDir;
        if (gate) gate = await checkRunGate(gate, runsDir, io.cwd);
      },
      onStart: (header, start) => terminal.start(header, start, renderRunConfig(header, terminal.theme, terminal.shown(start.logPath))),
    }),
  );
  terminal.printSummary(result);
  const gatePassed = gate ? await gateFinishedRun(result.logPath, { ...gate, runsDir }, io) : true;
  return terminal.exitCode(result, gatePassed);
}
