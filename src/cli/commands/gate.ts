import { InvalidArgumentError, type Command } from 'commander';
import type { GateOptions } from '../../commands/gate.ts';
import type { CommandEnv } from '../options.ts';
import { probability } from './compare.ts';

/** 0.9, or a percentage: 90% */
function rate(value: string): number {
  const text = value.trim();
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`--min-pass-rate must be between 0 and 1, or a percentage (got '${value}').`);
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`--max-regressions must be a whole number (got '${value}').`);
  return n;
}

function dollars(value: string): number {
  const n = Number(value.trim().replace(/^\$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--max-cost must be an amount of US dollars, e.g. 5 or 0.25 (got '${value}').`);
  return n;
}

/**
 * The gate rule flags, shared by `gate` and `run` (`run` leaves out --max-cost, which there is the
 * run's budget, and --json).
 */
export function addGateOptions(command: Command, options: { readonly forRun?: boolean } = {}): Command {
  command
    .option('--baseline <run>', 'compare with this run (a run id prefix, `latest` or a log file)')
    .option('--min-pass-rate <rate>', 'fail when the pass rate is below this (0.9 or 90%)', rate)
    .option('--max-regressions <n>', 'fail when more cases regressed against the baseline (needs --baseline)', count)
    .option('--alpha <p>', 'fail on a statistically significant drop against the baseline at this level (one-sided McNemar; needs --baseline)', probability('--alpha'));
  if (!options.forRun) command.option('--max-cost <usd>', 'fail when the run cost more than this, in US dollars', dollars);
  command
    .option('--require <expr>', 'every case matching this keyword expression must pass (repeatable)', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--allow-incomplete', 'do not fail the gate because the run is incomplete or was interrupted')
    .option('--junit <file>', 'write the gate as JUnit XML')
    .option('--junit-cases', 'with --junit, add one testcase per case');
  return command;
}

/** The GateOptions of the flags addGateOptions() added. */
export function gateOptionsFrom(opts: Readonly<Record<string, unknown>>): GateOptions {
  return {
    ...(opts['baseline'] !== undefined && { baseline: opts['baseline'] as string }),
    ...(opts['minPassRate'] !== undefined && { minPassRate: opts['minPassRate'] as number }),
    ...(opts['maxRegressions'] !== undefined && { maxRegressions: opts['maxRegressions'] as number }),
    ...(opts['alpha'] !== undefined && { alpha: opts['alpha'] as number }),
    ...(opts['maxCost'] !== undefined && { maxCost: opts['maxCost'] as number }),
    ...((opts['require'] as string[] | undefined)?.length ? { require: opts['require'] as string[] } : {}),
    ...(opts['allowIncomplete'] === true && { allowIncomplete: true }),
    ...(opts['junit'] !== undefined && { junit: opts['junit'] as string }),
    ...(opts['junitCases'] === true && { junitCases: true }),
  };
}

export function registerGate(program: Command, env: CommandEnv): void {
  const command = program
    .command('gate')
    .description('check a run against CI rules (pass rate, regressions vs a baseline, significance, cost); exit 1 when one fails')
    .argument('<run>', 'the run to check: a run id prefix, `latest` or a log file');
  addGateOptions(command)
    .option('--json', 'print the gate result as JSON')
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
    .addHelpText(
      'after',
      `
Every rule prints what it measured and its threshold. An interrupted or incomplete run fails the
gate unless --allow-incomplete. When GITHUB_STEP_SUMMARY is set, a Markdown summary is appended to it.

Examples:
  $ tagliots gate latest --min-pass-rate 0.9
  $ tagliots gate latest --baseline main.jsonl --max-regressions 0 --alpha 0.05 --junit gate.xml
  $ tagliots gate latest --require 'p0' --max-cost 5

Exit codes: 0 every rule holds, 1 a rule failed, 2 usage error or a run that cannot be read.`,
    )
    .action(async (run: string, opts: Record<string, unknown>) => {
      const { gateCommand } = await import('../../commands/gate.ts');
      env.setExit(
        await gateCommand(
          {
            run,
            ...gateOptionsFrom(opts),
            ...(opts['json'] === true && { json: true }),
            ...(opts['runsDir'] !== undefined && { runsDir: opts['runsDir'] as string }),
          },
          env.io,
        ),
      );
    });
}
