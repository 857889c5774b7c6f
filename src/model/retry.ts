/**
 * Which failed attempts are worth another try, and how long to wait before it: exponential back-off
 * with full jitter, never sooner than the server asked (Retry-After, retry-after-ms,
 * x-ratelimit-reset-*).
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Why an attempt failed, as far as retrying is concerned. */
export type FailureKind = 'rate-limit' | 'server' | 'network' | 'timeout' | 'malformed' | 'client' | 'aborted' | 'internal' | 'budget';

export interface AttemptFailure {
  readonly kind: FailureKind;
  readonly retryable: boolean;
  /** HTTP status, when there was a response. */
  readonly status: number | null;
  /** What went wrong, for the log (secrets already removed). */
  readonly message: string;
  /** How long the server asked us to wait, when it said. */
  readonly retryAfterMs?: number;
}

/** Statuses worth retrying: timeouts, conflicts, rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The wait before retry number `retry` (1 for the first retry): full jitter over an exponentially
 * growing window, `random() × min(maxDelay, base × 2^(retry-1))`, and at least what the server
 * asked for (plus a little jitter, so the callers it told to wait do not all come back at once).
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = random() * window;
  if (retryAfterMs === undefined) return Math.round(jittered);
  return Math.round(retryAfterMs + random() * Math.min(policy.baseDelayMs, Math.max(retryAfterMs * 0.2, 10)));
}

/** The longest wait a server may ask for before we give up on it instead (one hour). */
const MAX_SERVER_WAIT_MS = 3_600_000;

/**
 * How long the response headers ask us to wait, in milliseconds: `retry-after-ms`, then
 * `Retry-After` (seconds or an HTTP date), then the later of `x-ratelimit-reset-requests` and
 * `x-ratelimit-reset-tokens` (durations such as `1s`, `6m0s`, `20ms`). Undefined when none is usable.
 */
export function retryAfterFromHeaders(headers: { get(name: string): string | null } | undefined, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const clamp = (ms: number) => (Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_SERVER_WAIT_MS) : undefined);
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return clamp(Number(ms));
  const after = headers.get('retry-after');
  if (after !== null && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds)) return clamp(seconds * 1000);
    const date = Date.parse(after);
    if (Number.isFinite(date)) return clamp(Math.max(0, date - nowMs));
  }
  let reset: number | undefined;
  for (const name of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
    const value = headers.get(name);
    const parsed = value === null ? undefined : parseDuration(value);
    if (parsed !== undefined) reset = Math.max(reset ?? 0, parsed);
  }
  return reset === undefined ? undefined : clamp(reset);
}

/**
 * Parses a Go-style duration as OpenAI sends it (`1s`, `6m0s`, `1h2m3.5s`, `20ms`), or a plain
 * number of seconds. Undefined when it is neither.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

