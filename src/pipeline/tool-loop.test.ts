/**
 * Tool loops of `llm()` against the local OpenAI-compatible server (test/helpers/openai-server.ts):
 * the real adapter and SDK over HTTP, with the server answering `tool_calls`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startOpenAIServer, type Behaviour, type OpenAIServer, type OpenAIServerOptions, type ReceivedRequest } from '../../test/helpers/openai-server.ts';
import { ResponseCache } from '../model/cache.ts';
import { createOpenAIModel } from '../model/openai.ts';
import { parseProfile } from '../model/profiles.ts';
import { ProfileLimiter } from '../model/rate-limit.ts';
import { createModelRegistry } from '../model/registry.ts';
import type { LlmCallInfo, Model, ModelCallRecord } from '../model/types.ts';
import { sleep } from '../util/sleep.ts';
import { llm } from './llm.ts';
import { tool } from './tool.ts';
import type { StageContext } from './types.ts';

const servers: OpenAIServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function server(options: OpenAIServerOptions): Promise<OpenAIServer> {
  const s = await startOpenAIServer(options);
  servers.push(s);
  return s;
}

function modelFor(s: OpenAIServer, profile: Record<string, unknown> = {}, cache?: ResponseCache): Model {
  const p = parseProfile('local', { type: 'openai-compatible', model: 'test-model', baseURL: s.url, retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...profile }, 'test');
  return createOpenAIModel(p, { apiKey: undefined, limiter: new ProfileLimiter(p.rateLimit), cache, cacheMode: cache ? 'rw' : 'off', random: () => 0.5 });
}

type TestContext = StageContext<any, any, any> & { llm: LlmCallInfo[]; calls: ModelCallRecord[]; controller: AbortController };

function context(caseValue: Record<string, unknown> = { id: 'c1', order: 'A1' }): TestContext {
  const controller = new AbortController();
  const llmInfo: LlmCallInfo[] = [];
  const calls: ModelCallRecord[] = [];
  return {
    case: caseValue,
    caseId: 'c1',
    caseIndex: 0,
    repeat: 0,
    runId: 'run',
    stage: 'agent',
    stages: {},
    config: {},
    turn: null,
    signal: controller.signal,
    models: createModelRegistry(),
    recordUsage() {},
    recordLlm: (info: LlmCallInfo) => llmInfo.push(info),
    recordCall: (call: ModelCallRecord) => calls.push(call),
    llm: llmInfo,
    calls,
    controller,
  } as never;
}

const ORDERS: Record<string, { status: string; total: number }> = { A1: { status: 'shipped', total: 40 }, B2: { status: 'delivered', total: 15 } };

const lookupOrder = tool({
  name: 'lookup_order',
  description: 'Looks an order up by its id.',
  parameters: z.object({ orderId: z.string() }),
  run: ({ orderId }) => {
    const order = ORDERS[orderId];
    if (!order) throw new Error(`no order ${orderId}`);
    return { orderId, ...order };
  },
});

const messages = [
  { role: 'system' as const, template: 'You help with orders.' },
  { role: 'user' as const, template: 'Where is my order {{ case.order }}?' },
];

/** The messages of a request as the server got them. */
const sent = (request: ReceivedRequest) => request.body['messages'] as Record<string, unknown>[];
const lastMessage = (request: ReceivedRequest) => sent(request).at(-1)!;

/** Calls the tools in `calls` while the conversation has no tool result yet, then answers `text`. */
function oneRound(calls: Extract<Behaviour, { kind: 'reply' }>['toolCalls'], text = 'It is on its way.') {
  return (request: ReceivedRequest): Behaviour => (lastMessage(request)['role'] === 'tool' ? { kind: 'reply', text } : { kind: 'reply', toolCalls: calls });
}

