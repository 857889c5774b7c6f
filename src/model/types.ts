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
  /**
   * Ask for JSON output. `schema` (a JSON Schema) is sent as a `json_schema` response format to
   * servers whose profile supports it (`structuredOutput`); otherwise `json_object` mode is asked
   * for where supported, and the prompt must ask for JSON. Part of the cache key.
   */
  readonly responseFormat?: { readonly name: string; readonly schema: Readonly<Record<string, Json>> } | 'json';
  /**
   * Whether a successful reply may be stored in the response cache (default: always). `llm()`
   * stores only replies that pass its output schema.
   */
  readonly cacheable?: (text: string) => boolean;
  /** Stream the reply (assembled into the same text); overrides the profile's `stream`. */
  readonly stream?: boolean;
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
  /** `hit` when the reply came from the response cache (configured models only). */
  readonly cache?: CacheStatus;
  /** Cost of this call in US dollars, from the profile's pricing (0 for a cache hit). */
  readonly costUsd?: number;
  /** Why the model stopped (`stop`, `length`, ...), when the server said. */
  readonly finishReason?: string;
}

/** hit: answered from the response cache. miss: looked up, not found, called. off: the cache was not read. */
export type CacheStatus = 'hit' | 'miss' | 'off';

/** One HTTP attempt of a model call, as recorded in the stage record. */
export interface ModelAttemptRecord {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Milliseconds spent waiting for the rate limiter before this attempt. */
  readonly rateLimitWaitMs: number;
  /** Milliseconds of retry back-off waited before this attempt (0 for the first). */
  readonly backoffMs: number;
  readonly durationMs: number;
  /** HTTP status, or null when there was none (network error, timeout). */
  readonly status: number | null;
  /** ok, retry (failed, tried again) or error (failed, given up). */
  readonly outcome: 'ok' | 'retry' | 'error';
  /** What went wrong (no secrets). */
  readonly error?: string;
  /** How long the server asked us to wait (Retry-After and friends), when it said. */
  readonly retryAfterMs?: number;
}

/** One call of a configured model, as recorded in the stage record's `calls`. */
export interface ModelCallRecord {
  /** The model name the stage asked for (the profile). */
  readonly profile: string;
  /** The provider's model id (or Azure deployment). */
  readonly model: string;
  readonly provider: string;
  readonly status: 'ok' | 'error' | 'cancelled';
  readonly cache: CacheStatus;
  readonly attempts: readonly ModelAttemptRecord[];
  /** Total retry back-off waited, in milliseconds. */
  readonly waitedMs: number;
  /** Total time waiting for the profile's rate limiter, in milliseconds. */
  readonly rateLimitWaitMs: number;
  readonly durationMs: number;
  readonly usage?: UsageInput;
  /** True when the server reported no usage and the counts are tiktoken estimates. */
  readonly usageEstimated?: boolean;
  readonly costUsd?: number;
  readonly finishReason?: string;
  readonly error?: string;
}

/** What `llm()` records about its prompt and parsing, in the stage record's `llm`. */
export interface LlmCallInfo {
  readonly model: string;
  /** Each message template: role, where it came from, and the sha256 of its source. */
  readonly templates: readonly { readonly role: string; readonly source: string; readonly sha256: string }[];
  /** The rendered messages as first sent. */
  readonly messages: readonly ChatMessage[];
  /** sha256 of the output JSON Schema, and how it was requested. */
  readonly output?: { readonly schemaSha256: string; readonly mode: 'json_schema' | 'json_prompt' };
  /** Every reply that was parsed against the output schema, in order. */
  readonly parseAttempts?: readonly { readonly attempt: number; readonly ok: boolean; readonly issues?: readonly string[]; readonly text?: string }[];
}

/** Live notices from configured models, for the progress display and the cost budget. */
export type ModelEvent =
  | { readonly type: 'wait'; readonly profile: string; readonly waiting: boolean }
  | { readonly type: 'retry'; readonly profile: string; readonly status: number | null; readonly delayMs: number }
  | { readonly type: 'call'; readonly profile: string; readonly cache: CacheStatus; readonly ok: boolean; readonly costUsd: number };

