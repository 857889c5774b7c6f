import type { Usage } from './schema.ts';

/** Adds `more` into `total` (creating it when absent) and returns the total. */
export function addUsage(total: Usage | undefined, more: Usage): Usage {
  if (!total) return { ...more };
  total.calls += more.calls;
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
  if (more.cachedInputTokens) total.cachedInputTokens = (total.cachedInputTokens ?? 0) + more.cachedInputTokens;
  if (more.reasoningTokens) total.reasoningTokens = (total.reasoningTokens ?? 0) + more.reasoningTokens;
  return total;
}
