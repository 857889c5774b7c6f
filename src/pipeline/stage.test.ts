import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CaseRecord } from '../log/schema.ts';
import { createModelRegistry } from '../model/registry.ts';
import { startCase, type CaseEnvironment } from '../runner/case.ts';
import { stageLimiter } from '../runner/stage-limits.ts';
import { buildStageGraph } from './dag.ts';
import { fail, ok, skip } from './outcome.ts';
import { loop, parallel, stage, isStage } from './stage.ts';
import type { PipelineSpec, StageContext, Stages } from './types.ts';
import type { JsonObject } from '../util/json.ts';
import { sleep } from '../util/sleep.ts';

type Ctx = StageContext<any, any, any>;

function environment(stages: Stages<any, any, any>, config: Record<string, unknown> = {}): CaseEnvironment {
  return {
    runId: 'run-1',
    spec: { name: 'p', description: 'test', stages: () => stages } as PipelineSpec,
    graph: buildStageGraph(stages, 'p'),
    config,
    models: createModelRegistry({ expected: () => 'x' }),
  };
}

const runCase = (env: CaseEnvironment, c: JsonObject = { id: 'c1' }, index = 0): Promise<CaseRecord> =>
  startCase(env, { index, id: String(c['id']), case: c }).done;
const run = (stages: Stages<any, any, any>, c?: JsonObject) => runCase(environment(stages), c);
const types = (record: CaseRecord) => (record.events ?? []).map((e) => e.type);


/** A stage that fails its first `failures` calls (thrown errors), then answers `value`. */
function flaky(failures: number, value: unknown = 'done') {
  let calls = 0;
  const fn = () => {
    calls++;
    if (calls <= failures) throw new Error(`attempt ${calls} failed`);
    return value;
  };
  return Object.assign(fn, { calls: () => calls });
}

describe('stage()', () => {
  it('is an immutable stage function that resolves to outcomes', async () => {
    const s = stage(() => 42, { name: 'answer' });
    expect(isStage(s)).toBe(true);
    expect(Object.isFrozen(s)).toBe(true);
    expect(s.meta).toEqual({ name: 'answer' });
    expect(await s({} as Ctx)).toMatchObject({ status: 'ok', value: 42 });
    expect(await stage(() => { throw new Error('boom'); })({} as Ctx)).toMatchObject({ status: 'fail', message: 'boom' });
    const record = await run({ a: s });
    expect(record.stages).toEqual({ a: 42 });
  });
});

describe('withRetry', () => {
  it('retries thrown errors, recording each retry, and succeeds', async () => {
    const fn = flaky(2);
    const record = await run({ a: stage(fn).withRetry({ attempts: 3, backoff: 1 }) });
    expect(record.status).toBe('complete');
    expect(fn.calls()).toBe(3);
    expect(record.events!.map((e) => [e.type, (e.data as { attempt: number }).attempt])).toEqual([
      ['stage.retry', 1],
      ['stage.retry', 2],
    ]);
    expect(record.events![0]).toMatchObject({ stage: 'a', data: { error: 'attempt 1 failed', delayMs: 1 } });
  });

  it('gives up after the attempts and records the last error', async () => {
    const fn = flaky(5);
    const record = await run({ a: stage(fn).withRetry({ attempts: 2 }) });
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ message: 'attempt 2 failed', stage: 'a' });
    expect(fn.calls()).toBe(2);
  });

  it('does not retry fail() unless retryable, nor schema failures; retryOn decides otherwise', async () => {
    let calls = 0;
    const notRetryable = stage(() => (calls++, fail('wrong answer'))).withRetry({ attempts: 3 });
    expect((await run({ a: notRetryable })).status).toBe('error');
    expect(calls).toBe(1);
    calls = 0;
    await run({ a: stage(() => (calls++, fail('busy', { retryable: true }))).withRetry({ attempts: 3 }) });
    expect(calls).toBe(3);
    calls = 0;
    await run({ a: stage(() => (calls++, 'x')).validate(z.number()).withRetry({ attempts: 3 }) });
    expect(calls).toBe(1);
    calls = 0;
    await run({ a: stage(() => (calls++, fail('wrong'))).withRetry({ attempts: 4, retryOn: (e) => e.message === 'wrong' }) });
    expect(calls).toBe(4);
  });

  it('computes exponential back-off', async () => {
    const record = await run({ a: stage(flaky(3)).withRetry({ attempts: 4, backoff: { kind: 'exponential', baseMs: 1, maxMs: 3 } }) });
    expect(record.events!.map((e) => (e.data as { delayMs: number }).delayMs)).toEqual([1, 2, 3]);
  });
});

