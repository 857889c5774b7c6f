import { describe, expect, it } from 'vitest';
import { deadline, retrying } from './attempts.ts';
import { holding, Limiter } from './limiter.ts';

describe('retrying', () => {
  it('runs attempts until the delay function says stop, numbering them from 1', async () => {
    const seen: number[] = [];
    const result = await retrying(
      async (n) => (seen.push(n), n),
      (r) => (r < 3 ? 0 : undefined),
    );
    expect({ result, seen }).toEqual({ result: 3, seen: [1, 2, 3] });
  });

  it('stops waiting with the signal\'s reason when it aborts', async () => {
    const controller = new AbortController();
    const pending = retrying(async () => controller.abort(new Error('stop')), () => 60_000, controller.signal);
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('deadline', () => {
  it('aborts with the given reason when the time is up, and says so', async () => {
    const limit = deadline(1, undefined, () => new Error('too slow'));
    await limit.whenExpired;
    expect({ expired: limit.expired, aborted: limit.signal.aborted, reason: (limit.signal.reason as Error).message }).toEqual({ expired: true, aborted: true, reason: 'too slow' });
    limit.dispose();
  });

  it('follows the caller\'s signal without calling it a timeout, and stops its timer when disposed', () => {
    const outer = new AbortController();
    const limit = deadline(60_000, outer.signal, () => new Error('too slow'));
    outer.abort(new Error('cancelled'));
    expect({ expired: limit.expired, reason: (limit.signal.reason as Error).message }).toEqual({ expired: false, reason: 'cancelled' });
    limit.dispose();
  });
});

describe('holding', () => {
  it('runs at most `limit` at once, reports the wait of those that queued, and frees the slot after a failure', async () => {
    const limiter = new Limiter(1);
    const queued: number[] = [];
    let release!: () => void;
    const first = holding(limiter, () => new Promise<void>((resolve) => (release = resolve)));
    const second = holding(limiter, async () => 'second', undefined, (ms) => queued.push(ms));
    expect(limiter.inFlight).toBe(1);
    release();
    await first;
    expect(await second).toBe('second');
    expect(queued).toHaveLength(1);
    await expect(holding(limiter, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect({ inFlight: limiter.inFlight, maxActive: limiter.maxActive }).toEqual({ inFlight: 0, maxActive: 1 });
  });
});
