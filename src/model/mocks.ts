import { ModelError } from '../errors.ts';
import { sleep } from '../util/sleep.ts';
import type { CallOptions, ChatMessage, CompletionRequest, CompletionResult, Model } from './types.ts';

/** Produces the expected answer of the case a call is made for (the pipeline's `expected()`). */
export type ExpectedFn = (options: CallOptions) => unknown;

export const MOCK_DESCRIPTIONS = {
  perfect: "Answers with the case's expected value (the pipeline's expected()). No network.",
  flakey: 'Cycles by case position: right answer, then "hello world", then an error. No network.',
  parrot: 'Echoes the last user message. No network.',
} as const;

export type MockName = keyof typeof MOCK_DESCRIPTIONS;

/** Rough token counts (4 characters a token), so usage and cost code paths run with mocks too. */
function syntheticUsage(messages: readonly ChatMessage[], text: string) {
  let chars = 0;
  for (const message of messages) chars += message.content.length;
  return { inputTokens: Math.ceil(chars / 4), outputTokens: Math.ceil(text.length / 4) };
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

function expectedAnswer(expected: ExpectedFn | undefined, options: CallOptions | undefined, model: string): string {
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
  return asText(answer);
}

export function createMockModel(name: MockName, expected: ExpectedFn | undefined): Model {
  const description = MOCK_DESCRIPTIONS[name];
  if (name !== 'parrot' && !expected) {
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
          const text = expectedAnswer(expected, options, name);
          return { text, usage: syntheticUsage(request.messages, text) };
        },
      };
    case 'flakey': {
      // Calls per case and repetition, so a case that calls the model twice moves along the cycle
      // as well, and the repetitions of a case (run --repeat) each start one step further on:
      // deterministic whatever order they run in, as they run side by side.
      const callsByCase = new WeakMap<object, Map<number, number>>();
      return {
        ...base,
        async complete(request, options): Promise<CompletionResult> {
          const wait = simulateLatency(request, options);
          if (wait) await wait;
          const key = typeof options?.case === 'object' && options.case !== null ? options.case : undefined;
          const repeat = options?.repeat ?? 0;
          let byRepeat = key ? callsByCase.get(key) : undefined;
          if (key && !byRepeat) callsByCase.set(key, (byRepeat = new Map()));
          const calls = byRepeat?.get(repeat) ?? 0;
          byRepeat?.set(repeat, calls + 1);
          const step = ((options?.caseIndex ?? 0) + repeat + calls) % 3;
          if (step === 2) throw new Error('Flakey model failed');
          const text = step === 0 ? expectedAnswer(expected, options, name) : 'hello world';
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
  }
}
