/**
 * What a batched request will cost, before it is submitted: its prompt's tokens counted with
 * tiktoken, its reply taken as `max_tokens` (`max_completion_tokens`) when the request sets it and
 * as long as the prompt otherwise, at the profile's batch prices. For `--max-cost`, which cannot
 * stop a batch halfway.
 */
import { batchPricing, costOf } from '../pricing.ts';
import type { ModelProfile } from '../profiles.ts';
import { countMessageTokens, encoderFor } from '../tokens.ts';
import type { ChatMessage } from '../types.ts';

/** The estimator of a profile's batched requests, or undefined when the profile has no prices. */
export function batchCostEstimator(profile: Pick<ModelProfile, 'model' | 'encoding' | 'pricing' | 'type'>): ((body: Record<string, unknown>) => Promise<number>) | undefined {
  const pricing = profile.pricing;
  if (!pricing) return undefined;
  const prices = batchPricing(pricing, profile.type);
  return async (body) => {
    const encoder = await encoderFor(profile.model, profile.encoding);
    const wire = Array.isArray(body['messages']) ? (body['messages'] as { role?: unknown; content?: unknown }[]) : [];
    const messages: ChatMessage[] = wire.map((m) => ({ role: String(m.role ?? 'user'), content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '') }));
    const inputTokens = countMessageTokens(encoder, messages);
    const outputTokens = Number(body['max_completion_tokens'] ?? body['max_tokens'] ?? 0) || inputTokens;
    return costOf({ inputTokens, outputTokens }, prices);
  };
}
