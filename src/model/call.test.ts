/**
 * The wrappers a configured model's call is made of, each alone with a scripted sender, and
 * composed as openai.ts composes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../errors.ts';
import { ResponseCache } from './cache.ts';
import { classify, newCall, priced, recorded, withCache, withRateLimit, withRetry, withTimeout, type AttemptResult, type CallStep, type TimedAttempt } from './call.ts';
import { ProfileLimiter, type Grant, type ReleaseOutcome } from './rate-limit.ts';
import type { SdkOutcome, SdkSender } from './sdk-call.ts';
import type { CompletionRequest, ModelCallRecord } from './types.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const request: CompletionRequest = { messages: [{ role: 'user', content: 'What is 6*7?' }] };
const body = { model: 'm', messages: [{ role: 'user', content: 'What is 6*7?' }] };
const reply = (text: string): SdkOutcome => ({ ok: true, reply: { text, usage: { inputTokens: 10, outputTokens: 2 }, finishReason: 'stop', status: 200, headers: {} } });
const status = (code: number, headers: Record<string, string> = {}): SdkOutcome => ({ ok: false, failure: { kind: 'status', status: code, message: `status ${code}`, headers } });

/** A sender that answers from a script, one outcome per request; `'hang'` waits for the signal. */
function scripted(...script: (SdkOutcome | 'hang')[]): SdkSender & { sent: number } {
  const send = (async (_body: Record<string, unknown>, signal: AbortSignal): Promise<SdkOutcome> => {
    const next = script[send.sent++] ?? reply('42');
    if (next !== 'hang') return next;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return { ok: false, failure: { kind: 'aborted', message: 'cancelled' } };
  }) as SdkSender & { sent: number };
  send.sent = 0;
  return send;
}

/** A limiter that grants at once and remembers what it was told. */
function countingLimiter(): ProfileLimiter & { acquired: number; released: ReleaseOutcome[] } {
  const limiter = new ProfileLimiter() as ProfileLimiter & { acquired: number; released: ReleaseOutcome[] };
  limiter.acquired = 0;
  limiter.released = [];
  const acquire = limiter.acquire.bind(limiter);
  limiter.acquire = async (cost, signal, onWait): Promise<Grant> => {
    limiter.acquired++;
    const grant = await acquire(cost, signal, onWait);
    return { waitedMs: grant.waitedMs, release: (outcome) => (limiter.released.push(outcome), grant.release(outcome)) };
  };
  return limiter;
}

const giveUp = (_failure: unknown, message: string, attempts: number) => new ModelError('E_MODEL_RETRIES', `gave up after ${attempts}: ${message}`);
const retrySettings = { policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, random: () => 0, profile: 'p', redact: (t: string) => t, giveUp };
const instant = (results: AttemptResult[]) => {
  let i = 0;
  return async (): Promise<TimedAttempt> => ({ result: results[i++]!, rateLimitWaitMs: 0, durationMs: 1 });
};

describe('classify', () => {
  it('reads a 429 as a retryable rate limit with the wait the server asked for, and a 401 as final', async () => {
    const signal = new AbortController().signal;
    expect(await classify(scripted(status(429, { 'retry-after': '2' })))(body, signal, undefined)).toEqual({
      ok: false,
      failure: { kind: 'rate-limit', retryable: true, status: 429, message: 'HTTP 429: status 429', retryAfterMs: 2000 },
    });
    expect(await classify(scripted(status(401)))(body, signal, undefined)).toMatchObject({ ok: false, failure: { kind: 'client', retryable: false } });
  });

  it('calls any failure after the caller cancelled a cancel', async () => {
    const outer = new AbortController();
    outer.abort();
    expect(await classify(scripted(status(500)))(body, outer.signal, outer.signal)).toMatchObject({ ok: false, failure: { kind: 'aborted', retryable: false } });
  });
});

