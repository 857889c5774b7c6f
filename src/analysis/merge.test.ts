import { describe, expect, it } from 'vitest';
import { TagliotsError } from '../errors.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { createMergeAccumulator, planMerge, type MergeInput } from './merge.ts';

function shard(index: number | null, overrides: Partial<RunStartRecord> = {}, end: Partial<RunEndRecord> | null = {}): MergeInput {
  const header: RunStartRecord = {
    type: 'run.start',
    v: 1,
    runId: `run-${index ?? 'all'}`,
    startedAt: `2026-01-01T00:00:0${index ?? 0}.000Z`,
    command: ['run', 'suite.json'],
    cwd: '/p',
    pipeline: { name: 'calc', description: '', stages: [{ name: 'infer', inputs: [] }], columns: [], hasPassed: true, hasScore: true },
    config: { infer: { model: { name: 'perfect' } } },
    deltas: [],
    suite: { path: 'suite.json', format: 'json', sha256: 'abc', count: 2 },
    git: { sha: 'aaaa', branch: 'main', dirty: false, changes: [] },
    versions: { tagliots: 't', node: 't' },
    platform: 't',
    concurrency: 2,
    parentRunId: null,
    ...(index !== null && { selection: { shard: { index, count: 3 } } }),
    ...overrides,
  };
  return {
    name: `shard-${index}.jsonl`,
    header,
    end: end === null ? null : { type: 'run.end', status: 'completed', endedAt: `2026-01-01T00:01:0${index ?? 0}.000Z`, durationMs: 100 * (index ?? 1), counts: { total: 2, complete: 2, error: 0, cancelled: 0, passed: 2, failed: 0, notRun: 0 }, ...end },
  };
}

const options = { runId: 'merged', command: ['merge', 'a', 'b'], cwd: '/p' };

