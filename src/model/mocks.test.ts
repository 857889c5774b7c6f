import { describe, expect, it } from 'vitest';
import { ModelError } from '../errors.ts';
import { createMockModel, MOCK_DESCRIPTIONS, type ExpectedFn } from './mocks.ts';
import type { CallOptions, CompletionRequest } from './types.ts';

const ask = (content: string): CompletionRequest => ({ messages: [{ role: 'user', content }] });
const answerOf: ExpectedFn = (options) => (options.case as { answer?: unknown }).answer;
const forCase = (answer: unknown, caseIndex = 0, extra: Partial<CallOptions> = {}): CallOptions => ({ case: { answer }, caseIndex, stages: {}, config: {}, ...extra });

async function modelError(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error('expected a ModelError');
}

/** What a call produced: its text, or the message it failed with. */
async function outcome(promise: Promise<{ text: string }>): Promise<string> {
  try {
    return (await promise).text;
  } catch (error) {
    return `throws: ${(error as Error).message}`;
  }
}

describe('mock models: common', () => {
  it('describes themselves as mocks', () => {
    const parrot = createMockModel('parrot', undefined);
    expect({ name: parrot.name, description: parrot.description, kind: parrot.kind }).toEqual({
      name: 'parrot',
      description: MOCK_DESCRIPTIONS.parrot,
      kind: 'mock',
    });
  });

  it.each(['perfect', 'flakey'] as const)('refuses to create %s without an expected() function', (name) => {
    expect(() => createMockModel(name, undefined)).toThrow(ModelError);
    try {
      createMockModel(name, undefined);
    } catch (error) {
      expect((error as ModelError).code).toBe('E_MOCK_NO_EXPECTED');
      expect((error as ModelError).message).toBe(`The '${name}' mock model needs the pipeline to define expected(ctx).`);
      expect((error as ModelError).hint).toContain("use the 'parrot' mock");
    }
  });

  it('reports synthetic usage of about four characters a token', async () => {
    const parrot = createMockModel('parrot', undefined);
    const reply = await parrot.complete({
      messages: [
        { role: 'system', content: 'abcdefgh' },
        { role: 'user', content: 'hello world' },
      ],
    });
    // 19 characters in, 11 out.
    expect(reply.usage).toEqual({ inputTokens: 5, outputTokens: 3 });
  });
});

describe('the perfect mock', () => {
  const perfect = createMockModel('perfect', answerOf);

  it('answers a string expected value as is', async () => {
    expect((await perfect.complete(ask('q'), forCase('forty-two'))).text).toBe('forty-two');
  });

  it.each([
    [42, '42'],
    [true, 'true'],
    [null, 'null'],
    [{ drink: 'café', size: [1, 2] }, '{"drink":"café","size":[1,2]}'],
  ])('answers %j as compact JSON', async (value, text) => {
    expect((await perfect.complete(ask('q'), forCase(value))).text).toBe(text);
  });

  it('hands expected() the call options (the stage context)', async () => {
    const seen: CallOptions[] = [];
    const model = createMockModel('perfect', (options) => {
      seen.push(options);
      return 'x';
    });
    const options = forCase(1, 5);
    await model.complete(ask('q'), options);
    expect(seen).toEqual([options]);
  });

  it('fails when expected() has no answer for the case', async () => {
    const error = await modelError(perfect.complete(ask('q'), forCase(undefined)));
    expect(error.code).toBe('E_MOCK_NO_EXPECTED');
    expect(error.message).toBe("expected() returned undefined for this case, so the 'perfect' mock has no answer.");
  });

  it('fails when called without the stage context', async () => {
    const error = await modelError(perfect.complete(ask('q')));
    expect(error.code).toBe('E_MOCK_NO_CONTEXT');
    expect(error.message).toBe("The 'perfect' mock model needs the stage context: call model.complete(request, ctx).");
  });
});