describe('withTimeout', () => {
  it('ends an attempt that does not answer in time as a retryable timeout, and leaves a prompt answer alone', async () => {
    const timed = withTimeout(classify(scripted('hang', reply('ok'))), 5);
    expect(await timed(body, undefined)).toEqual({ ok: false, failure: { kind: 'timeout', retryable: true, status: null, message: 'timed out: no complete reply within 5 ms' } });
    expect(await timed(body, undefined)).toMatchObject({ ok: true, reply: { text: 'ok' } });
  });

  it('tells a cancel from a timeout', async () => {
    const outer = new AbortController();
    const pending = withTimeout(classify(scripted('hang')), 60_000)(body, outer.signal);
    outer.abort();
    expect(await pending).toMatchObject({ ok: false, failure: { kind: 'aborted' } });
  });
});

describe('withRateLimit', () => {
  it('holds a grant around each attempt and tells the limiter about tokens, 429s and Retry-After', async () => {
    const limiter = countingLimiter();
    const attempt = withRateLimit(withTimeout(classify(scripted(status(429, { 'retry-after-ms': '250' }), reply('42'))), 1000), limiter);
    expect((await attempt(body, undefined, 0)).result.ok).toBe(false);
    expect((await attempt(body, undefined, 0)).result.ok).toBe(true);
    expect(limiter.acquired).toBe(2);
    expect(limiter.released).toEqual([
      { ok: false, rateLimited: true, retryAfterMs: 250 },
      { ok: true, tokens: 12, headers: expect.anything() },
    ]);
    expect(limiter.snapshot().inFlight).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries retryable failures, records every attempt, and answers with the first success', async () => {
    const call = newCall(body, request, undefined);
    const answer = await withRetry(instant([{ ok: false, failure: { kind: 'server', retryable: true, status: 500, message: 'HTTP 500' } }, (reply('42') as AttemptResult)]), retrySettings)(call);
    expect(answer.text).toBe('42');
    expect(call.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 500, 'retry'],
      [2, 200, 'ok'],
    ]);
  });

  it('gives up at once on a failure that is not retryable, and after the last attempt otherwise', async () => {
    const final = newCall(body, request, undefined);
    await expect(withRetry(instant([{ ok: false, failure: { kind: 'client', retryable: false, status: 400, message: 'HTTP 400' } }]), retrySettings)(final)).rejects.toThrow('gave up after 1: HTTP 400');
    const server = { ok: false, failure: { kind: 'server', retryable: true, status: 503, message: 'HTTP 503' } } as const;
    const exhausted = newCall(body, request, undefined);
    await expect(withRetry(instant([server, server, server]), retrySettings)(exhausted)).rejects.toThrow('gave up after 3: HTTP 503');
    expect(exhausted.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'error']);
  });

  it('waits at least what the server asked before the next attempt', async () => {
    const call = newCall(body, request, undefined);
    await withRetry(instant([{ ok: false, failure: { kind: 'rate-limit', retryable: true, status: 429, message: 'HTTP 429', retryAfterMs: 20 } }, reply('42') as AttemptResult]), retrySettings)(call);
    expect(call.attempts[0]).toMatchObject({ outcome: 'retry', retryAfterMs: 20 });
    expect(call.attempts[1]!.backoffMs).toBeGreaterThanOrEqual(20);
    expect(call.waitedMs).toBe(call.attempts[1]!.backoffMs);
  });
});

