import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import type { CaseResult, PipelineSpec, StageContext, Stages } from '../pipeline/types.ts';
import type { SuiteCase } from '../suite/load.ts';
import { executeRun, type ExecuteRunOptions, type RunControl, type RunListener } from './run.ts';
import { prepareRun } from './setup.ts';
import { sleep } from '../util/sleep.ts';

type Ctx = StageContext<any, any, any>;


const suite = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})): SuiteCase[] =>
  Array.from({ length: n }, (_, index) => ({ index, id: `case-${index}`, case: { id: `case-${index}`, ...extra(index) } }));

const header = { type: 'run.start', runId: 'run-1' } as RunStartRecord;

/** Records everything the listeners hear, in order. */
function recorder() {
  const events: string[] = [];
  const ends: CaseRecord[] = [];
  let runEnd: RunEndRecord | undefined;
  const listener: RunListener = {
    onRunStart: (h) => events.push(`run.start ${h.runId}`),
    onCaseStart: ({ caseId }) => events.push(`start ${caseId}`),
    onCaseEnd: (record) => {
      events.push(`end ${record.caseId}`);
      ends.push(record);
    },
    onRunEnd: (end) => {
      events.push('run.end');
      runEnd = end;
    },
  };
  return { listener, events, ends, runEnd: () => runEnd };
}

async function execute(
  spec: Partial<PipelineSpec<any, any, any>> & { stages: () => Stages<any, any, any> },
  options: Partial<ExecuteRunOptions> & { cases: ExecuteRunOptions['cases']; total: number },
) {
  const prepared = await prepareRun({ spec: { name: 'p', description: '', ...spec } as PipelineSpec, overrides: [], runId: 'run-1', cwd: '/' });
  return executeRun({ prepared, header, concurrency: 2, listeners: [], ...options });
}

const startsOf = (events: string[]) => events.filter((e) => e.startsWith('start ')).map((e) => e.slice(6));
const endsOf = (events: string[]) => events.filter((e) => e.startsWith('end ')).map((e) => e.slice(4));

describe('executeRun: concurrency', () => {
  it.each([1, 3])('keeps at most %i cases in flight', async (concurrency) => {
    let inFlight = 0;
    let most = 0;
    const end = await execute(
      {
        stages: () => ({
          work: async () => {
            inFlight++;
            most = Math.max(most, inFlight);
            await sleep(5);
            inFlight--;
            return null;
          },
        }),
      },
      { cases: suite(9), total: 9, concurrency },
    );
    expect(most).toBe(concurrency);
    expect(end.counts.complete).toBe(9);
  });

  it('runs one case at a time when concurrency is 0', async () => {
    let inFlight = 0;
    let most = 0;
    await execute(
      {
        stages: () => ({
          work: async () => {
            most = Math.max(most, ++inFlight);
            await sleep(2);
            inFlight--;
            return null;
          },
        }),
      },
      { cases: suite(3), total: 3, concurrency: 0 },
    );
    expect(most).toBe(1);
  });
});

