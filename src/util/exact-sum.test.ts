import { describe, expect, it } from 'vitest';
import { createRandom } from '../analysis/stats.ts';
import { createExactSum } from './exact-sum.ts';

describe('createExactSum', () => {
  it('is exactly rounded and independent of order', () => {
    const sum = createExactSum();
    for (const x of [1e16, 1, -1e16]) sum.add(x);
    expect(sum.value()).toBe(1);
    const tenths = createExactSum();
    for (let i = 0; i < 10; i++) tenths.add(0.1);
    expect(tenths.value()).toBe(1);
    const random = createRandom(4);
    const values = Array.from({ length: 1000 }, () => (random() - 0.5) * 10 ** Math.floor(random() * 12));
    const forward = createExactSum();
    const backward = createExactSum();
    values.forEach((v) => forward.add(v));
    [...values].reverse().forEach((v) => backward.add(v));
    expect(forward.value()).toBe(backward.value());
    expect(createExactSum().value()).toBe(0);
  });
});
