/**
 * The OpenAI adapter against a local OpenAI-compatible server (test/helpers/openai-server.ts): the
 * real `openai` SDK over HTTP on 127.0.0.1, with scripted faults.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startOpenAIServer, type Behaviour, type OpenAIServer, type OpenAIServerOptions } from '../../test/helpers/openai-server.ts';
import { ModelError } from '../errors.ts';
import { ResponseCache, type CacheMode } from './cache.ts';
import { createOpenAIModel } from './openai.ts';
import { parseProfile } from './profiles.ts';
import { ProfileLimiter } from './rate-limit.ts';
import type { CallOptions, CompletionRequest, Model, ModelCallRecord, ModelEvent } from './types.ts';

const KEY = 'sk-test-0123456789abcdefSECRET';
const servers: OpenAIServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function server(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const s = await startOpenAIServer({ apiKey: KEY, ...options });
  servers.push(s);
  return s;
}

interface Setup {
  model: Model;
  calls: ModelCallRecord[];
  events: ModelEvent[];
  options: CallOptions;
}

function setup(s: OpenAIServer, profile: Record<string, unknown> = {}, extra: { cache?: ResponseCache; cacheMode?: CacheMode; key?: string } = {}): Setup {
  const p = parseProfile('local', { type: 'openai-compatible', model: 'test-model', baseURL: s.url, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...profile }, 'test');
  const model = createOpenAIModel(p, {
    apiKey: extra.key ?? KEY,
    limiter: new ProfileLimiter(p.rateLimit),
    cache: extra.cache,
    cacheMode: extra.cacheMode ?? 'off',
    random: () => 0.5,
  });
  const calls: ModelCallRecord[] = [];
  const events: ModelEvent[] = [];
  return { model, calls, events, options: { recordCall: (c) => calls.push(c), onModelEvent: (e) => events.push(e) } };
}

const ask = (content = 'What is 6*7?'): CompletionRequest => ({ messages: [{ role: 'system', content: 'You are a calculator.' }, { role: 'user', content }] });

async function caught(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error('expected a ModelError');
}

describe('openai adapter: replies', () => {
  it('returns the text and the usage the server reports, and records one attempt', async () => {
    const s = await server({ script: [{ kind: 'reply', text: '42', usage: { prompt_tokens: 20, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 8 } } }] });
    const { model, calls, options } = setup(s);
    const reply = await model.complete(ask(), options);
    expect(reply).toMatchObject({ text: '42', usage: { inputTokens: 20, outputTokens: 1, cachedInputTokens: 8 }, cache: 'off', finishReason: 'stop' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ profile: 'local', model: 'test-model', provider: 'openai-compatible', status: 'ok', cache: 'off', waitedMs: 0 });
    expect(calls[0]!.attempts).toEqual([expect.objectContaining({ attempt: 1, status: 200, outcome: 'ok', backoffMs: 0 })]);
    expect(s.requests[0]!.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(s.requests[0]!.body['messages']).toEqual(ask().messages);
  });

  it('assembles a streamed reply into the same text, with the usage of the last chunk', async () => {
    const s = await server({ respond: () => ({ kind: 'reply', text: 'The answer is 42, of course.' }) });
    const { model, calls, options } = setup(s);
    const plain = await model.complete(ask(), options);
    const streamed = await model.complete({ ...ask(), stream: true }, options);
    expect(streamed.text).toBe(plain.text);
    expect(streamed.usage).toEqual(plain.usage);
    expect(s.requests[1]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(calls.map((c) => c.status)).toEqual(['ok', 'ok']);
  });

  it('merges the profile params under the request params, drops omitted ones and latency_ms, renames max_tokens when asked', async () => {
    const s = await server();
    const { model, options } = setup(s, { params: { temperature: 0, seed: 7, top_p: 0.5 }, omitParams: ['top_p'], maxCompletionTokens: true });
    await model.complete({ ...ask(), params: { temperature: 0.3, max_tokens: 50, latency_ms: 10, top_p: 1 } }, options);
    const body = s.requests[0]!.body;
    expect(body).toMatchObject({ model: 'test-model', temperature: 0.3, seed: 7, max_completion_tokens: 50 });
    expect(body).not.toHaveProperty('top_p');
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('latency_ms');
  });

  it('sends a JSON-schema response format where the profile supports it, json_object otherwise', async () => {
    const s = await server();
    const schema = { type: 'object', properties: { answer: { type: 'number' } } };
    await setup(s, { structuredOutput: true }).model.complete({ ...ask(), responseFormat: { name: 'answer', schema } });
    await setup(s).model.complete({ ...ask(), responseFormat: { name: 'answer', schema } });
    expect(s.requests[0]!.body['response_format']).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: false } });
    expect(s.requests[1]!.body['response_format']).toEqual({ type: 'json_object' });
  });

  it('estimates usage with tiktoken when the server reports none, and says so', async () => {
    const s = await server({ script: [{ kind: 'reply', text: 'forty-two', usage: false }] });
    const { model, calls, options } = setup(s);
    const reply = await model.complete(ask(), options);
    expect(reply.usage!.inputTokens).toBeGreaterThan(10);
    expect(reply.usage!.outputTokens).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toMatchObject({ usageEstimated: true });
  });

  it('prices the call from the profile', async () => {
    const s = await server({ script: [{ kind: 'reply', text: 'x', usage: { prompt_tokens: 1_000_000, completion_tokens: 500_000, prompt_tokens_details: { cached_tokens: 200_000 } } }] });
    const { model, calls, options, events } = setup(s, { pricing: { inputPer1M: 2, outputPer1M: 8, cachedInputPer1M: 0.5 } });
    const reply = await model.complete(ask(), options);
    // 800k × $2 + 200k × $0.5 + 500k × $8
    expect(reply.costUsd).toBeCloseTo(1.6 + 0.1 + 4, 9);
    expect(calls[0]!.costUsd).toBeCloseTo(5.7, 9);
    expect(events.at(-1)).toMatchObject({ type: 'call', ok: true, costUsd: 5.7 });
  });

  it('talks to Azure OpenAI: deployment path, api-version, api-key header', async () => {
    const s = await server();
    const p = parseProfile('azure', { type: 'azure-openai', endpoint: s.origin, deployment: 'gpt4o-dep', apiVersion: '2024-10-21' }, 'test');
    const model = createOpenAIModel(p, { apiKey: KEY, limiter: new ProfileLimiter(), cacheMode: 'off' });
    const reply = await model.complete(ask('hello'));
    expect(reply.text).toBe('hello');
    expect(s.requests[0]!.path).toBe('/openai/deployments/gpt4o-dep/chat/completions?api-version=2024-10-21');
    expect(s.requests[0]!.headers['api-key']).toBe(KEY);
  });
});

describe('openai adapter: faults', () => {
  it('retries a 429, honouring Retry-After in seconds, and records the wait', async () => {
    const s = await server({ script: [{ kind: 'rate-limit', retryAfterS: 1 }] });
    const { model, calls, options, events } = setup(s);
    const started = performance.now();
    expect((await model.complete(ask('a'), options)).text).toBe('a');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    const call = calls[0]!;
    expect(call.attempts.map((a) => [a.status, a.outcome])).toEqual([
      [429, 'retry'],
      [200, 'ok'],
    ]);
    expect(call.attempts[0]!.retryAfterMs).toBe(1000);
    expect(call.waitedMs).toBeGreaterThanOrEqual(1000);
    expect(call.attempts[0]!.error).toMatch(/^HTTP 429: Rate limit reached/);
    expect(events.filter((e) => e.type === 'retry')).toEqual([{ type: 'retry', profile: 'local', status: 429, delayMs: call.waitedMs }]);
  });

  it('honours Retry-After as an HTTP date and retry-after-ms', async () => {
    const date = new Date(Date.now() + 1500).toUTCString();
    const s = await server({ script: [{ kind: 'rate-limit', retryAfterDate: date }, { kind: 'rate-limit', retryAfterMs: 30 }] });
    const { model, calls, options } = setup(s);
    await model.complete(ask(), options);
    const [first, second] = calls[0]!.attempts;
    expect(first!.retryAfterMs).toBeGreaterThan(0);
    expect(first!.retryAfterMs).toBeLessThanOrEqual(1500);
    expect(second!.retryAfterMs).toBe(30);
    expect(second!.status).toBe(429);
  });

  it.each<[string, Behaviour, number | null]>([
    ['a 500', { kind: 'error', status: 500, message: 'boom' }, 500],
    ['a 503', { kind: 'error', status: 503 }, 503],
    ['a malformed body', { kind: 'malformed' }, null],
    ['a dropped connection', { kind: 'drop' }, null],
  ])('retries after %s and succeeds', async (_label, fault, status) => {
    const s = await server({ script: [fault, fault] });
    const { model, calls, options } = setup(s);
    expect((await model.complete(ask('ok'), options)).text).toBe('ok');
    expect(calls[0]!.attempts.map((a) => [a.status, a.outcome])).toEqual([
      [status, 'retry'],
      [status, 'retry'],
      [200, 'ok'],
    ]);
    expect(calls[0]!.attempts[1]!.backoffMs).toBeGreaterThan(0);
  });

  it('retries a refused connection, and names the socket error when it gives up', async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const p = parseProfile('gone', { type: 'openai-compatible', model: 'm', baseURL: url, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }, 'test');
    const calls: ModelCallRecord[] = [];
    const model = createOpenAIModel(p, { apiKey: undefined, limiter: new ProfileLimiter(), cacheMode: 'off' });
    const error = await caught(model.complete(ask(), { recordCall: (c) => calls.push(c) }));
    expect(error.message).toBe(`Model 'gone' (openai-compatible m at ${url}): gave up after 2 attempts; the last failed with network error: ECONNREFUSED.`);
    expect(calls[0]!.attempts.map((a) => [a.status, a.outcome, a.error])).toEqual([
      [null, 'retry', 'network error: ECONNREFUSED'],
      [null, 'error', 'network error: ECONNREFUSED'],
    ]);
  });

  it('times out a hanging response, retries, and succeeds', async () => {
    const s = await server({ script: [{ kind: 'hang' }] });
    const { model, calls, options } = setup(s, { timeoutMs: 300 });
    expect((await model.complete(ask('late'), options)).text).toBe('late');
    expect(calls[0]!.attempts[0]).toMatchObject({ status: null, outcome: 'retry', error: 'timed out: no complete reply within 300 ms' });
    expect(calls[0]!.attempts[0]!.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('times out a stream that stops halfway, retries, and succeeds', async () => {
    const s = await server({ script: [{ kind: 'stream-hang' }] });
    const { model, calls, options } = setup(s, { timeoutMs: 300, stream: true });
    expect((await model.complete(ask('streamed'), options)).text).toBe('streamed');
    expect(calls[0]!.attempts.map((a) => a.outcome)).toEqual(['retry', 'ok']);
    expect(calls[0]!.attempts[0]!.error).toMatch(/timed out/);
  });

  it('gives up after maxAttempts, with every attempt recorded', async () => {
    const s = await server({ respond: () => ({ kind: 'error', status: 502, message: 'bad gateway' }) });
    const { model, calls, options } = setup(s, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const error = await caught(model.complete(ask(), options));
    expect(error.code).toBe('E_MODEL_RETRIES');
    expect(error.message).toBe(`Model 'local' (openai-compatible test-model at ${s.url}): gave up after 3 attempts; the last failed with HTTP 502: bad gateway.`);
    expect(s.stats.requests).toBe(3);
    expect(calls[0]).toMatchObject({ status: 'error', error: error.message });
    expect(calls[0]!.attempts.map((a) => a.outcome)).toEqual(['retry', 'retry', 'error']);
  });

  it('fails at once on a 401, naming status, provider message and profile, never the key', async () => {
    const s = await server();
    const wrong = 'sk-wrong-key-9876543210zyxwvu';
    const { model, calls, options } = setup(s, {}, { key: wrong });
    const error = await caught(model.complete(ask(), options));
    expect(s.stats.requests).toBe(1);
    expect(error.code).toBe('E_MODEL_AUTH');
    expect(error.message).toContain("Model 'local'");
    expect(error.message).toContain('HTTP 401: Incorrect API key provided: [redacted]');
    expect(error.message).toContain('(not retried)');
    expect(JSON.stringify({ message: error.message, stack: error.stack, hint: error.hint, calls })).not.toContain(wrong);
    expect(JSON.stringify(calls)).not.toContain('9876543210');
    expect(calls[0]!.attempts).toHaveLength(1);
  });

  it.each([400, 403, 404, 422])('does not retry a %i', async (status) => {
    const s = await server({ respond: () => ({ kind: 'error', status, message: `nope ${status}` }) });
    const { model, calls, options } = setup(s);
    const error = await caught(model.complete(ask(), options));
    expect(s.stats.requests).toBe(1);
    expect(error.message).toContain(`HTTP ${status}: nope ${status} (not retried)`);
    expect(calls[0]!.attempts).toEqual([expect.objectContaining({ status, outcome: 'error' })]);
  });

  it('stops waiting at once when the stage is cancelled, mid-request and mid-back-off', async () => {
    const s = await server({ script: [{ kind: 'hang' }, { kind: 'rate-limit', retryAfterS: 30 }] });
    const { model, calls } = setup(s, { timeoutMs: 30_000 });
    for (const after of [100, 300]) {
      const controller = new AbortController();
      // The request hangs and the server asks to wait 30 s: the call ends within the test's time
      // only if the cancellation reaches it.
      setTimeout(() => controller.abort(new Error('case cancelled: run interrupted')), after);
      await expect(model.complete(ask(), { signal: controller.signal, recordCall: (c) => calls.push(c) })).rejects.toThrow('case cancelled');
    }
    expect(calls.map((c) => c.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('fails a call at once when its required key is missing, without sending anything', async () => {
    const s = await server();
    const p = parseProfile('nokey', { type: 'openai', model: 'm', baseURL: s.url }, 'test');
    const model = createOpenAIModel(p, { apiKey: undefined, missingKey: 'env OPENAI_API_KEY', limiter: new ProfileLimiter(), cacheMode: 'off' });
    const error = await caught(model.complete(ask()));
    expect(error.code).toBe('E_MODEL_NO_KEY');
    expect(error.message).toBe(`Model 'nokey' (openai m at ${s.url}): no API key: env OPENAI_API_KEY is not set.`);
    expect(s.stats.requests).toBe(0);
  });

  it('refuses a prompt longer than the context window without sending it', async () => {
    const s = await server();
    const { model, calls, options } = setup(s, { contextWindow: 50, params: { max_tokens: 40 } });
    const error = await caught(model.complete(ask('a rather long question that takes some tokens'), options));
    expect(error.code).toBe('E_MODEL_CONTEXT');
    expect(error.message).toMatch(/more than the context window of 50; not sent/);
    expect(s.stats.requests).toBe(0);
    expect(calls[0]).toMatchObject({ status: 'error', attempts: [] });
  });
});

describe('openai adapter: cache', () => {
  async function cacheDir(): Promise<ResponseCache> {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-cache-test-'));
    dirs.push(dir);
    return new ResponseCache(dir);
  }

  it('rw: a repeated call is answered from the cache, marked as a hit, and costs nothing', async () => {
    const s = await server({ respond: (r) => ({ kind: 'reply', text: `answer ${r.n}` }) });
    const cache = await cacheDir();
    const { model, calls, options } = setup(s, { pricing: { inputPer1M: 1, outputPer1M: 1 } }, { cache, cacheMode: 'rw' });
    const first = await model.complete(ask(), options);
    const second = await model.complete(ask(), options);
    expect(first).toMatchObject({ text: 'answer 0', cache: 'miss' });
    expect(second).toMatchObject({ text: 'answer 0', cache: 'hit', costUsd: 0, usage: first.usage });
    expect(s.stats.requests).toBe(1);
    expect(calls.map((c) => [c.cache, c.attempts.length, c.costUsd])).toEqual([
      ['miss', 1, first.costUsd],
      ['hit', 0, 0],
    ]);
  });

  it('keys on the repetition, the params and the messages', async () => {
    const s = await server({ respond: (r) => ({ kind: 'reply', text: `answer ${r.n}` }) });
    const { model } = setup(s, {}, { cache: await cacheDir(), cacheMode: 'rw' });
    await model.complete(ask(), { repeat: 0 });
    await model.complete(ask(), { repeat: 1 });
    await model.complete({ ...ask(), params: { temperature: 1 } }, { repeat: 0 });
    await model.complete(ask('other'), { repeat: 0 });
    expect(s.stats.requests).toBe(4);
    expect((await model.complete(ask(), { repeat: 1 })).text).toBe('answer 1');
    expect(s.stats.requests).toBe(4);
  });

  it('stores successful, acceptable replies only', async () => {
    const s = await server({ script: [{ kind: 'error', status: 400 }], respond: (r) => ({ kind: 'reply', text: `answer ${r.n}` }) });
    const { model } = setup(s, {}, { cache: await cacheDir(), cacheMode: 'rw' });
    await expect(model.complete(ask())).rejects.toThrow(/HTTP 400/);
    await model.complete({ ...ask(), cacheable: () => false });
    expect((await model.complete(ask())).cache).toBe('miss');
    expect((await model.complete(ask())).cache).toBe('hit');
    expect(s.stats.requests).toBe(3);
  });

  it('read never writes, write never reads, off does neither', async () => {
    const s = await server();
    const cache = await cacheDir();
    await setup(s, {}, { cache, cacheMode: 'read' }).model.complete(ask());
    expect((await cache.stats()).entries).toBe(0);
    await setup(s, {}, { cache, cacheMode: 'write' }).model.complete(ask());
    expect((await cache.stats()).entries).toBe(1);
    expect((await setup(s, {}, { cache, cacheMode: 'write' }).model.complete(ask())).cache).toBe('off');
    expect((await setup(s, {}, { cache, cacheMode: 'off' }).model.complete(ask())).cache).toBe('off');
    expect((await setup(s, {}, { cache, cacheMode: 'read' }).model.complete(ask())).cache).toBe('hit');
    expect(s.stats.requests).toBe(4);
  });
});
