import { describe, expect, it } from 'vitest';
import { makeCase, makeHeader } from '../../test/helpers/records.ts';
import type { StageRecord } from '../log/schema.ts';
import { assignSlots, caseTimeline, caseTraceEvents, createConcurrencyBuilder, slotTrackNames } from './timeline.ts';

const ok = (startMs: number, endMs: number): StageRecord => ({ status: 'ok', startMs, endMs, durationMs: endMs - startMs });

/** GoTaglio's DAG demo (§5.11): A and E start at once; B and C after A; D after B and C; F after D and E. */
const dagCase = makeCase(0, {
  id: 'dag-1',
  startMs: 1000,
  durationMs: 60,
  stageRecords: {
    A: ok(1000, 1010),
    B: ok(1010, 1020),
    C: ok(1010, 1030),
    D: ok(1030, 1040),
    E: ok(1000.5, 1012),
    F: ok(1040, 1050),
  },
});
const order = ['A', 'B', 'C', 'D', 'E', 'F'];

describe('caseTimeline', () => {
  it('numbers the starts and ends in time order, an end before a start at the same instant', () => {
    const timeline = caseTimeline(dagCase, order);
    expect(timeline.steps.map((s) => `${s.step} ${s.stage} ${s.kind}`)).toEqual([
      '1 A start',
      '2 E start',
      '3 A end',
      '4 B start',
      '5 C start',
      '6 E end',
      '7 B end',
      '8 C end',
      '9 D start',
      '10 D end',
      '11 F start',
      '12 F end',
    ]);
    expect(Object.fromEntries(timeline.stepRange)).toMatchObject({ A: { start: 1, end: 3 }, C: { start: 5, end: 8 }, F: { start: 11, end: 12 } });
    expect(timeline.stages.map((s) => [s.name, s.startMs, s.endMs])).toEqual([
      ['A', 0, 10],
      ['B', 10, 20],
      ['C', 10, 30],
      ['D', 30, 40],
      ['E', 0.5, 12],
      ['F', 40, 50],
    ]);
  });

  it('keeps stages that never started, without steps', () => {
    const record = makeCase(0, { stageRecords: { prepare: ok(1000, 1001), infer: { status: 'skipped', reason: "input 'prepare' failed" } } });
    const timeline = caseTimeline(record, ['prepare', 'infer']);
    expect(timeline.stages[1]).toEqual({ name: 'infer', status: 'skipped', startMs: null, endMs: null, reason: "input 'prepare' failed" });
    expect(timeline.steps).toHaveLength(2);
    expect(timeline.stepRange.has('infer')).toBe(false);
  });
});

describe('createConcurrencyBuilder', () => {
  it('finds the most cases in flight and the time-weighted mean, per slice and overall', () => {
    const builder = createConcurrencyBuilder();
    // 0–10: one case; 10–20: two; 20–30: one, then a gap 30–40, then one 40–50.
    for (const [start, end] of [
      [0, 20],
      [10, 30],
      [40, 50],
    ] as const) {
      builder.add({ startMs: start, endMs: end });
    }
    const c = builder.finish(5);
    expect(c).toMatchObject({ cases: 3, startMs: 0, endMs: 50, max: 2 });
    expect(c.mean).toBeCloseTo(1, 9);
    expect(c.buckets.map((b) => [Number(b.mean.toFixed(6)), b.max])).toEqual([
      [1, 1],
      [2, 2],
      [1, 1],
      [0, 0],
      [1, 1],
    ]);
  });

  it('treats an end and a start at the same instant as a hand-over, not an overlap', () => {
    const builder = createConcurrencyBuilder();
    builder.add({ startMs: 0, endMs: 10 });
    builder.add({ startMs: 10, endMs: 20 });
    expect(builder.finish(2).max).toBe(1);
  });

  it('grows past its first allocation and survives no cases', () => {
    const builder = createConcurrencyBuilder();
    for (let i = 0; i < 5000; i++) builder.add({ startMs: i, endMs: i + 4 });
    expect(builder.finish(10)).toMatchObject({ cases: 5000, max: 4 });
    expect(createConcurrencyBuilder().finish(3)).toMatchObject({ cases: 0, max: 0, mean: 0, buckets: [{ mean: 0 }, { mean: 0 }, { mean: 0 }] });
  });
});

describe('trace events', () => {
  it('gives each case the lowest slot free when it starts', () => {
    expect([
      ...assignSlots([
        { startMs: 0, endMs: 10 },
        { startMs: 5, endMs: 8 },
        { startMs: 9, endMs: 20 },
        { startMs: 10, endMs: 12 },
      ]),
    ]).toEqual([0, 1, 1, 0]);
  });

  it('nests stages in the case slice, in microseconds, with overlapping stages on extra lanes', () => {
    const lanes = new Set<number>();
    const events = caseTraceEvents(dagCase, makeHeader({}, { stages: order.map((name) => ({ name, inputs: [] })) }), 2, 1000, lanes);
    expect(events[0]).toMatchObject({ name: 'dag-1', cat: 'case', ph: 'X', pid: 1, tid: 3, ts: 0, dur: 60_000, args: { caseId: 'dag-1', status: 'complete', passed: true } });
    expect(events.slice(1).map((e) => `${e.name}@${e.tid}:${e.ts}+${e.dur}`)).toEqual([
      'A@3:0+10000',
      'E@1000003:500+11500',
      'B@3:10000+10000',
      'C@2000003:10000+20000',
      'D@3:30000+10000',
      'F@3:40000+10000',
    ]);
    expect([...lanes].sort()).toEqual([1, 2]);
    expect(slotTrackNames(1, lanes).filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args?.['name']])).toEqual([
      [1, 'slot 1'],
      [1_000_001, 'slot 1 (parallel stages 2)'],
      [2_000_001, 'slot 1 (parallel stages 3)'],
    ]);
  });
});
