import { ModelError } from '../errors.ts';
import { isPlainObject, type Json } from '../util/json.ts';
import { sleep } from '../util/sleep.ts';
import type { CallOptions, ChatMessage, CompletionRequest, CompletionResult, ExpectedToolCall, Model, ModelToolCall } from './types.ts';

/** Produces the expected answer of the case a call is made for (the pipeline's `expected()`). */
export type ExpectedFn = (options: CallOptions) => unknown;

export const MOCK_DESCRIPTIONS = {
  perfect: "Answers with the case's expected value (the pipeline's expected()). No network.",
  flakey: 'Cycles by case position: right answer, then "hello world", then an error. No network.',
  parrot: 'Echoes the last user message. No network.',
  scripted: "Replays the case's (or turn's) `replies`, one per call: text, tool calls or an error. No network.",
} as const;

export type MockName = keyof typeof MOCK_DESCRIPTIONS;

/** Mocks that answer from the pipeline's `expected()`. */
const NEEDS_EXPECTED: ReadonlySet<MockName> = new Set(['perfect', 'flakey']);

/** Rough token counts (4 characters a token), so usage and cost code paths run with mocks too. */
function syntheticUsage(messages: readonly ChatMessage[], text: string, toolCalls: readonly ModelToolCall[] = []) {
  let chars = 0;
  for (const message of messages) chars += message.content.length + callsLength(message.toolCalls ?? []);
  return { inputTokens: Math.ceil(chars / 4), outputTokens: Math.ceil((text.length + callsLength(toolCalls)) / 4) };
}

