import { describe, expect, it } from 'vitest';
import type { CaseRecord, ModelCall, StageRecord, TurnRecord, Usage } from './schema.ts';
import { countOutcome, roundUsd, RunTotals, SpendTotals } from './totals.ts';
import { makeCase } from '../../test/helpers/records.ts';

/** A case record without a verdict, with `fields` set. */
const caseRecord = (fields: Partial<CaseRecord> = {}): CaseRecord => ({ ...makeCase(0, { passed: null }), ...fields });

function call(fields: Partial<ModelCall> = {}): ModelCall {
  return { profile: 'p', model: 'm', provider: 'openai', status: 'ok', cache: 'miss', attempts: [], waitedMs: 0, rateLimitWaitMs: 0, durationMs: 1, ...fields };
}

const attempt = (status: number, outcome: 'ok' | 'retry' | 'error' = 'ok') => ({ attempt: 1, rateLimitWaitMs: 0, backoffMs: 0, durationMs: 1, status, outcome });
const stageWith = (calls: ModelCall[], reused?: boolean): StageRecord => ({ status: 'ok', calls, ...(reused && { reused }) });
const turn = (index: number, stageRecords: Record<string, StageRecord>): TurnRecord => ({ index, status: 'complete', passed: true, score: null, stages: {}, stageRecords, error: null });

describe('RunTotals', () => {
  it('counts statuses, and passed and failed verdicts of complete cases only', () => {
    const totals = new RunTotals();
    totals.add(caseRecord({ passed: true }));
    totals.add(caseRecord({ passed: false }));
    totals.add(caseRecord({ passed: null }));
    totals.add(caseRecord({ status: 'error', passed: false }));
    totals.add(caseRecord({ status: 'cancelled' }));
    expect(totals.cases).toBe(5);
    expect(totals.counts(7)).toEqual({ total: 7, complete: 3, error: 1, cancelled: 1, passed: 1, failed: 1, notRun: 2 });
    expect(totals.counts(4).notRun).toBe(0);
    expect(Object.keys(totals.counts(7))).toEqual(['total', 'complete', 'error', 'cancelled', 'passed', 'failed', 'notRun']);
  });

  it('sums usage and cost, rounding dollars to the nano-dollar whatever the order', () => {
    const forward = new RunTotals();
    const backward = new RunTotals();
    const records = [
      caseRecord({ usage: { calls: 1, inputTokens: 10, outputTokens: 2 }, costUsd: 0.1 }),
      caseRecord({ usage: { calls: 2, inputTokens: 5, outputTokens: 1, cachedInputTokens: 3 }, costUsd: 0.2 }),
      caseRecord(),
      caseRecord({ usage: { calls: 1, inputTokens: 1, outputTokens: 1, reasoningTokens: 4 } }),
    ];
    for (const record of records) forward.add(record);
    for (const record of [...records].reverse()) backward.add(record);
    expect(forward.usage).toEqual({ calls: 4, inputTokens: 16, outputTokens: 4, cachedInputTokens: 3, reasoningTokens: 4 });
    expect(forward.costUsd).toBe(0.3);
    expect(backward.costUsd).toBe(0.3);
    expect(records[0]!.usage).toEqual({ calls: 1, inputTokens: 10, outputTokens: 2 });
  });

  it('leaves usage, cost and model calls undefined when no record had any', () => {
    const totals = new RunTotals();
    totals.add(caseRecord({ stageRecords: { a: { status: 'ok' }, b: stageWith([]) } }));
    expect(totals.usage).toBeUndefined();
    expect(totals.costUsd).toBeUndefined();
    expect(totals.modelCalls()).toBeUndefined();
    expect(totals.endFields(1)).toEqual({ counts: { total: 1, complete: 1, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 } });
  });

  it('totals the model calls of every stage and turn, except those of reused stages, with waits in whole milliseconds', () => {
    const totals = new RunTotals();
    totals.add(
      caseRecord({
        stageRecords: {
          infer: stageWith([
            call({ cache: 'hit' }),
            call({ status: 'error', attempts: [attempt(429, 'retry'), attempt(429, 'retry'), attempt(500, 'error')], waitedMs: 10.4, rateLimitWaitMs: 2.3 }),
            call({ status: 'error', attempts: [attempt(429, 'retry'), attempt(429, 'error')] }),
          ]),
          judge: stageWith([call(), call()], true),
        },
      }),
    );
    totals.add(caseRecord({ turns: [turn(0, { infer: stageWith([call({ attempts: [attempt(200)], rateLimitWaitMs: 0.4 })]) }), turn(1, { infer: stageWith([call()]) })] }));
    // Of the four 429s, three were retried; the last attempt of the third call was not (it failed with it).
    expect(totals.modelCalls()).toEqual({ calls: 5, cacheHits: 1, retries: 3, rateLimited: 4, rateLimitedFinal: 1, failed: 2, rateLimitWaitMs: 3, backoffMs: 10 });
  });

  it('merges another total, as if its records had been added', () => {
    const records = [
      caseRecord({ passed: true, usage: { calls: 1, inputTokens: 3, outputTokens: 1 }, costUsd: 0.1, stageRecords: { a: stageWith([call({ rateLimitWaitMs: 0.3 })]) } }),
      caseRecord({ status: 'error', costUsd: 0.2, stageRecords: { a: stageWith([call({ rateLimitWaitMs: 0.3 })]) } }),
      caseRecord({ passed: false, usage: { calls: 1, inputTokens: 1, outputTokens: 1 } }),
    ];
    const one = new RunTotals();
    for (const record of records) one.add(record);
    const copied = new RunTotals();
    copied.add(records[0]!);
    const rest = new RunTotals();
    for (const record of records.slice(1)) rest.add(record);
    const whole = new RunTotals();
    whole.merge(copied);
    whole.merge(rest);
    expect(whole.cases).toBe(3);
    expect(whole.endFields(4)).toEqual(one.endFields(4));
    expect(whole.modelCalls()).toEqual({ calls: 2, cacheHits: 0, retries: 0, rateLimited: 0, rateLimitedFinal: 0, failed: 0, rateLimitWaitMs: 1, backoffMs: 0 });
  });

  it('gives the run.end fields in the order the log writes them', () => {
    const totals = new RunTotals();
    totals.add(caseRecord({ usage: { calls: 1, inputTokens: 1, outputTokens: 1 }, costUsd: 0.5, stageRecords: { a: stageWith([call()]) } }));
    expect(Object.keys(totals.endFields(1))).toEqual(['counts', 'usage', 'costUsd', 'modelCalls']);
  });
});

