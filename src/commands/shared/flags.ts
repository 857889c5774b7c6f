/**
 * The flags several commands share, defined once and typed from their definitions
 * (`@commander-js/extra-typings`): a command that adds them gets typed option values, and the
 * `…From(opts)` readers turn them into the engine's option objects without casts.
 */
import { Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import { UsageError } from '../../errors.ts';
import { CACHE_MODES, type CacheMode } from '../../model/cache-mode.ts';
import type { BatchRunOptions } from '../../model/batch/settings.ts';
import type { GateRules } from '../../analysis/gate.ts';
import type { Selection } from '../../suite/select.ts';
import type { Io } from '../../util/io.ts';

/** What every command definition gets: the Io, and where to put the exit code. */
export interface CommandEnv {
  readonly io: Io;
  setExit(code: number): void;
}

/** A command definition with any arguments and options, as the program holds it. */
export type AnyCommand = Command<any[], any, any>;

// ── value parsers ──────────────────────────────────────────────────────────────────────────────

export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1 (got '${value}').`);
    }
    return n;
  };
}

export function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number (got '${value}').`);
    return n;
  };
}

/** A whole number of at least 0. */
export function count(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number (got '${value}').`);
    return n;
  };
}

/** A whole number of at least 1, or `all` (Infinity). */
export function countOrAll(name: string) {
  return (value: string): number => (value === 'all' ? Number.POSITIVE_INFINITY : positiveInteger(name)(value));
}

/** `--rows <n>`: a whole number of at least 1, or `all`. */
export function rowLimit(value: string): number {
  return countOrAll('--rows')(value);
}

/** `--rows <n>` of a summary: a whole number, or `all`; 0 prints the totals only (for CI logs). */
export function summaryRowLimit(value: string): number {
  return value === 'all' ? Number.POSITIVE_INFINITY : count('--rows')(value);
}

/** `--width <n>`: the columns a table may take, at least 40. */
export function tableWidth(value: string): number {
  const n = positiveInteger('--width')(value);
  if (n < 40) throw new InvalidArgumentError(`--width must be at least 40 (got '${value}').`);
  return n;
}

export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds (got '${value}').`);
  return n;
}

/** A probability strictly between 0 and 1 (--alpha). */
export function probability(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError(`${name} must be a number between 0 and 1 (got '${value}').`);
    return n;
  };
}

/** A number of at least 0 (--max-score-drop). */
export function nonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of at least 0 (got '${value}').`);
    return n;
  };
}

/** 0.9, or a percentage: 90% */
export function rate(name: string) {
  return (value: string): number => {
    const text = value.trim();
    const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
    if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be between 0 and 1, or a percentage (got '${value}').`);
    return n;
  };
}

/** An amount of US dollars (`5`, `$0.25`); `positive` rejects 0. */
export function dollars(name: string, { positive = false }: { readonly positive?: boolean } = {}) {
  return (value: string): number => {
    const n = Number(value.trim().replace(/^\$/, ''));
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (positive && n === 0)) {
      throw new InvalidArgumentError(`${name} must be an amount of US dollars${positive ? ' above 0' : ''}, e.g. 5 or 0.25 (got '${value}').`);
    }
    return n;
  };
}

