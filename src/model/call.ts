/**
 * A configured model's call, as a composition of small wrappers, outermost first:
 *
 *     record ∘ cache ∘ price ∘ contextCheck ∘ retry ∘ rateLimit ∘ timeout ∘ classify ∘ send
 *
 * Call level (once per call): `record` writes the call's record whatever happens; `cache` answers
 * from the response cache (skipping everything inside it, the rate limiter too) and stores fresh
 * replies; `price` fills in usage the server left out and the cost; `contextCheck` estimates the
 * prompt's tokens, refuses a prompt too big for the context window and hands the estimate to the
 * rate limiter. Attempt level (once per attempt): `retry` runs attempts until one succeeds or a
 * failure is final, with the back-off of retry.ts; `rateLimit` holds a grant of the profile's
 * limiter around the attempt; `timeout` gives it its own time limit; `classify` says what the SDK's
 * outcome means for retrying. The retry loop and the timer are the same as the stage wrappers'
 * (util/attempts.ts).
 */
import { BudgetReachedError, ModelError } from '../errors.ts';
import { deadline, retrying } from '../util/attempts.ts';
import { cacheKey, readsCache, writesCache, type CacheMode, type ResponseCache } from './cache.ts';
import { costOf, type Pricing } from './pricing.ts';
import type { ModelProfile } from './profiles.ts';
import type { HeaderReader, ProfileLimiter } from './rate-limit.ts';
import { isRetryableStatus, retryAfterFromHeaders, retryDelayMs, type AttemptFailure, type RetryPolicy } from './retry.ts';
import type { SdkFailure, SdkReply, SdkSender } from './sdk-call.ts';
import { countMessageTokens, encoderFor, estimateUsage } from './tokens.ts';
import type { CacheStatus, CallOptions, CompletionRequest, CompletionResult, ModelAttemptRecord, ModelCallRecord, ProviderType } from './types.ts';

/** One call as it passes through the wrappers: what is asked, and what each wrapper adds to its record. */
export interface PendingCall {
  /** The request body as sent (parameters merged, adapted to the profile). */
  readonly body: Record<string, unknown>;
  readonly request: CompletionRequest;
  readonly options: CallOptions | undefined;
  /** Every attempt made, in order. */
  readonly attempts: ModelAttemptRecord[];
  cache: CacheStatus;
  /** Back-off waits between attempts, in all. */
  waitedMs: number;
  /** Waits for the rate limiter, in all. */
  rateLimitWaitMs: number;
  /** The tokens the call may use (prompt + max reply), for a tokens-per-minute limit; 0 when not counted. */
  estimate: number;
  /** Batch mode: the batch that answered the call, its request's `custom_id`, and when (epoch ms) and how long the call waited for batches. */
  batched?: { readonly batchId: string; readonly customId: string; readonly startMs: number; readonly waitMs: number };
}

/** A call's answer, before the cache status is added. */
export type CallReply = Omit<CompletionResult, 'cache'> & { readonly usageEstimated?: boolean; readonly onlineCostUsd?: number };

/** A call-level step: the rest of the chain. */
export type CallStep = (call: PendingCall) => Promise<CallReply>;

/** What became of one attempt. */
export type AttemptResult = { readonly ok: true; readonly reply: SdkReply } | { readonly ok: false; readonly failure: AttemptFailure };

/** An attempt with its times: the wait for the rate limiter, then the request itself. */
export interface TimedAttempt {
  readonly result: AttemptResult;
  readonly rateLimitWaitMs: number;
  readonly durationMs: number;
}

/** An attempt-level step. `estimate` is the call's token estimate, for the rate limiter. */
export type AttemptStep = (body: Record<string, unknown>, signal: AbortSignal | undefined, estimate: number, onWait?: (waiting: boolean) => void) => Promise<TimedAttempt>;

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const now = () => performance.now();

export function headerReader(headers: Readonly<Record<string, string>>): HeaderReader {
  return { get: (name) => headers[name.toLowerCase()] ?? null };
}