/**
 * Options of a model call. Pass the stage context itself (`model.complete(request, ctx)`): it
 * carries the abort signal, records usage in the stage's log record, and gives mock models such as
 * `perfect` the case they answer for.
 */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly case?: unknown;
  readonly caseIndex?: number;
  /** Which repetition of the case the call is for (`run --repeat N`), from 0: mocks and caches key on it. */
  readonly repeat?: number;
  readonly stages?: unknown;
  readonly config?: unknown;
  recordUsage?(usage: UsageInput): void;
  /** Records a configured model's call (attempts, waits, cache, cost) in the stage record. */
  recordCall?(call: ModelCallRecord): void;
  /** Records what `llm()` sent and parsed in the stage record. */
  recordLlm?(info: LlmCallInfo): void;
  /** Live notices (rate-limit waits, retries, finished calls) for the progress display and budget. */
  onModelEvent?(event: ModelEvent): void;
}

/** A model that stages call by name. */
export interface Model {
  readonly name: string;
  readonly description: string;
  /** `mock` for the built-in models; the provider type for configured ones. */
  readonly kind: string;
  /** The model takes a JSON Schema as `responseFormat` (otherwise `llm()` asks for JSON in the prompt). */
  readonly structuredOutput?: boolean;
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

/** Provider types a model profile can have. */
export type ProviderType = 'openai' | 'azure-openai' | 'openai-compatible';

/**
 * A configured model (a "profile"), as written in `tagliots.config.ts` (`models: { name: {...} }`)
 * or `tagliots.models.yaml`. Never holds the API key itself: it names where the key comes from.
 */
export interface ModelProfileConfig {
  readonly type: ProviderType;
  /** The provider's model id, e.g. `gpt-4o-mini-2024-07-18`. Azure: defaults to the deployment. */
  readonly model?: string;
  /** Shown by `tagliots models`. */
  readonly description?: string;
  /** openai (optional) and openai-compatible (required): the API base URL, e.g. `http://localhost:11434/v1`. */
  readonly baseURL?: string;
  /** azure-openai: `https://<resource>.openai.azure.com/`. */
  readonly endpoint?: string;
  /** azure-openai: the deployment name. */
  readonly deployment?: string;
  /** azure-openai: the API version, e.g. `2024-10-21`. */
  readonly apiVersion?: string;
  /**
   * Name of the environment variable holding the key. Without it: the profile's entry in
   * `.credentials.json`, else OPENAI_API_KEY (openai) or AZURE_OPENAI_API_KEY (azure-openai);
   * openai-compatible servers need no key unless you name one.
   */
  readonly apiKeyEnv?: string;
  /** The entry of `.credentials.json` holding the key. @default the profile name */
  readonly credentials?: string;
  /** Default generation parameters; a stage's `params` override them. */
  readonly params?: Readonly<Record<string, Json>>;
  /** Parameters never sent (e.g. `temperature` for reasoning models), whoever sets them. */
  readonly omitParams?: readonly string[];
  /** Send `max_tokens` as `max_completion_tokens` (o-series and GPT-5 models). @default false */
  readonly maxCompletionTokens?: boolean;
  /** Per-attempt timeout in milliseconds. @default 60000 */
  readonly timeoutMs?: number;
  readonly retry?: { readonly maxAttempts?: number; readonly baseDelayMs?: number; readonly maxDelayMs?: number };
  readonly rateLimit?: { readonly requestsPerMinute?: number; readonly tokensPerMinute?: number; readonly maxConcurrent?: number };
  /** US dollars per million tokens. */
  readonly pricing?: { readonly inputPer1M: number; readonly outputPer1M: number; readonly cachedInputPer1M?: number };
  /** Tokens the model accepts; when set, prompts that cannot fit fail before they are sent. */
  readonly contextWindow?: number;
  /** The server accepts `response_format: { type: 'json_schema' }`. @default true for openai and azure-openai */
  readonly structuredOutput?: boolean;
  /** Stream replies (assembled into the same text). @default false */
  readonly stream?: boolean;
  /** tiktoken encoding for estimates. @default the model's, else o200k_base */
  readonly encoding?: 'o200k_base' | 'cl100k_base' | 'p50k_base' | 'r50k_base' | 'gpt2';
}
