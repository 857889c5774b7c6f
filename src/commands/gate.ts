import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { addGateOptions, addRunsDirOption, Command, gateFlagsFrom, type CommandEnv, type GateFlags } from './shared/flags.ts';
import { engineContext } from './shared/output.ts';

/** `tagliots gate`: its flags, help and handler. */
export function gateCommand(env: CommandEnv) {
  const command = new Command('gate')
    .description('check a run against CI rules (completeness, coverage, infrastructure errors, no significant drop against a baseline, …); exit 1 when one fails')
    .argument('<run>', 'the run to check: a run id prefix, `latest` or a log file');
  return addRunsDirOption(addGateOptions(command).option('--json', 'print the gate result as JSON'))
    .addHelpText(
      'after',
      `
With no rule flag, the gate checks that the run completed, that no case, repeat or shard is
missing, and that at most 2% of records ended in infrastructure errors (a model call that failed
after its retries, a cancellation); with --baseline, also that the run is not significantly worse
(one-sided at --alpha 0.05, on the pass rate and the mean score, the same test as compare).
--margin / --max-score-drop gate "not worse by more than d" instead. --max-regressions is for
deterministic pipelines only. Every rule prints what it measured and its threshold. When
GITHUB_STEP_SUMMARY is set, a Markdown summary is appended to it. See docs/statistics.md.

Examples:
  $ tagliots gate latest --baseline main.jsonl --junit gate.xml
  $ tagliots gate latest --baseline main.jsonl --margin 2%
  $ tagliots gate latest --min-pass-rate 0.9 --require 'p0' --max-cost 5

Exit codes: 0 every rule holds, 1 a rule failed, 2 usage error or a run that cannot be read.`,
    )
    .action(async (run, opts) => env.setExit(await gate({ run, ...gateFlagsFrom(opts, opts.maxCost), runsDir: opts.runsDir, json: opts.json === true }, env.io)));
}

export interface GateCommandOptions extends GateFlags {
  /** The run to check: a run id prefix, `latest` or a log file. */
  readonly run: string;
  readonly runsDir?: string;
  readonly json?: boolean;
}

/** Checks a run against the gate's rules, prints the verdict, writes its outputs; exit 1 when a rule failed. */
export async function gate(options: GateCommandOptions, io: Io): Promise<number> {
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { gateRun, gateText, writeGateOutputs } = await import('./shared/engine.ts');
  const { run, runsDir, json, junit, junitCases, ...rules } = options;
  const gated = await gateRun(run, { ...rules, runsDir, ...engineContext(io) });
  const { result } = gated;
  if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(gateText(result, io, rules.baseline === undefined ? [run] : [rules.baseline, run]));
  await writeGateOutputs(gated, { junit, junitCases }, io);
  return result.passed ? EXIT.ok : EXIT.failure;
}
