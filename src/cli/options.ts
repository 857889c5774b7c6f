import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../errors.ts';
import type { Selection } from '../suite/select.ts';
import type { Io } from '../util/io.ts';

/** What every command registration gets: the Io, and where to put the exit code. */
export interface CommandEnv {
  readonly io: Io;
  setExit(code: number): void;
}

export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1 (got '${value}').`);
    }
    return n;
  };
}

/** A whole number of at least 1, or `all` (Infinity). */
export function countOrAll(name: string) {
  return (value: string): number => (value === 'all' ? Number.POSITIVE_INFINITY : positiveInteger(name)(value));
}

export function rowLimit(value: string): number {
  if (value === 'all') return Number.POSITIVE_INFINITY;
  return positiveInteger('--rows')(value);
}

export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds (got '${value}').`);
  return n;
}

export const collect = (value: string, previous: string[]) => [...previous, value];


/**
 * The case-selection flags, shared by every command that works on a subset of cases (`run`,
 * `rerun`, `summarize`, `format`): `--filter`, `--ids`, `--limit`, `--sample`, `--seed`, and, with
 * `{ shard: true }`, `--shard i/n`. Read them back with selectionFromOptions().
 */
export function addSelectionOptions(command: Command, options: { readonly shard?: boolean } = {}): Command {
  command
    .option('--filter <expr>', "only cases whose keywords match the expression, e.g. 'p0 && !(slow || flaky)'")
    .option('--ids <ids>', 'only these cases: comma-separated case ids or id prefixes', commaList('--ids'))
    .option('--limit <n>', 'at most N cases (the first ones, after the other criteria)', positiveInteger('--limit'))
    .option('--sample <n>', 'a random sample of N cases, the same for the same --seed', positiveInteger('--sample'))
    .option('--seed <n>', 'seed for --sample (default 0)', integer('--seed'));
  if (options.shard) command.option('--shard <i/n>', 'part i of n parts of the cases (by a hash of the case id)', shardOption);
  return command;
}

/** The Selection described by the flags of addSelectionOptions(); undefined when none was given. */
export function selectionFromOptions(opts: Readonly<Record<string, unknown>>): Selection | undefined {
  const selection: { -readonly [K in keyof Selection]: Selection[K] } = {};
  if (typeof opts['filter'] === 'string') selection.filter = opts['filter'];
  if (Array.isArray(opts['ids'])) selection.ids = opts['ids'] as string[];
  if (typeof opts['limit'] === 'number') selection.limit = opts['limit'];
  if (typeof opts['sample'] === 'number') selection.sample = opts['sample'];
  if (typeof opts['seed'] === 'number') {
    if (selection.sample === undefined) {
      throw new UsageError('E_USAGE', '--seed only applies to --sample.', { hint: 'e.g. --sample 50 --seed 7' });
    }
    selection.seed = opts['seed'];
  }
  if (typeof opts['shard'] === 'object' && opts['shard'] !== null) selection.shard = opts['shard'] as Selection['shard'] & object;
  return Object.keys(selection).length > 0 ? selection : undefined;
}

export function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number (got '${value}').`);
    return n;
  };
}

function commaList(name: string) {
  return (value: string, previous: string[] | undefined): string[] => {
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (items.length === 0) throw new InvalidArgumentError(`${name} needs at least one id (got '${value}').`);
    return [...(previous ?? []), ...items];
  };
}

function shardOption(value: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`expected i/n with 1 ≤ i ≤ n, e.g. 2/4 (got '${value}').`);
  return { index, count };
}

/** The options `run` and `rerun` share: concurrency, config patches, output, interruption, repeats. */
export function addRunOutputOptions(command: Command, repeatHelp: string): Command {
  return command
    .option('-c, --concurrency <n>', 'cases in flight at once (default: the project config, else 8)', positiveInteger('--concurrency'))
    .option('--config <file>', 'a JSON or YAML config patch (repeatable; applied before key=value overrides)', collect, [])
    .option('--runs-dir <dir>', 'folder for run logs (default: the project config, else runs/)')
    .option('--rows <n>', "most summary rows to print, or 'all'", rowLimit, 50)
    .addOption(new Option('--grace <seconds>', 'after Ctrl-C, how long running cases may finish before they are cancelled').argParser(seconds).default(5))
    .option('--strict', 'exit with code 1 when any case errored')
    .option('--repeat <n>', repeatHelp, positiveInteger('--repeat'));
}

/** The values of addRunOutputOptions' flags (and the selection flags), for runCommand and rerunCommand. */
export function runOutputOptionsFrom(opts: Readonly<Record<string, unknown>>) {
  const selection = selectionFromOptions(opts);
  return {
    ...(opts['concurrency'] !== undefined ? { concurrency: opts['concurrency'] as number } : {}),
    ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
    configFiles: opts['config'] as string[],
    strict: opts['strict'] === true,
    maxRows: opts['rows'] as number,
    graceMs: (opts['grace'] as number) * 1000,
    ...(selection && { selection }),
    ...(opts['repeat'] !== undefined ? { repeat: opts['repeat'] as number } : {}),
  };
}
