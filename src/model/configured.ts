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
import { createSdkBatchApi } from './batch/api.ts';
import type { BatchCoordinator } from './batch/batcher.ts';
import { batchCostEstimator } from './batch/estimate.ts';
import { batchSettingsOf, type BatchRunOptions } from './batch/settings.ts';
import { batchEndpoint } from './openai.ts';
import type { ModelProfile } from './profiles.ts';
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
  /**
   * Batch mode: the run's batch coordinator and options; the profiles that set `batch`, or every
   * profile with `options.all`, queue their requests for the provider's Batch API.
   */
  readonly batch?: { readonly coordinator: BatchCoordinator; readonly options: BatchRunOptions };
}

/** The batcher of a profile's requests in batch mode, or undefined when it sends them online. */
function batcherOf(profile: ModelProfile, options: ConfiguredModelsOptions, apiKey: string | undefined) {
  const batch = options.batch;
  const settings = batchSettingsOf(profile.batch, batch?.options);
  if (!batch || !settings) return undefined;
  const api =
    batch.options.api?.(profile.name) ??
    // No deployment: the SDK would send Azure's `/batches` to the deployment's path, but files and batches belong to the resource.
    createSdkBatchApi({ type: profile.type, apiKey, baseURL: profile.baseURL, endpoint: profile.endpoint, apiVersion: profile.apiVersion, timeoutMs: profile.timeoutMs, proxy: options.proxy });
  return { batcher: batch.coordinator.profile(profile.name, api, settings, batchEndpoint(profile), batchCostEstimator(profile)), fallback: batch.options.fallback ?? 'batch' };
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
      batch: batcherOf(profile, options, set.keyOf(profile.name)),
    });
  }
  return models;
}
