import { afterEach, describe, expect, it, vi } from 'vitest';
import dagSample, { type Step } from '../../samples/dag/pipeline.ts';
import type { StageRecord } from '../log/schema.ts';
import { withContext, withContextSync } from '../pipeline/context-chain.ts';
import type { StageContext, Stages } from '../pipeline/types.ts';
import { sleep } from '../util/sleep.ts';
import { deferred, runStages, stageStatuses, startStages } from '../../test/helpers/case-env.ts';

type Ctx = StageContext<any, any, any>;
type AnyStages = Stages<any, any, any>;

function expectTimed(record: StageRecord) {
  expect(record.startMs).toBeTypeOf('number');
  expect(record.endMs).toBeTypeOf('number');
  expect(record.startMs!).toBeLessThanOrEqual(record.endMs!);
  expect(record.durationMs!).toBeCloseTo(record.endMs! - record.startMs!, 2);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('stage graph: DAG scheduling', () => {
  it('starts a stage as soon as its inputs finish, overlapping independent branches', async () => {
    vi.useFakeTimers();
    const t0 = Date.now();
    const spans: Record<string, [number, number]> = {};
    const step = (name: string, ms: number) => async (ctx: Ctx) => {
      const begin = Date.now() - t0;
      await sleep(ms, ctx.signal);
      spans[name] = [begin, Date.now() - t0];
      return name;
    };
    const pending = runStages([
      { name: 'A', stage: step('A', 10) },
      { name: 'B', stage: step('B', 10), inputs: ['A'] },
      { name: 'C', stage: step('C', 20), inputs: ['A'] },
      { name: 'D', stage: step('D', 10), inputs: ['B', 'C'] },
      { name: 'E', stage: step('E', 25) },
      { name: 'F', stage: step('F', 10), inputs: ['D', 'E'] },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    const record = await pending;
    expect(record.status).toBe('complete');
    expect(spans).toEqual({
      A: [0, 10], // A and E start together
      E: [0, 25], // E runs beside A, B and C
      B: [10, 20], // B and C start the moment A ends, while E still runs
      C: [10, 30],
      D: [30, 40], // D waits for the later of B and C
      F: [40, 50], // F waits for D and E
    });
  });

  it('waits for the slowest input before starting a stage', async () => {
    vi.useFakeTimers();
    const t0 = Date.now();
    const starts: Record<string, number> = {};
    const step = (name: string, ms: number) => async () => {
      starts[name] = Date.now() - t0;
      await sleep(ms);
    };
    const pending = runStages([
      { name: 'A', stage: step('A', 10) },
      { name: 'E', stage: step('E', 45) },
      { name: 'F', stage: step('F', 1), inputs: ['A', 'E'] },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    await pending;
    expect(starts).toEqual({ A: 0, E: 0, F: 45 });
  });

  it("runs the dag sample with B beside C, D after both and E beside A (real timers)", async () => {
    const stages = (await dagSample.stages({} as never)) as AnyStages;
    const record = await runStages(stages, { spec: { passed: dagSample.passed } });
    expect(record.status).toBe('complete');
    const s = record.stages as Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', Step>;
    const overlap = (x: Step, y: Step) => x.start < y.end && y.start < x.end;
    expect(overlap(s.A, s.E)).toBe(true);
    expect(overlap(s.B, s.C)).toBe(true);
    expect(s.B.start).toBeGreaterThan(s.A.end);
    expect(s.C.start).toBeGreaterThan(s.A.end);
    expect(s.D.start).toBeGreaterThan(Math.max(s.B.end, s.C.end));
    expect(s.F.start).toBeGreaterThan(Math.max(s.D.end, s.E.end));
    expect(record.passed).toBe(true);
  });
});

describe('stage graph: synchronous stages', () => {
  it('runs several sync roots and the sync stages that fan out from them', async () => {
    const record = await runStages([
      { name: 'A', stage: () => 'a' },
      { name: 'E', stage: () => 'e' },
      { name: 'B', stage: (ctx: Ctx) => `${ctx.stages.A}b`, inputs: ['A'] },
      { name: 'C', stage: (ctx: Ctx) => `${ctx.stages.A}c`, inputs: ['A'] },
      { name: 'D', stage: (ctx: Ctx) => ctx.stages.B + ctx.stages.C + ctx.stages.E, inputs: ['B', 'C', 'E'] },
    ]);
    expect(record.status).toBe('complete');
    expect(record.stages).toEqual({ A: 'a', E: 'e', B: 'ab', C: 'ac', D: 'abace' });
    expect(stageStatuses(record)).toEqual({ A: 'ok', E: 'ok', B: 'ok', C: 'ok', D: 'ok' });
  });

  it('runs a sync stage that fans out to two sync stages with no dependents', async () => {
    const record = await runStages([
      { name: 'A', stage: () => 1 },
      { name: 'B', stage: () => 2, inputs: ['A'] },
      { name: 'C', stage: () => 3, inputs: ['A'] },
    ]);
    expect(record.status).toBe('complete');
    expect(record.stages).toEqual({ A: 1, B: 2, C: 3 });
  });

  it('records a synchronous throw as the stage error', async () => {
    const record = await runStages({
      prepare: () => 1,
      infer: () => {
        throw new TypeError('sync boom');
      },
      assess: () => 3,
    });
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ name: 'TypeError', message: 'sync boom', stage: 'infer', context: [] });
    expect(stageStatuses(record)).toEqual({ prepare: 'ok', infer: 'error', assess: 'skipped' });
  });
});

describe('stage graph: a failing stage', () => {
  it('records the stage, message, stack and withContext chain, and ends the case with status error', async () => {
    const record = await runStages({
      prepare: () => 'text',
      extract: (ctx: Ctx) =>
        withContext('Extracting numerical answer from LLM response.', () =>
          withContextSync('Parsing the number.', () => {
            throw new RangeError(`could not convert string to number: '${ctx.stages.prepare}'`);
          }),
        ),
    });
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({
      name: 'RangeError',
      message: "could not convert string to number: 'text'",
      stage: 'extract',
      context: ['Extracting numerical answer from LLM response.', 'Parsing the number.'],
    });
    expect(record.error!.stack).toContain("RangeError: could not convert string to number: 'text'");
    expect(record.stageRecords['extract']).toMatchObject({ status: 'error', error: record.error });
    expect(record.stages).toEqual({ prepare: 'text' });
  });

  it('skips every stage downstream of the failure, saying why', async () => {
    const record = await runStages({
      prepare: () => 1,
      infer: async () => {
        throw new Error('model down');
      },
      extract: () => 3,
      assess: () => 4,
    });
    expect(record.stageRecords['extract']).toEqual({ status: 'skipped', reason: "input 'infer' failed" });
    expect(record.stageRecords['assess']).toEqual({ status: 'skipped', reason: "input 'extract' did not complete" });
  });

  it('skips a stage whose inputs succeeded but which was due to start after the failure', async () => {
    const record = await runStages([
      {
        name: 'A',
        stage: async () => {
          await sleep(2);
          throw new Error('A broke');
        },
      },
      {
        name: 'E',
        stage: async () => {
          await sleep(15); // ignores the signal
          return 'e';
        },
      },
      { name: 'G', stage: () => 'g', inputs: ['E'] },
    ]);
    expect(record.stageRecords['E']!.status).toBe('ok');
    expect(record.stageRecords['G']).toEqual({ status: 'skipped', reason: "case stopped after stage 'A' failed" });
  });

  it('aborts a running sibling through ctx.signal and waits for it to settle before the case ends', async () => {
    const events: string[] = [];
    let reason: unknown;
    const execution = startStages([
      {
        name: 'A',
        stage: async () => {
          await sleep(3);
          events.push('A throws');
          throw new Error('A broke');
        },
      },
      {
        name: 'B',
        stage: async (ctx: Ctx) => {
          try {
            await sleep(1000, ctx.signal);
            return 'never';
          } catch (error) {
            reason = ctx.signal.reason;
            events.push('B aborted');
            await sleep(10); // cleanup that takes a while: the case must wait for it
            events.push('B settled');
            throw error;
          }
        },
      },
      { name: 'C', stage: () => 'c', inputs: ['A', 'B'] },
    ]);
    const record = await execution.done;
    events.push('case done');
    expect(events).toEqual(['A throws', 'B aborted', 'B settled', 'case done']);
    expect((reason as Error).message).toBe("stage 'A' failed");
    expect(record.status).toBe('error');
    expect(record.error!.stage).toBe('A');
    expect(record.stageRecords['B']).toMatchObject({ status: 'cancelled', reason: "aborted because stage 'A' failed" });
    expect(record.stageRecords['B']!.error).toBeUndefined();
    expectTimed(record.stageRecords['B']!);
    expect(record.stageRecords['C']).toEqual({ status: 'skipped', reason: "input 'A' failed" });
  });

  it('never resolves before a sibling that ignores the signal has finished (no orphans)', async () => {
    let siblingDone = false;
    const record = await runStages([
      {
        name: 'A',
        stage: () => {
          throw new Error('A broke at once');
        },
      },
      {
        name: 'slow',
        stage: async () => {
          await sleep(20);
          siblingDone = true;
          return 'kept';
        },
      },
    ]);
    // A threw synchronously before 'slow' was even launched: nothing else starts.
    expect(stageStatuses(record)).toEqual({ A: 'error', slow: 'skipped' });
    expect(siblingDone).toBe(false);

    const record2 = await runStages([
      {
        name: 'slow',
        stage: async () => {
          await sleep(20);
          siblingDone = true;
          return 'kept';
        },
      },
      {
        name: 'A',
        stage: async () => {
          throw new Error('A broke at once');
        },
      },
    ]);
    expect(siblingDone).toBe(true);
    expect(record2.status).toBe('error');
    expect(record2.stageRecords['slow']!.status).toBe('ok');
  });

  it('keeps the output of a sibling that finishes ok after the failure, and starts nothing after it', async () => {
    const record = await runStages([
      {
        name: 'A',
        stage: async () => {
          await sleep(2);
          throw new Error('A broke');
        },
      },
      {
        name: 'E',
        stage: async (ctx: Ctx) => {
          await sleep(15);
          return { aborted: ctx.signal.aborted };
        },
      },
      { name: 'F', stage: () => 'f', inputs: ['E'] },
    ]);
    expect(record.status).toBe('error');
    expect(record.error!.message).toBe('A broke');
    expect(record.stages).toEqual({ E: { aborted: true } });
    expect(record.stageRecords['E']!.status).toBe('ok');
    expect(record.stageRecords['F']!.status).toBe('skipped');
  });

  it('hands an already aborted signal to a stage that first reads it after the failure', async () => {
    let abortedAtRead: boolean | undefined;
    await runStages([
      {
        name: 'A',
        stage: async () => {
          throw new Error('A broke');
        },
      },
      {
        name: 'B',
        stage: async (ctx: Ctx) => {
          await sleep(5);
          abortedAtRead = ctx.signal.aborted;
          return null;
        },
      },
    ]);
    expect(abortedAtRead).toBe(true);
  });
});

describe('stage graph: outputs that are not JSON', () => {
  const cyclic: Record<string, unknown> = { a: {} };
  (cyclic['a'] as Record<string, unknown>)['self'] = cyclic;

  it.each([
    ['a function', () => () => 1, 'output is a function'],
    ['NaN', () => Number.NaN, 'output is NaN'],
    ['a nested Infinity', () => ({ items: [1, Infinity] }), 'output.items[1] is Infinity'],
    ['a Map', () => new Map([[1, 2]]), 'output is a Map (only plain objects, arrays, strings, finite numbers, booleans and null are JSON)'],
    ['a circular reference', () => cyclic, 'output.a.self is a circular reference'],
    ['a bigint', () => ({ n: 10n }), 'output.n is a bigint'],
    ['an undefined array item', () => [undefined], 'output[0] is undefined'],
  ])('turns %s into a stage error naming the stage and the path', async (_what, produce, problem) => {
    const record = await runStages({
      infer: async () => produce(),
      after: () => 'never',
    });
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({
      name: 'TypeError',
      stage: 'infer',
      message: `Stage 'infer' returned a value that is not JSON: ${problem}.`,
    });
    expect(record.stages).toEqual({});
    expect(stageStatuses(record)).toEqual({ infer: 'error', after: 'skipped' });
  });

  it('accepts undefined object properties, which JSON drops', async () => {
    const record = await runStages({ infer: () => ({ a: 1, b: undefined }) });
    expect(record.status).toBe('complete');
  });
});

describe('stage graph: cancel()', () => {
  it("aborts the running stage, records it cancelled and skips the stages not started", async () => {
    const bStarted = deferred();
    let reason: unknown;
    const execution = startStages([
      { name: 'A', stage: () => 'a' },
      {
        name: 'B',
        stage: async (ctx: Ctx) => {
          bStarted.resolve();
          try {
            await sleep(1000, ctx.signal);
          } catch (error) {
            reason = ctx.signal.reason;
            throw error;
          }
          return 'b';
        },
        inputs: ['A'],
      },
      { name: 'C', stage: () => 'c', inputs: ['B'] },
      { name: 'D', stage: () => 'd', inputs: ['A'] },
    ]);
    await bStarted.promise;
    execution.cancel('interrupted');
    const record = await execution.done;
    expect((reason as Error).message).toBe('case cancelled: run interrupted');
    expect(record.status).toBe('cancelled');
    expect(record.error).toBeNull();
    expect(record.stages).toEqual({ A: 'a', D: 'd' });
    expect(record.stageRecords['B']).toMatchObject({ status: 'cancelled', reason: 'interrupted' });
    expectTimed(record.stageRecords['B']!);
    expect(record.stageRecords['C']).toEqual({ status: 'skipped', reason: "input 'B' did not complete" });
  });

  it('lets a stage that ignores the signal finish, but starts nothing after it', async () => {
    const execution = startStages({
      first: async () => {
        await sleep(10);
        return 1;
      },
      second: () => 2,
    });
    execution.cancel('interrupted');
    const record = await execution.done;
    expect(record.status).toBe('cancelled');
    expect(record.stages).toEqual({ first: 1 });
    expect(record.stageRecords['second']).toEqual({ status: 'skipped', reason: 'case cancelled before this stage started' });
  });

  it('does not call passed() for a cancelled case', async () => {
    const passed = vi.fn(() => true);
    const execution = startStages({ a: async (ctx: Ctx) => sleep(1000, ctx.signal) }, { spec: { passed } });
    execution.cancel('interrupted');
    const record = await execution.done;
    expect(record.status).toBe('cancelled');
    expect(passed).not.toHaveBeenCalled();
  });

  it('changes nothing once the case has finished', async () => {
    const execution = startStages({ a: () => 1 });
    const record = await execution.done;
    execution.cancel('interrupted');
    expect(record.status).toBe('complete');
    expect(await execution.done).toBe(record);
  });

  it('keeps status error when the case is cancelled after a stage failed', async () => {
    const failed = deferred();
    const execution = startStages([
      {
        name: 'A',
        stage: async () => {
          failed.resolve();
          throw new Error('A broke');
        },
      },
      { name: 'B', stage: async () => sleep(10) },
    ]);
    await failed.promise;
    execution.cancel('interrupted');
    const record = await execution.done;
    expect(record.status).toBe('error');
    expect(record.error!.stage).toBe('A');
  });
});

describe('stage graph: timing', () => {
  it('gives every stage that ran a start, an end and their difference as duration, within the case', async () => {
    const record = await runStages([
      { name: 'A', stage: async () => sleep(3) },
      { name: 'B', stage: async () => sleep(6), inputs: ['A'] },
      { name: 'C', stage: () => 'sync', inputs: ['A'] },
      {
        name: 'D',
        stage: async () => {
          await sleep(1);
          throw new Error('D broke');
        },
        inputs: ['C'],
      },
      { name: 'E', stage: () => 'e', inputs: ['B', 'D'] },
    ]);
    const ran = ['A', 'B', 'C', 'D'].map((name) => record.stageRecords[name]!);
    for (const stage of ran) {
      expectTimed(stage);
      expect(stage.startMs!).toBeGreaterThanOrEqual(record.startMs);
      expect(stage.endMs!).toBeLessThanOrEqual(record.endMs);
    }
    const [a, b, c] = ran as [StageRecord, StageRecord, StageRecord];
    expect(b.startMs!).toBeGreaterThanOrEqual(a.endMs!);
    expect(c.startMs!).toBeGreaterThanOrEqual(a.endMs!);
    expect(a.durationMs!).toBeGreaterThanOrEqual(2);
    expect(record.stageRecords['E']).toEqual({ status: 'skipped', reason: "input 'D' failed" });
    expect(record.durationMs).toBeCloseTo(record.endMs - record.startMs, 2);
  });
});
