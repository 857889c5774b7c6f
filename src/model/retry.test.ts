import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, isRetryableStatus, parseDuration, retryAfterFromHeaders, retryDelayMs } from './retry.ts';

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });

describe('retryAfterFromHeaders', () => {
  const now = Date.parse('2025-11-20T12:00:00Z');
  it.each<[Record<string, string>, number | undefined]>([
    [{}, undefined],
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Thu, 20 Nov 2025 12:00:07 GMT' }, 7000],
    [{ 'retry-after': 'Thu, 20 Nov 2025 11:59:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after-ms': '250', 'retry-after': '3' }, 250],
    [{ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' }, 360_000],
    [{ 'x-ratelimit-reset-requests': '20ms' }, 20],
    [{ 'retry-after': '7200' }, 3_600_000],
  ])('%j → %s', (values, expected) => {
    expect(retryAfterFromHeaders(headers(values), now)).toBe(expected);
  });
});

describe('parseDuration', () => {
  it.each<[string, number | undefined]>([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['1h2m3.5s', 3_723_500],
    ['20ms', 20],
    ['1.5', 1500],
    ['', undefined],
    ['1x', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('retryDelayMs', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it('draws from a window that doubles each retry, up to the maximum (full jitter)', () => {
    expect([1, 2, 3, 4, 5, 6].map((retry) => retryDelayMs(retry, policy, undefined, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(200);
  });
  it('never waits less than the server asked, and jitters a little above it', () => {
    expect(retryDelayMs(1, policy, 5000, () => 0)).toBe(5000);
    expect(retryDelayMs(1, policy, 5000, () => 1)).toBe(5100);
    expect(retryDelayMs(1, policy, 20, () => 1)).toBe(30);
  });
  it('has sane defaults', () => expect(DEFAULT_RETRY).toEqual({ maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 }));
});

describe('isRetryableStatus', () => {
  it('retries rate limits, timeouts, conflicts and server errors only', () => {
    expect([408, 409, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});