describe('withTimeout', () => {
  it('aborts the inner stage through its signal and fails as a retryable timeout', async () => {
    let aborted = false;
    const slow = stage(async (ctx: Ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      await sleep(1000, ctx.signal);
      return 'late';
    });
    const record = await run({ a: slow.withTimeout(20) });
    expect(aborted).toBe(true);
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ name: 'TimeoutError', message: 'timeout', retryable: true, data: { ms: 20 } });
    expect(types(record)).toEqual(['stage.timeout']);
  });

  it('keeps usage recorded through the derived context in the same stage record', async () => {
    const record = await run({
      a: stage((ctx: Ctx) => {
        ctx.recordUsage({ inputTokens: 5, outputTokens: 1 });
        ctx.emit('inner', { ok: true });
        return 1;
      }).withTimeout(1000),
    });
    expect(record.stageRecords['a']!.usage).toEqual({ calls: 1, inputTokens: 5, outputTokens: 1 });
    expect(types(record)).toEqual(['inner']);
  });

  it('inside retry: each attempt has its own timeout, so a slow first attempt is retried', async () => {
    let attempt = 0;
    const s = stage(async (ctx: Ctx) => {
      attempt++;
      await sleep(attempt === 1 ? 1000 : 5, ctx.signal);
      return `attempt ${attempt}`;
    });
    const record = await run({ a: s.withTimeout(40).withRetry({ attempts: 3 }) });
    expect(record.status).toBe('complete');
    expect(record.stages['a']).toBe('attempt 2');
    expect(types(record)).toEqual(['stage.timeout', 'stage.retry']);
    expect(record.events![1]!.data).toMatchObject({ timeout: true });
  });

  it('around retry: one timeout for the whole stage, so retries cannot exceed it', async () => {
    let attempts = 0;
    const s = stage(async (ctx: Ctx) => {
      attempts++;
      await sleep(30, ctx.signal);
      throw new Error('still broken');
    });
    const record = await run({ a: s.withRetry({ attempts: 10 }).withTimeout(80) });
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ message: 'timeout', retryable: true });
    expect(attempts).toBeLessThan(5);
    expect(types(record).at(-1)).toBe('stage.timeout');
  });
});

describe('withFallback, when, map, validate, cached', () => {
  it('withFallback runs the fallback on failure and records it; `on` can refuse', async () => {
    const record = await run({ a: stage(() => fail('primary down')).withFallback(() => 'backup') });
    expect(record.stages['a']).toBe('backup');
    expect(record.events).toMatchObject([{ type: 'stage.fallback', stage: 'a', data: { error: 'primary down' } }]);
    const refused = await run({ a: stage(() => fail('primary down')).withFallback(() => 'backup', { on: (e) => e.timeout }) });
    expect(refused.status).toBe('error');
  });

  it('when: runs, skips visibly, or runs the otherwise stage', async () => {
    const s = stage(() => 'ran');
    expect((await run({ a: s.when(true) })).stages['a']).toBe('ran');
    const skipped = await run({ a: s.when((ctx) => ctx.case.kind === 'tools', { otherwise: { skip: 'no tools needed' } }), b: () => 1 });
    expect(skipped.status).toBe('complete');
    expect(skipped.stageRecords['a']).toMatchObject({ status: 'skipped', reason: 'no tools needed' });
    expect(skipped.stageRecords['b']).toEqual({ status: 'skipped', reason: "input 'a' was skipped" });
    expect(types(skipped)).toEqual(['stage.when.skip']);
    expect((await run({ a: s.when(false) })).stageRecords['a']!.reason).toBe('condition not met');
    expect((await run({ a: s.when(false, { otherwise: () => 'other' }) })).stages['a']).toBe('other');
  });

  it('map transforms ok outputs; validate fails with the issues, not retryable', async () => {
    expect((await run({ a: stage(() => 2).map((v) => (v as number) * 10) })).stages['a']).toBe(20);
    const bad = await run({ a: stage(() => ({ n: 'x' })).validate(z.object({ n: z.number() })) });
    expect(bad.error).toMatchObject({ name: 'StageFailure', retryable: false });
    expect(bad.error!.message).toMatch(/^output does not match the schema: n: /);
    const good = await run({ a: stage(() => ({ n: 1, extra: true })).validate(z.object({ n: z.number() })) });
    expect(good.stages['a']).toEqual({ n: 1 });
  });

  it('cached: the same case, inputs and config hit the cache (recorded); a different case misses', async () => {
    let calls = 0;
    const expensive = stage((ctx: Ctx) => (calls++, `${String(ctx.case.q)}!`)).cached();
    const env = environment({ prep: (ctx: Ctx) => ctx.case.q as string, retrieve: expensive });
    const first = await runCase(env, { id: 'c1', q: 'a' });
    const second = await runCase(env, { id: 'c1', q: 'a' });
    const third = await runCase(env, { id: 'c2', q: 'b' });
    expect(calls).toBe(2);
    expect(first.events).toBeUndefined();
    expect(second.stages['retrieve']).toBe('a!');
    expect(types(second)).toEqual(['cache.hit']);
    expect(third.events).toBeUndefined();
  });

  it('composes: retry around fallback around a timed-out stage', async () => {
    const s = stage(async (ctx: Ctx) => {
      await sleep(500, ctx.signal);
      return 'slow';
    })
      .withTimeout(10)
      .withFallback(() => 'fast path')
      .map((v) => `${String(v)}.`);
    const record = await run({ a: s });
    expect(record.stages['a']).toBe('fast path.');
    expect(types(record)).toEqual(['stage.timeout', 'stage.fallback']);
  });
});

