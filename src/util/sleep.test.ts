import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.ts';

describe('sleep', () => {
  it('resolves after the time', async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
  });

  it('rejects with the reason when the signal aborts first, and when it has aborted already', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const waiting = sleep(10_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(sleep(0, controller.signal)).rejects.toBe(reason);
  });

  it('resolves at once for no time at all', async () => {
    const order: string[] = [];
    const done = sleep(0).then(() => order.push('slept'));
    setTimeout(() => order.push('timer'), 0);
    await done;
    expect(order).toEqual(['slept']);
  });
});