/** What an SDK outcome means for retrying; a fired `outer` signal is a cancel, whatever the SDK says. */
export function classify(send: SdkSender): (body: Record<string, unknown>, signal: AbortSignal, outer: AbortSignal | undefined) => Promise<AttemptResult> {
  return async (body, signal, outer) => {
    const outcome = await send(body, signal);
    if (outcome.ok) return outcome;
    if (outer?.aborted) return { ok: false, failure: { kind: 'aborted', retryable: false, status: null, message: 'cancelled' } };
    return { ok: false, failure: failureOf(outcome.failure) };
  };
}

function failureOf(failure: SdkFailure): AttemptFailure {
  switch (failure.kind) {
    case 'timeout':
      return { kind: 'timeout', retryable: true, status: null, message: `timed out (${failure.message})` };
    case 'network':
      return { kind: 'network', retryable: true, status: null, message: `network error: ${failure.message}` };
    case 'malformed':
      return { kind: 'malformed', retryable: true, status: null, message: `malformed reply: ${failure.message}` };
    case 'aborted':
      return { kind: 'aborted', retryable: false, status: null, message: 'cancelled' };
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
}

/** Gives each attempt `ms` to answer completely; an expiry is a retryable timeout. */
export function withTimeout(send: ReturnType<typeof classify>, ms: number): (body: Record<string, unknown>, outer: AbortSignal | undefined) => Promise<AttemptResult> {
  return async (body, outer) => {
    const limit = deadline(ms, outer, () => new Error(`no complete reply within ${ms} ms`));
    try {
      const result = await send(body, limit.signal, outer);
      if (!result.ok && limit.expired && !outer?.aborted) {
        return { ok: false, failure: { kind: 'timeout', retryable: true, status: null, message: `timed out: no complete reply within ${ms} ms` } };
      }
      return result;
    } finally {
      limit.dispose();
    }
  };
}

/**
 * Holds a grant of the profile's rate limiter around each attempt, and tells the limiter how it
 * went (tokens used, the server's headers, a 429 and how long the server asked to wait).
 */
export function withRateLimit(attempt: ReturnType<typeof withTimeout>, limiter: ProfileLimiter): AttemptStep {
  return async (body, signal, estimate, onWait) => {
    const grant = await limiter.acquire(estimate, signal, onWait);
    const started = now();
    let result: AttemptResult | undefined;
    try {
      result = await attempt(body, signal);
      return { result, rateLimitWaitMs: grant.waitedMs, durationMs: now() - started };
    } finally {
      if (result?.ok) {
        const { usage, headers } = result.reply;
        grant.release({ ok: true, ...(usage && { tokens: usage.inputTokens + usage.outputTokens }), headers: headerReader(headers) });
      } else {
        const failure = result?.failure;
        grant.release({ ok: false, rateLimited: failure?.kind === 'rate-limit', ...(failure?.retryAfterMs !== undefined && { retryAfterMs: failure.retryAfterMs }) });
      }
    }
  };
}

export interface RetrySettings {
  readonly policy: RetryPolicy;
  readonly random: () => number;
  readonly profile: string;
  /** Removes secrets from a failure's message before it is recorded. */
  readonly redact: (text: string) => string;
  /** The error a call ends with when it gives up. */
  readonly giveUp: (failure: AttemptFailure, message: string, attempts: number) => ModelError;
}

/** A failure that ends the call: the error to throw (a cancel throws the signal's reason). */
class CallFailed extends Error {
  constructor(readonly thrown: unknown) {
    super('call failed');
  }
}

/**
 * Runs attempts until one answers or a failure is final (not retryable, the last attempt, or a
 * cancel), waiting between them as retry.ts says (never sooner than the server asked). Records
 * every attempt in the call.
 */
export function withRetry(attempt: AttemptStep, settings: RetrySettings): (call: PendingCall) => Promise<SdkReply> {
  return async (call) => {
    const outer = call.options?.signal;
    const onWait = (waiting: boolean) => call.options?.onModelEvent?.({ type: 'wait', profile: settings.profile, waiting });
    let backoff = 0;
    const once = async (n: number): Promise<SdkReply | CallFailed | undefined> => {
      const { result, rateLimitWaitMs, durationMs } = await attempt(call.body, outer, call.estimate, onWait);
      call.rateLimitWaitMs += rateLimitWaitMs;
      const base = { attempt: n, rateLimitWaitMs: round(rateLimitWaitMs), backoffMs: round(backoff), durationMs: round(durationMs) };
      if (result.ok) {
        call.attempts.push({ ...base, status: result.reply.status, outcome: 'ok' });
        return result.reply;
      }
      const failure = result.failure;
      if (failure.kind === 'aborted') {
        call.attempts.push({ ...base, status: null, outcome: 'error', error: 'cancelled' });
        return new CallFailed(outer?.reason);
      }
      const message = settings.redact(failure.message);
      const last = !failure.retryable || n >= settings.policy.maxAttempts;
      call.attempts.push({ ...base, status: failure.status, outcome: last ? 'error' : 'retry', error: message, ...(failure.retryAfterMs !== undefined && { retryAfterMs: round(failure.retryAfterMs) }) });
      if (last) return new CallFailed(settings.giveUp(failure, message, n));
      backoff = retryDelayMs(n, settings.policy, failure.retryAfterMs, settings.random);
      call.options?.onModelEvent?.({ type: 'retry', profile: settings.profile, status: failure.status, delayMs: backoff });
      call.waitedMs += backoff;
      return undefined;
    };
    const result = await retrying(once, (r) => (r === undefined ? backoff : undefined), outer);
    if (result instanceof CallFailed) throw result.thrown;
    return result!;
  };
}

/** Refuses a prompt too big for the context window (never truncated), and estimates the call's tokens for the limiter. */
export function withContextCheck(next: CallStep, settings: { readonly model: string; readonly encoding?: ModelProfile['encoding']; readonly contextWindow?: number | undefined; readonly countsTokens: boolean; readonly tooBig: (promptTokens: number, maxOut: number) => ModelError }): CallStep {
  return async (call) => {
    if (settings.contextWindow !== undefined || settings.countsTokens) {
      const encoder = await encoderFor(settings.model, settings.encoding);
      const promptTokens = countMessageTokens(encoder, call.request.messages, call.request.tools);
      const maxOut = Number(call.body['max_completion_tokens'] ?? call.body['max_tokens'] ?? 0) || 0;
      call.estimate = promptTokens + maxOut;
      if (settings.contextWindow !== undefined && call.estimate > settings.contextWindow) throw settings.tooBig(promptTokens, maxOut);
    }
    return next(call);
  };
}

/**
 * Turns a reply into the call's answer: usage estimated when the server left it out, and its cost
 * (at the batch prices, `batchPricing`, when a batch answered it; `onlineCostUsd` then says what it
 * would have cost online).
 */
export function priced(
  send: (call: PendingCall) => Promise<SdkReply>,
  settings: { readonly model: string; readonly encoding?: ModelProfile['encoding']; readonly pricing?: Pricing | undefined; readonly batchPricing?: Pricing | undefined },
): CallStep {
  return async (call) => {
    const reply = await send(call);
    const toolCalls = reply.toolCalls ?? [];
    let usage = reply.usage;
    let usageEstimated = false;
    if (!usage) {
      usage = await estimateUsage(settings.model, call.request, { text: reply.text, toolCalls }, settings.encoding);
      usageEstimated = true;
    }
    const onlineCostUsd = settings.pricing ? costOf(usage, settings.pricing) : undefined;
    const batchPrices = call.batched ? (settings.batchPricing ?? settings.pricing) : undefined;
    const costUsd = batchPrices ? costOf(usage, batchPrices) : onlineCostUsd;
    return {
      ...(call.batched && onlineCostUsd !== undefined && { onlineCostUsd }),
      text: reply.text,
      usage,
      ...(usageEstimated && { usageEstimated }),
      ...(costUsd !== undefined && { costUsd }),
      ...(reply.finishReason && { finishReason: reply.finishReason }),
      ...(toolCalls.length > 0 && { toolCalls }),
    };
  };
}

/** Where a profile's replies are cached, and under what. */
export interface CacheSettings {
  readonly cache: ResponseCache | undefined;
  readonly mode: CacheMode;
  readonly provider: ProviderType;
  readonly baseURL: string | null;
  readonly endpoint: string | null;
  readonly deployment: string | null;
  readonly apiVersion: string | null;
  readonly profile: string;
  readonly model: string;
}

/**
 * Answers from the response cache when it has the request (a hit costs nothing and waits for no
 * limiter), and stores fresh replies the request's `cacheable` accepts.
 */
export function withCache(next: CallStep, settings: CacheSettings): CallStep {
  const { cache, mode } = settings;
  if (!cache || mode === 'off') return next;
  return async (call) => {
    const { stream: _stream, stream_options: _options, ...material } = call.body;
    const key = cacheKey({
      provider: settings.provider,
      baseURL: settings.baseURL,
      endpoint: settings.endpoint,
      deployment: settings.deployment,
      apiVersion: settings.apiVersion,
      request: material,
      repeat: call.options?.repeat ?? 0,
    });
    if (readsCache(mode)) {
      const hit = await cache.get(key);
      if (hit) {
        call.cache = 'hit';
        return {
          text: hit.text,
          ...(hit.usage && { usage: hit.usage }),
          ...(hit.usageEstimated && { usageEstimated: true }),
          costUsd: 0,
          ...(hit.finishReason && { finishReason: hit.finishReason }),
          ...(hit.toolCalls && { toolCalls: hit.toolCalls }),
        };
      }
      call.cache = 'miss';
    }
    const reply = await next(call);
    const toolCalls = reply.toolCalls ?? [];
    if (writesCache(mode) && (call.request.cacheable?.(reply.text, toolCalls) ?? true)) {
      await cache.put(
        key,
        {
          text: reply.text,
          ...(reply.usage && { usage: reply.usage }),
          ...(reply.usageEstimated && { usageEstimated: true }),
          ...(reply.finishReason && { finishReason: reply.finishReason }),
          ...(toolCalls.length > 0 && { toolCalls }),
        },
        { profile: settings.profile, model: settings.model },
      );
    }
    return reply;
  };
}

/**
 * Records the call in the stage record (`recordCall`) and tells the progress display
 * (`onModelEvent`), once, however it ends: answered, failed or cancelled.
 */
export function recorded(next: CallStep, settings: { readonly profile: string; readonly model: string; readonly provider: ProviderType | 'mock'; readonly redact: (text: string) => string }): (call: PendingCall) => Promise<CompletionResult> {
  return async (call) => {
    const started = now();
    const record = (fields: Pick<ModelCallRecord, 'status'> & Partial<ModelCallRecord>) => {
      const entry: ModelCallRecord = {
        profile: settings.profile,
        model: settings.model,
        provider: settings.provider,
        cache: call.cache,
        attempts: call.attempts,
        waitedMs: round(call.waitedMs),
        rateLimitWaitMs: round(call.rateLimitWaitMs),
        durationMs: round(now() - started),
        ...fields,
      };
      call.options?.recordCall?.(entry);
      call.options?.onModelEvent?.({ type: 'call', profile: settings.profile, cache: call.cache, ok: fields.status === 'ok', costUsd: fields.costUsd ?? 0 });
    };
    let reply: CallReply;
    try {
      reply = await next(call);
    } catch (error) {
      const message = settings.redact(error instanceof Error ? error.message : String(error));
      if (error instanceof BudgetReachedError) record({ status: 'cancelled', error: message });
      else if (call.options?.signal?.aborted === true) record({ status: 'cancelled', error: 'cancelled' });
      else record({ status: 'error', error: message });
      throw error;
    }
    const { usageEstimated, onlineCostUsd, ...result } = reply;
    const batched = call.cache !== 'hit' ? call.batched : undefined;
    record({
      status: 'ok',
      ...(reply.usage && { usage: { ...reply.usage } }),
      ...(usageEstimated && { usageEstimated: true }),
      ...(reply.costUsd !== undefined && { costUsd: reply.costUsd }),
      ...(reply.finishReason && { finishReason: reply.finishReason }),
      ...(batched && {
        batch: {
          ...batched,
          ...(onlineCostUsd !== undefined && reply.costUsd !== undefined && { savedUsd: Math.max(0, Math.round((onlineCostUsd - reply.costUsd) * 1e9) / 1e9) }),
        },
      }),
    });
    return { ...result, cache: call.cache };
  };
}

/** A fresh call through the chain. */
export function newCall(body: Record<string, unknown>, request: CompletionRequest, options: CallOptions | undefined, cache: CacheStatus = 'off'): PendingCall {
  return { body, request, options, attempts: [], cache, waitedMs: 0, rateLimitWaitMs: 0, estimate: 0 };
}