describe('parallel and loop', () => {
  it('parallel runs parts with a concurrency limit and merges their outputs', async () => {
    let inFlight = 0;
    let most = 0;
    const part = (value: string) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(10);
      inFlight--;
      return value;
    };
    const record = await run({ judges: parallel({ a: part('A'), b: part('B'), c: part('C'), d: () => skip('n/a') }, { concurrency: 2 }) });
    expect(record.stages['judges']).toEqual({ a: 'A', b: 'B', c: 'C' });
    expect(most).toBe(2);
    expect(record.events).toMatchObject([{ type: 'parallel.skip', data: { part: 'd', reason: 'n/a' } }]);
    const failed = await run({ judges: parallel({ a: () => 1, b: () => fail('judge down') }) });
    expect(failed.error).toMatchObject({ message: "part 'b': judge down" });
  });

  it('loop runs until the condition holds, at most max times, each iteration seeing the earlier ones', async () => {
    const refine = loop((ctx: Ctx) => ok((ctx.loop!.previous.at(-1) as number | undefined ?? 0) + 1), { max: 5, until: (n) => n >= 3 });
    const record = await run({ refine });
    expect(record.stages['refine']).toEqual({ final: 3, iterations: [1, 2, 3], done: true });
    expect(types(record)).toEqual(['loop.iteration', 'loop.iteration', 'loop.iteration']);
    const capped = await run({ refine: loop(() => 1, { max: 2, until: () => false }) });
    expect(capped.stages['refine']).toEqual({ final: 1, iterations: [1, 1], done: false });
  });
});

describe('per-stage concurrency across cases', () => {
  it('a stage(fn, { concurrency }) limits instances in flight across cases, records queuedMs, and leaves cheap stages free', async () => {
    let inFlight = 0;
    let most = 0;
    let cheapMost = 0;
    let cheapInFlight = 0;
    const env = environment({
      cheap: async () => {
        cheapInFlight++;
        cheapMost = Math.max(cheapMost, cheapInFlight);
        await sleep(5);
        cheapInFlight--;
        return 1;
      },
      expensive: stage(
        async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await sleep(10);
          inFlight--;
          return 2;
        },
        { concurrency: 2 },
      ),
    });
    const records = await Promise.all(Array.from({ length: 8 }, (_, i) => runCase(env, { id: `c${i}` }, i)));
    expect(records.every((r) => r.status === 'complete')).toBe(true);
    expect(most).toBe(2);
    expect(cheapMost).toBe(8);
    const queued = records.map((r) => r.stageRecords['expensive']!.queuedMs ?? 0);
    expect(queued.filter((ms) => ms > 0).length).toBeGreaterThanOrEqual(5);
  });

  it('a DAG node with concurrency is limited by the runner, with queuedMs on its record', async () => {
    let inFlight = 0;
    let most = 0;
    const env = environment([
      { name: 'a', stage: () => 1 },
      {
        name: 'b',
        inputs: ['a'],
        concurrency: 3,
        stage: async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await sleep(10);
          inFlight--;
          return 2;
        },
      },
    ]);
    const records = await Promise.all(Array.from({ length: 10 }, (_, i) => runCase(env, { id: `c${i}` }, i)));
    expect(records.every((r) => r.status === 'complete')).toBe(true);
    expect(most).toBe(3);
    expect(stageLimiter(env.graph.nodes[1]!)!.maxActive).toBe(3);
    expect(records.filter((r) => (r.stageRecords['b']!.queuedMs ?? 0) > 0).length).toBeGreaterThanOrEqual(6);
  });

  it('rejects a bad node concurrency before any case runs', () => {
    expect(() => buildStageGraph([{ name: 'a', stage: () => 1, concurrency: 0 }], 'p')).toThrow(/concurrency of stage 'a' must be a positive integer/);
  });
});
