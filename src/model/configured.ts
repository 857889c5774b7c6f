/**
 * Turns the loaded profiles into models a run can call: one adapter and one rate limiter per
 * profile, sharing one response cache.
 */
import { ResponseCache, type CacheMode } from './cache.ts';
import { createOpenAIModel } from './openai.ts';
import type { ProfileSet } from './profiles.ts';
import { ProfileLimiter } from './rate-limit.ts';
import type { ProxySettings } from './sdk-call.ts';
import type { Model } from './types.ts';
import type { SecretScrubber } from '../util/scrub.ts';

export interface ConfiguredModelsOptions {
  readonly cacheMode: CacheMode;
  /** Absolute path of the cache folder. */
  readonly cacheDir: string;
  /** The proxies requests go through (`proxySettingsFrom(env)`); default: none. */
  readonly proxy?: ProxySettings;
  /** For tests: predictable back-off waits. */
  readonly random?: () => number;
  /** The secrets in play, scrubbed from the replies the cache stores. */
  readonly secrets?: SecretScrubber;
}

export function createConfiguredModels(set: ProfileSet, options: ConfiguredModelsOptions): Record<string, Model> {
  const cache = options.cacheMode === 'off' ? undefined : new ResponseCache(options.cacheDir, options.secrets);
  const models: Record<string, Model> = {};
  for (const profile of set.profiles.values()) {
    const key = set.keyStatus(profile.name);
    models[profile.name] = createOpenAIModel(profile, {
      apiKey: set.keyOf(profile.name),
      ...(key.state === 'missing' && { missingKey: key.source }),
      limiter: new ProfileLimiter(profile.rateLimit),
      cache,
      cacheMode: options.cacheMode,
      ...(options.proxy && { proxy: options.proxy }),
      ...(options.random && { random: options.random }),
    });
  }
  return models;
}