function callsLength(calls: readonly ModelToolCall[]): number {
  let chars = 0;
  for (const call of calls) chars += call.name.length + call.arguments.length;
  return chars;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Waits `params.latency_ms` when given, honouring the abort signal (for demos and tests). */
function simulateLatency(request: CompletionRequest, options: CallOptions | undefined): Promise<void> | undefined {
  const latency = request.params?.['latency_ms'];
  if (typeof latency !== 'number' || latency <= 0) return undefined;
  return sleep(latency, options?.signal);
}

function expectedValue(expected: ExpectedFn | undefined, options: CallOptions | undefined, model: string): unknown {
  if (!expected) {
    throw new ModelError('E_MOCK_NO_EXPECTED', `The '${model}' mock model needs the pipeline to define expected(ctx).`);
  }
  if (options?.case === undefined) {
    throw new ModelError('E_MOCK_NO_CONTEXT', `The '${model}' mock model needs the stage context: call model.complete(request, ctx).`);
  }
  const answer = expected(options);
  if (answer === undefined) {
    throw new ModelError('E_MOCK_NO_EXPECTED', `expected() returned undefined for this case, so the '${model}' mock has no answer.`);
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------
// Tool conversations

/**
 * What `expected()` returns for a tool-using stage: the tool calls, round by round (a list inside
 * the list is one round of parallel calls), then the final answer.
 */
interface AgentScript {
  readonly rounds: readonly (readonly ExpectedToolCall[])[];
  readonly answer: unknown;
}

/** `{ toolCalls: [...], answer }` (those keys only), or undefined for any other expected value. */
function agentScriptOf(value: unknown, model: string): AgentScript | undefined {
  if (!isPlainObject(value) || !Array.isArray(value['toolCalls'])) return undefined;
  if (Object.keys(value).some((key) => key !== 'toolCalls' && key !== 'answer')) return undefined;
  const rounds = (value['toolCalls'] as unknown[]).map((item) => (Array.isArray(item) ? item : [item]));
  for (const round of rounds) {
    for (const call of round) {
      if (!isPlainObject(call) || typeof call['name'] !== 'string') {
        throw new ModelError('E_MOCK_SCRIPT', `The '${model}' mock: expected().toolCalls must hold { name, arguments } objects (got ${JSON.stringify(call)}).`);
      }
    }
  }
  return { rounds: rounds as ExpectedToolCall[][], answer: value['answer'] ?? '' };
}

/** Rounds of tool calls the conversation holds since the last user message. */
function toolRoundsSoFar(messages: readonly ChatMessage[]): number {
  let rounds = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i]!.role !== 'user'; i--) {
    if (messages[i]!.role === 'assistant' && (messages[i]!.toolCalls?.length ?? 0) > 0) rounds++;
  }
  return rounds;
}

const argumentsText = (args: unknown): string => (typeof args === 'string' ? args : JSON.stringify(args ?? {}));

/** The calls of a reply, with ids made from the conversation's round: stable, so replies repeat exactly, and unique in the conversation. */
function toolCallReply(calls: readonly ExpectedToolCall[], request: CompletionRequest): CompletionResult {
  const round = toolRoundsSoFar(request.messages) + 1;
  const toolCalls = calls.map((call, i) => ({ id: `call_${round}_${i + 1}`, name: call.name, arguments: argumentsText(call.arguments) }));
  return { text: '', toolCalls, usage: syntheticUsage(request.messages, '', toolCalls), finishReason: 'tool_calls' };
}

/** The reply `perfect` gives at round `round` of the script: that round's calls, or the answer. */
function scriptReply(script: AgentScript, round: number, request: CompletionRequest): CompletionResult {
  const calls = script.rounds[round];
  if (calls !== undefined) return toolCallReply(calls, request);
  const text = asText(script.answer);
  return { text, usage: syntheticUsage(request.messages, text), finishReason: 'stop' };
}

/**
 * flakey's first reply in a tool conversation, by case position (and repetition): 0 plays the
 * script; 1 sends the first call with its arguments cut short (not JSON); 2 calls another tool than
 * the first expected one. A script without tool calls gets a call of the first tool offered, as
 * does case 1 (arguments `{`) or 2 (arguments `{}`). After a bad first round it plays the script.
 */
function flakeyToolReply(script: AgentScript, mode: number, request: CompletionRequest): CompletionResult {
  const round = toolRoundsSoFar(request.messages);
  if (mode === 0) return scriptReply(script, round, request);
  if (round > 0) return scriptReply(script, round - 1, request);
  const offered = request.tools ?? [];
  const first = script.rounds[0]?.[0];
  let call: ExpectedToolCall;
  if (first === undefined) call = { name: offered[0]?.name ?? 'unknown_tool', arguments: mode === 1 ? '{' : {} };
  else if (mode === 1) {
    const text = argumentsText(first.arguments);
    call = { name: first.name, arguments: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
  } else {
    call = { name: offered.find((tool) => tool.name !== first.name)?.name ?? `${first.name}_v2`, arguments: first.arguments ?? {} };
  }
  return toolCallReply([call], request);
}

// ---------------------------------------------------------------------------------------------
// scripted

/** One reply of a `scripted` case: text, `{ text?, toolCalls?, finishReason? }`, or `{ error }`. */
function scriptedReply(reply: unknown, request: CompletionRequest, position: string): CompletionResult {
  if (typeof reply === 'string') return { text: reply, usage: syntheticUsage(request.messages, reply), finishReason: 'stop' };
  if (!isPlainObject(reply)) throw new ModelError('E_MOCK_SCRIPT', `The 'scripted' mock: ${position} is not a string or an object (got ${JSON.stringify(reply)}).`);
  if (typeof reply['error'] === 'string') throw new Error(reply['error']);
  const text = typeof reply['text'] === 'string' ? reply['text'] : '';
  const calls = reply['toolCalls'];
  if (calls !== undefined && (!Array.isArray(calls) || !calls.every((call) => isPlainObject(call) && typeof call['name'] === 'string'))) {
    throw new ModelError('E_MOCK_SCRIPT', `The 'scripted' mock: ${position}: toolCalls must be a list of { name, arguments } objects.`);
  }
  const toolCalls = ((calls ?? []) as Record<string, Json>[]).map((call, i) => ({
    id: typeof call['id'] === 'string' ? call['id'] : `call_${i + 1}`,
    name: call['name'] as string,
    arguments: argumentsText(call['arguments']),
  }));
  const finishReason = typeof reply['finishReason'] === 'string' ? reply['finishReason'] : toolCalls.length > 0 ? 'tool_calls' : 'stop';
  return { text, ...(toolCalls.length > 0 && { toolCalls }), usage: syntheticUsage(request.messages, text, toolCalls), finishReason };
}

/**
 * Counts calls per case and repetition (and, with `byTurn`, per turn), so side-by-side repetitions
 * never shift each other. `flakey` counts across the turns of a case: its cycle, like GoTaglio's,
 * moves on with every call the case makes.
 */
function callCounter({ byTurn }: { readonly byTurn: boolean }) {
  const byCase = new WeakMap<object, Map<string, number>>();
  return (options: CallOptions | undefined): number => {
    const key = typeof options?.case === 'object' && options.case !== null ? options.case : undefined;
    if (!key) return 0;
    let counts = byCase.get(key);
    if (!counts) byCase.set(key, (counts = new Map()));
    const slot = byTurn ? `${options?.repeat ?? 0}:${options?.turn ?? ''}` : `${options?.repeat ?? 0}`;
    const calls = counts.get(slot) ?? 0;
    counts.set(slot, calls + 1);
    return calls;
  };
}

export function createMockModel(name: MockName, expected: ExpectedFn | undefined): Model {
  const description = MOCK_DESCRIPTIONS[name];
  if (NEEDS_EXPECTED.has(name) && !expected) {
    throw new ModelError('E_MOCK_NO_EXPECTED', `The '${name}' mock model needs the pipeline to define expected(ctx).`, {
      hint: "Add expected: (ctx) => ctx.case.answer (or similar) to the pipeline, or use the 'parrot' mock.",
    });
  }
  const base = { name, description, kind: 'mock' } as const;
  switch (name) {
    case 'perfect':
      return {
        ...base,
        async complete(request, options): Promise<CompletionResult> {
          const wait = simulateLatency(request, options);
          if (wait) await wait;
          const value = expectedValue(expected, options, name);
          const script = agentScriptOf(value, name);
          if (script) return request.tools?.length ? scriptReply(script, toolRoundsSoFar(request.messages), request) : scriptReply(script, Infinity, request);
          const text = asText(value);
          return { text, usage: syntheticUsage(request.messages, text) };
        },
      };
    case 'flakey': {
      // Calls per case and repetition, so a case that calls the model twice moves along the cycle
      // as well, and the repetitions of a case (run --repeat) each start one step further on:
      // deterministic whatever order they run in, as they run side by side.
      const countCall = callCounter({ byTurn: false });
      return {
        ...base,
        async complete(request, options): Promise<CompletionResult> {
          const wait = simulateLatency(request, options);
          if (wait) await wait;
          const position = (options?.caseIndex ?? 0) + (options?.repeat ?? 0);
          if (request.tools?.length) {
            // A tool conversation goes by its own progress, not by the call count: see flakeyToolReply.
            const script = agentScriptOf(expectedValue(expected, options, name), name);
            if (script) return flakeyToolReply(script, position % 3, request);
          }
          const step = (position + countCall(options)) % 3;
          if (step === 2) throw new Error('Flakey model failed');
          const text = step === 0 ? expectedText(expectedValue(expected, options, name), name) : 'hello world';
          return { text, usage: syntheticUsage(request.messages, text) };
        },
      };
    }
    case 'parrot':
      return {
        ...base,
        async complete(request, options): Promise<CompletionResult> {
          const wait = simulateLatency(request, options);
          if (wait) await wait;
          const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
          const text = lastUser?.content ?? '';
          return { text, usage: syntheticUsage(request.messages, text) };
        },
      };
    case 'scripted': {
      const countCall = callCounter({ byTurn: true });
      return {
        ...base,
        async complete(request, options): Promise<CompletionResult> {
          const wait = simulateLatency(request, options);
          if (wait) await wait;
          const source = options?.turnCase ?? options?.case;
          if (source === undefined) {
            throw new ModelError('E_MOCK_NO_CONTEXT', "The 'scripted' mock model needs the stage context: call model.complete(request, ctx).");
          }
          const replies = isPlainObject(source) ? source['replies'] : undefined;
          const where = typeof options?.turn === 'number' ? `turn ${options.turn + 1} of the case` : 'the case';
          if (!Array.isArray(replies)) {
            throw new ModelError('E_MOCK_SCRIPT', `The 'scripted' mock needs ${where} to have a replies list (one reply per model call).`);
          }
          const call = countCall(options);
          if (call >= replies.length) {
            throw new ModelError('E_MOCK_SCRIPT', `The 'scripted' mock has no reply left: ${where} has ${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}, and this is call ${call + 1}.`);
          }
          return scriptedReply(replies[call], request, `replies[${call}] of ${where}`);
        },
      };
    }
  }
}

/** The expected value as reply text: a tool script's answer, or the value itself. */
function expectedText(value: unknown, model: string): string {
  const script = agentScriptOf(value, model);
  return asText(script ? script.answer : value);
}
