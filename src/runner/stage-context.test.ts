import { describe, expect, it } from 'vitest';
import type { ExpectedFn } from '../model/mocks.ts';
import type { Model } from '../model/types.ts';
import type { StageContext } from '../pipeline/types.ts';
import type { JsonObject } from '../util/json.ts';
import { runStages } from '../../test/helpers/case-env.ts';

type Ctx = StageContext<any, any, any>;

const theCase: JsonObject = { id: 'case-1', answer: 42 };
/** The perfect mock answers the case's answer. */
const answerOf: ExpectedFn = (call) => (call.case as { answer?: unknown }).answer;

describe('ctx: what a stage is given', () => {
  it('gives each stage the case, its ids, the run id, the config, the models and its own name', async () => {
    const seen: unknown[] = [];
    const record = await runStages(
      {
        first: (ctx: Ctx) => {
          seen.push({ case: ctx.case, caseId: ctx.caseId, caseIndex: ctx.caseIndex, runId: ctx.runId, stage: ctx.stage, config: ctx.config });
          return ctx.models.has('parrot');
        },
      },
      { config: { model: 'parrot' } },
      theCase,
      3,
    );
    expect(seen).toEqual([{ case: theCase, caseId: 'case-1', caseIndex: 3, runId: 'run-1', stage: 'first', config: { model: 'parrot' } }]);
    expect(record.stages).toEqual({ first: true });
  });
});

describe('ctx: usage', () => {
  it('records usage per stage from ctx.recordUsage and from model calls, and sums it on the case', async () => {
    const custom: Model = {
      name: 'custom',
      description: 'test model',
      kind: 'test',
      complete: async () => ({ text: 'ok', usage: { inputTokens: 100, outputTokens: 7, reasoningTokens: 3 } }),
    };
    const record = await runStages(
      {
        manual: (ctx: Ctx) => {
          ctx.recordUsage({ inputTokens: 10, outputTokens: 5, cachedInputTokens: 2 });
          ctx.recordUsage({ inputTokens: 1, outputTokens: 1 });
          return null;
        },
        parrot: async (ctx: Ctx) => (await ctx.models.get('parrot').complete({ messages: [{ role: 'user', content: '12345678' }] }, ctx)).text,
        perfect: async (ctx: Ctx) => (await ctx.models.get('perfect').complete({ messages: [{ role: 'user', content: 'q' }] }, ctx)).text,
        custom: async (ctx: Ctx) => {
          const model = ctx.models.get('custom');
          await model.complete({ messages: [] }, ctx);
          return (await model.complete({ messages: [] }, ctx)).text;
        },
        none: () => 'no calls',
      },
      { models: { custom }, expected: answerOf },
      theCase,
    );
    expect(record.status).toBe('complete');
    expect(record.stages).toMatchObject({ parrot: '12345678', perfect: '42', custom: 'ok' });
    expect(record.stageRecords['manual']!.usage).toEqual({ calls: 2, inputTokens: 11, outputTokens: 6, cachedInputTokens: 2 });
    expect(record.stageRecords['parrot']!.usage).toEqual({ calls: 1, inputTokens: 2, outputTokens: 2 });
    expect(record.stageRecords['perfect']!.usage).toEqual({ calls: 1, inputTokens: 1, outputTokens: 1 });
    expect(record.stageRecords['custom']!.usage).toEqual({ calls: 2, inputTokens: 200, outputTokens: 14, reasoningTokens: 6 });
    expect(record.stageRecords['none']!.usage).toBeUndefined();
    expect(record.usage).toEqual({ calls: 6, inputTokens: 214, outputTokens: 23, cachedInputTokens: 2, reasoningTokens: 6 });
  });

  it('keeps the usage of a stage that failed after calling a model', async () => {
    const record = await runStages({
      infer: async (ctx: Ctx) => {
        await ctx.models.get('parrot').complete({ messages: [{ role: 'user', content: 'abcd' }] }, ctx);
        throw new Error('after the call');
      },
    });
    expect(record.stageRecords['infer']).toMatchObject({ status: 'error', usage: { calls: 1, inputTokens: 1, outputTokens: 1 } });
    expect(record.usage).toEqual({ calls: 1, inputTokens: 1, outputTokens: 1 });
  });
});
