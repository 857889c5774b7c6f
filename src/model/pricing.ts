import type { UsageInput } from './types.ts';

/** US dollars per million tokens. */
export interface Pricing {
  readonly inputPer1M: number;
  readonly outputPer1M: number;
  /** Price of prompt tokens served from the provider's prompt cache; defaults to the input price. */
  readonly cachedInputPer1M?: number;
  /** Batch mode: the input price of a batched request. @default the input price less `batchDiscount` */
  readonly batchInputPer1M?: number;
  /** Batch mode: the output price of a batched request. @default the output price less `batchDiscount` */
  readonly batchOutputPer1M?: number;
  /**
   * Batch mode: the share taken off every price (0.5: half price), where no batch price is given.
   * @default 0.5 for openai and azure-openai (their Batch API's documented discount), else 0
   */
  readonly batchDiscount?: number;
}

/** The discount OpenAI and Azure OpenAI document for their Batch API: half price. */
export const DOCUMENTED_BATCH_DISCOUNT: Readonly<Record<string, number>> = { openai: 0.5, 'azure-openai': 0.5 };

/** The prices of a batched request of a profile of `provider` (see `Pricing.batchDiscount`). */
export function batchPricing(pricing: Pricing, provider: string): Pricing {
  const off = 1 - (pricing.batchDiscount ?? DOCUMENTED_BATCH_DISCOUNT[provider] ?? 0);
  return {
    inputPer1M: pricing.batchInputPer1M ?? pricing.inputPer1M * off,
    outputPer1M: pricing.batchOutputPer1M ?? pricing.outputPer1M * off,
    ...(pricing.cachedInputPer1M !== undefined && { cachedInputPer1M: pricing.batchInputPer1M !== undefined ? Math.min(pricing.cachedInputPer1M, pricing.batchInputPer1M) : pricing.cachedInputPer1M * off }),
  };
}

/**
 * The cost of one call. Cached input tokens are part of the input tokens (as OpenAI reports them)
 * and are charged at the cached price; reasoning tokens are part of the output tokens.
 */
export function costOf(usage: UsageInput, pricing: Pricing): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const cost =
    (usage.inputTokens - cached) * pricing.inputPer1M + cached * (pricing.cachedInputPer1M ?? pricing.inputPer1M) + usage.outputTokens * pricing.outputPer1M;
  // Whole nano-dollars: keeps sums stable and the log free of 1e-17 noise.
  return Math.round(cost / 1e-3) / 1e9;
}