describe('the flakey mock', () => {
  it('cycles right answer, "hello world", failure by case position', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const results = [];
    for (let index = 0; index < 7; index++) results.push(await outcome(flakey.complete(ask('q'), forCase(`a${index}`, index))));
    expect(results).toEqual(['a0', 'hello world', 'throws: Flakey model failed', 'a3', 'hello world', 'throws: Flakey model failed', 'a6']);
  });

  it('moves along the cycle with each call within one case', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const first = forCase('right', 0);
    const second = forCase('right', 1);
    const calls = [];
    for (let i = 0; i < 4; i++) calls.push(await outcome(flakey.complete(ask('q'), first)));
    calls.push(await outcome(flakey.complete(ask('q'), second)));
    calls.push(await outcome(flakey.complete(ask('q'), second)));
    expect(calls).toEqual(['right', 'hello world', 'throws: Flakey model failed', 'right', 'hello world', 'throws: Flakey model failed']);
  });

  it('moves along the cycle across the turns of a multi-turn case, as GoTaglio does', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const shared = { answer: 'right' };
    const turn = (n: number): CallOptions => ({ case: shared, caseIndex: 0, stages: {}, config: {}, turn: n });
    const calls = [];
    for (let n = 0; n < 3; n++) calls.push(await outcome(flakey.complete(ask('q'), turn(n))));
    expect(calls).toEqual(['right', 'hello world', 'throws: Flakey model failed']);
  });

  it('gives the same case the same answers whatever order the cases call in', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const later = await outcome(flakey.complete(ask('q'), forCase('x', 4)));
    const earlier = await outcome(flakey.complete(ask('q'), forCase('x', 0)));
    expect([later, earlier]).toEqual(['hello world', 'x']);
  });

  it('reports usage for the answers it gives', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const reply = await flakey.complete(ask('12345678'), forCase('x', 1));
    expect(reply).toEqual({ text: 'hello world', usage: { inputTokens: 2, outputTokens: 3 } });
  });
});

describe('the parrot mock', () => {
  const parrot = createMockModel('parrot', undefined);

  it('echoes the last user message, ignoring later assistant turns', async () => {
    const reply = await parrot.complete({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'second' },
        { role: 'assistant', content: 'sure' },
      ],
    });
    expect(reply.text).toBe('second');
  });

  it('answers an empty string when there is no user message', async () => {
    expect((await parrot.complete({ messages: [{ role: 'system', content: 'x' }] })).text).toBe('');
  });

  it('needs no stage context', async () => {
    expect((await parrot.complete(ask('hi'))).text).toBe('hi');
  });
});

describe('mock latency (params.latency_ms)', () => {
  const slow = (ms: number): CompletionRequest => ({ ...ask('hi'), params: { latency_ms: ms } });

  it('waits the given time', async () => {
    const parrot = createMockModel('parrot', undefined);
    const begin = performance.now();
    await parrot.complete(slow(15));
    expect(performance.now() - begin).toBeGreaterThanOrEqual(13);
  });

  it.each(['perfect', 'flakey', 'parrot'] as const)('%s stops waiting and rejects with the reason when the signal aborts', async (name) => {
    const model = createMockModel(name, answerOf);
    const controller = new AbortController();
    const reason = new Error('case cancelled');
    // A minute's latency: the call settles within the test's time only if the abort reaches it.
    const call = model.complete(slow(60_000), forCase('x', 0, { signal: controller.signal }));
    setTimeout(() => controller.abort(reason), 5);
    await expect(call).rejects.toBe(reason);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const parrot = createMockModel('parrot', undefined);
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(parrot.complete(slow(5000), { signal: controller.signal })).rejects.toThrow('too late');
  });

  it('ignores a latency that is not a positive number', async () => {
    const parrot = createMockModel('parrot', undefined);
    const controller = new AbortController();
    controller.abort(new Error('aborted'));
    // No wait, so the aborted signal is never looked at.
    expect((await parrot.complete({ ...ask('hi'), params: { latency_ms: '5000' } }, { signal: controller.signal })).text).toBe('hi');
    expect((await parrot.complete({ ...ask('hi'), params: { latency_ms: 0 } }, { signal: controller.signal })).text).toBe('hi');
  });
});

describe('the flakey mock with repeats', () => {
  it('starts each repetition of a case one step further on the cycle', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const theCase = { answer: 'right' };
    const results = [];
    for (let repeat = 0; repeat < 4; repeat++) results.push(await outcome(flakey.complete(ask('q'), { case: theCase, caseIndex: 0, repeat })));
    expect(results).toEqual(['right', 'hello world', 'throws: Flakey model failed', 'right']);
  });

  it('counts calls per repetition, so repetitions running side by side do not shift each other', async () => {
    const flakey = createMockModel('flakey', answerOf);
    const theCase = { answer: 'right' };
    // Repetition 1 calls first, and twice; repetition 0 still gets its first answer.
    const r1 = [await outcome(flakey.complete(ask('q'), { case: theCase, caseIndex: 0, repeat: 1 })), await outcome(flakey.complete(ask('q'), { case: theCase, caseIndex: 0, repeat: 1 }))];
    const r0 = await outcome(flakey.complete(ask('q'), { case: theCase, caseIndex: 0, repeat: 0 }));
    expect(r1).toEqual(['hello world', 'throws: Flakey model failed']);
    expect(r0).toBe('right');
  });
});

