/**
 * What every engine call that runs cases takes (`runSuite`, `rerunRun`, `resumeRun`): how the run
 * is started, watched and stopped, and where it happens.
 */
import { UsageError } from '../errors.ts';
import { processCwd, processEnv } from '../host.ts';
import type { RunPlace, RunSessionOptions } from '../runner/session.ts';

export interface RunOptions extends RunSessionOptions {
  /**
   * The working folder: the suite, config files and runs folder are relative to it, the project
   * config is looked for from it, and the log records it. @default the process's working folder
   */
  readonly cwd?: string;
  /** The environment API keys and settings are read from. @default the process's environment */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Where a call runs: its own `cwd` and `env`, else the process's. Checks the numbers it was given. */
export function runPlace(options: Pick<RunOptions, 'cwd' | 'env' | 'concurrency' | 'graceMs' | 'maxCostUsd'>): RunPlace {
  wholeNumber('concurrency', options.concurrency, 1);
  if (options.graceMs !== undefined && !(options.graceMs >= 0)) throw new UsageError('E_USAGE', `graceMs must be a number of milliseconds of at least 0 (got ${options.graceMs}).`);
  if (options.maxCostUsd !== undefined && !(options.maxCostUsd > 0)) throw new UsageError('E_USAGE', `maxCostUsd must be an amount of US dollars above 0 (got ${options.maxCostUsd}).`);
  return { cwd: options.cwd ?? processCwd(), env: options.env ?? processEnv() };
}

/** Throws a UsageError unless `value` (when given) is a whole number of at least `min`. */
export function wholeNumber(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
    throw new UsageError('E_USAGE', `${name} must be a whole number of at least ${min} (got ${value}).`);
  }
}

/** A rerun or a resume that found nothing to run: `note` says why, as a sentence. */
export interface NothingToRun {
  readonly status: 'nothing';
  readonly note: string;
}
