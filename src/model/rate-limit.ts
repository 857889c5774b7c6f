/**
 * Client-side rate limiting, one limiter per profile, shared by every call of that profile in the
 * process: requests per minute and tokens per minute (token buckets with one second of burst),
 * at most `maxConcurrent` requests in flight, and first-come first-served waiting.
 *
 * It also reacts to the server. A 429 pauses every call of the profile until the time the server
 * named (Retry-After and friends; else a back-off that doubles while 429s keep coming), empties
 * the request bucket, and cuts the pace (×0.7, at most once a second, down to a quarter); each
 * success restores 1% of it. Without a configured request rate, the limiter adopts the one the
 * server announces in `x-ratelimit-limit-requests`. Without either, it learns the rate from 429s:
 * the first one sets it to 90% of the rate of successes in the second before; later ones cut it
 * by 10%, or to 95% of that rate if lower (at most twice a second, and only for requests sent after
 * the previous cut); success raises it by 5% a second (25% after 2 s without a 429). It settles just
 * under the server's limit.
 */

export interface RateLimit {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
  readonly maxConcurrent?: number;
}

/** What became of a granted request. */
export type ReleaseOutcome =
  | { readonly ok: true; readonly tokens?: number; readonly headers?: HeaderReader }
  | { readonly ok: false; readonly rateLimited: boolean; readonly retryAfterMs?: number; readonly headers?: HeaderReader };

export interface HeaderReader {
  get(name: string): string | null;
}

export interface Grant {
  /** Milliseconds spent waiting for this grant. */
  readonly waitedMs: number;
  /** Call exactly once when the request is over. */
  release(outcome: ReleaseOutcome): void;
}

export interface LimiterSnapshot {
  readonly inFlight: number;
  readonly waiting: number;
  readonly pace: number;
  readonly requestsPerMinute: number | null;
  readonly pausedForMs: number;
}

interface Waiter {
  readonly cost: number;
  readonly enqueuedAt: number;
  settled: boolean;
  grant(): void;
}

const SECOND = 1000;
const MIN_PACE = 0.25;
/** Successes in the last second needed before a 429 sets a probed rate. */
const MIN_SUCCESSES_TO_PROBE = 5;

export class ProfileLimiter {
  private inFlight = 0;
  private requestRate: number; // requests per ms at full pace; 0: unlimited
  private requestCap: number;
  private requestLevel: number;
  private readonly tokenRate: number;
  private readonly tokenCap: number;
  private tokenLevel: number;
  private lastRefill: number;
  private pace = 1;
  private lastCut = -Infinity;
  private lastGrowth = 0;
  private firstGrantAt = Number.POSITIVE_INFINITY;
  private pausedUntil = 0;
  private streak = 0;
  /** Where the request rate comes from: the config, the server's headers, or probing with 429s. */
  private rateSource: 'config' | 'headers' | 'probe' | 'none';
  /** Times of the latest successes (a ring), to measure the rate the server let through. */
  private readonly successes = new Float64Array(256);
  private successCount = 0;
  private readonly queue: Waiter[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: RateLimit = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rateSource = limits.requestsPerMinute ? 'config' : 'none';
    this.requestRate = (limits.requestsPerMinute ?? 0) / 60_000;
    this.requestCap = Math.max(1, (limits.requestsPerMinute ?? 0) / 60);
    this.requestLevel = this.requestCap;
    this.tokenRate = (limits.tokensPerMinute ?? 0) / 60_000;
    this.tokenCap = Math.max(1, (limits.tokensPerMinute ?? 0) / 60);
    this.tokenLevel = this.tokenCap;
    this.lastRefill = now();
  }

  /** Whether requests need a token estimate (a tokens-per-minute limit is set). */
  get countsTokens(): boolean {
    return this.tokenRate > 0;
  }

  snapshot(): LimiterSnapshot {
    return {
      inFlight: this.inFlight,
      waiting: this.queue.length - this.head,
      pace: this.pace,
      requestsPerMinute: this.requestRate > 0 ? this.requestRate * 60_000 : null,
      pausedForMs: Math.max(0, this.pausedUntil - this.now()),
    };
  }

