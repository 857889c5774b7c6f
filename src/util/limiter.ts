/**
 * "At most N at once": the one semaphore behind a stage's `concurrency` (stage meta and DAG nodes)
 * and `parallel()`.
 */

/** A counting semaphore: at most `limit` holders; waiters are served first come, first served. */
export class Limiter {
  private active = 0;
  private readonly queue: { resolve: () => void; reject: (reason: unknown) => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];
  /** Highest number of holders seen at once (for tests and diagnostics). */
  maxActive = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`concurrency must be a positive integer (got ${String(limit)})`);
  }

  get inFlight(): number {
    return this.active;
  }

  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active++;
    if (this.active > this.maxActive) this.maxActive = this.active;
    return true;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.queue.indexOf(entry);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  release(): void {
    const next = this.queue.shift();
    if (next) {
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve(); // the slot passes straight to the waiter
    } else {
      this.active--;
    }
  }
}

/**
 * Runs `fn` holding a slot of `limiter`. `onQueued` learns how long the wait for the slot was, when
 * there was one (not called when a slot was free). The wait rejects with the signal's reason when
 * `signal` aborts first.
 */
export async function holding<T>(limiter: Limiter, fn: () => Promise<T>, signal?: AbortSignal, onQueued?: (ms: number) => void): Promise<T> {
  if (!limiter.tryAcquire()) {
    const queuedAt = performance.now();
    await limiter.acquire(signal);
    onQueued?.(performance.now() - queuedAt);
  }
  try {
    return await fn();
  } finally {
    limiter.release();
  }
}
