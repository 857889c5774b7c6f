/**
 * The built-in mocks in batch mode: a mock's call is queued and answered through an in-memory Batch
 * API (memory.ts) the way a configured model's goes through the provider's, so a pipeline runs in
 * batch mode offline, from the command line (`run suites/calc.json --batch`) as from a script, with
 * the same flush rules, journal, progress and `calls[].batch` records.
 *
 * What a mock answers is decided when the stage calls it, exactly as online (the same
 * `expected()`, the same per-case counters of flakey and scripted); the batch line then carries
 * that answer, or its error, back to the call. Mocks cost nothing: batched calls are recorded at
 * $0, saving $0.
 */
import { ModelError, messageOf } from '../../errors.ts';
import { newCall, recorded } from '../call.ts';
import { wireMessage } from '../openai.ts';
import { DEFAULT_RETRY } from '../retry.ts';
import type { CallOptions, CompletionRequest, CompletionResult, Model } from '../types.ts';
import type { BatchRequest, ProfileBatcher } from './batcher.ts';
import { createMemoryBatchApi, type MemoryAnswer, type MemoryBatchApi } from './memory.ts';
import { withBatch } from './step.ts';

/** The endpoint of the mocks' batch lines, as for an OpenAI batch. */
export const MOCK_BATCH_ENDPOINT = '/v1/chat/completions';

/** The in-memory Batch API of a run's mocks, answering each request with the answer its mock decided. */
export interface MockBatchApi {
  readonly api: MemoryBatchApi;
  /** Sets the answer of the request with this `custom_id` (read once, when its batch ends). */
  answer(customId: string, answer: MemoryAnswer): void;
}

/** A Batch API in memory for the mocks of one run (see the module's comment). */
export function createMockBatchApi(): MockBatchApi {
  const answers = new Map<string, MemoryAnswer>();
  const api = createMemoryBatchApi({
    answer(_body, customId) {
      const answer = answers.get(customId);
      answers.delete(customId);
      return answer ?? { status: 500, message: `no answer was decided for ${customId}` };
    },
  });
  return { api, answer: (customId, answer) => void answers.set(customId, answer) };
}

/** The request body a mock's batch line carries: the conversation and tools, as a configured model would send them. */
function bodyOf(model: string, request: CompletionRequest): Record<string, unknown> {
  return {
    model,
    messages: request.messages.map(wireMessage),
    ...(request.tools?.length && { tools: request.tools.map(({ name, description, parameters }) => ({ type: 'function', function: { name, description, parameters } })) }),
  };
}

/** A mock's reply as the chat completion a batch's output line holds. */
function completionOf(result: CompletionResult): Record<string, unknown> {
  const toolCalls = result.toolCalls ?? [];
  return {
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls.length > 0 && result.text === '' ? null : result.text,
          ...(toolCalls.length > 0 && { tool_calls: toolCalls.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } })) }),
        },
        // A mock that gives no finish reason online gives none here either.
        finish_reason: result.finishReason ?? null,
      },
    ],
    ...(result.usage && {
      usage: {
        prompt_tokens: result.usage.inputTokens,
        completion_tokens: result.usage.outputTokens,
        ...(result.usage.cachedInputTokens !== undefined && { prompt_tokens_details: { cached_tokens: result.usage.cachedInputTokens } }),
        ...(result.usage.reasoningTokens !== undefined && { completion_tokens_details: { reasoning_tokens: result.usage.reasoningTokens } }),
      },
    }),
  };
}

type Decided = { readonly ok: true; readonly result: CompletionResult } | { readonly ok: false; readonly error: unknown };

/**
 * `mock` answering through `batcher`, whose Batch API is `batches.api`: each call of a case is
 * decided by the mock, queued, and answered by its batch's line. A call made outside a case (no
 * stage context) has no place in a batch and is answered as online.
 */
export function withMockBatch(mock: Model, batcher: ProfileBatcher, batches: MockBatchApi): Model {
  // An error line of a mock is never retried: online, the mock's error fails the call at once.
  const giveUp = (_failure: unknown, message: string) => new ModelError('E_MODEL_REQUEST', message);
  const redact = (text: string) => text;
  return {
    name: mock.name,
    description: mock.description,
    kind: mock.kind,
    ...(mock.structuredOutput !== undefined && { structuredOutput: mock.structuredOutput }),
    async complete(request: CompletionRequest, options?: CallOptions): Promise<CompletionResult> {
      if (options?.caseIndex === undefined) return mock.complete(request, options);
      let decided: Decided;
      try {
        decided = { ok: true, result: await mock.complete(request, options) };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        decided = { ok: false, error };
      }
      const answer: MemoryAnswer = decided.ok ? { completion: completionOf(decided.result) } : { status: 400, message: messageOf(decided.error) };
      // Each request sent (a retry too) is answered with the mock's decision.
      const sender = {
        get runKey() {
          return batcher.runKey;
        },
        nextCall: (place: string) => batcher.nextCall(place),
        request(sent: BatchRequest) {
          batches.answer(sent.id, answer);
          return batcher.request(sent);
        },
      };
      const send = withBatch(sender, () => Promise.reject(new Error('a mock has no online fallback')), { policy: DEFAULT_RETRY, fallback: 'batch', redact, giveUp });
      const call = recorded(
        async (pending) => {
          let reply;
          try {
            reply = await send(pending);
          } catch (error) {
            // The call fails as it would online: with the mock's own error.
            if (!decided.ok && !options.signal?.aborted) throw decided.error;
            throw error;
          }
          return {
            text: reply.text,
            ...(reply.usage && { usage: reply.usage }),
            ...(reply.finishReason && { finishReason: reply.finishReason }),
            ...(reply.toolCalls && reply.toolCalls.length > 0 && { toolCalls: reply.toolCalls }),
            costUsd: 0,
            onlineCostUsd: 0,
          };
        },
        { profile: mock.name, model: mock.name, provider: 'mock', redact },
      );
      // The call's record has the cache status and the cost ($0); the stage gets what the mock gives online.
      const { cache: _cache, costUsd: _cost, ...result } = await call(newCall(bodyOf(mock.name, request), request, options));
      return result;
    },
  };
}
