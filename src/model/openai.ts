/**
 * Configured models: OpenAI, Azure OpenAI and OpenAI-compatible servers, through the official
 * `openai` SDK (sdk-call.ts sends a request and reads the reply).
 *
 * A call is the composition of call.ts's wrappers: the record, the response cache, usage and cost,
 * the context-window check, then attempts. Each attempt waits for the profile's rate limiter, runs
 * with its own timeout (and the stage's abort signal), and on failure is either retried (429, 408,
 * 409, 5xx, network errors, timeouts, malformed replies: exponential back-off with full jitter,
 * never sooner than the server asked) or given up (other 4xx: at once). The SDK's own retries are
 * off, so every attempt and every wait is recorded in the stage's `calls`.
 *
 * In batch mode (batch/), the attempts are lines of the provider's Batch API instead: the call is
 * queued, submitted in a batch, and awaits its line, priced at the batch rate.
 */
import { ModelError } from '../errors.ts';
import type { Json } from '../util/json.ts';
import type { CacheMode, ResponseCache } from './cache.ts';
import { classify, newCall, priced, recorded, withCache, withContextCheck, withRateLimit, withRetry, withTimeout, type CallStep } from './call.ts';
import type { ProfileBatcher } from './batch/batcher.ts';
import type { BatchFallback } from './batch/settings.ts';
import { withBatch } from './batch/step.ts';
import { batchPricing } from './pricing.ts';
import type { ModelProfile } from './profiles.ts';
import type { AttemptFailure } from './retry.ts';
import type { ProfileLimiter } from './rate-limit.ts';
import { displayUrl, redactSecrets } from './redact.ts';
import { createSdkSender, type ProxySettings, type SdkSender } from './sdk-call.ts';
import type { CallOptions, ChatMessage, CompletionRequest, CompletionResult, Model } from './types.ts';

export interface OpenAIModelDeps {
  /** The API key; never stored anywhere else. */
  readonly apiKey: string | undefined;
  /** Where the key should have come from, when it is required and missing (`env OPENAI_API_KEY`). */
  readonly missingKey?: string | undefined;
  readonly limiter: ProfileLimiter;
  readonly cache?: ResponseCache | undefined;
  readonly cacheMode: CacheMode;
  /** The proxies requests go through (default: none; the run takes them from its environment). */
  readonly proxy?: ProxySettings | undefined;
  /** For tests: sends a request instead of the SDK. */
  readonly send?: SdkSender;
  /** For tests: a fixed random source makes back-off waits predictable. */
  readonly random?: () => number;
  /** Batch mode: the batcher of the profile's requests, and what becomes of a request its batch could not answer. */
  readonly batch?: { readonly batcher: ProfileBatcher; readonly fallback: BatchFallback } | undefined;
}

/** The chat-completions path, as a batch's lines and its endpoint name it: Azure's global batch deployments take it without `/v1`. */
export function batchEndpoint(profile: Pick<ModelProfile, 'type'>): string {
  return profile.type === 'azure-openai' ? '/chat/completions' : '/v1/chat/completions';
}

/** The model a call is recorded under: the deployment for Azure, else the model id. */
const recordedModel = (profile: ModelProfile) => profile.deployment ?? profile.model;

