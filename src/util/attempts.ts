/**
 * The retry and timeout policies, once for everything that retries or times out: stage wrappers
 * (`withRetry`, `withTimeout`) and model calls (model/call.ts). Each caller says what a result
 * means; these say when the next attempt starts and when an attempt's time is up.
 */
import { sleep } from './sleep.ts';

/**
 * Runs `attempt` (numbered from 1) until `nextDelay` returns undefined for a result, waiting the
 * milliseconds it returns between attempts. The wait ends early, rejecting with the signal's
 * reason, when `signal` aborts; so does a start after the signal has aborted.
 */
export async function retrying<T>(
  attempt: (n: number) => Promise<T>,
  nextDelay: (result: T, n: number) => number | undefined,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 1; ; n++) {
    const result = await attempt(n);
    const delayMs = nextDelay(result, n);
    if (delayMs === undefined) return result;
    await sleep(Math.max(0, delayMs), signal);
  }
}

/** An attempt's own time limit, on top of the caller's signal. */
export interface Deadline {
  /** Aborts when the caller's signal does, or when the time is up (reason: the `expired` error). */
  readonly signal: AbortSignal;
  /** Whether the time ran out (rather than the caller cancelling). */
  readonly expired: boolean;
  /** Settles when the time runs out; never when the deadline is disposed first. */
  readonly whenExpired: Promise<void>;
  /** Stops the timer and lets go of the caller's signal: call once the attempt is over. */
  dispose(): void;
}

/**
 * A deadline `ms` from now. `reason` is the error the signal aborts with when the time is up, so
 * code that sees only the signal can tell a timeout from a cancel.
 */
export function deadline(ms: number, outer: AbortSignal | undefined, reason: () => Error): Deadline {
  const controller = new AbortController();
  let expired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const whenExpired = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      expired = true;
      controller.abort(reason());
      resolve();
    }, ms);
  });
  const onAbort = () => controller.abort(outer!.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    whenExpired,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
