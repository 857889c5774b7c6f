import { InvalidArgumentError } from 'commander';
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

