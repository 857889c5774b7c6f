/**
 * Configured models: OpenAI, Azure OpenAI and OpenAI-compatible servers, through the official
 * `openai` SDK. The SDK's side of an attempt (sdk-call.ts) runs where the transport says: here, or
 * on the model thread (sdk-thread.ts); this side decides what each outcome means.
 *
 * One call = cache lookup → context-window check → attempts. Each attempt waits for the profile's
 * rate limiter, runs with its own timeout (and the stage's abort signal), and on failure is either
 * retried (429, 408, 409, 5xx, network errors, timeouts, malformed replies: exponential back-off
 * with full jitter, never sooner than the server asked) or given up (other 4xx: at once). The SDK's
 * own retries are off, so every attempt and every wait is recorded in the stage's `calls`.
 */
import { ModelError } from '../errors.ts';
import type { Json } from '../util/json.ts';
import { cacheKey, readsCache, writesCache, type CacheMode, type ResponseCache } from './cache.ts';
import { costOf } from './pricing.ts';
import type { ModelProfile } from './profiles.ts';
import type { HeaderReader, ProfileLimiter } from './rate-limit.ts';
import { displayUrl, redactSecrets } from './redact.ts';
import { isRetryableStatus, retryAfterFromHeaders, retryDelayMs, type AttemptFailure } from './retry.ts';
import { sleep } from '../util/sleep.ts';
import { inThreadTransport, type SdkFailure, type SdkReply, type SdkSender, type SdkTransport } from './sdk-call.ts';
import { countMessageTokens, encoderFor, estimateUsage } from './tokens.ts';
import type {
  CacheStatus,
  CallOptions,
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  Model,
  ModelAttemptRecord,
  ModelCallRecord,
} from './types.ts';

export interface OpenAIModelDeps {
  /** The API key; never stored anywhere else. */
  readonly apiKey: string | undefined;
  /** Where the key should have come from, when it is required and missing (`env OPENAI_API_KEY`). */
  readonly missingKey?: string | undefined;
  readonly limiter: ProfileLimiter;
  readonly cache?: ResponseCache | undefined;
  readonly cacheMode: CacheMode;
  /** Where requests run (default: the calling thread). */
  readonly transport?: SdkTransport;
  /** For tests: a fixed random source makes back-off waits predictable. */
  readonly random?: () => number;
}

