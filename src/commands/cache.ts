import { relative } from 'node:path';
import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { formatBytes, formatCount } from '../util/units.ts';
import { Command, type CommandEnv } from './shared/flags.ts';

/** `tagliots cache` and its subcommands `stats` and `clear`: their flags, help and handlers. */
export function cacheCommand(env: CommandEnv) {
  const cache = new Command('cache').description('show or clear the response cache of configured models');
  cache
    .command('stats')
    .description('entries, size and age of the response cache')
    .option('--json', 'print JSON')
    .action(async (opts) => env.setExit(await cacheStats({ json: opts.json === true }, env.io)));
  cache
    .command('clear')
    .description('delete every cached response')
    .action(async () => env.setExit(await cacheClear(env.io)));
  return cache;
}

export interface CacheStatsOptions {
  readonly json?: boolean;
}

/** The cache folder as shown: relative to the working folder, or absolute when it is the working folder. */
const shownCacheDir = (dir: string, io: Io) => relative(io.cwd, dir) || dir;

/** Prints the entries, size and age of the response cache of the project (or of the working folder without one). */
export async function cacheStats(options: CacheStatsOptions, io: Io): Promise<number> {
  const { responseCacheStats } = await import('./shared/engine.ts');
  const stats = await responseCacheStats({ cwd: io.cwd });
  if (options.json) {
    const { dir, entries, bytes, oldest, newest, orphans } = stats;
    io.stdout.write(`${JSON.stringify({ dir, entries, bytes, oldest: oldest?.toISOString() ?? null, newest: newest?.toISOString() ?? null, orphans }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`Response cache: ${shownCacheDir(stats.dir, io)}\n`);
  io.stdout.write(`  entries: ${formatCount(stats.entries)}\n`);
  io.stdout.write(`  size: ${formatBytes(stats.bytes)}\n`);
  if (stats.oldest && stats.newest) io.stdout.write(`  written: ${stats.oldest.toISOString()} to ${stats.newest.toISOString()}\n`);
  const { orphans } = stats;
  if (orphans.files > 0) {
    io.stdout.write(`  unfinished: ${formatCount(orphans.files)} temporary file${orphans.files === 1 ? '' : 's'} (${formatBytes(orphans.bytes)}) left by killed runs, not entries; \`tagliots cache clear\` removes them\n`);
  }
  return EXIT.ok;
}

/** Deletes every cached response of the project's response cache. */
export async function cacheClear(io: Io): Promise<number> {
  const { clearResponseCache } = await import('./shared/engine.ts');
  const { dir, removed } = await clearResponseCache({ cwd: io.cwd });
  io.stdout.write(`Removed ${formatCount(removed)} cached response${removed === 1 ? '' : 's'} from ${shownCacheDir(dir, io)}.\n`);
  return EXIT.ok;
}
