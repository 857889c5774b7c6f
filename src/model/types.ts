import type { Json } from '../util/json.ts';

/** One chat message. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  readonly content: string;
}

/** What a stage asks a model for. */
export interface CompletionRequest {
  readonly messages: readonly ChatMessage[];
  /** Generation parameters (temperature, max_tokens, ...), passed to the provider as given. */
  readonly params?: Readonly<Record<string, Json>>;
}

/** Token counts reported for one call. */
export interface UsageInput {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens?: number;
  readonly reasoningTokens?: number;
}

/** What a model answers. */
export interface CompletionResult {
  readonly text: string;
  readonly usage?: UsageInput;
}

/**
 * Options of a model call. Pass the stage context itself (`model.complete(request, ctx)`): it
 * carries the abort signal, records usage in the stage's log record, and gives mock models such as
 * `perfect` the case they answer for.
 */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly case?: unknown;
  readonly caseIndex?: number;
  readonly stages?: unknown;
  readonly config?: unknown;
  recordUsage?(usage: UsageInput): void;
}

/** A model that stages call by name. */
export interface Model {
  readonly name: string;
  readonly description: string;
  /** `mock` for the built-in models; the provider type for configured ones. */
  readonly kind: string;
  complete(request: CompletionRequest, options?: CallOptions): Promise<CompletionResult>;
}

export interface ModelInfo {
  readonly name: string;
  readonly description: string;
  readonly kind: string;
}

/** Looks up models by name; `get` throws a ModelError naming the available ones. */
export interface ModelRegistry {
  get(name: string): Model;
  has(name: string): boolean;
  list(): ModelInfo[];
}
