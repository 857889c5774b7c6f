import type { UsageInput } from './types.ts';

/** US dollars per million tokens. */
export interface Pricing {
  readonly inputPer1M: number;
  readonly outputPer1M: number;
  /** Price of prompt tokens served from the provider's prompt cache; defaults to the input price. */
  readonly cachedInputPer1M?: number;
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
