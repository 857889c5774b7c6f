/**
 * Stage outcomes: besides returning a plain value or throwing, a stage may return `ok(value)`,
 * `skip(reason)`, `cancel(reason)` or `fail(message, { data, retryable })`. Outcomes carry a
 * registered symbol, so a plain output that happens to have a `status` field is never taken for one.
 *
 * | Returned | `ctx.stages[name]` | Dependents | Case status |
 * |---|---|---|---|
 * | value or `ok(v)` | `v` | run | complete |
 * | `skip(reason)` | unset | skipped (`input 'X' was skipped`) | complete (passed() runs) |
 * | `cancel(reason)` | unset | skipped; running siblings aborted | cancelled (`cancel.reason: 'stage'`) |
 * | `fail(msg)` or a throw | unset | skipped; running siblings aborted | error |
 */
import type { Json } from '../util/json.ts';

/** Brands outcome objects. `Symbol.for`, so two copies of tagliots agree on it. */
export const OUTCOME: unique symbol = Symbol.for('tagliots.outcome') as never;

export interface OkOutcome<T> {
  readonly [OUTCOME]: true;
  readonly status: 'ok';
  readonly value: T;
}
export interface SkipOutcome {
  readonly [OUTCOME]: true;
  readonly status: 'skip';
  readonly reason: string;
}
export interface CancelOutcome {
  readonly [OUTCOME]: true;
  readonly status: 'cancel';
  readonly reason: string;
}
export interface FailOutcome {
  readonly [OUTCOME]: true;
  readonly status: 'fail';
  readonly message: string;
  readonly data?: Json;
  readonly retryable?: boolean;
  /** The thrown value this failure stands for (kept so its stack and withContext chain reach the log). */
  readonly cause?: unknown;
  /** True when the failure is a `.withTimeout` expiry. */
  readonly timeout?: boolean;
}
export type Outcome<T = unknown> = OkOutcome<T> | SkipOutcome | CancelOutcome | FailOutcome;

export function ok<T>(value: T): OkOutcome<T> {
  return Object.freeze({ [OUTCOME]: true as const, status: 'ok' as const, value });
}

/** The stage does not apply: no output, its dependents are skipped, the case can still complete. */
export function skip(reason: string): SkipOutcome {
  return Object.freeze({ [OUTCOME]: true as const, status: 'skip' as const, reason: String(reason) });
}

/** Stop this case on purpose (a guard refusing, a case that does not apply): status cancelled, not an error. */
export function cancel(reason: string): CancelOutcome {
  return Object.freeze({ [OUTCOME]: true as const, status: 'cancel' as const, reason: String(reason) });
}

/** The stage failed, as if it had thrown, with optional JSON `data` and a `retryable` hint for `.withRetry`. */
export function fail(message: string, options: { data?: Json; retryable?: boolean } = {}): FailOutcome {
  const outcome: { -readonly [K in keyof FailOutcome]: FailOutcome[K] } = { [OUTCOME]: true, status: 'fail', message: String(message) };
  if (options.data !== undefined) outcome.data = options.data;
  if (options.retryable !== undefined) outcome.retryable = options.retryable;
  return Object.freeze(outcome);
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[OUTCOME] === true;
}

/** A thrown value as a failure outcome; `retryable` comes from the error's own `retryable` field. */
export function failFromError(error: unknown): FailOutcome {
  if (isOutcome(error) && error.status === 'fail') return error;
  const retryable = typeof error === 'object' && error !== null ? (error as { retryable?: unknown }).retryable : undefined;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  return Object.freeze({
    [OUTCOME]: true as const,
    status: 'fail' as const,
    message,
    cause: error,
    ...(typeof retryable === 'boolean' && { retryable }),
  });
}

/** Any stage result (value, outcome) as an outcome. */
export function toOutcome(value: unknown): Outcome {
  return isOutcome(value) ? value : ok(value);
}

/**
 * The runner's recording hooks on a stage context, under a registered symbol: the wrappers of
 * `stage()` record retries, timeouts, fallbacks, skipped branches, cache hits and queue time
 * through it. Absent when a stage is called outside the runner (unit tests): recording is then a no-op.
 */
export const RECORDER: unique symbol = Symbol.for('tagliots.recorder') as never;

export interface StageRecorder {
  /** Adds an event to the case record (`events`), stamped with the time and the stage. */
  event(type: string, data?: Json): void;
  /** Adds time spent waiting for a per-stage concurrency limit to the stage record (`queuedMs`). */
  queued(ms: number): void;
  /** The names of the stage's inputs (for cache keys). */
  readonly inputs: readonly string[];
}

export function recorderOf(ctx: unknown): StageRecorder | undefined {
  return typeof ctx === 'object' && ctx !== null ? ((ctx as Record<symbol, unknown>)[RECORDER] as StageRecorder | undefined) : undefined;
}
