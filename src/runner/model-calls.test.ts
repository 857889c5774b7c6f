/**
 * What the runner does with configured models' calls: stage and case costs, run totals in
 * run.end, live events for the progress display, and the --max-cost budget.
 */
import { describe, expect, it } from 'vitest';
import type { RunStartRecord } from '../log/schema.ts';
import type { CallOptions, Model, ModelCallRecord, ModelEvent } from '../model/types.ts';
import type { PipelineSpec, Stages } from '../pipeline/types.ts';
import type { SuiteCase } from '../suite/load.ts';
import { executeRun, type RunListener } from './run.ts';
import { prepareRun } from './setup.ts';

const suite = (n: number): SuiteCase[] => Array.from({ length: n }, (_, index) => ({ index, id: `case-${index}`, case: { id: `case-${index}` } }));
const header = { type: 'run.start', runId: 'run-1' } as RunStartRecord;

/** A model that records a call costing `costUsd`, with one retry on every third call. */
function paidModel(costUsd: number, delayMs = 0): Model {
  let n = 0;
  return {
    name: 'paid',
    description: 'test',
    kind: 'openai',
    async complete(_request, options?: CallOptions) {
      const retried = n++ % 3 === 2;
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const attempt = (attempt: number, outcome: 'ok' | 'retry', status: number) => ({ attempt, rateLimitWaitMs: 5, backoffMs: attempt === 1 ? 0 : 10, durationMs: 1, status, outcome });
      const call: ModelCallRecord = {
        profile: 'paid',
        model: 'm',
        provider: 'openai',
        status: 'ok',
        cache: n === 1 ? 'hit' : 'miss',
        attempts: retried ? [attempt(1, 'retry', 429), attempt(2, 'ok', 200)] : [attempt(1, 'ok', 200)],
        waitedMs: retried ? 10 : 0,
        rateLimitWaitMs: retried ? 10 : 5,
        durationMs: 2,
        usage: { inputTokens: 10, outputTokens: 1 },
        costUsd,
      };
      options?.recordCall?.(call);
      if (retried) options?.onModelEvent?.({ type: 'retry', profile: 'paid', status: 429, delayMs: 10 });
      options?.onModelEvent?.({ type: 'call', profile: 'paid', cache: call.cache, ok: true, costUsd });
      return { text: 'ok', usage: call.usage!, costUsd };
    },
  };
}

async function run(model: Model, cases: number, options: { maxCostUsd?: number; concurrency?: number; listeners?: RunListener[] } = {}) {
  const spec = {
    name: 'p',
    description: '',
    stages: (): Stages<any, any, any> => ({
      infer: async (ctx) => (await ctx.models.get('paid').complete({ messages: [] }, ctx)).text,
      twice: async (ctx) => {
        await ctx.models.get('paid').complete({ messages: [] }, ctx);
        return (await ctx.models.get('paid').complete({ messages: [] }, ctx)).text;
      },
    }),
  } as PipelineSpec;
  const prepared = await prepareRun({ spec, overrides: [], runId: 'run-1', cwd: '/', models: { paid: model } });
  return executeRun({
    prepared,
    header,
    cases: suite(cases),
    total: cases,
    concurrency: options.concurrency ?? 2,
    listeners: options.listeners ?? [],
    ...(options.maxCostUsd !== undefined && { maxCostUsd: options.maxCostUsd }),
  });
}

describe('configured model calls in the run', () => {
  it('records calls and cost per stage, sums cost per case and per run, and totals the calls', async () => {
    const cases: import('../log/schema.ts').CaseRecord[] = [];
    const end = await run(paidModel(0.25), 4, { listeners: [{ onCaseEnd: (r) => cases.push(r) }] });
    expect(end.status).toBe('completed');
    for (const c of cases) {
      expect(c.stageRecords['infer']).toMatchObject({ costUsd: 0.25, calls: [expect.objectContaining({ profile: 'paid' })] });
      expect(c.stageRecords['twice']!.calls).toHaveLength(2);
      expect(c.stageRecords['twice']!.costUsd).toBe(0.5);
      expect(c.costUsd).toBe(0.75);
      expect(c.usage).toEqual({ calls: 3, inputTokens: 30, outputTokens: 3 });
    }
    expect(end.costUsd).toBe(3);
    expect(end.modelCalls).toEqual({ calls: 12, cacheHits: 1, retries: 4, rateLimited: 4, rateLimitedFinal: 0, failed: 0, rateLimitWaitMs: 80, backoffMs: 40 });
    expect(end.maxCostUsd).toBeUndefined();
  });

  it('passes live events on to listeners that want them', async () => {
    const events: ModelEvent[] = [];
    await run(paidModel(0.1), 2, { listeners: [{ onModelEvent: (e) => events.push(e) }] });
    expect(events.filter((e) => e.type === 'call')).toHaveLength(6);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('stops starting cases once --max-cost is reached, lets running ones finish, and ends with status budget', async () => {
    const end = await run(paidModel(0.3, 5), 20, { maxCostUsd: 1, concurrency: 1 });
    // Each case costs 0.9: the budget is reached during the second case, which still finishes.
    expect(end.status).toBe('budget');
    expect(end.counts).toMatchObject({ complete: 2, notRun: 18, cancelled: 0 });
    expect(end.costUsd).toBeCloseTo(1.8, 9);
    expect(end.maxCostUsd).toBe(1);
  });

  it('counts a run that reached its budget only after every case started as completed', async () => {
    const end = await run(paidModel(1, 20), 2, { maxCostUsd: 1, concurrency: 2 });
    expect(end.status).toBe('completed');
    expect(end.counts.notRun).toBe(0);
  });

  it('adds nothing to the records of runs without configured models', async () => {
    const spec = { name: 'p', description: '', stages: () => ({ a: () => 1 }) } as PipelineSpec;
    const prepared = await prepareRun({ spec, overrides: [], runId: 'run-1', cwd: '/' });
    let record: import('../log/schema.ts').CaseRecord | undefined;
    const end = await executeRun({ prepared, header, cases: suite(1), total: 1, concurrency: 1, listeners: [{ onCaseEnd: (r) => (record = r) }] });
    expect(Object.keys(end)).not.toContain('modelCalls');
    expect(Object.keys(end)).not.toContain('costUsd');
    expect(Object.keys(record!)).not.toContain('costUsd');
    expect(Object.keys(record!.stageRecords['a']!)).toEqual(['status', 'startMs', 'endMs', 'durationMs']);
  });

  it('notes the models setup looked up', async () => {
    const spec = {
      name: 'p',
      description: '',
      stages: ({ models }: { models: import('../model/types.ts').ModelRegistry }) => {
        models.get('paid');
        models.get('parrot');
        return { a: () => 1 };
      },
    } as unknown as PipelineSpec;
    const prepared = await prepareRun({ spec, overrides: [], runId: 'run-1', cwd: '/', models: { paid: paidModel(0) } });
    expect(prepared.modelsUsed).toEqual(['paid', 'parrot']);
  });
});
