/**
 * Estimates of what running a suite would cost, from the prompts a dry run renders: tokens counted
 * without calling a model, priced with the models' profiles.
 */
import { batchPricing, costOf } from '../model/pricing.ts';
import type { ModelProfile } from '../model/profiles.ts';
import { countMessageTokens, encoderFor } from '../model/tokens.ts';
import type { ChatMessage, ToolDefinition } from '../model/types.ts';

/** The estimated calls of one stage to one model. */
export interface EstimateRow {
  readonly stage: string;
  readonly model: string;
  readonly calls: number;
  readonly inputTokens: number;
  /** An upper bound, from `params.max_tokens`; undefined when a call sets none. */
  readonly maxOutputTokens: number | undefined;
  /** Cost of the input tokens and the most output tokens (the input tokens only without that bound); undefined without pricing. */
  readonly maxCostUsd: number | undefined;
  /** The same at the model's batch prices (`run --batch`); undefined without pricing. */
  readonly batchMaxCostUsd?: number | undefined;
}

/** The estimate for a suite. */
export interface Estimate {
  /** Cases of the suite. */
  readonly cases: number;
  readonly rows: readonly EstimateRow[];
  /** Whether the rows cover every model call (a template pipeline), so they add up to a total. */
  readonly complete: boolean;
}

/** What rendering a suite's prompts without calling a model found: check's estimators return it. */
export interface PromptCheck {
  /** Prompts of the first cases checked that do not render (or cases that fail before their first prompt). */
  readonly problems: readonly string[];
  /** Undefined when no prompt was rendered. */
  readonly estimate: Estimate | undefined;
  /** How the estimate was made, and what it leaves out. */
  readonly notes: readonly string[];
}

/**
 * A row priced with the model's profile: the cost of the input tokens and of the most output
 * tokens (no output tokens when that bound is unknown).
 */
export function pricedRow(
  row: Pick<EstimateRow, 'stage' | 'model' | 'calls' | 'inputTokens' | 'maxOutputTokens'>,
  profiles: ReadonlyMap<string, ModelProfile>,
): EstimateRow {
  const profile = profiles.get(row.model);
  const pricing = profile?.pricing;
  const usage = { inputTokens: row.inputTokens, outputTokens: row.maxOutputTokens ?? 0 };
  return {
    ...row,
    maxCostUsd: pricing ? costOf(usage, pricing) : undefined,
    batchMaxCostUsd: pricing ? costOf(usage, batchPricing(pricing, profile.type)) : undefined,
  };
}

/** Counts the tokens of a prompt for a model: its messages and the tools it offers. */
export type PromptTokenCounter = (messages: readonly ChatMessage[], tools?: readonly ToolDefinition[]) => number;

/**
 * The token counter of each model, made on first use: tiktoken for configured models (their
 * profile's encoding), characters / 4 for mock models.
 */
export function promptTokenCounters(profiles: ReadonlyMap<string, ModelProfile>): (model: string) => Promise<PromptTokenCounter> {
  const counters = new Map<string, PromptTokenCounter>();
  return async (model) => {
    let counter = counters.get(model);
    if (!counter) {
      const profile = profiles.get(model);
      if (profile) {
        const encoder = await encoderFor(profile.model, profile.encoding);
        counter = (messages, tools) => countMessageTokens(encoder, messages, tools);
      } else {
        counter = (messages, tools = []) => Math.ceil((messages.reduce((n, m) => n + m.content.length, 0) + (tools.length > 0 ? JSON.stringify(tools).length : 0)) / 4);
      }
      counters.set(model, counter);
    }
    return counter;
  };
}