describe('llm() with tools: the loop', () => {
  it('sends the tools, runs the call the model asks for, sends the result, and returns the answer with the calls', async () => {
    const s = await server({ respond: oneRound([{ id: 'call_a', name: 'lookup_order', arguments: { orderId: 'A1' } }]) });
    const stage = await llm({ model: modelFor(s), messages, tools: [lookupOrder] });
    const ctx = context();
    const result = await stage(ctx);

    expect(result).toEqual({
      answer: 'It is on its way.',
      outcome: 'answer',
      rounds: 2,
      toolCalls: [{ round: 1, id: 'call_a', name: 'lookup_order', arguments: { orderId: 'A1' }, status: 'ok', result: { orderId: 'A1', status: 'shipped', total: 40 } }],
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_a', name: 'lookup_order', arguments: '{"orderId":"A1"}' }] },
        { role: 'tool', toolCallId: 'call_a', content: '{"orderId":"A1","status":"shipped","total":40}' },
        { role: 'assistant', content: 'It is on its way.' },
      ],
    });
    const [first, second] = s.requests;
    expect(first!.body['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'lookup_order',
          description: 'Looks an order up by its id.',
          parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
        },
      },
    ]);
    expect(first!.body['tool_choice']).toBeUndefined();
    expect(sent(second!).slice(2)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'lookup_order', arguments: '{"orderId":"A1"}' } }] },
      { role: 'tool', content: '{"orderId":"A1","status":"shipped","total":40}', tool_call_id: 'call_a' },
    ]);

    // The record: every round, linked to the model-call records by loop and round.
    const [info] = ctx.llm;
    expect(info).toMatchObject({ loop: 1, outcome: 'answer', tools: [{ name: 'lookup_order', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    expect(info!.rounds).toEqual([
      expect.objectContaining({ round: 1, text: '', finishReason: 'tool_calls', cache: 'off', usage: expect.any(Object) }),
      expect.objectContaining({ round: 2, text: 'It is on its way.', finishReason: 'stop', toolCalls: [] }),
    ]);
    expect(info!.rounds![0]!.toolCalls).toEqual([expect.objectContaining({ name: 'lookup_order', status: 'ok', startMs: expect.any(Number), durationMs: expect.any(Number) })]);
    expect(ctx.calls.map((call) => [call.loop, call.round, call.status])).toEqual([
      [1, 1, 'ok'],
      [1, 2, 'ok'],
    ]);
  });

  it('runs parallel calls concurrently and sends their results in the order of the calls', async () => {
    const s = await server({
      respond: oneRound([
        { id: 'slow', name: 'wait', arguments: { ms: 60, label: 'slow' } },
        { id: 'fast', name: 'wait', arguments: { ms: 10, label: 'fast' } },
      ]),
    });
    const finished: string[] = [];
    const wait = tool({
      name: 'wait',
      description: 'Waits.',
      parameters: z.object({ ms: z.number(), label: z.string() }),
      run: async ({ ms, label }, ctx) => {
        await sleep(ms, ctx.signal);
        finished.push(label);
        return label;
      },
    });
    const stage = await llm({ model: modelFor(s), messages, tools: [wait], parallelToolCalls: true });
    const result = await stage(context());
    // The fast call, second in the reply, finished first: the two ran at the same time.
    expect(finished).toEqual(['fast', 'slow']);
    expect(result.toolCalls.map((call) => call.result)).toEqual(['slow', 'fast']);
    expect(s.requests[0]!.body['parallel_tool_calls']).toBe(true);
    expect(sent(s.requests[1]!).slice(3).map((m) => [m['tool_call_id'], m['content']])).toEqual([
      ['slow', 'slow'],
      ['fast', 'fast'],
    ]);
  });

  it('runs the calls one after another with parallelToolCalls: false', async () => {
    const s = await server({ respond: oneRound([{ name: 'wait', arguments: { ms: 30 } }, { name: 'wait', arguments: { ms: 1 } }]) });
    const finished: number[] = [];
    const wait = tool({ name: 'wait', description: 'Waits.', parameters: z.object({ ms: z.number() }), run: async ({ ms }) => (await sleep(ms), finished.push(ms)) });
    await (await llm({ model: modelFor(s), messages, tools: [wait], parallelToolCalls: false }))(context());
    expect(finished).toEqual([30, 1]);
    expect(s.requests[0]!.body['parallel_tool_calls']).toBe(false);
  });

  it('sends a bad call back to the model as a tool error: unknown tool, arguments not JSON, arguments off the schema', async () => {
    const s = await server({
      respond: oneRound([
        { id: 'x1', name: 'cancel_order', arguments: { orderId: 'A1' } },
        { id: 'x2', name: 'lookup_order', arguments: '{"orderId": "A1"' },
        { id: 'x3', name: 'lookup_order', arguments: { orderId: 7 } },
      ]),
    });
    const result = await (await llm({ model: modelFor(s), messages, tools: [lookupOrder] }))(context());
    expect(result.outcome).toBe('answer');
    expect(result.toolCalls.map(({ status, error, arguments: args }) => ({ status, error, args }))).toEqual([
      { status: 'error', args: { orderId: 'A1' }, error: { kind: 'unknown_tool', message: "there is no tool 'cancel_order'; the tools are lookup_order" } },
      { status: 'error', args: '{"orderId": "A1"', error: { kind: 'arguments', message: expect.stringMatching(/^the arguments of lookup_order are not valid JSON \(/) } },
      { status: 'error', args: { orderId: 7 }, error: { kind: 'arguments', message: 'invalid arguments for lookup_order: orderId: Invalid input: expected string, received number' } },
    ]);
    expect(sent(s.requests[1]!).filter((m) => m['role'] === 'tool').map((m) => m['content'])).toEqual([
      "Error: there is no tool 'cancel_order'; the tools are lookup_order",
      expect.stringMatching(/^Error: the arguments of lookup_order are not valid JSON/),
      'Error: invalid arguments for lookup_order: orderId: Invalid input: expected string, received number',
    ]);
  });

  it('tells the model what a tool threw, what it returned that is not JSON, and when it took too long', async () => {
    const s = await server({
      respond: oneRound([
        { name: 'lookup_order', arguments: { orderId: 'Z9' } },
        { name: 'odd', arguments: {} },
        { name: 'slow', arguments: {} },
      ]),
    });
    const odd = tool({ name: 'odd', description: 'Returns a Map.', parameters: z.object({}), run: () => new Map() });
    const slow = tool({ name: 'slow', description: 'Hangs.', parameters: z.object({}), timeoutMs: 20, run: () => new Promise(() => undefined) });
    const result = await (await llm({ model: modelFor(s), messages, tools: [lookupOrder, odd, slow] }))(context());
    expect(result.toolCalls.map((call) => call.error)).toEqual([
      { kind: 'exception', message: 'no order Z9' },
      { kind: 'result', message: 'odd returned a value that is not JSON: result is a Map (only plain objects, arrays, strings, finite numbers, booleans and null are JSON)' },
      { kind: 'timeout', message: 'slow took longer than 20 ms' },
    ]);
    expect(result.answer).toBe('It is on its way.');
  });

  it('stops at maxToolRounds with outcome max_rounds, the last calls not run', async () => {
    const s = await server({ respond: () => ({ kind: 'reply', toolCalls: [{ name: 'lookup_order', arguments: { orderId: `A${Math.random()}` } }] }) });
    const ctx = context();
    const result = await (await llm({ model: modelFor(s), messages, tools: [lookupOrder], maxToolRounds: 2 }))(ctx);
    expect(result).toMatchObject({ answer: null, outcome: 'max_rounds', rounds: 3 });
    expect(result.toolCalls.map((call) => call.status)).toEqual(['error', 'error', 'skipped']);
    expect(result.toolCalls[2]!.reason).toBe('not run: the model asked for tools after 2 rounds of them (maxToolRounds)');
    expect(s.requests).toHaveLength(3);
    expect(ctx.llm[0]!.outcome).toBe('max_rounds');
  });

  it('stops when the model repeats an identical call more than maxIdenticalCalls times (key order does not matter)', async () => {
    let n = 0;
    const s = await server({ respond: () => ({ kind: 'reply', toolCalls: [{ name: 'lookup_order', arguments: n++ % 2 === 0 ? '{"orderId":"A1"}' : '{ "orderId" : "A1" }' }] }) });
    const result = await (await llm({ model: modelFor(s), messages, tools: [lookupOrder], maxIdenticalCalls: 2 }))(context());
    expect(result).toMatchObject({ answer: null, outcome: 'repeated_call', rounds: 3 });
    expect(result.toolCalls.map((call) => call.status)).toEqual(['ok', 'ok', 'skipped']);
    expect(result.toolCalls[2]!.reason).toBe('not run: the same call was made 2 times already (maxIdenticalCalls)');
  });

  it('makes no further model call once the loop has cost maxCostUsd', async () => {
    const usage = { prompt_tokens: 1_000_000, completion_tokens: 0 };
    const s = await server({ respond: () => ({ kind: 'reply', usage, toolCalls: [{ name: 'lookup_order', arguments: { orderId: String(Math.random()) } }] }) });
    // $1 a call: the budget of $2 is reached after the second call.
    const stage = await llm({ model: modelFor(s, { pricing: { inputPer1M: 1, outputPer1M: 1 } }), messages, tools: [lookupOrder], maxCostUsd: (ctx) => Number(ctx.case['budget']) });
    const result = await stage(context({ id: 'c1', order: 'A1', budget: 2 }));
    expect(result).toMatchObject({ answer: null, outcome: 'budget', rounds: 2 });
    expect(s.requests).toHaveLength(2);
  });

  it('forces the first round only with toolChoice, so the model can answer afterwards', async () => {
    const s = await server({ respond: oneRound([{ name: 'lookup_order', arguments: { orderId: 'A1' } }]) });
    await (await llm({ model: modelFor(s), messages, tools: [lookupOrder], toolChoice: { name: 'lookup_order' } }))(context());
    expect(s.requests[0]!.body['tool_choice']).toEqual({ type: 'function', function: { name: 'lookup_order' } });
    expect(s.requests[1]!.body['tool_choice']).toBeUndefined();
  });

  it('assembles streamed tool calls', async () => {
    const s = await server({ respond: oneRound([{ id: 'p', name: 'lookup_order', arguments: { orderId: 'A1' } }, { id: 'q', name: 'lookup_order', arguments: { orderId: 'B2' } }]) });
    const result = await (await llm({ model: modelFor(s), messages, tools: [lookupOrder], stream: true }))(context());
    expect(result.toolCalls.map(({ id, arguments: args, status }) => ({ id, args, status }))).toEqual([
      { id: 'p', args: { orderId: 'A1' }, status: 'ok' },
      { id: 'q', args: { orderId: 'B2' }, status: 'ok' },
    ]);
    expect(s.requests[0]!.body['stream']).toBe(true);
  });

  it('parses the final answer against output, sending a bad one back', async () => {
    let answers = 0;
    const s = await server({
      respond: (request) =>
        lastMessage(request)['role'] === 'user' && answers === 0
          ? { kind: 'reply', toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A1' } }] }
          : { kind: 'reply', text: answers++ === 0 ? 'shipped' : '{"status": "shipped"}' },
    });
    const stage = await llm({ model: modelFor(s, { structuredOutput: true }), messages, tools: [lookupOrder], output: z.object({ status: z.string() }) });
    const ctx = context();
    const result = await stage(ctx);
    expect(result).toMatchObject({ answer: { status: 'shipped' }, outcome: 'answer', rounds: 3 });
    expect(ctx.llm[0]!.parseAttempts).toEqual([expect.objectContaining({ attempt: 1, ok: false }), { attempt: 2, ok: true }]);
  });
});

describe('llm() with tools: cancellation', () => {
  it('aborts a running tool when the stage is cancelled, without waiting for a tool that ignores its signal', async () => {
    const s = await server({ respond: oneRound([{ name: 'stubborn', arguments: {} }, { name: 'polite', arguments: {} }]) });
    const ctx = context();
    const reason = new Error('case cancelled: run interrupted');
    let politeAborted = false;
    const stubborn = tool({ name: 'stubborn', description: 'Ignores its signal.', parameters: z.object({}), run: () => new Promise(() => undefined) });
    const polite = tool({
      name: 'polite',
      description: 'Honours its signal.',
      parameters: z.object({}),
      run: async (_args, toolCtx) => {
        // Ctrl-C while both tools run.
        setTimeout(() => ctx.controller.abort(reason), 10);
        try {
          await sleep(60_000, toolCtx.signal);
        } catch (error) {
          politeAborted = true;
          throw error;
        }
      },
    });
    // Resolves only if the loop stopped waiting for the stubborn tool.
    await expect((await llm({ model: modelFor(s), messages, tools: [stubborn, polite] }))(ctx)).rejects.toBe(reason);
    expect(politeAborted).toBe(true);
    const [info] = ctx.llm;
    expect(info!.outcome).toBe('cancelled');
    expect(info!.rounds![0]!.toolCalls.map((call) => call.status)).toEqual(['cancelled', 'cancelled']);
    expect(s.requests).toHaveLength(1);
  });

  it('records a cancelled model call as the last round', async () => {
    const ctx = context();
    const s = await server({
      respond: (request) => {
        if (lastMessage(request)['role'] !== 'tool') return { kind: 'reply', toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A1' } }] };
        // Ctrl-C while the second round waits for the server.
        setTimeout(() => ctx.controller.abort(new Error('stop')), 10);
        return { kind: 'hang' };
      },
    });
    await expect((await llm({ model: modelFor(s), messages, tools: [lookupOrder] }))(ctx)).rejects.toThrow('stop');
    expect(ctx.llm[0]!.outcome).toBe('cancelled');
    expect(ctx.llm[0]!.rounds!.map((round) => round.error ?? 'ok')).toEqual(['ok', 'stop']);
    expect(ctx.calls.map((call) => [call.round, call.status])).toEqual([
      [1, 'ok'],
      [2, 'cancelled'],
    ]);
  });
});

describe('llm() with tools: the response cache', () => {
  it('answers every round of a repeated run from the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-tool-cache-'));
    dirs.push(dir);
    const cache = new ResponseCache(dir);
    const s = await server({ respond: oneRound([{ id: 'c', name: 'lookup_order', arguments: { orderId: 'A1' } }]) });
    const stage = await llm({ model: modelFor(s, {}, cache), messages, tools: [lookupOrder] });
    const first = await stage(context());
    const ctx = context();
    const second = await stage(ctx);
    expect(second).toEqual(first);
    expect(s.requests).toHaveLength(2);
    expect(ctx.llm[0]!.rounds!.map((round) => round.cache)).toEqual(['hit', 'hit']);
  });
});