describe('mock models in tool conversations', () => {
  const tools = [
    { name: 'lookup_order', description: 'Looks an order up.', parameters: { type: 'object' } },
    { name: 'refund', description: 'Refunds.', parameters: { type: 'object' } },
  ];
  const script = { toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A1' } }, [{ name: 'refund', arguments: { orderId: 'A1' } }, { name: 'lookup_order', arguments: { orderId: 'B2' } }]], answer: 'Refunded.' };
  /** The conversation after `rounds` rounds of tool calls (their content does not matter to the mocks). */
  const after = (rounds: number): CompletionRequest => ({
    tools,
    messages: [
      { role: 'user', content: 'refund A1' },
      ...Array.from({ length: rounds }, (_, i) => [
        { role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'x', arguments: '{}' }] },
        { role: 'tool', content: 'ok', toolCallId: `c${i}` },
      ]).flat(),
    ],
  });
  const expectedScript: ExpectedFn = () => script;
  const play = async (model: ReturnType<typeof createMockModel>, caseIndex: number, rounds: number) => {
    const reply = await model.complete(after(rounds), forCase(null, caseIndex));
    return reply.toolCalls ? reply.toolCalls.map((call) => `${call.name} ${call.arguments}`) : reply.text;
  };

  it('perfect plays expected().toolCalls round by round (a list is one round of parallel calls), then the answer', async () => {
    const perfect = createMockModel('perfect', expectedScript);
    expect(await play(perfect, 0, 0)).toEqual(['lookup_order {"orderId":"A1"}']);
    expect(await play(perfect, 0, 1)).toEqual(['refund {"orderId":"A1"}', 'lookup_order {"orderId":"B2"}']);
    expect(await play(perfect, 0, 2)).toBe('Refunded.');
    const reply = await perfect.complete(after(0), forCase(null));
    expect(reply).toMatchObject({ text: '', finishReason: 'tool_calls', toolCalls: [{ id: 'call_1_1', name: 'lookup_order', arguments: '{"orderId":"A1"}' }] });
  });

  it('perfect answers the script answer when the request offers no tools, and any other value as before', async () => {
    const perfect = createMockModel('perfect', expectedScript);
    expect((await perfect.complete(ask('q'), forCase(null))).text).toBe('Refunded.');
    const plain = createMockModel('perfect', () => ({ toolCalls: 'not a list', answer: 1 }));
    expect((await plain.complete(after(0), forCase(null))).text).toBe('{"toolCalls":"not a list","answer":1}');
  });

  it('flakey spoils the first round by case position (arguments cut short, another tool), then plays the script', async () => {
    const flakey = createMockModel('flakey', expectedScript);
    expect(await play(flakey, 0, 0)).toEqual(['lookup_order {"orderId":"A1"}']);
    expect(await play(flakey, 1, 0)).toEqual(['lookup_order {"orderI']);
    expect(await play(flakey, 2, 0)).toEqual(['refund {"orderId":"A1"}']);
    expect(await play(flakey, 1, 1)).toEqual(['lookup_order {"orderId":"A1"}']);
    expect(await play(flakey, 2, 3)).toBe('Refunded.');
    // A script without tool calls: a call all the same.
    const chatty = createMockModel('flakey', () => ({ toolCalls: [], answer: 'Hello!' }));
    expect(await play(chatty, 0, 0)).toBe('Hello!');
    expect(await play(chatty, 1, 0)).toEqual(['lookup_order {']);
    expect(await play(chatty, 2, 0)).toEqual(['lookup_order {}']);
    expect(await play(chatty, 2, 1)).toBe('Hello!');
  });

  it('scripted replays the replies of the case, or of the turn, one per call', async () => {
    const scripted = createMockModel('scripted', undefined);
    const theCase = { replies: ['first', { toolCalls: [{ name: 'refund', arguments: '{"orderId":' }] }, { text: 'done', finishReason: 'length' }, { error: 'server on fire' }] };
    const options = { case: theCase, caseIndex: 0 };
    expect(await outcome(scripted.complete(ask('q'), options))).toBe('first');
    expect((await scripted.complete(ask('q'), options)).toolCalls).toEqual([{ id: 'call_1', name: 'refund', arguments: '{"orderId":' }]);
    expect(await scripted.complete(ask('q'), options)).toMatchObject({ text: 'done', finishReason: 'length' });
    expect(await outcome(scripted.complete(ask('q'), options))).toBe('throws: server on fire');
    expect(await outcome(scripted.complete(ask('q'), options))).toBe("throws: The 'scripted' mock has no reply left: the case has 4 replies, and this is call 5.");
    // Another repetition starts over; a turn reads its own replies.
    expect(await outcome(scripted.complete(ask('q'), { ...options, repeat: 1 }))).toBe('first');
    const turns = { turns: [{ replies: ['t0'] }, { replies: ['t1'] }] };
    expect(await outcome(scripted.complete(ask('q'), { case: turns, turn: 1, turnCase: turns.turns[1] }))).toBe('t1');
    expect(await outcome(scripted.complete(ask('q'), { case: {} }))).toBe("throws: The 'scripted' mock needs the case to have a replies list (one reply per model call).");
  });
});
