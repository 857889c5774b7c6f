/**
 * The response cache modes, on their own so that flag definitions can list them without loading
 * the cache (src/model/cache.ts).
 */

/** `off`: no cache; `read`: answer from it; `write`: fill it; `rw`: both. */
export const CACHE_MODES = ['off', 'read', 'write', 'rw'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];
export const DEFAULT_CACHE_MODE: CacheMode = 'rw';