export function createOpenAIModel(profile: ModelProfile, deps: OpenAIModelDeps): Model {
  const secrets = [deps.apiKey];
  const redact = (text: string) => redactSecrets(text, secrets);
  const model = recordedModel(profile);
  const where = profile.type === 'azure-openai' ? displayUrl(profile.endpoint ?? profile.baseURL) : displayUrl(profile.baseURL ?? 'https://api.openai.com/v1');
  const send: SdkSender = deps.send ?? createSdkSender({
    type: profile.type,
    apiKey: deps.apiKey,
    baseURL: profile.baseURL,
    endpoint: profile.endpoint,
    deployment: profile.deployment,
    apiVersion: profile.apiVersion,
    timeoutMs: profile.timeoutMs,
    proxy: deps.proxy,
  });

  /** The request body, parameters merged (the stage's win) and adapted to the profile. */
  const bodyOf = (request: CompletionRequest, stream: boolean): Record<string, unknown> => {
    const params: Record<string, Json> = { ...profile.params, ...request.params };
    // Mock-only knob; a real server would reject it.
    delete params['latency_ms'];
    for (const name of profile.omitParams) delete params[name];
    if (profile.maxCompletionTokens && params['max_tokens'] !== undefined) {
      params['max_completion_tokens'] ??= params['max_tokens'];
      delete params['max_tokens'];
    }
    const body: Record<string, unknown> = { ...params, model: profile.model, messages: request.messages.map(wireMessage) };
    if (request.tools && request.tools.length > 0) {
      body['tools'] = request.tools.map(({ name, description, parameters }) => ({ type: 'function', function: { name, description, parameters } }));
      if (request.toolChoice !== undefined) {
        body['tool_choice'] = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
      }
      if (request.parallelToolCalls !== undefined) body['parallel_tool_calls'] = request.parallelToolCalls;
    }
    const format = request.responseFormat;
    if (format === 'json') body['response_format'] = { type: 'json_object' };
    else if (format) {
      body['response_format'] = profile.structuredOutput
        ? { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, strict: false } }
        : { type: 'json_object' };
    }
    if (stream) {
      body['stream'] = true;
      body['stream_options'] = { include_usage: true };
    }
    return body;
  };

  const fail = (code: string, message: string, hint?: string): ModelError =>
    new ModelError(code, redact(`Model '${profile.name}' (${profile.type} ${model} at ${where}): ${message}`), {
      ...(hint && { hint }),
      exitCode: 1,
    });

  const giveUp = (failure: AttemptFailure, message: string, made: number): ModelError =>
    !failure.retryable
      ? fail(
          failure.status === 401 || failure.status === 403 ? 'E_MODEL_AUTH' : 'E_MODEL_REQUEST',
          `${message} (not retried).`,
          failure.status === 401 || failure.status === 403 ? 'Check the API key the profile uses (`tagliots models` shows where it comes from).' : undefined,
        )
      : fail('E_MODEL_RETRIES', `gave up after ${made} attempt${made === 1 ? '' : 's'}; the last failed with ${message}.`);
  const online = withRetry(withRateLimit(withTimeout(classify(send), profile.timeoutMs), deps.limiter), {
    policy: profile.retry,
    random: deps.random ?? Math.random,
    profile: profile.name,
    redact,
    giveUp,
  });
  // Batch mode: requests are queued for the provider's Batch API instead of sent, and priced at its rate.
  const attempts = deps.batch ? withBatch(deps.batch.batcher, online, {
        policy: profile.retry,
        fallback: deps.batch.fallback,
        redact,
        giveUp,
        // Azure's global batch deployments take the deployment's name as the model.
        ...(profile.type === 'azure-openai' && { model: profile.deployment ?? profile.model }),
      }) : online;
  const pricing = { ...profile, ...(profile.pricing && { batchPricing: batchPricing(profile.pricing, profile.type) }) };
  const checked = withContextCheck(priced(attempts, pricing), {
    model: profile.model,
    encoding: profile.encoding,
    contextWindow: profile.contextWindow,
    countsTokens: deps.limiter.countsTokens,
    tooBig: (promptTokens, maxOut) =>
      fail(
        'E_MODEL_CONTEXT',
        `the prompt needs about ${promptTokens} tokens${maxOut ? ` plus ${maxOut} for the reply (max tokens)` : ''}, more than the context window of ${profile.contextWindow}; not sent.`,
        'Shorten the prompt or lower max_tokens; tagliots never truncates a prompt, since that would change the experiment.',
      ),
  });
  const cached = withCache(checked, {
    cache: deps.cache,
    mode: deps.cacheMode,
    provider: profile.type,
    baseURL: profile.type === 'azure-openai' ? null : (profile.baseURL ?? 'https://api.openai.com/v1'),
    endpoint: profile.endpoint ?? null,
    deployment: profile.deployment ?? null,
    apiVersion: profile.apiVersion ?? null,
    profile: profile.name,
    model,
  });
  const keyed: CallStep = deps.missingKey
    ? () => Promise.reject(fail('E_MODEL_NO_KEY', `no API key: ${deps.missingKey} is not set.`, "Set it, or put the key in .credentials.json under the model's name."))
    : cached;
  const call = recorded(keyed, { profile: profile.name, model, provider: profile.type, redact });

  return {
    name: profile.name,
    description: profile.description,
    kind: profile.type,
    structuredOutput: profile.structuredOutput,
    complete(request: CompletionRequest, options?: CallOptions): Promise<CompletionResult> {
      return call(newCall(bodyOf(request, request.stream ?? profile.stream), request, options));
    },
  };
}

/** A message as the chat-completions API takes it: tool calls and tool results in its own words. */
/** A chat message as the chat-completions API takes it. */
export function wireMessage(message: ChatMessage): Record<string, unknown> {
  const { role, content } = message;
  if (message.toolCalls && message.toolCalls.length > 0) {
    return {
      role,
      // The API wants null, not '', beside tool calls.
      content: content === '' ? null : content,
      tool_calls: message.toolCalls.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } })),
    };
  }
  if (message.toolCallId !== undefined) return { role, content, tool_call_id: message.toolCallId };
  return { role, content };
}