describe('SpendTotals', () => {
  it('sums what stage records spent, to the nano-dollar', () => {
    const spend = new SpendTotals();
    for (let i = 0; i < 10; i++) spend.add({ costUsd: 0.1, usage: { calls: 1, inputTokens: 2, outputTokens: 3 } });
    spend.add({});
    expect(spend.costUsd).toBe(1);
    expect(spend.usage).toEqual({ calls: 10, inputTokens: 20, outputTokens: 30 });
    expect(new SpendTotals().costUsd).toBeUndefined();
  });

  it('writes its totals onto a record, leaving out those it does not have', () => {
    const spend = new SpendTotals();
    const record: { usage?: Usage; costUsd?: number } = {};
    spend.writeTo(record);
    expect(record).toEqual({});
    spend.add({ costUsd: 0.25 });
    spend.writeTo(record);
    expect(record).toEqual({ costUsd: 0.25 });
  });
});

describe('countOutcome', () => {
  it('counts turns too, whose status may be skipped', () => {
    const counts = { complete: 0, error: 0, cancelled: 0, skipped: 0, passed: 0, failed: 0 };
    for (const outcome of [
      { status: 'complete', passed: true },
      { status: 'complete', passed: false },
      { status: 'skipped', passed: null },
      { status: 'error', passed: false },
    ] as const) {
      countOutcome(counts, outcome);
    }
    expect(counts).toEqual({ complete: 2, error: 1, cancelled: 0, skipped: 1, passed: 1, failed: 1 });
  });
});

describe('roundUsd', () => {
  it('rounds to the nano-dollar', () => {
    expect(roundUsd(0.1 + 0.2)).toBe(0.3);
    expect(roundUsd(1.23456789049)).toBe(1.23456789);
  });
});
