import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunStartRecord, StageRecord } from '../log/schema.ts';
import { createModelRegistry } from '../model/registry.ts';
import { buildStageGraph } from '../pipeline/dag.ts';
import type { PipelineSpec, StageContext, Stages } from '../pipeline/types.ts';
import type { SuiteCase } from '../suite/load.ts';
import { startCase, type CaseEnvironment } from './case.ts';
import { ancestorsOf, repeatRounds, reuseFrom, runKey } from './plan.ts';
import { executeRun, type RunItem } from './run.ts';
import { prepareRun } from './setup.ts';

type Ctx = StageContext<any, any, any>;

const cases = (n: number): SuiteCase[] => Array.from({ length: n }, (_, index) => ({ index, id: `c${index}`, case: { id: `c${index}` } }));

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

/** root → left, right → join; side on its own. */
const FAN = [
  { name: 'root', inputs: [] },
  { name: 'left', inputs: ['root'] },
  { name: 'right', inputs: ['root'] },
  { name: 'join', inputs: ['left', 'right'] },
  { name: 'side', inputs: [] },
];

describe('repeatRounds', () => {
  it('yields the cases unchanged (no repeat index) when repeat is 1', async () => {
    expect(await collect(repeatRounds(() => cases(3), 1))).toEqual(cases(3));
  });

  it('yields every case once per round, round by round, with its repeat index', async () => {
    let calls = 0;
    const items = await collect(
      repeatRounds(() => {
        calls++;
        return cases(2);
      }, 3),
    );
    expect(items.map((item) => `${item.id}/${item.repeat}`)).toEqual(['c0/0', 'c1/0', 'c0/1', 'c1/1', 'c0/2', 'c1/2']);
    expect(calls).toBe(3);
  });
});

describe('ancestorsOf', () => {
  it('follows inputs transitively, without the stage itself', () => {
    expect([...ancestorsOf(FAN, 'join')].sort()).toEqual(['left', 'right', 'root']);
    expect([...ancestorsOf(FAN, 'left')]).toEqual(['root']);
    expect(ancestorsOf(FAN, 'root').size).toBe(0);
    expect(ancestorsOf(FAN, 'side').size).toBe(0);
  });
});

describe('runKey', () => {
  it('treats an absent repeat as repeat 0', () => {
    expect(runKey('a', undefined)).toBe(runKey('a', 0));
    expect(runKey('a', 1)).not.toBe(runKey('a', 0));
    expect(runKey('a', 1)).not.toBe(runKey('b', 1));
  });
});

const ok = (startMs: number): StageRecord => ({ status: 'ok', startMs, endMs: startMs + 1, durationMs: 1 });

function record(stages: Record<string, unknown>, stageRecords: Record<string, StageRecord>): CaseRecord {
  return {
    type: 'case',
    caseId: 'c0',
    index: 0,
    status: 'error',
    passed: null,
    score: null,
    case: { id: 'c0' },
    stages,
    stageRecords,
    error: null,
    startMs: 0,
    endMs: 1,
    durationMs: 1,
  };
}

describe('reuseFrom', () => {
  it('takes the outputs and records of every named stage that completed', () => {
    const original = record({ root: 'r', left: 'l', right: 'x' }, { root: ok(1), left: ok(2), right: ok(3), join: { status: 'error' } });
    expect(reuseFrom(original, new Set(['root', 'left', 'right']))).toEqual({
      ok: true,
      reused: { outputs: { root: 'r', left: 'l', right: 'x' }, records: { root: ok(1), left: ok(2), right: ok(3) } },
    });
  });

  it('is all or nothing: a stage without an ok output makes the case run from scratch', () => {
    const original = record({ root: 'r', left: 'l' }, { root: ok(1), left: ok(2), right: { status: 'error' } });
    expect(reuseFrom(original, new Set(['root', 'left', 'right']))).toEqual({ ok: false, missing: ['right'] });
    // A stage the original pipeline did not have.
    expect(reuseFrom(original, new Set(['root', 'extra']))).toEqual({ ok: false, missing: ['extra'] });
  });

  it('keeps a null output (a stage that returned nothing)', () => {
    const original = record({ root: null }, { root: ok(1) });
    expect(reuseFrom(original, new Set(['root']))).toMatchObject({ ok: true, reused: { outputs: { root: null } } });
  });

  it('reuses nothing of a multi-turn case, and says it is one: a record with turns, or a case with a turns array (GoTaglio)', () => {
    const native = { ...record({}, {}), turns: [] };
    expect(reuseFrom(native, new Set(['root']))).toEqual({ ok: false, missing: [], multiTurn: true });
    const goTaglio = { ...record({ 'turn1.root': 'r' }, { 'turn1.root': ok(1) }), case: { uuid: 'c', turns: [{ user: 'u' }] } };
    expect(reuseFrom(goTaglio, new Set(['root']))).toEqual({ ok: false, missing: [], multiTurn: true });
    // Nothing to reuse (--from the first stage): nothing to refuse.
    expect(reuseFrom(native, new Set())).toMatchObject({ ok: true });
  });
});