  /**
   * Waits for a turn. `cost` is the request's estimated tokens (0 without a tokens-per-minute
   * limit). `onWait(true)` is called when the request has to wait, `onWait(false)` when it stops.
   * Rejects with the signal's reason when it aborts while waiting.
   */
  acquire(cost: number, signal?: AbortSignal, onWait?: (waiting: boolean) => void): Promise<Grant> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const enqueuedAt = this.now();
    if (this.head === this.queue.length && this.readyIn(cost, enqueuedAt) <= 0) {
      this.take(cost);
      return Promise.resolve(this.grantFor(cost, 0));
    }
    return new Promise<Grant>((resolve, reject) => {
      const onAbort = () => {
        if (waiter.settled) return;
        waiter.settled = true;
        onWait?.(false);
        reject(signal!.reason);
        this.pump();
      };
      const waiter: Waiter = {
        cost,
        enqueuedAt,
        settled: false,
        grant: () => {
          waiter.settled = true;
          signal?.removeEventListener('abort', onAbort);
          onWait?.(false);
          resolve(this.grantFor(cost, this.now() - enqueuedAt));
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      onWait?.(true);
      this.pump();
    });
  }

  private grantFor(cost: number, waitedMs: number): Grant {
    let released = false;
    const grantedAt = this.now();
    return {
      waitedMs,
      release: (outcome) => {
        if (released) return;
        released = true;
        this.release(cost, outcome, grantedAt);
      },
    };
  }

  private get concurrencyCap(): number {
    return this.limits.maxConcurrent ?? Number.POSITIVE_INFINITY;
  }

  private refill(now: number): void {
    const elapsed = now - this.lastRefill;
    if (elapsed <= 0) return;
    this.lastRefill = now;
    if (this.requestRate > 0) this.requestLevel = Math.min(this.requestCap, this.requestLevel + elapsed * this.requestRate * this.pace);
    if (this.tokenRate > 0) this.tokenLevel = Math.min(this.tokenCap, this.tokenLevel + elapsed * this.tokenRate * this.pace);
  }

  /** Milliseconds until a request of `cost` tokens may start; Infinity when it waits for a release. */
  private readyIn(cost: number, now: number): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.inFlight >= this.concurrencyCap) return Number.POSITIVE_INFINITY;
    this.refill(now);
    let wait = 0;
    if (this.requestRate > 0 && this.requestLevel < 1) wait = Math.max(wait, (1 - this.requestLevel) / (this.requestRate * this.pace));
    if (this.tokenRate > 0) {
      const need = Math.min(cost, this.tokenCap);
      if (this.tokenLevel < need) wait = Math.max(wait, (need - this.tokenLevel) / (this.tokenRate * this.pace));
    }
    return wait;
  }

  private take(cost: number): void {
    if (this.firstGrantAt === Number.POSITIVE_INFINITY) this.firstGrantAt = this.now();
    this.inFlight++;
    if (this.requestRate > 0) this.requestLevel -= 1;
    if (this.tokenRate > 0) this.tokenLevel -= cost;
  }

  private release(cost: number, outcome: ReleaseOutcome, grantedAt: number): void {
    this.inFlight--;
    const now = this.now();
    if (outcome.headers) this.learn(outcome.headers);
    if (outcome.ok) {
      this.streak = 0;
      this.pace = Math.min(1, this.pace + 0.01);
      this.successes[this.successCount++ % this.successes.length] = now;
      if (this.rateSource === 'probe') {
        // Grow 5% a second of success, whatever the rate (per success, a slow rate would never
        // recover); 25% a second after 2 s without a 429, in case the rate was set too low (an
        // overshoot costs one cut: down to what got through).
        const seconds = Math.min(2, (now - this.lastGrowth) / SECOND);
        this.lastGrowth = now;
        const growth = now - this.lastCut > 2 * SECOND ? 0.25 : 0.05;
        this.setRate(this.requestRate * Math.exp(growth * seconds), 'probe');
      }
      // Charge what the request really used, not the estimate.
      if (this.tokenRate > 0 && outcome.tokens !== undefined) this.tokenLevel += cost - outcome.tokens;
    } else if (outcome.rateLimited) {
      // A request sent before our last reaction to a 429 tells us nothing new: it went out at the
      // old pace. Only later ones cut the pace again and lengthen the pause.
      const news = grantedAt >= this.lastCut;
      if (news) this.streak++;
      if (this.rateSource === 'none') {
        // 429s come back at once while successes take a while: wait for a few successes before
        // judging the rate (the pause below still applies).
        const rate = this.recentSuccessRate(now);
        if (rate * SECOND >= MIN_SUCCESSES_TO_PROBE) {
          this.lastCut = now;
          this.lastGrowth = now;
          this.setRate(rate * 0.9, 'probe');
        }
      } else if (this.rateSource === 'probe') {
        if (news && now - this.lastCut >= SECOND / 2) {
          this.lastCut = now;
          this.lastGrowth = now;
          // 10% less, or straight down to just under what the server let through, if that is lower.
          const through = this.recentSuccessRate(now);
          const cut = through * SECOND >= MIN_SUCCESSES_TO_PROBE ? Math.min(this.requestRate * 0.9, through * 0.95) : this.requestRate * 0.9;
          this.setRate(Math.max(1 / 60_000, cut), 'probe');
        }
      } else if (news && now - this.lastCut >= SECOND) {
        this.lastCut = now;
        this.pace = Math.max(MIN_PACE, this.pace * 0.7);
      }
      const pause = outcome.retryAfterMs ?? Math.min(30_000, 250 * 2 ** (Math.max(1, this.streak) - 1));
      this.pausedUntil = Math.max(this.pausedUntil, now + pause);
      this.refill(now);
      this.requestLevel = Math.min(this.requestLevel, 0);
    } else if (this.tokenRate > 0) {
      // A failed request used no tokens we know of.
      this.tokenLevel += cost;
    }
    this.pump();
  }

  /** Adopts the request rate the server announces, when none is configured. */
  private learn(headers: HeaderReader): void {
    if (this.rateSource === 'config') return;
    const limit = Number(headers.get('x-ratelimit-limit-requests'));
    if (!Number.isFinite(limit) || limit <= 0) return;
    const rate = limit / 60_000;
    if (rate === this.requestRate && this.rateSource === 'headers') return;
    this.setRate(rate, 'headers');
    // Whatever burst the server allowed has been spent by the requests that taught us its rate.
    this.requestLevel = Math.min(this.requestLevel, 0);
  }

  /** Requests per ms that succeeded in the last second (or since the first success, if sooner). */
  private recentSuccessRate(now: number): number {
    const size = this.successes.length;
    const stored = Math.min(this.successCount, size);
    let count = 0;
    let earliest = now;
    for (let i = 0; i < stored; i++) {
      const t = this.successes[i]!;
      if (now - t <= SECOND) {
        count++;
        earliest = Math.min(earliest, t);
      }
    }
    if (count < MIN_SUCCESSES_TO_PROBE) return count / SECOND;
    // A full ring means the window holds more than it kept: measure over the part it has. In the
    // first second, measure over the time since the first request (at least a quarter second):
    // dividing by a whole second would take a start-up for a slow server.
    const full = stored === size && count === size;
    const span = full ? Math.max(1, now - earliest) : Math.min(SECOND, Math.max(SECOND / 4, now - this.firstGrantAt));
    return count / span;
  }

  private setRate(rate: number, source: 'headers' | 'probe'): void {
    this.refill(this.now());
    this.rateSource = source;
    this.requestRate = rate;
    // A probed rate gets a quarter second of burst: the server's own allowance is spent by then.
    this.requestCap = Math.max(1, rate * (source === 'probe' ? SECOND / 4 : SECOND));
    if (source === 'probe') this.requestLevel = Math.min(this.requestLevel, this.requestCap);
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.head < this.queue.length) {
      const waiter = this.queue[this.head]!;
      if (waiter.settled) {
        this.head++;
        continue;
      }
      const delay = this.readyIn(waiter.cost, this.now());
      if (delay <= 0) {
        this.take(waiter.cost);
        this.head++;
        waiter.grant();
        continue;
      }
      // Infinity: a release will pump again. The timer keeps the process alive on purpose.
      if (Number.isFinite(delay)) this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(delay)));
      break;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