describe('llm() with tools: setup', () => {
  it('rejects what is not a tool, two tools of one name, and a toolChoice that names no tool', async () => {
    const model = createModelRegistry().get('parrot');
    await expect(llm({ model, messages, tools: [{ name: 'x' } as never] })).rejects.toMatchObject({ code: 'E_LLM_OPTIONS', message: 'llm(): tools[0] is not a tool.' });
    await expect(llm({ model, messages, tools: [lookupOrder, lookupOrder] })).rejects.toMatchObject({ message: "llm(): two tools are called 'lookup_order'." });
    await expect(llm({ model, messages, tools: [lookupOrder], toolChoice: { name: 'refund' } })).rejects.toMatchObject({
      message: "llm(): toolChoice names 'refund', which is not one of the tools (lookup_order).",
    });
    await expect(llm({ model, messages, tools: [lookupOrder], maxToolRounds: -1 })).rejects.toMatchObject({ code: 'E_LLM_OPTIONS' });
    await expect(llm({ model, messages, tools: [lookupOrder], maxIdenticalCalls: 0 })).rejects.toMatchObject({ code: 'E_LLM_OPTIONS' });
  });
});

describe('tool()', () => {
  it('turns the parameters into the JSON Schema the model is sent', () => {
    const refund = tool({ name: 'refund', description: 'Refunds.', parameters: z.object({ amount: z.number().positive(), note: z.string().default('') }), run: () => 'ok' });
    expect(refund.definition).toEqual({
      name: 'refund',
      description: 'Refunds.',
      parameters: { type: 'object', properties: { amount: { type: 'number', exclusiveMinimum: 0 }, note: { type: 'string', default: '' } }, required: ['amount'] },
    });
    expect(refund.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a name with a space', { name: 'look up' }, "tool('look up'): the name must be 1 to 64 letters, digits, '_' or '-' (got \"look up\")."],
    ['a blank description', { description: ' ' }, "tool('t'): a description is required: the model reads it to decide when to call the tool."],
    ['JSON Schema parameters', { parameters: { type: 'object' } }, "tool('t'): parameters must be a zod schema."],
    ['parameters that are no object', { parameters: z.string() }, "tool('t'): parameters must be an object schema (got \"string\")."],
    ['parameters JSON Schema cannot express', { parameters: z.object({ when: z.date() }) }, expect.stringMatching(/^tool\('t'\): the parameters cannot be expressed as JSON Schema: /)],
    ['a run that is no function', { run: 'no' }, "tool('t'): run must be a function (args, ctx) => result."],
    ['a zero timeout', { timeoutMs: 0 }, "tool('t'): timeoutMs must be a positive number (got 0)."],
  ])('rejects %s', (_what, change, message) => {
    const options = { name: 't', description: 'A tool.', parameters: z.object({}), run: () => null, ...change };
    expect(() => tool(options as never)).toThrow(expect.objectContaining({ code: 'E_TOOL_DEFINITION', message }));
  });
});
