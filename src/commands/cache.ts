import { relative, resolve } from 'node:path';
import { EXIT } from '../errors.ts';
import { ResponseCache } from '../model/cache.ts';
import { DEFAULT_CACHE_DIR } from '../project/config.ts';
import { findProjectConfig, loadProject } from '../project/load.ts';
import { formatCount } from '../report/format-value.ts';
import type { Io } from '../util/io.ts';

export interface CacheCommandOptions {
  readonly action: 'stats' | 'clear';
  readonly json?: boolean;
}

/** `tagliots cache stats|clear`: the response cache of the project (or of the working directory without one). */
export async function cacheCommand(options: CacheCommandOptions, io: Io): Promise<number> {
  const dir = findProjectConfig(io.cwd) ? (await loadProject(io.cwd)).cacheDir : resolve(io.cwd, DEFAULT_CACHE_DIR);
  const cache = new ResponseCache(dir);
  const shown = relative(io.cwd, dir) || dir;
  if (options.action === 'clear') {
    const removed = await cache.clear();
    io.stdout.write(`Removed ${formatCount(removed)} cached response${removed === 1 ? '' : 's'} from ${shown}.\n`);
    return EXIT.ok;
  }
  const stats = await cache.stats();
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ dir, entries: stats.entries, bytes: stats.bytes, oldest: stats.oldest?.toISOString() ?? null, newest: stats.newest?.toISOString() ?? null }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`Response cache: ${shown}\n`);
  io.stdout.write(`  entries: ${formatCount(stats.entries)}\n`);
  io.stdout.write(`  size: ${formatBytes(stats.bytes)}\n`);
  if (stats.oldest && stats.newest) io.stdout.write(`  written: ${stats.oldest.toISOString()} to ${stats.newest.toISOString()}\n`);
  return EXIT.ok;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
