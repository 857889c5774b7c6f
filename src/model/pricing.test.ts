import { describe, expect, it } from 'vitest';
import { batchPricing, costOf } from './pricing.ts';

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

describe('batchPricing', () => {
  it('takes half off for openai and azure-openai, whose Batch APIs document it, and nothing for other servers', () => {
    const pricing = { inputPer1M: 2, outputPer1M: 8, cachedInputPer1M: 1 };
    expect(batchPricing(pricing, 'openai')).toEqual({ inputPer1M: 1, outputPer1M: 4, cachedInputPer1M: 0.5 });
    expect(batchPricing(pricing, 'azure-openai')).toEqual({ inputPer1M: 1, outputPer1M: 4, cachedInputPer1M: 0.5 });
    expect(batchPricing(pricing, 'openai-compatible')).toEqual(pricing);
  });
  it('uses the batch prices or the discount a profile gives', () => {
    expect(batchPricing({ inputPer1M: 2, outputPer1M: 8, batchDiscount: 0.25 }, 'openai-compatible')).toEqual({ inputPer1M: 1.5, outputPer1M: 6 });
    expect(batchPricing({ inputPer1M: 2, outputPer1M: 8, batchInputPer1M: 0.9, batchOutputPer1M: 3 }, 'openai')).toEqual({ inputPer1M: 0.9, outputPer1M: 3 });
  });
});
