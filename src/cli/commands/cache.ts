import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CommandEnv } from '../options.ts';

const CACHE_MODES = ['off', 'read', 'write', 'rw'] as const;

export function registerCache(program: Command, env: CommandEnv): void {
  const cache = program.command('cache').description('show or clear the response cache of configured models');
  cache
    .command('stats')
    .description('entries, size and age of the response cache')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { cacheCommand } = await import('../../commands/cache.ts');
      env.setExit(await cacheCommand({ action: 'stats', json: opts.json === true }, env.io));
    });
  cache
    .command('clear')
    .description('delete every cached response')
    .action(async () => {
      const { cacheCommand } = await import('../../commands/cache.ts');
      env.setExit(await cacheCommand({ action: 'clear' }, env.io));
    });
}

/** `--cache <mode>` and `--max-cost <usd>`, for the commands that run cases. */
export function addModelRunOptions(command: Command): Command {
  return command
    .addOption(new Option('--cache <mode>', 'response cache of configured models: off, read, write or rw (default: the project config, else rw)').choices(CACHE_MODES))
    .option('--max-cost <usd>', 'stop starting cases once model calls have cost this many US dollars (exit code 3)', dollars);
}

/** The options of addModelRunOptions(), for the command's options object. */
export function modelRunOptionsFrom(opts: Readonly<Record<string, unknown>>): { cache?: (typeof CACHE_MODES)[number]; maxCostUsd?: number } {
  return {
    ...(typeof opts['cache'] === 'string' && { cache: opts['cache'] as (typeof CACHE_MODES)[number] }),
    ...(typeof opts['maxCost'] === 'number' && { maxCostUsd: opts['maxCost'] }),
  };
}

function dollars(value: string): number {
  const n = Number(value.trim().replace(/^\$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected an amount of US dollars above 0, e.g. 5 or 0.50 (got '${value}').`);
  return n;
}