describe('withCache and recorded', () => {
  it('answers a repeated request from the cache without calling what it wraps, and records each call once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-call-'));
    dirs.push(dir);
    let inner = 0;
    const next: CallStep = async () => (inner++, { text: '42', usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0.5 });
    const settings = { cache: new ResponseCache(dir), mode: 'rw' as const, provider: 'openai' as const, baseURL: 'https://x', endpoint: null, deployment: null, apiVersion: null, profile: 'p', model: 'm' };
    const calls: ModelCallRecord[] = [];
    const call = recorded(withCache(next, settings), { profile: 'p', model: 'm', provider: 'openai', redact: (t) => t });
    const options = { recordCall: (c: ModelCallRecord) => calls.push(c) };
    expect(await call(newCall(body, request, options))).toMatchObject({ text: '42', cache: 'miss', costUsd: 0.5 });
    expect(await call(newCall(body, request, options))).toMatchObject({ text: '42', cache: 'hit', costUsd: 0 });
    expect(inner).toBe(1);
    expect(calls.map((c) => [c.status, c.cache, c.costUsd])).toEqual([
      ['ok', 'miss', 0.5],
      ['ok', 'hit', 0],
    ]);
  });

  it('records a failed call with its redacted message, and a cancelled one as cancelled', async () => {
    const calls: ModelCallRecord[] = [];
    const failing = recorded(() => Promise.reject(new Error('bad sk-123')), { profile: 'p', model: 'm', provider: 'openai', redact: (t) => t.replace('sk-123', '***') });
    await expect(failing(newCall(body, request, { recordCall: (c) => calls.push(c) }))).rejects.toThrow();
    const outer = new AbortController();
    outer.abort(new Error('stop'));
    await expect(failing(newCall(body, request, { signal: outer.signal, recordCall: (c) => calls.push(c) }))).rejects.toThrow();
    expect(calls.map((c) => [c.status, c.error])).toEqual([
      ['error', 'bad ***'],
      ['cancelled', 'cancelled'],
    ]);
  });
});

describe('composed as a configured model composes them', () => {
  const chain = (send: SdkSender, limiter: ProfileLimiter, timeoutMs = 60_000, cache?: ResponseCache) => {
    const attempts = withRetry(withRateLimit(withTimeout(classify(send), timeoutMs), limiter), retrySettings);
    const settings = { cache, mode: cache ? ('rw' as const) : ('off' as const), provider: 'openai' as const, baseURL: 'https://x', endpoint: null, deployment: null, apiVersion: null, profile: 'p', model: 'm' };
    return recorded(withCache(priced(attempts, { model: 'gpt-4o-mini' }), settings), { profile: 'p', model: 'm', provider: 'openai', redact: (t) => t });
  };

  it('a 429 with Retry-After inside the limiter: the limiter learns of it, the retry waits as asked, the call succeeds', async () => {
    const limiter = countingLimiter();
    const calls: ModelCallRecord[] = [];
    const send = scripted(status(429, { 'retry-after-ms': '30' }), reply('42'));
    const result = await chain(send, limiter)(newCall(body, request, { recordCall: (c) => calls.push(c) }));
    expect(result.text).toBe('42');
    expect(limiter.acquired).toBe(2);
    expect(limiter.released[0]).toEqual({ ok: false, rateLimited: true, retryAfterMs: 30 });
    expect(calls[0]!.attempts.map((a) => [a.status, a.outcome, a.retryAfterMs])).toEqual([
      [429, 'retry', 30],
      [200, 'ok', undefined],
    ]);
    expect(calls[0]!.attempts[1]!.backoffMs).toBeGreaterThanOrEqual(30);
  });

  it('a timeout inside a retry: the attempt that hangs is ended and the next one answers', async () => {
    const calls: ModelCallRecord[] = [];
    const send = scripted('hang', reply('42'));
    const result = await chain(send, new ProfileLimiter(), 10)(newCall(body, request, { recordCall: (c) => calls.push(c) }));
    expect(result.text).toBe('42');
    expect(calls[0]!.attempts.map((a) => [a.outcome, a.error])).toEqual([
      ['retry', 'timed out: no complete reply within 10 ms'],
      ['ok', undefined],
    ]);
  });

  it('a cache hit skips the limiter and the request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-call-'));
    dirs.push(dir);
    const limiter = countingLimiter();
    const send = scripted(reply('42'));
    const call = chain(send, limiter, 60_000, new ResponseCache(dir));
    await call(newCall(body, request, undefined));
    expect(await call(newCall(body, request, undefined))).toMatchObject({ text: '42', cache: 'hit' });
    expect({ acquired: limiter.acquired, sent: send.sent }).toEqual({ acquired: 1, sent: 1 });
  });
});