/** A repeatable flag: every value, in order. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Comma-separated case ids or prefixes; repeatable. */
export function idList(name: string) {
  return (value: string, previous: string[] | undefined): string[] => {
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one id (got '${value}').`);
    return [...(previous ?? []), ...items];
  };
}

export interface Shard {
  readonly index: number;
  readonly count: number;
}

function shard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) throw new InvalidArgumentError(`expected i/n with 1 ≤ i ≤ n, e.g. 2/4 (got '${value}').`);
  return { index, count: total };
}

// ── shared flag groups ─────────────────────────────────────────────────────────────────────────

/** `--runs-dir <dir>`, for every command that reads or writes run logs. */
export function addRunsDirOption<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)');
}

/**
 * The case-selection flags, shared by every command that works on a subset of cases (`run`,
 * `rerun`, `summarize`, `format`, …): `--filter`, `--ids`, `--limit`, `--sample`, `--seed`.
 * Read them back with selectionFrom().
 */
export function addSelectionOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--filter <expr>', "only cases whose keywords match the expression, e.g. 'p0 && !(slow || flaky)'")
    .option('--ids <ids>', 'only these cases: comma-separated case ids or id prefixes', idList('--ids'))
    .option('--limit <n>', 'at most N cases (the first ones, after the other criteria)', positiveInteger('--limit'))
    .option('--sample <n>', 'a random sample of N cases, the same for the same --seed', positiveInteger('--sample'))
    .option('--seed <n>', 'seed for --sample (default 0)', integer('--seed'));
}

/** `--shard i/n`, for the commands that run cases. */
export function addShardOption<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option('--shard <i/n>', 'part i of n parts of the cases (by a hash of the case id)', shard);
}

/** The values addSelectionOptions() and addShardOption() parse. */
export interface SelectionFlags {
  readonly filter?: string;
  readonly ids?: string[];
  readonly limit?: number;
  readonly sample?: number;
  readonly seed?: number;
  readonly shard?: Shard;
}

/** The Selection described by the selection flags; undefined when none was given. */
export function selectionFrom(opts: SelectionFlags): Selection | undefined {
  const { filter, ids, limit, sample, seed, shard: part } = opts;
  if (seed !== undefined && sample === undefined) {
    throw new UsageError('E_USAGE', '--seed only applies to --sample.', { hint: 'e.g. --sample 50 --seed 7' });
  }
  const selection: Selection = {
    ...(filter !== undefined && { filter }),
    ...(ids !== undefined && { ids }),
    ...(limit !== undefined && { limit }),
    ...(sample !== undefined && { sample }),
    ...(seed !== undefined && { seed }),
    ...(part !== undefined && { shard: part }),
  };
  return Object.keys(selection).length > 0 ? selection : undefined;
}

/**
 * `--cache <mode>` and `--max-cost <usd>`, for the commands that run cases (`run`, `rerun`,
 * `resume`). Read them back with modelRunOptionsFrom().
 */
export function addModelRunOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .addOption(new Option('--cache <mode>', 'response cache of configured models: off, read, write or rw (default: for rerun and resume the original run\'s, else the project config\'s, else rw)').choices(CACHE_MODES))
    .option('--max-cost <usd>', 'stop starting cases once model calls have cost this many US dollars (exit code 3)', dollars('--max-cost', { positive: true }))
    .option('--batch', "queue configured models' requests for the provider's Batch API: half the price, answers within 24 hours; the mock models batch in memory (see docs/models.md)")
    .addOption(new Option('--batch-fallback <mode>', 'retry a request its batch could not answer in a new batch or online').choices(['batch', 'online'] as const))
    .option('--cancel-batches', 'on Ctrl-C, cancel the batches still running instead of leaving them for resume');
}

/** The values addModelRunOptions() parses. */
export interface ModelRunFlags {
  readonly cache?: CacheMode;
  readonly maxCost?: number;
  readonly batch?: boolean;
  readonly batchFallback?: 'batch' | 'online';
  readonly cancelBatches?: boolean;
}

/** The run options of the addModelRunOptions() flags: only those given. */
export function modelRunOptionsFrom(opts: ModelRunFlags): { cache?: CacheMode; maxCostUsd?: number; batch?: BatchRunOptions } {
  const batch: BatchRunOptions = {
    ...(opts.batch === true && { all: true }),
    ...(opts.batchFallback !== undefined && { fallback: opts.batchFallback }),
    ...(opts.cancelBatches === true && { cancelOnInterrupt: true }),
  };
  return {
    ...(opts.cache !== undefined && { cache: opts.cache }),
    ...(opts.maxCost !== undefined && { maxCostUsd: opts.maxCost }),
    ...(Object.keys(batch).length > 0 && { batch }),
  };
}

// ── running cases ──────────────────────────────────────────────────────────────────────────────

/**
 * The flags of a run's log, summary and interruption, shared by `run`, `rerun` and `resume`:
 * `--runs-dir`, `--rows` (`rows`: its default), `--grace` and `--strict`. Read them back with
 * runOutputFrom().
 */
export function addRunOutputOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, rows: number) {
  return addRunsDirOption(command)
    .option('--rows <n>', "most summary rows to print, 'all', or 0 for the totals only", summaryRowLimit, rows)
    .addOption(new Option('--grace <seconds>', 'after Ctrl-C, how long running cases may finish before they are cancelled').argParser(seconds).default(5))
    .option('--strict', 'exit with code 1 when any case errored');
}

/**
 * The flags `run` and `rerun` share: `-c`, `--config`, those of addRunOutputOptions(), and
 * `--repeat` (`repeatHelp` says what it repeats). Read them back with runFlagsFrom().
 */
export function addRunOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, repeatHelp: string) {
  const withConfig = command
    .option('-c, --concurrency <n>', 'cases in flight at once (default: the project config, else 8)', positiveInteger('--concurrency'))
    .option('--config <file>', 'a JSON or YAML config patch (repeatable; applied before key=value overrides)', collect, []);
  return addRunOutputOptions(withConfig, 50).option('--repeat <n>', repeatHelp, positiveInteger('--repeat'));
}

/** The values addRunOutputOptions() parses. */
export interface RunOutputFlags {
  readonly runsDir?: string;
  readonly rows: number;
  readonly grace: number;
  readonly strict?: boolean;
}

/** What the addRunOutputOptions() flags ask: where the log goes, and how the run is shown and stopped. */
export interface RunOutput {
  readonly runsDir?: string;
  /** Most summary rows to print. */
  readonly maxRows: number;
  /** Milliseconds running cases get to finish after the first Ctrl-C. */
  readonly graceMs: number;
  /** Exit 1 when any case errored. */
  readonly strict: boolean;
}

export function runOutputFrom(opts: RunOutputFlags): RunOutput {
  return { ...(opts.runsDir !== undefined && { runsDir: opts.runsDir }), maxRows: opts.rows, graceMs: opts.grace * 1000, strict: opts.strict === true };
}

/** The values addRunOptions() parses. */
export interface RunFlags extends RunOutputFlags {
  readonly concurrency?: number;
  readonly config: string[];
  readonly repeat?: number;
}

/** What the addRunOptions() flags ask: those of runOutputFrom(), the concurrency, config files and repeats. */
export function runFlagsFrom(opts: RunFlags): RunOutput & { readonly concurrency?: number; readonly configFiles: readonly string[]; readonly repeat?: number } {
  return {
    ...runOutputFrom(opts),
    ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }),
    configFiles: opts.config,
    ...(opts.repeat !== undefined && { repeat: opts.repeat }),
  };
}

// ── the gate ───────────────────────────────────────────────────────────────────────────────────

/** The gate flags up to --max-cost, in the order help lists them. With --baseline alone, the default rules compare. */
function addGateBaselineOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--baseline <run>', 'compare with this run (a run id prefix, `latest` or a log file)')
    .option('--alpha <p>', 'level of the significance rule against the baseline, one-sided (default 0.05)', probability('--alpha'))
    .option('--margin <d>', 'instead of significance: fail unless the pass rate is shown to be at most d below the baseline (0.02 or 2%)', rate('--margin'))
    .option('--max-score-drop <d>', 'instead of significance on the mean score: fail unless it is shown to be at most d below the baseline', nonNegative('--max-score-drop'))
    .option('--min-pass-rate <rate>', 'fail when the pass rate is below this (0.9 or 90%)', rate('--min-pass-rate'))
    .option('--max-regressions <n>', 'fail when more cases regressed against the baseline (deterministic pipelines only)', count('--max-regressions'));
}

/** The gate flags after --max-cost. */
function addGateCaseOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--require <expr>', 'every case matching this keyword expression must pass (repeatable)', collect)
    .option('--allow-incomplete', 'do not fail the gate because the run is incomplete or was interrupted')
    .option('--allow-missing', 'do not fail on cases, repeats or shards missing on either side')
    .option('--max-infra-errors <rate>', 'fail when more of either run ended in infrastructure errors (default 2%)', rate('--max-infra-errors'))
    .option('--junit <file>', 'write the gate as JUnit XML')
    .option('--junit-cases', 'with --junit, add one testcase per case');
}

/**
 * The gate flags of `gate`: the rules, `--baseline`, and the JUnit output. Read them back with
 * gateFlagsFrom(opts, opts.maxCost).
 */
export function addGateOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return addGateCaseOptions(addGateBaselineOptions(command).option('--max-cost <usd>', 'fail when the run cost more than this, in US dollars', dollars('--max-cost')));
}

/**
 * The gate flags of `run`: those of addGateOptions() but --max-cost, which on `run` is the budget
 * (addModelRunOptions()). Read them back with gateFlagsFrom(opts).
 */
export function addRunGateOptions<A extends any[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return addGateCaseOptions(addGateBaselineOptions(command));
}

/** A gate asked for on the command line: its rules, its baseline reference and its JUnit output. */
export interface GateFlags extends GateRules {
  /** The baseline run: a run id prefix, `latest` or a log file. */
  readonly baseline?: string;
  /** Write JUnit XML here. */
  readonly junit?: string;
  /** Add one JUnit testcase per case. */
  readonly junitCases?: boolean;
}

/** The values addRunGateOptions() parses (addGateOptions() adds `maxCost`). */
export interface GateFlagValues {
  readonly baseline?: string;
  readonly minPassRate?: number;
  readonly maxRegressions?: number;
  readonly alpha?: number;
  readonly margin?: number;
  readonly maxScoreDrop?: number;
  readonly require?: readonly string[];
  readonly allowIncomplete?: boolean;
  readonly allowMissing?: boolean;
  readonly maxInfraErrors?: number;
  readonly junit?: string;
  readonly junitCases?: boolean;
}

/**
 * The gate the flags ask for (only the flags given); undefined when none was. `maxCost` is the
 * `--max-cost` of addGateOptions(): it is passed apart because the `--max-cost` of `run` is not a
 * gate rule.
 */
export function gateFlagsFrom(opts: GateFlagValues, maxCost?: number): GateFlags | undefined {
  const flags: GateFlags = {
    ...(opts.baseline !== undefined && { baseline: opts.baseline }),
    ...(opts.minPassRate !== undefined && { minPassRate: opts.minPassRate }),
    ...(opts.maxRegressions !== undefined && { maxRegressions: opts.maxRegressions }),
    ...(opts.alpha !== undefined && { alpha: opts.alpha }),
    ...(opts.margin !== undefined && { margin: opts.margin }),
    ...(opts.maxScoreDrop !== undefined && { maxScoreDrop: opts.maxScoreDrop }),
    ...(maxCost !== undefined && { maxCost }),
    ...(opts.require !== undefined && opts.require.length > 0 && { require: opts.require }),
    ...(opts.allowIncomplete === true && { allowIncomplete: true }),
    ...(opts.allowMissing === true && { allowMissing: true }),
    ...(opts.maxInfraErrors !== undefined && { maxInfraErrors: opts.maxInfraErrors }),
    ...(opts.junit !== undefined && { junit: opts.junit }),
    ...(opts.junitCases === true && { junitCases: true }),
  };
  return Object.keys(flags).length > 0 ? flags : undefined;
}

export { Command, InvalidArgumentError, Option };
