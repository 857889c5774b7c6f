import { describe, expect, it } from 'vitest';
import { makeCase } from '../../test/helpers/records.ts';
import { caseTimeline, createConcurrencyBuilder } from '../analysis/timeline.ts';
import type { CaseRecord, StageRecord, TurnRecord } from '../log/schema.ts';
import { RAW_CONTROL, TAKEOVER, TAKEOVER_SHOWN } from '../../test/helpers/control-characters.ts';
import { renderCaseTimeline, renderCaseTimelineWithEvents, renderConcurrency } from './timeline-text.ts';
import { createTheme } from './theme.ts';

const plain = createTheme(false, 80);
const ok = (startMs: number, endMs: number): StageRecord => ({ status: 'ok', startMs, endMs, durationMs: endMs - startMs });

describe('renderCaseTimelineWithEvents', () => {
  it('heads the turns of a multi-turn case from 1, and escapes what the stages recorded', () => {
    const turn = (index: number): TurnRecord => ({
      index,
      status: index === 0 ? 'complete' : 'skipped',
      ...(index > 0 && { reason: `turn 1 failed${TAKEOVER}` }),
      passed: null,
      score: null,
      stages: {},
      stageRecords: index === 0 ? { A: ok(0, 10) } : {},
      error: null,
      startMs: 0,
      durationMs: 10,
    });
    const record: CaseRecord = {
      ...makeCase(0, { id: 'conv', startMs: 0, durationMs: 10 }),
      turns: [turn(0), turn(1)],
      events: [{ t: 1, stage: 'A', turn: 0, type: `note${TAKEOVER}`, data: { text: TAKEOVER } }],
      artifacts: [{ stage: 'A', turn: 0, name: `page${TAKEOVER}.html`, path: 'r.artifacts/ab/page.html', sha256: 'ab', bytes: 3, mime: 'text/html' }],
    };
    const text = renderCaseTimelineWithEvents(record, ['A'], plain, 80);
    expect(text).toContain('Turn 1: complete\n');
    expect(text).toContain(`Turn 2: skipped (turn 1 failed${TAKEOVER_SHOWN})`);
    expect(text).toContain(`A (turn 1)  note${TAKEOVER_SHOWN}`);
    expect(text).toContain(`A  page${TAKEOVER_SHOWN}.html: r.artifacts/ab/page.html (3 bytes, text/html)`);
    expect(text).not.toMatch(/turn 0|Turn 0/);
    expect(text).not.toMatch(RAW_CONTROL);
  });
});

describe('renderCaseTimeline', () => {
  it('draws GoTaglio’s step table and the stages as bars on a time scale', () => {
    const record = makeCase(0, {
      id: 'dag-1',
      startMs: 0,
      durationMs: 50,
      stageRecords: { A: ok(0, 10), B: ok(10, 20), C: ok(10, 30), D: ok(30, 40), E: ok(0.5, 12), F: { status: 'error', startMs: 40, endMs: 50, durationMs: 10 } },
    });
    expect(renderCaseTimeline(caseTimeline(record, ['A', 'B', 'C', 'D', 'E', 'F']), plain, 80)).toMatchInlineSnapshot(`
      "Timeline of case dag-1

      Steps (each row is a stage starting or ending, in time order)
      ┌──────┬───┬───┬───┬───┬───┬───┬──────────┐
      │ step │ A │ B │ C │ D │ E │ F │ event    │
      ├──────┼───┼───┼───┼───┼───┼───┼──────────┤
      │    1 │ █ │   │   │   │   │   │ A starts │
      │    2 │ █ │   │   │   │ █ │   │ E starts │
      │    3 │ █ │   │   │   │ █ │   │ A ends   │
      │    4 │   │ █ │   │   │ █ │   │ B starts │
      │    5 │   │ █ │ █ │   │ █ │   │ C starts │
      │    6 │   │ █ │ █ │   │ █ │   │ E ends   │
      │    7 │   │ █ │ █ │   │   │   │ B ends   │
      │    8 │   │   │ █ │   │   │   │ C ends   │
      │    9 │   │   │   │ █ │   │   │ D starts │
      │   10 │   │   │   │ █ │   │   │ D ends   │
      │   11 │   │   │   │   │   │ █ │ F starts │
      │   12 │   │   │   │   │   │ █ │ F ends   │
      └──────┴───┴───┴───┴───┴───┴───┴──────────┘

      Stages on a time scale (0 to 50.0 ms)
      A │██████████                                       │ 0.00 ms → 10.0 ms  ok
      B │          ██████████                             │ 10.0 ms → 20.0 ms  ok
      C │          ███████████████████                    │ 10.0 ms → 30.0 ms  ok
      D │                             ██████████          │ 30.0 ms → 40.0 ms  ok
      E │████████████                                     │ 0.50 ms → 12.0 ms  ok
      F │                                       ▓▓▓▓▓▓▓▓▓▓│ 40.0 ms → 50.0 ms  error
      "
    `);
  });

  it('lists stages that never ran, and says when no stage has timing', () => {
    const record = makeCase(0, { startMs: 0, durationMs: 4, stageRecords: { prepare: ok(0, 4), infer: { status: 'skipped', reason: "input 'prepare' failed" } } });
    expect(renderCaseTimeline(caseTimeline(record, ['prepare', 'infer']), plain, 60)).toMatch(/\ninfer {3}│ +│ skipped: input 'prepare' failed\n/);
    expect(renderCaseTimeline(caseTimeline(makeCase(0, { stageRecords: { a: { status: 'skipped' } } }), ['a']), plain, 60)).toContain('No stage of this case has timing in the log.');
  });
});

describe('renderConcurrency', () => {
  it('charts the cases in flight with the max and the mean against the limit', () => {
    const builder = createConcurrencyBuilder();
    for (let i = 0; i < 40; i++) builder.add({ startMs: i * 2, endMs: i * 2 + (i < 20 ? 16 : 4) });
    expect(renderConcurrency(builder.finish(40), plain, { concurrency: 8, total: 41 })).toMatchInlineSnapshot(`
      "Cases in flight over time (40 cases with timing, concurrency limit 8)
      8 ┤      ▁██████████████▄                  
        ┤     ▁████████████████▄                 
        ┤    ▁██████████████████▃                
        ┤   ▁████████████████████▃               
      4 ┤  ▁██████████████████████▃              
        ┤ ▁████████████████████████▃ ▁ ▁   ▁     
        ┤▁██████████████████████████████████████▁
        ┤████████████████████████████████████████
      0 ┼────────────────────────────────────────
         0                                82.0 ms
      Max in flight: 8 · mean 4.88 (61% of the limit) · 82.0 ms from the first start to the last end
      1 case record without timing left out.
      "
    `);
  });

  it('says when there is no timing', () => {
    expect(renderConcurrency(createConcurrencyBuilder().finish(10), plain, { concurrency: 2, total: 0 })).toContain('No case in the log has timing.');
  });
});
