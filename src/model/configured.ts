/**
 * Turns the loaded profiles into models a run can call: one adapter and one rate limiter per
 * profile, sharing one response cache.
 */
import { ResponseCache, type CacheMode } from './cache.ts';
import { createOpenAIModel } from './openai.ts';
import type { ProfileSet } from './profiles.ts';
import { ProfileLimiter } from './rate-limit.ts';
import type { SdkTransport } from './sdk-call.ts';
import type { Model } from './types.ts';

export interface ConfiguredModelsOptions {
  readonly cacheMode: CacheMode;
  /** Absolute path of the cache folder. */
  readonly cacheDir: string;
  /** Where requests run (default: the calling thread). */
  readonly transport?: SdkTransport;
  /** For tests: predictable back-off waits. */
  readonly random?: () => number;
}

export function createConfiguredModels(set: ProfileSet, options: ConfiguredModelsOptions): Record<string, Model> {
  const cache = options.cacheMode === 'off' ? undefined : new ResponseCache(options.cacheDir);
  const models: Record<string, Model> = {};
  for (const profile of set.profiles.values()) {
    const key = set.keyStatus(profile.name);
    models[profile.name] = createOpenAIModel(profile, {
      apiKey: set.keyOf(profile.name),
      ...(key.state === 'missing' && { missingKey: key.source }),
      limiter: new ProfileLimiter(profile.rateLimit),
      cache,
      cacheMode: options.cacheMode,
      ...(options.transport && { transport: options.transport }),
      ...(options.random && { random: options.random }),
    });
  }
  return models;
}