describe('executeRun: listeners and counts', () => {
  const spec = {
    stages: () => ({
      answer: async (ctx: Ctx) => {
        await sleep(ctx.caseIndex % 3);
        if (ctx.case.fail) throw new Error(`case ${ctx.caseId} broke`);
        ctx.recordUsage({ inputTokens: 10, outputTokens: 1 });
        return ctx.case.value;
      },
    }),
    passed: ({ stages }: CaseResult<any, any, any>) => stages.answer > 0,
  };
  // 0 passes, 1 fails, 2 errors, repeating: 3 passed, 3 failed, 3 errors.
  const cases = suite(9, (i) => ({ value: i % 3 === 0 ? 1 : 0, fail: i % 3 === 2 }));

  it('sends every case to the listeners exactly once, between run.start and run.end', async () => {
    const { listener, events, ends, runEnd } = recorder();
    const end = await execute(spec, { cases, total: 9, concurrency: 3, listeners: [listener] });
    expect(events[0]).toBe('run.start run-1');
    expect(events[events.length - 1]).toBe('run.end');
    expect(events.filter((e) => e.startsWith('run.'))).toHaveLength(2);
    const ids = cases.map((c) => c.id);
    expect([...startsOf(events)].sort()).toEqual([...ids].sort());
    expect([...endsOf(events)].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(events.indexOf(`start ${id}`)).toBeLessThan(events.indexOf(`end ${id}`));
    expect(ends.map((r) => r.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(runEnd()).toBe(end);
  });

  it('counts complete, error, passed and failed cases and sums usage', async () => {
    const end = await execute(spec, { cases, total: 9, concurrency: 4 });
    expect(end).toMatchObject({
      type: 'run.end',
      status: 'completed',
      counts: { total: 9, complete: 6, error: 3, cancelled: 0, passed: 3, failed: 3, notRun: 0 },
      usage: { calls: 6, inputTokens: 60, outputTokens: 6 },
    });
    expect(end.error).toBeUndefined();
    expect(new Date(end.endedAt).toISOString()).toBe(end.endedAt);
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reads cases from an async iterable as well', async () => {
    async function* generate() {
      for (const c of suite(4)) yield c;
    }
    const { listener, ends } = recorder();
    const end = await execute({ stages: () => ({ id: (ctx: Ctx) => ctx.caseId }) }, { cases: generate(), total: 4, listeners: [listener] });
    expect(end.counts).toMatchObject({ complete: 4, notRun: 0 });
    expect(ends.map((r) => r.stages['id']).sort()).toEqual(['case-0', 'case-1', 'case-2', 'case-3']);
  });

  it('hands each case its suite index and id', async () => {
    const { listener, ends } = recorder();
    await execute({ stages: () => ({ where: (ctx: Ctx) => `${ctx.caseIndex}:${ctx.caseId}` }) }, { cases: suite(3), total: 3, listeners: [listener] });
    for (const record of ends) expect(record.stages['where']).toBe(`${record.index}:${record.caseId}`);
  });
});

describe('executeRun: stopping', () => {
  it('stopStarting() lets the cases in flight finish, starts no more and ends interrupted', async () => {
    let control: RunControl | undefined;
    const { listener, events } = recorder();
    const stopAfterFirst: RunListener = { onCaseEnd: () => control!.stopStarting() };
    const end = await execute(
      { stages: () => ({ work: async () => sleep(3) }) },
      { cases: suite(10), total: 10, concurrency: 2, listeners: [listener, stopAfterFirst], onControl: (c) => (control = c) },
    );
    expect(control!.stopped).toBe(true);
    expect(end.status).toBe('interrupted');
    expect(end.counts.notRun).toBeGreaterThan(0);
    expect(end.counts.complete).toBe(2);
    expect(end.counts.cancelled).toBe(0);
    expect(end.counts.complete + end.counts.notRun).toBe(10);
    expect(startsOf(events)).toEqual(endsOf(events).slice().sort());
  });

  it('cancelInFlight() cancels the running cases and ends interrupted', async () => {
    let control: RunControl | undefined;
    const { listener, ends } = recorder();
    let started = 0;
    let bothStarted: () => void = () => {};
    const running = new Promise<void>((resolve) => (bothStarted = resolve));
    // Stages that would wait a minute: the run ends in time only if cancelling reaches them.
    const pending = execute(
      { stages: () => ({ wait: async (ctx: Ctx) => { if (++started === 2) bothStarted(); await sleep(60_000, ctx.signal); }, after: () => 'never' }) },
      { cases: suite(5), total: 5, concurrency: 2, listeners: [listener], onControl: (c) => (control = c) },
    );
    await running;
    control!.cancelInFlight();
    const end = await pending;
    expect(end.status).toBe('interrupted');
    expect(end.counts).toMatchObject({ total: 5, complete: 0, cancelled: 2, notRun: 3 });
    expect(ends.map((r) => [r.caseId, r.status, r.stageRecords['wait']!.status])).toEqual([
      ['case-0', 'cancelled', 'cancelled'],
      ['case-1', 'cancelled', 'cancelled'],
    ]);
  });

  it('ends completed when stopStarting() comes after every case has started', async () => {
    let control: RunControl | undefined;
    const end = await execute(
      { stages: () => ({ work: async (ctx: Ctx) => sleep(ctx.caseIndex * 5) }) },
      { cases: suite(2), total: 2, concurrency: 2, onControl: (c) => (control = c), listeners: [{ onCaseEnd: (r) => r.index === 1 && control!.stopStarting() }] },
    );
    expect(control!.stopped).toBe(true);
    expect(end.status).toBe('completed');
    expect(end.counts).toMatchObject({ complete: 2, notRun: 0 });
  });
});

describe('executeRun: a case source that fails', () => {
  it.each([
    [
      'an async iterator',
      async function* () {
        for (const c of suite(3)) {
          await sleep(1);
          yield c;
        }
        throw new Error('suite file vanished');
      },
    ],
    [
      'a sync iterator',
      function* () {
        yield* suite(3);
        throw new Error('suite file vanished');
      },
    ],
  ])('ends with status error when %s throws, recording each started case once', async (_what, source) => {
    const { listener, events } = recorder();
    const end = await execute(
      { stages: () => ({ work: async () => sleep(3) }) },
      { cases: source() as Iterable<SuiteCase>, total: 5, concurrency: 2, listeners: [listener] },
    );
    expect(end.status).toBe('error');
    expect(end.error).toMatchObject({ message: 'suite file vanished', stage: null, context: ['reading the suite'] });
    expect(end.counts).toMatchObject({ total: 5, complete: 3, error: 0, notRun: 2 });
    expect(startsOf(events).sort()).toEqual(['case-0', 'case-1', 'case-2']);
    expect(endsOf(events).sort()).toEqual(['case-0', 'case-1', 'case-2']);
    expect(events[events.length - 1]).toBe('run.end');
  });

  it('closes the case source when the run stops early', async () => {
    let closed = false;
    let control: RunControl | undefined;
    function* source() {
      try {
        yield* suite(10);
      } finally {
        closed = true;
      }
    }
    await execute(
      { stages: () => ({ work: () => 1 }) },
      { cases: source(), total: 10, concurrency: 1, onControl: (c) => (control = c), listeners: [{ onCaseEnd: () => control!.stopStarting() }] },
    );
    expect(closed).toBe(true);
  });
});
