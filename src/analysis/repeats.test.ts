import { describe, expect, it } from 'vitest';
import { makeCase, makeHeader } from '../../test/helpers/records.ts';
import { createRepeatTracker, outcomeOf } from './repeats.ts';
import { createSummaryBuilder } from './summary.ts';

/** Three cases run three times: a always passes, b flips P F P, c fails, errors, then passes. */
function records() {
  const outcomes: Record<string, string> = { a: 'PPP', b: 'PFP', c: 'FEP' };
  return Object.entries(outcomes).flatMap(([id, letters], index) =>
    [...letters].map((letter, repeat) =>
      makeCase(index, {
        id,
        repeat,
        status: letter === 'E' ? 'error' : 'complete',
        passed: letter === 'P' ? true : letter === 'F' ? false : null,
        ...(letter === 'E' ? { error: { stage: 'infer', message: 'boom' } } : {}),
      }),
    ),
  );
}

describe('createRepeatTracker', () => {
  it('computes pass@k, pass^k, the pass rate per repetition and the flips per case', () => {
    const tracker = createRepeatTracker(3, { hasPassed: true });
    for (const record of records()) tracker.add(record);
    expect(tracker.finish()).toMatchInlineSnapshot(`
      {
        "cases": 3,
        "flakiest": [
          {
            "caseId": "b",
            "flips": 2,
            "index": 1,
            "outcomes": "PFP",
            "passed": 2,
          },
          {
            "caseId": "c",
            "flips": 2,
            "index": 2,
            "outcomes": "FEP",
            "passed": 1,
          },
        ],
        "flakyCases": 2,
        "k": 3,
        "passAllK": 1,
        "passAtK": 3,
        "passed": 6,
        "perRepeat": [
          {
            "passed": 2,
            "repeat": 0,
            "runs": 3,
          },
          {
            "passed": 1,
            "repeat": 1,
            "runs": 3,
          },
          {
            "passed": 3,
            "repeat": 2,
            "runs": 3,
          },
        ],
      }
    `);
  });

  it('orders the flakiest by flips, then by how evenly they split, then by suite position', () => {
    const tracker = createRepeatTracker(4, { hasPassed: true, maxFlaky: 2 });
    const add = (id: string, index: number, letters: string) =>
      [...letters].forEach((l, repeat) => tracker.add(makeCase(index, { id, repeat, passed: l === 'P' })));
    add('one-flip-even', 0, 'PPFF');
    add('three-flips', 5, 'PFPF');
    add('one-flip-uneven', 1, 'PPPF');
    add('steady', 2, 'PPPP');
    const stats = tracker.finish();
    expect(stats.flakyCases).toBe(3);
    expect(stats.flakiest.map((c) => c.caseId)).toEqual(['three-flips', 'one-flip-even']);
  });

  it('counts a repetition missing from the log as not passed, and ignores it for flips', () => {
    const tracker = createRepeatTracker(3, { hasPassed: true });
    tracker.add(makeCase(0, { id: 'a', repeat: 0 }));
    tracker.add(makeCase(0, { id: 'a', repeat: 2 }));
    const stats = tracker.finish();
    expect(stats).toMatchObject({ passAtK: 1, passAllK: 0, flakyCases: 0 });
    expect(stats.perRepeat.map((r) => r.runs)).toEqual([1, 0, 1]);
  });

  it('has no pass@k without passed(), but still finds flips between outcomes', () => {
    const tracker = createRepeatTracker(2, { hasPassed: false });
    tracker.add(makeCase(0, { id: 'a', repeat: 0, passed: null }));
    tracker.add(makeCase(0, { id: 'a', repeat: 1, status: 'error', error: { stage: 'x', message: 'y' } }));
    expect(tracker.finish()).toMatchObject({ passAtK: null, passAllK: null, passed: null, flakyCases: 1, flakiest: [{ outcomes: 'oE' }] });
  });

  it('names outcomes with one letter', () => {
    expect([makeCase(0), makeCase(0, { passed: false }), makeCase(0, { passed: null }), makeCase(0, { status: 'error' }), makeCase(0, { status: 'cancelled' })].map(outcomeOf)).toEqual([
      'P',
      'F',
      'o',
      'E',
      'C',
    ]);
  });
});

describe('createSummaryBuilder with repeats', () => {
  it('keys rows on (case, repeat), counts every repetition, and adds the repeat statistics', () => {
    const builder = createSummaryBuilder(makeHeader({ repeat: 3 }));
    for (const record of records().reverse()) builder.add(record);
    const summary = builder.finish(null);
    expect(summary.repeat).toBe(3);
    expect(summary.counts).toEqual({ total: 9, complete: 8, error: 1, cancelled: 0, passed: 6, failed: 2, notRun: 0 });
    expect(summary.rows.map((r) => `${r.caseId}#${r.repeat}`)).toEqual(['a#0', 'a#1', 'a#2', 'b#0', 'b#1', 'b#2', 'c#0', 'c#1', 'c#2']);
    expect(summary.idPrefixLength).toBe(3);
    expect(summary.repeats).toMatchObject({ k: 3, cases: 3, passAtK: 3, passAllK: 1, flakyCases: 2 });
  });

  it('has no repeat statistics for a plain run, and sums the recorded costs', () => {
    const builder = createSummaryBuilder(makeHeader());
    builder.add(makeCase(0, { costUsd: 0.25 }));
    builder.add(makeCase(1));
    builder.add(makeCase(2, { costUsd: 0.5 }));
    const summary = builder.finish(null);
    expect(summary).toMatchObject({ repeat: 1, repeats: null, costUsd: 0.75 });
    const none = createSummaryBuilder(makeHeader());
    none.add(makeCase(0));
    expect(none.finish(null).costUsd).toBeNull();
  });

  it('takes the total from the options, for a selection, also lazily', () => {
    const fixed = createSummaryBuilder(makeHeader(), { total: 1 });
    fixed.add(makeCase(0));
    expect(fixed.finish(null).counts).toMatchObject({ total: 1, notRun: 0 });
    let selected = 0;
    const lazy = createSummaryBuilder(makeHeader(), { total: () => selected });
    lazy.add(makeCase(0));
    selected = 2;
    expect(lazy.finish(null).counts).toMatchObject({ total: 2, notRun: 1 });
  });
});
