/**
 * The flags several commands share, defined once and typed from their definitions
 * (`@commander-js/extra-typings`): a command that adds them gets typed option values, and the
 * `…From(opts)` readers turn them into the engine's option objects without casts.
 */
import { Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import { UsageError } from '../../errors.ts';
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

export { Command, InvalidArgumentError, Option };
