import { describe, expect, it } from 'vitest';
import { costOf } from './pricing.ts';

describe('costOf', () => {
  it('charges cached input at the cached price and output at the output price', () => {
    expect(costOf({ inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400 }, { inputPer1M: 2.5, outputPer1M: 10, cachedInputPer1M: 1.25 })).toBe(0.007);
  });
  it('charges cached input at the input price when no cached price is given', () => {
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 500_000 }, { inputPer1M: 1, outputPer1M: 1 })).toBe(1);
  });
  it('rounds to the nano-dollar', () => {
    expect(costOf({ inputTokens: 3, outputTokens: 0 }, { inputPer1M: 0.1, outputPer1M: 0 })).toBe(3e-7);
  });
});
