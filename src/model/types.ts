import type { ModelAttempt, ModelCall } from '../log/schema.ts';
import type { Json } from '../util/json.ts';
import type { Pricing } from './pricing.ts';

/** One chat message. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  readonly content: string;
  /** An assistant message: the tools the model asked to call (the OpenAI `tool_calls`). */
  readonly toolCalls?: readonly ModelToolCall[];
  /** A `tool` message: the id of the call whose result it carries (the OpenAI `tool_call_id`). */
  readonly toolCallId?: string;
}

/** A tool offered to a model: what it is called, what it does, and its arguments as JSON Schema. */
export interface ToolDefinition {
  /** Letters, digits, `_` and `-`, at most 64 (what the OpenAI API accepts). */
  readonly name: string;
  readonly description: string;
  /** A JSON Schema of an object: the arguments the tool takes. */
  readonly parameters: Readonly<Record<string, Json>>;
}

/** A call of a tool, as the model asked for it. */
export interface ModelToolCall {
  /** The id the model gave the call; the tool message with its result refers to it. */
  readonly id: string;
  readonly name: string;
  /** The arguments as the model wrote them: JSON text, which may be invalid. */
  readonly arguments: string;
}

/**
 * A tool call a case expects: what the `perfect` mock plays (from `expected()` returning
 * `{ toolCalls, answer }`) and what the tool checks compare the calls made with.
 */
export interface ExpectedToolCall {
  readonly name: string;
  /** The arguments, a JSON object. Checks: omitted means any arguments. Mocks: omitted means `{}`. */
  readonly arguments?: Json;
}

/**
 * Which tools the model may call: `auto` (the model decides), `none`, `required` (at least one),
 * or one tool by name.
 */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

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
   * stores only replies that pass its output schema (or ask for tools).
   */
  readonly cacheable?: (text: string, toolCalls?: readonly ModelToolCall[]) => boolean;
  /** Stream the reply (assembled into the same text); overrides the profile's `stream`. */
  readonly stream?: boolean;
  /** Tools the model may ask to call (the reply's `toolCalls`). Part of the cache key. */
  readonly tools?: readonly ToolDefinition[];
  /** Which of the `tools` the model may call. @default the server's (auto) */
  readonly toolChoice?: ToolChoice;
  /** Whether the model may ask for several calls in one reply. @default the server's (true) */
  readonly parallelToolCalls?: boolean;
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
  /** Why the model stopped (`stop`, `length`, `tool_calls`, ...), when the server said. */
  readonly finishReason?: string;
  /** The tools the model asked to call, in its order; absent or empty when it answered. */
  readonly toolCalls?: readonly ModelToolCall[];
}

/**
 * The records of a model call are described once, by the run-log schema (log/schema.ts); these
 * are its types, as the model layer writes them.
 */

/** hit: answered from the response cache. miss: looked up, not found, called. off: the cache was not read. */
export type CacheStatus = ModelCall['cache'];

/** One HTTP attempt of a model call, as recorded in the stage record. */
export type ModelAttemptRecord = Readonly<ModelAttempt>;

/** One call of a configured model, as recorded in the stage record's `calls`. */
export type ModelCallRecord = Readonly<ModelCall>;

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
  /** With tools: which tool loop of the stage this is, from 1 (its model calls in `calls` carry the same `loop`). */
  readonly loop?: number;
  /** The tools offered: each one's name and the sha256 of its definition (description and parameters). */
  readonly tools?: readonly { readonly name: string; readonly sha256: string }[];
  /** With tools: every model call of the loop, in order, with the tool calls it asked for. */
  readonly rounds?: readonly LlmRoundInfo[];
  /** With tools: how the loop ended. */
  readonly outcome?: ToolLoopOutcome;
}

/**
 * How a tool loop ended: `answer` (the model answered without asking for tools), `max_rounds`
 * (it still asked for tools after `maxToolRounds` rounds of them), `repeated_call` (it asked for
 * a call it had already made `maxIdenticalCalls` times), `budget` (the loop's model calls reached
 * `maxCostUsd`), `cancelled` (the stage was aborted) or `error` (a model call failed).
 */
export type ToolLoopOutcome = 'answer' | 'max_rounds' | 'repeated_call' | 'budget' | 'cancelled' | 'error';

/** A failed tool call: why, and what the model was told. */
export interface ToolCallError {
  /**
   * `unknown_tool`: no tool has that name. `arguments`: the arguments are not JSON or do not match
   * the tool's parameters. `exception`: the tool threw. `timeout`: the tool took longer than its
   * `timeoutMs`. `result`: the tool returned something that is not JSON.
   */
  readonly kind: 'unknown_tool' | 'arguments' | 'exception' | 'timeout' | 'result';
  readonly message: string;
}