function error(f: () => unknown): TagliotsError {
  try {
    f();
  } catch (e) {
    if (e instanceof TagliotsError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

const rec = (caseId: string, passed: boolean, extra: Partial<CaseRecord> = {}): CaseRecord => ({
  type: 'case',
  caseId,
  index: 0,
  status: 'complete',
  passed,
  score: passed ? 1 : 0,
  case: { id: caseId },
  stages: {},
  stageRecords: {},
  error: null,
  startMs: 0,
  endMs: 1,
  durationMs: 1,
  ...extra,
});

describe('planMerge', () => {
  it('orders shards by index, sums their counts and records the shard run ids', () => {
    const plan = planMerge([shard(3), shard(1), shard(2)], options);
    expect(plan.inputs.map((i) => i.header.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    expect(plan.header).toMatchObject({
      runId: 'merged',
      startedAt: '2026-01-01T00:00:01.000Z',
      command: ['merge', 'a', 'b'],
      suite: { path: 'suite.json', sha256: 'abc', count: 6 },
      concurrency: 6,
      mergedFrom: ['run-1', 'run-2', 'run-3'],
    });
    expect(plan.header.selection).toBeUndefined();
    expect(plan.shards).toEqual({ count: 3, present: [1, 2, 3], missing: [] });
    expect(plan.warnings).toEqual([]);
  });

  it('warns about missing shards and keeps a common filter', () => {
    const plan = planMerge([shard(1, { selection: { filter: 'p0', shard: { index: 1, count: 3 } } }), shard(3, { selection: { filter: 'p0', shard: { index: 3, count: 3 } } })], options);
    expect(plan.warnings).toEqual(['Shard 2/3 is missing: the merged run covers 2 of 3 shards.']);
    expect(plan.header.selection).toEqual({ filter: 'p0' });
    expect(plan.header.suite.count).toBe(4);
  });

  it.each([
    ['pipeline', shard(2, { pipeline: { name: 'dag', description: '', stages: [], columns: [], hasPassed: true, hasScore: true } }), "pipeline: 'calc' in shard-1.jsonl but 'dag' in shard-2.jsonl"],
    ['config', shard(2, { config: { infer: { model: { name: 'flakey' } } } }), "config: infer.model.name is 'perfect' in shard-1.jsonl but 'flakey' in shard-2.jsonl"],
    ['suite', shard(2, { suite: { path: 'suite.json', format: 'json', sha256: 'def', count: 2 } }), 'suite.sha256: abc… (suite.json) in shard-1.jsonl but def… (suite.json) in shard-2.jsonl'],
    ['repeat', shard(2, { repeat: 3 }), 'repeat: 1 in shard-1.jsonl but 3 in shard-2.jsonl'],
    ['shard count', shard(2, { selection: { shard: { index: 2, count: 4 } } }), 'selection.shard: 2/4 in shard-2.jsonl but 1/3 in shard-1.jsonl'],
    ['not a shard', shard(null, { runId: 'plain' }), 'selection.shard: shard-null.jsonl is not a shard run'],
  ])('refuses logs that differ in %s, naming the field', (_, other, detail) => {
    const e = error(() => planMerge([shard(1), other], options));
    expect(e.code).toBe('E_MERGE_MISMATCH');
    expect(e.message).toContain(detail);
    expect(e.exitCode).toBe(2);
  });

  it('refuses a shard given twice, an incomplete log, and a single log', () => {
    expect(error(() => planMerge([shard(1), shard(1, { runId: 'again' })], options)).message).toBe('Cannot merge: shard 1/3 appears twice, in shard-1.jsonl and shard-1.jsonl.');
    expect(error(() => planMerge([shard(1), shard(1)], options)).code).toBe('E_MERGE_OVERLAP');
    expect(error(() => planMerge([shard(1), shard(2, {}, null)], options)).code).toBe('E_MERGE_INCOMPLETE');
    expect(error(() => planMerge([shard(1)], options)).code).toBe('E_USAGE');
  });

  it('warns when shards ran at different commits', () => {
    const plan = planMerge([shard(1), shard(2, { git: { sha: 'bbbb', branch: 'x', dirty: false, changes: [] } })], options);
    expect(plan.warnings).toEqual(['Shard 3/3 is missing: the merged run covers 2 of 3 shards.', "The shards ran at different git commits (aaaa, bbbb); the merged log records the first shard's."]);
  });
});

describe('createMergeAccumulator', () => {
  it('recomputes counts, usage and cost from the records; the worst status and longest duration', () => {
    const plan = planMerge([shard(1), shard(2, {}, { status: 'interrupted' })], options);
    const acc = createMergeAccumulator(plan);
    acc.add(rec('a', true, { usage: { calls: 1, inputTokens: 10, outputTokens: 1 }, costUsd: 0.1 }), 0);
    acc.add(rec('b', false, { usage: { calls: 2, inputTokens: 5, outputTokens: 2 }, costUsd: 0.2 }), 0);
    acc.add({ ...rec('c', true), status: 'error', passed: null }, 1);
    const end = acc.finish();
    expect(end).toMatchObject({
      status: 'interrupted',
      endedAt: '2026-01-01T00:01:02.000Z',
      durationMs: 200,
      counts: { total: 4, complete: 2, error: 1, cancelled: 0, passed: 1, failed: 1, notRun: 1 },
      usage: { calls: 3, inputTokens: 15, outputTokens: 3 },
    });
    expect(end.costUsd).toBeCloseTo(0.3, 15);
  });

  it('refuses the same case in two shards, naming both logs', () => {
    const acc = createMergeAccumulator(planMerge([shard(1), shard(2)], options));
    acc.add(rec('a', true), 0);
    acc.add(rec('a', true, { repeat: 1 }), 1);
    const e = error(() => acc.add(rec('a', false), 1));
    expect(e.code).toBe('E_MERGE_OVERLAP');
    expect(e.message).toBe('Cannot merge: case a is in both shard-1.jsonl and shard-2.jsonl.');
  });
});
