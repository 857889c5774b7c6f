/** Totals over recorded model calls, for `run.end.modelCalls` and the summary. */
import type { ModelCallRecord } from './types.ts';

export interface ModelCallTotals {
  calls: number;
  cacheHits: number;
  retries: number;
  rateLimited: number;
  failed: number;
  rateLimitWaitMs: number;
  backoffMs: number;
}

export function emptyCallTotals(): ModelCallTotals {
  return { calls: 0, cacheHits: 0, retries: 0, rateLimited: 0, failed: 0, rateLimitWaitMs: 0, backoffMs: 0 };
}

export function addCalls(totals: ModelCallTotals, calls: readonly ModelCallRecord[]): void {
  for (const call of calls) {
    totals.calls++;
    if (call.cache === 'hit') totals.cacheHits++;
    if (call.status === 'error') totals.failed++;
    totals.retries += Math.max(0, call.attempts.length - 1);
    for (const attempt of call.attempts) if (attempt.status === 429) totals.rateLimited++;
    totals.rateLimitWaitMs += call.rateLimitWaitMs;
    totals.backoffMs += call.waitedMs;
  }
}

/** Whole milliseconds for the log. */
export function finishCallTotals(totals: ModelCallTotals): ModelCallTotals {
  return { ...totals, rateLimitWaitMs: Math.round(totals.rateLimitWaitMs), backoffMs: Math.round(totals.backoffMs) };
}
