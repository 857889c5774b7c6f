import { describe, expect, it } from 'vitest';
import { ProfileLimiter } from './rate-limit.ts';

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
const elapsed = (since: number) => performance.now() - since;

describe('ProfileLimiter', () => {
  it('grants at once when nothing limits it', async () => {
    const limiter = new ProfileLimiter();
    const grants = await Promise.all(Array.from({ length: 100 }, () => limiter.acquire(0)));
    expect(grants.every((g) => g.waitedMs === 0)).toBe(true);
    expect(limiter.snapshot().inFlight).toBe(100);
    for (const g of grants) g.release({ ok: true });
    expect(limiter.snapshot().inFlight).toBe(0);
  });

  it('keeps at most maxConcurrent in flight, first come first served', async () => {
    const limiter = new ProfileLimiter({ maxConcurrent: 2 });
    const order: number[] = [];
    const waits: boolean[] = [];
    const a = await limiter.acquire(0);
    const b = await limiter.acquire(0);
    const c = limiter.acquire(0, undefined, (w) => waits.push(w)).then((g) => (order.push(3), g));
    const d = limiter.acquire(0).then((g) => (order.push(4), g));
    expect(limiter.snapshot()).toMatchObject({ inFlight: 2, waiting: 2 });
    a.release({ ok: true });
    (await c).release({ ok: true });
    b.release({ ok: true });
    (await d).release({ ok: true });
    expect(order).toEqual([3, 4]);
    expect(waits).toEqual([true, false]);
  });

  it('paces requests per minute after a burst of one second', async () => {
    const limiter = new ProfileLimiter({ requestsPerMinute: 1200 }); // 20 a second
    const start = performance.now();
    const grants = await Promise.all(Array.from({ length: 30 }, () => limiter.acquire(0)));
    // 20 at once, the other 10 at 50 ms intervals.
    expect(elapsed(start)).toBeGreaterThanOrEqual(450);
    expect(grants.filter((g) => g.waitedMs === 0)).toHaveLength(20);
    for (const g of grants) g.release({ ok: true });
  });

  it('paces tokens per minute, and charges what a request really used', async () => {
    const limiter = new ProfileLimiter({ tokensPerMinute: 60_000 }); // 1000 a second, 1 a ms
    expect(limiter.countsTokens).toBe(true);
    const first = await limiter.acquire(1000);
    first.release({ ok: true, tokens: 100 }); // 900 refunded
    // Granted at once (no wait at all): the refund made room.
    const second = await limiter.acquire(800);
    expect(second.waitedMs).toBe(0);
    second.release({ ok: true, tokens: 800 });
    const third = await limiter.acquire(500);
    expect(third.waitedMs).toBeGreaterThan(300);
    third.release({ ok: true });
  });

  it('pauses every caller after a 429 for as long as the server asked, and slows down', async () => {
    const limiter = new ProfileLimiter({ requestsPerMinute: 6000 });
    const g = await limiter.acquire(0);
    g.release({ ok: false, rateLimited: true, retryAfterMs: 200 });
    expect(limiter.snapshot().pace).toBeCloseTo(0.7);
    const start = performance.now();
    const [a, b] = await Promise.all([limiter.acquire(0), limiter.acquire(0)]);
    expect(elapsed(start)).toBeGreaterThanOrEqual(195);
    a.release({ ok: true });
    b.release({ ok: true });
    expect(limiter.snapshot().pace).toBeCloseTo(0.72);
  });

  it('backs off harder while 429s without Retry-After keep coming', async () => {
    let now = 0;
    const limiter = new ProfileLimiter({}, () => now);
    for (const expected of [250, 500, 1000]) {
      const g = await limiter.acquire(0);
      g.release({ ok: false, rateLimited: true });
      expect(limiter.snapshot().pausedForMs).toBe(expected);
      now += expected;
    }
  });

  it('learns the request rate the server announces when none is configured', async () => {
    const limiter = new ProfileLimiter();
    const g = await limiter.acquire(0);
    g.release({ ok: true, headers: headers({ 'x-ratelimit-limit-requests': '600' }) });
    expect(limiter.snapshot().requestsPerMinute).toBe(600);
    const start = performance.now();
    (await limiter.acquire(0)).release({ ok: true });
    expect(elapsed(start)).toBeGreaterThanOrEqual(80); // 10 a second, and the burst is spent
  });

  it('learns a rate from 429s when it knows none: 90% of what got through, then cuts and growth', async () => {
    let now = 0;
    const limiter = new ProfileLimiter({}, () => now);
    // 50 successes in the first half second: 100 a second.
    for (let i = 0; i < 50; i++) {
      now = i * 10;
      (await limiter.acquire(0)).release({ ok: true });
    }
    expect(limiter.snapshot().requestsPerMinute).toBeNull();
    now = 500;
    (await limiter.acquire(0)).release({ ok: false, rateLimited: true, retryAfterMs: 0 });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(100 * 60 * 0.9, 0);
    // Another 429 in the same half second changes nothing.
    now = 700;
    (await limiter.acquire(0)).release({ ok: false, rateLimited: true, retryAfterMs: 0 });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(5400, 0);
    // A later one cuts by 10%, or to 95% of what got through in the last second if that is lower:
    // 40 successes (those from 100 ms on) → 2,280 a minute.
    now = 1050;
    const old = await limiter.acquire(0);
    now = 1100;
    (await limiter.acquire(0)).release({ ok: false, rateLimited: true, retryAfterMs: 0 });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(2280, 0);
    // A 429 for a request sent before that cut is old news, even half a second later.
    now = 1700;
    old.release({ ok: false, rateLimited: true, retryAfterMs: 0 });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(2280, 0);
    // Success raises the rate: 5% a second, 25% a second after 2 s without a 429 (at most 2 s counted at a time).
    now = 2600;
    (await limiter.acquire(0)).release({ ok: true });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(2280 * Math.exp(0.05 * 1.5), 3);
    now = 5000;
    (await limiter.acquire(0)).release({ ok: true });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(2280 * Math.exp(0.05 * 1.5 + 0.25 * 2), 3);
  });

  it('measures the first second over the time since the first request', async () => {
    let now = 0;
    const limiter = new ProfileLimiter({}, () => now);
    // 30 successes in the first 300 ms: 100 a second.
    for (let i = 0; i < 30; i++) {
      now = i * 10;
      (await limiter.acquire(0)).release({ ok: true });
    }
    now = 300;
    (await limiter.acquire(0)).release({ ok: false, rateLimited: true, retryAfterMs: 0 });
    expect(limiter.snapshot().requestsPerMinute).toBeCloseTo(100 * 60 * 0.9, 0);
  });

  it('waits for a few successes before judging the rate from a 429', async () => {
    let now = 0;
    const limiter = new ProfileLimiter({}, () => now);
    (await limiter.acquire(0)).release({ ok: true });
    now = 10;
    (await limiter.acquire(0)).release({ ok: false, rateLimited: true, retryAfterMs: 0 });
    expect(limiter.snapshot().requestsPerMinute).toBeNull();
  });

  it('stops waiting when the signal aborts, and lets the next waiter go', async () => {
    const limiter = new ProfileLimiter({ maxConcurrent: 1 });
    const held = await limiter.acquire(0);
    const controller = new AbortController();
    const aborted = limiter.acquire(0, controller.signal);
    const next = limiter.acquire(0);
    controller.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    held.release({ ok: true });
    (await next).release({ ok: true });
    expect(limiter.snapshot()).toMatchObject({ inFlight: 0, waiting: 0 });
  });
});