describe('a case with reused stages', () => {
  function fanEnvironment(runs: string[]): CaseEnvironment {
    const stage = (name: string) => (ctx: Ctx) => {
      runs.push(name);
      return `${name}(${Object.keys(ctx.stages).sort().join(',')})`;
    };
    const stages: Stages<any, any, any> = FAN.map((node) => ({ ...node, stage: stage(node.name) }));
    return {
      runId: 'run-2',
      spec: { name: 'fan', description: '', stages: () => stages } as PipelineSpec,
      graph: buildStageGraph(stages, 'fan'),
      config: {},
      models: createModelRegistry({}),
    };
  }

  it('does not run the reused stages, logs them as reused with their original records, and runs the rest', async () => {
    const runs: string[] = [];
    const original = { root: ok(10), left: { ...ok(20), usage: { calls: 1, inputTokens: 5, outputTokens: 1 } }, right: ok(30) };
    const done = await startCase(fanEnvironment(runs), {
      index: 0,
      id: 'c0',
      case: { id: 'c0' },
      reused: { outputs: { root: 'R', left: 'L', right: 'X' }, records: original },
    }).done;
    expect(runs.sort()).toEqual(['join', 'side']);
    expect(done.status).toBe('complete');
    expect(done.stages).toMatchObject({ root: 'R', left: 'L', right: 'X' });
    expect(done.stages['side']).toMatch(/^side\(/);
    // join saw the reused outputs as its inputs.
    expect(done.stages['join']).toBe('join(left,right,root)');
    expect(done.stageRecords['root']).toEqual({ ...original.root, reused: true });
    expect(done.stageRecords['left']).toEqual({ ...original.left, reused: true });
    expect(done.stageRecords['join']?.reused).toBeUndefined();
    // Tokens of a reused stage were spent by the earlier run.
    expect(done.usage).toBeUndefined();
    // Keys in pipeline order.
    expect(Object.keys(done.stageRecords)).toEqual(['root', 'left', 'right', 'join', 'side']);
  });

  it('reusing only the root starts the stages waiting for it', async () => {
    const runs: string[] = [];
    const done = await startCase(fanEnvironment(runs), { index: 0, id: 'c0', case: { id: 'c0' }, reused: { outputs: { root: 'R' }, records: { root: ok(1) } } }).done;
    expect(runs.sort()).toEqual(['join', 'left', 'right', 'side']);
    expect(done.status).toBe('complete');
  });
});

describe('repeats in the run loop', () => {
  it('gives stages ctx.repeat and records repeat on each case record', async () => {
    const seen: string[] = [];
    const prepared = await prepareRun({
      spec: { name: 'p', description: '', stages: () => ({ only: (ctx: Ctx) => seen.push(`${ctx.caseId}/${ctx.repeat}`) }) } as PipelineSpec,
      overrides: [],
      runId: 'run-1',
      cwd: '/',
    });
    const records: CaseRecord[] = [];
    const items: RunItem[] = [];
    for await (const item of repeatRounds(() => cases(2), 2)) items.push(item);
    const end = await executeRun({
      prepared,
      header: { type: 'run.start', runId: 'run-1' } as RunStartRecord,
      cases: items,
      total: 4,
      concurrency: 2,
      listeners: [{ onCaseEnd: (r) => records.push(r) }],
    });
    expect(seen.sort()).toEqual(['c0/0', 'c0/1', 'c1/0', 'c1/1']);
    expect(records.map((r) => `${r.caseId}/${r.repeat}`).sort()).toEqual(['c0/0', 'c0/1', 'c1/0', 'c1/1']);
    expect(end.counts).toMatchObject({ total: 4, complete: 4, notRun: 0 });
  });

  it('records no repeat for a plain run, and ctx.repeat is 0', async () => {
    const seen: number[] = [];
    const prepared = await prepareRun({
      spec: { name: 'p', description: '', stages: () => ({ only: (ctx: Ctx) => seen.push(ctx.repeat) }) } as PipelineSpec,
      overrides: [],
      runId: 'run-1',
      cwd: '/',
    });
    const records: CaseRecord[] = [];
    await executeRun({ prepared, header: { type: 'run.start', runId: 'run-1' } as RunStartRecord, cases: cases(2), total: 2, concurrency: 1, listeners: [{ onCaseEnd: (r) => records.push(r) }] });
    expect(seen).toEqual([0, 0]);
    for (const r of records) expect('repeat' in r).toBe(false);
  });
});