/** One tool call of a tool loop, as a stage's output and later stages see it. */
export interface ToolCallResult {
  /** The round (model call) that asked for it, from 1. */
  readonly round: number;
  /** The id the model gave the call. */
  readonly id: string;
  readonly name: string;
  /** The arguments: parsed JSON, or the text as the model sent it when it is not JSON. */
  readonly arguments: Json;
  /**
   * `ok`: the tool ran and returned `result`. `error`: the call failed (`error` says why) and the
   * model was told. `skipped`: not run, because the loop stopped first (`reason`). `cancelled`:
   * running when the stage was aborted.
   */
  readonly status: 'ok' | 'error' | 'skipped' | 'cancelled';
  readonly result?: Json;
  readonly error?: ToolCallError;
  readonly reason?: string;
}

/** A tool call in the stage record: the call, and when it ran. */
export interface ToolCallRecord extends ToolCallResult {
  /** When the tool started (epoch milliseconds); absent for a call that never ran. */
  readonly startMs?: number;
  readonly durationMs?: number;
}

/**
 * One model call of a tool loop, in the stage record's `llm[].rounds`. A configured model also
 * records the call itself (attempts, waits) in the stage record's `calls`, with the same `loop`
 * and `round`.
 */
export interface LlmRoundInfo {
  /** From 1. */
  readonly round: number;
  /** When the call started (epoch milliseconds). */
  readonly startMs: number;
  readonly durationMs: number;
  readonly usage?: UsageInput;
  readonly costUsd?: number;
  readonly cache?: CacheStatus;
  readonly finishReason?: string;
  /** The text of the reply (often empty when it asks for tools). */
  readonly text: string;
  /** The tools the reply asked for, and what became of each. */
  readonly toolCalls: readonly ToolCallRecord[];
  /** What went wrong with the reply, when the round ended the loop with `error` or `cancelled`. */
  readonly error?: string;
}

/** Live notices from configured models, for the progress display and the cost budget. */
export type ModelEvent =
  | { readonly type: 'wait'; readonly profile: string; readonly waiting: boolean }
  | { readonly type: 'retry'; readonly profile: string; readonly status: number | null; readonly delayMs: number }
  | { readonly type: 'call'; readonly profile: string; readonly cache: CacheStatus; readonly ok: boolean; readonly costUsd: number }
  /** Batch mode: a batch was submitted or looked at; its state (the provider's) and request counts. */
  | { readonly type: 'batch'; readonly profile: string; readonly batchId: string; readonly status: string; readonly total: number; readonly completed: number; readonly failed: number };

/**
 * Options of a model call. Pass the stage context itself (`model.complete(request, ctx)`): it
 * carries the abort signal, records usage in the stage's log record, and gives mock models such as
 * `perfect` the case they answer for.
 */
export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly case?: unknown;
  readonly caseIndex?: number;
  /** The case's id and the stage making the call: batch mode names each request after them. */
  readonly caseId?: string;
  readonly stage?: string;
  /** Which repetition of the case the call is for (`run --repeat N`), from 0: mocks and caches key on it. */
  readonly repeat?: number;
  readonly stages?: unknown;
  readonly config?: unknown;
  /** Multi-turn cases: the turn the call is for, and its fields (the `scripted` mock reads its replies there). */
  readonly turn?: number | null;
  readonly turnCase?: unknown;
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
  /** US dollars per million tokens, online and in batch mode. */
  readonly pricing?: Pricing;
  /**
   * Batch this profile's requests through the provider's Batch API in every run (`true`, or the
   * batch settings); `--batch` does it for one run and every profile. See docs/models.md.
   */
  readonly batch?: boolean | { readonly maxRequests?: number; readonly maxWaitMs?: number; readonly pollIntervalMs?: number };
  /** Tokens the model accepts; when set, prompts that cannot fit fail before they are sent. */
  readonly contextWindow?: number;
  /** The server accepts `response_format: { type: 'json_schema' }`. @default true for openai and azure-openai */
  readonly structuredOutput?: boolean;
  /** Stream replies (assembled into the same text). @default false */
  readonly stream?: boolean;
  /** tiktoken encoding for estimates. @default the model's, else o200k_base */
  readonly encoding?: 'o200k_base' | 'cl100k_base' | 'p50k_base' | 'r50k_base' | 'gpt2';
}