/** Why an attempt's own signal fired: its timeout, rather than the stage's signal. */
class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no complete reply within ${ms} ms`);
  }
}

const now = () => performance.now();
const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** The model a call is recorded under: the deployment for Azure, else the model id. */
const recordedModel = (profile: ModelProfile) => profile.deployment ?? profile.model;

export function createOpenAIModel(profile: ModelProfile, deps: OpenAIModelDeps): Model {
  const { limiter, cache, cacheMode } = deps;
  const random = deps.random ?? Math.random;
  const secrets = [deps.apiKey];
  const where = profile.type === 'azure-openai' ? displayUrl(profile.endpoint ?? profile.baseURL) : displayUrl(profile.baseURL ?? 'https://api.openai.com/v1');
  const send: SdkSender = (deps.transport ?? inThreadTransport).sender({
    type: profile.type,
    apiKey: deps.apiKey,
    baseURL: profile.baseURL,
    endpoint: profile.endpoint,
    deployment: profile.deployment,
    apiVersion: profile.apiVersion,
    timeoutMs: profile.timeoutMs,
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

  const keyOf = (body: Record<string, unknown>, repeat: number) => {
    const { stream: _stream, stream_options: _options, ...material } = body;
    return cacheKey({
      provider: profile.type,
      baseURL: profile.type === 'azure-openai' ? null : (profile.baseURL ?? 'https://api.openai.com/v1'),
      endpoint: profile.endpoint ?? null,
      deployment: profile.deployment ?? null,
      apiVersion: profile.apiVersion ?? null,
      request: material,
      repeat,
    });
  };

  const fail = (code: string, message: string, hint?: string): ModelError =>
    new ModelError(code, redactSecrets(`Model '${profile.name}' (${profile.type} ${recordedModel(profile)} at ${where}): ${message}`, secrets), {
      ...(hint && { hint }),
      exitCode: 1,
    });

  /** What an attempt's failure means for retrying. */
  const classify = (failure: SdkFailure, attemptSignal: AbortSignal, outer: AbortSignal | undefined): AttemptFailure => {
    if (outer?.aborted) return { kind: 'aborted', retryable: false, status: null, message: 'cancelled' };
    if (attemptSignal.aborted && attemptSignal.reason instanceof AttemptTimeout) {
      return { kind: 'timeout', retryable: true, status: null, message: `timed out: ${attemptSignal.reason.message}` };
    }
    switch (failure.kind) {
      case 'timeout':
        return { kind: 'timeout', retryable: true, status: null, message: `timed out (${failure.message})` };
      case 'network':
        return { kind: 'network', retryable: true, status: null, message: `network error: ${failure.message}` };
      case 'malformed':
        return { kind: 'malformed', retryable: true, status: null, message: `malformed reply: ${failure.message}` };
      case 'status': {
        const { status } = failure;
        const retryAfterMs = retryAfterFromHeaders(headerReader(failure.headers));
        const message = `HTTP ${status}${failure.message ? `: ${failure.message}` : ''}`;
        const kind = status === 429 ? 'rate-limit' : status >= 500 ? 'server' : 'client';
        return { kind, retryable: isRetryableStatus(status), status, message, ...(retryAfterMs !== undefined && { retryAfterMs }) };
      }
      default:
        return { kind: 'internal', retryable: false, status: null, message: failure.message };
    }
  };

  return {
    name: profile.name,
    description: profile.description,
    kind: profile.type,
    structuredOutput: profile.structuredOutput,

    async complete(request: CompletionRequest, options?: CallOptions): Promise<CompletionResult> {
      const started = now();
      const outer = options?.signal;
      const stream = request.stream ?? profile.stream;
      const body = bodyOf(request, stream);
      const attempts: ModelAttemptRecord[] = [];
      let waitedMs = 0;
      let rateLimitWaitMs = 0;
      let cacheStatus: CacheStatus = 'off';
      let recorded = false;
      const record = (fields: Pick<ModelCallRecord, 'status'> & Partial<ModelCallRecord>) => {
        if (recorded) return;
        recorded = true;
        const call: ModelCallRecord = {
          profile: profile.name,
          model: recordedModel(profile),
          provider: profile.type,
          cache: cacheStatus,
          attempts,
          waitedMs: round(waitedMs),
          rateLimitWaitMs: round(rateLimitWaitMs),
          durationMs: round(now() - started),
          ...fields,
        };
        options?.recordCall?.(call);
        options?.onModelEvent?.({ type: 'call', profile: profile.name, cache: cacheStatus, ok: fields.status === 'ok', costUsd: fields.costUsd ?? 0 });
      };

      try {
        if (deps.missingKey) {
          throw fail('E_MODEL_NO_KEY', `no API key: ${deps.missingKey} is not set.`, 'Set it, or put the key in .credentials.json under the model\'s name.');
        }
        // 1. The cache.
        const key = cache && cacheMode !== 'off' ? keyOf(body, options?.repeat ?? 0) : undefined;
        if (key && cache && readsCache(cacheMode)) {
          const hit = await cache.get(key);
          if (hit) {
            cacheStatus = 'hit';
            record({
              status: 'ok',
              ...(hit.usage && { usage: hit.usage }),
              ...(hit.usageEstimated && { usageEstimated: true }),
              costUsd: 0,
              ...(hit.finishReason && { finishReason: hit.finishReason }),
            });
            return {
              text: hit.text,
              ...(hit.usage && { usage: hit.usage }),
              cache: 'hit',
              costUsd: 0,
              ...(hit.finishReason && { finishReason: hit.finishReason }),
              ...(hit.toolCalls && { toolCalls: hit.toolCalls }),
            };
          }
          cacheStatus = 'miss';
        }

        // 2. Token estimate: for the context window and the tokens-per-minute limit only.
        let estimate = 0;
        if (profile.contextWindow !== undefined || limiter.countsTokens) {
          const encoder = await encoderFor(profile.model, profile.encoding);
          const promptTokens = countMessageTokens(encoder, request.messages, request.tools);
          const maxOut = Number(body['max_completion_tokens'] ?? body['max_tokens'] ?? 0) || 0;
          estimate = promptTokens + maxOut;
          if (profile.contextWindow !== undefined && estimate > profile.contextWindow) {
            throw fail(
              'E_MODEL_CONTEXT',
              `the prompt needs about ${promptTokens} tokens${maxOut ? ` plus ${maxOut} for the reply (max tokens)` : ''}, more than the context window of ${profile.contextWindow}; not sent.`,
              'Shorten the prompt or lower max_tokens; tagliots never truncates a prompt, since that would change the experiment.',
            );
          }
        }

        // 3. Attempts.
        let backoff = 0;
        for (let attempt = 1; ; attempt++) {
          const onWait = (waiting: boolean) => options?.onModelEvent?.({ type: 'wait', profile: profile.name, waiting });
          const grant = await limiter.acquire(estimate, outer, onWait);
          rateLimitWaitMs += grant.waitedMs;
          const attemptStart = now();
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(new AttemptTimeout(profile.timeoutMs)), profile.timeoutMs);
          const onAbort = () => controller.abort(outer!.reason);
          if (outer) {
            if (outer.aborted) controller.abort(outer.reason);
            else outer.addEventListener('abort', onAbort, { once: true });
          }
          let reply: SdkReply | undefined;
          let failure: AttemptFailure | undefined;
          try {
            const outcome = await send(body, controller.signal);
            if (outcome.ok) reply = outcome.reply;
            else failure = classify(outcome.failure, controller.signal, outer);
          } finally {
            clearTimeout(timer);
            outer?.removeEventListener('abort', onAbort);
          }
          const base = { attempt, rateLimitWaitMs: round(grant.waitedMs), backoffMs: round(backoff), durationMs: round(now() - attemptStart) };

          if (reply) {
            grant.release({ ok: true, ...(reply.usage && { tokens: reply.usage.inputTokens + reply.usage.outputTokens }), headers: headerReader(reply.headers) });
            attempts.push({ ...base, status: reply.status, outcome: 'ok' });
            let usage = reply.usage;
            let usageEstimated = false;
            const toolCalls = reply.toolCalls ?? [];
            if (!usage) {
              usage = await estimateUsage(profile.model, request, { text: reply.text, toolCalls }, profile.encoding);
              usageEstimated = true;
            }
            const costUsd = profile.pricing ? costOf(usage, profile.pricing) : undefined;
            if (key && cache && writesCache(cacheMode) && (request.cacheable?.(reply.text, toolCalls) ?? true)) {
              await cache.put(
                key,
                {
                  text: reply.text,
                  usage,
                  ...(usageEstimated && { usageEstimated }),
                  ...(reply.finishReason && { finishReason: reply.finishReason }),
                  ...(toolCalls.length > 0 && { toolCalls }),
                },
                { profile: profile.name, model: recordedModel(profile) },
              );
            }
            record({
              status: 'ok',
              usage,
              ...(usageEstimated && { usageEstimated }),
              ...(costUsd !== undefined && { costUsd }),
              ...(reply.finishReason && { finishReason: reply.finishReason }),
            });
            return {
              text: reply.text,
              usage,
              cache: cacheStatus,
              ...(costUsd !== undefined && { costUsd }),
              ...(reply.finishReason && { finishReason: reply.finishReason }),
              ...(toolCalls.length > 0 && { toolCalls }),
            };
          }

          const f = failure!;
          const message = redactSecrets(f.message, secrets);
          grant.release({
            ok: false,
            rateLimited: f.kind === 'rate-limit',
            ...(f.retryAfterMs !== undefined && { retryAfterMs: f.retryAfterMs }),
          });
          if (f.kind === 'aborted') {
            attempts.push({ ...base, status: null, outcome: 'error', error: 'cancelled' });
            record({ status: 'cancelled', error: 'cancelled' });
            throw outer!.reason;
          }
          const last = !f.retryable || attempt >= profile.retry.maxAttempts;
          attempts.push({ ...base, status: f.status, outcome: last ? 'error' : 'retry', error: message, ...(f.retryAfterMs !== undefined && { retryAfterMs: round(f.retryAfterMs) }) });
          if (last) {
            const error = !f.retryable
              ? fail(
                  f.status === 401 || f.status === 403 ? 'E_MODEL_AUTH' : 'E_MODEL_REQUEST',
                  `${message} (not retried).`,
                  f.status === 401 || f.status === 403 ? 'Check the API key the profile uses (`tagliots models` shows where it comes from).' : undefined,
                )
              : fail('E_MODEL_RETRIES', `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}; the last failed with ${message}.`);
            record({ status: 'error', error: error.message });
            throw error;
          }
          backoff = retryDelayMs(attempt, profile.retry, f.retryAfterMs, random);
          options?.onModelEvent?.({ type: 'retry', profile: profile.name, status: f.status, delayMs: backoff });
          waitedMs += backoff;
          try {
            await sleep(backoff, outer);
          } catch (reason) {
            record({ status: 'cancelled', error: 'cancelled' });
            throw reason;
          }
        }
      } catch (error) {
        // Errors before any attempt (a context-window check, a cache read): recorded too.
        if (!recorded) {
          const cancelled = outer?.aborted === true;
          record({ status: cancelled ? 'cancelled' : 'error', error: cancelled ? 'cancelled' : redactSecrets(error instanceof Error ? error.message : String(error), secrets) });
        }
        throw error;
      }
    },
  };
}

/** A message as the chat-completions API takes it: tool calls and tool results in its own words. */
function wireMessage(message: ChatMessage): Record<string, unknown> {
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

function headerReader(headers: Readonly<Record<string, string>>): HeaderReader {
  return { get: (name) => headers[name.toLowerCase()] ?? null };
}
