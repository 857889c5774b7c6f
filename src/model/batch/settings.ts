/**
 * How batch mode queues and submits requests: the settings a profile (`batch: true` or
 * `batch: { maxRequests, maxWaitMs, pollIntervalMs }`) and the command line (`--batch`,
 * `--batch-fallback`, `--cancel-batches`) give.
 */
import type { BatchApi } from './api.ts';

/** A profile's `batch` setting, as written in its config. */
export type ProfileBatchConfig = boolean | { readonly maxRequests?: number; readonly maxWaitMs?: number; readonly pollIntervalMs?: number };

/** What becomes of a request its batch could not answer (an error line, an expired or cancelled batch, an invalid reply). */
export type BatchFallback = 'batch' | 'online';

export interface BatchSettings {
  /** Requests in one batch at most: a full queue is submitted at once. OpenAI takes 50,000. */
  readonly maxRequests: number;
  /** How long the first queued request waits for others before its batch is submitted anyway. */
  readonly maxWaitMs: number;
  /** Time between two looks at a running batch. */
  readonly pollIntervalMs: number;
}

export const BATCH_DEFAULTS: BatchSettings = { maxRequests: 50_000, maxWaitMs: 60_000, pollIntervalMs: 30_000 };

/** The options of a run in batch mode (`runSuite({ batch })`, `--batch`). */
export interface BatchRunOptions {
  /** Batch every configured model, not only the profiles that set `batch`, and the mock models (in memory). @default false */
  readonly all?: boolean;
  /** Settings for every batched profile; a profile's own `batch` object wins. */
  readonly settings?: Partial<BatchSettings>;
  /** Retry a request its batch could not answer in a new batch (the default) or online. */
  readonly fallback?: BatchFallback;
  /** On Ctrl-C, cancel the batches still running instead of leaving them for `resume`. @default false */
  readonly cancelOnInterrupt?: boolean;
  /**
   * The Batch API of each batched model (by name), in place of the provider's: for offline tests,
   * `createMemoryBatchApi()`. @default the provider's, through the `openai` SDK
   */
  readonly api?: (model: string) => BatchApi;
}

/** The settings of one profile's batches, or undefined when its requests are sent online. */
export function batchSettingsOf(profile: ProfileBatchConfig | undefined, run: BatchRunOptions | undefined): BatchSettings | undefined {
  if (profile === false) return undefined;
  if (profile === undefined && !run?.all) return undefined;
  const own = typeof profile === 'object' ? profile : {};
  return {
    maxRequests: own.maxRequests ?? run?.settings?.maxRequests ?? BATCH_DEFAULTS.maxRequests,
    maxWaitMs: own.maxWaitMs ?? run?.settings?.maxWaitMs ?? BATCH_DEFAULTS.maxWaitMs,
    pollIntervalMs: own.pollIntervalMs ?? run?.settings?.pollIntervalMs ?? BATCH_DEFAULTS.pollIntervalMs,
  };
}
