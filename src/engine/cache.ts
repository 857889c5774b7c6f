/** The response cache of configured models: its size and age, and clearing it. */
import { processCwd } from '../host.ts';
import { ResponseCache, type CacheStats } from '../model/cache.ts';
import { loadProjectOrDefault } from '../project/load.ts';

export interface ResponseCacheOptions {
  /** Where the project config is looked for; without one the cache is `.tagliots-cache` there. @default the process's working folder */
  readonly cwd?: string;
}

/** The response cache of the project of `cwd`, or of `cwd` itself without a project. */
async function projectCache(options: ResponseCacheOptions): Promise<ResponseCache> {
  return new ResponseCache((await loadProjectOrDefault(options.cwd ?? processCwd())).cacheDir);
}

/** Entries, bytes and write times of the project's response cache (`dir` is absolute). */
export async function responseCacheStats(options: ResponseCacheOptions = {}): Promise<CacheStats> {
  return (await projectCache(options)).stats();
}

/** Deletes every cached response of the project's response cache; `removed`: how many there were. */
export async function clearResponseCache(options: ResponseCacheOptions = {}): Promise<{ readonly dir: string; readonly removed: number }> {
  const cache = await projectCache(options);
  return { dir: cache.dir, removed: await cache.clear() };
}
