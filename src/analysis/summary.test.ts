import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CaseRecord, CaseStatus, RunEndRecord, RunStartRecord, Usage } from '../log/schema.ts';
import { createSummaryBuilder, type Summary } from './summary.ts';

function header(count: number, pipeline: Partial<RunStartRecord['pipeline']> = {}): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId: '01900000-0000-7000-8000-000000000001',
    startedAt: '2025-01-01T00:00:00.000Z',
    command: ['run', 'suite.json'],
    cwd: '/work',
    pipeline: { name: 'calc', description: 'Calc', stages: [{ name: 'answer', inputs: [] }], columns: ['got'], hasPassed: true, hasScore: true, ...pipeline },
    config: {},
    deltas: [],
    suite: { path: 'suite.json', format: 'json', sha256: 'x', count },
    git: null,
    versions: { tagliots: '0.1.0', node: 'v20.0.0' },
    platform: 'linux',
    concurrency: 2,
    parentRunId: null,
  };
}

interface RecordOptions {
  id?: string;
  status?: CaseStatus;
  passed?: boolean | null;
  score?: number | null;
  keywords?: unknown[];
  columns?: Record<string, string | number | boolean | null>;
  error?: { stage: string | null; message: string };
  usage?: Usage;
}

function caseRecord(index: number, options: RecordOptions = {}): CaseRecord {
  const status = options.status ?? 'complete';
  return {
    type: 'case',
    caseId: options.id ?? `case-${String(index).padStart(4, '0')}`,
    index,
    status,
    passed: options.passed === undefined ? (status === 'complete' ? true : null) : options.passed,
    score: options.score ?? null,
    case: options.keywords ? { keywords: options.keywords } : {},
    stages: {},
    stageRecords: {},
    error: options.error ? { name: 'Error', context: [], ...options.error } : null,
    startMs: 0,
    endMs: 1,
    durationMs: 1,
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
  };
}

const end = (status: RunEndRecord['status'] = 'completed'): RunEndRecord => ({
  type: 'run.end',
  status,
  endedAt: '2025-01-01T00:00:01.000Z',
  durationMs: 1234,
  counts: { total: 0, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 },
});

function summarize(records: CaseRecord[], total = records.length, options: { maxRows?: number; end?: RunEndRecord | null } = {}): Summary {
  const builder = createSummaryBuilder(header(total), options.maxRows === undefined ? {} : { maxRows: options.maxRows });
  for (const record of records) builder.add(record);
  return builder.finish(options.end === undefined ? null : options.end);
}

const indexes = (summary: Summary) => summary.rows.map((r) => r.index);

describe('createSummaryBuilder: counts', () => {
  it('counts complete, error and cancelled cases, passes and failures, and the cases not run', () => {
    const summary = summarize(
      [
        caseRecord(0, { passed: true }),
        caseRecord(1, { passed: false }),
        caseRecord(2, { passed: null }),
        caseRecord(3, { status: 'error', error: { stage: 'infer', message: 'boom' } }),
        caseRecord(4, { status: 'cancelled' }),
        caseRecord(5, { passed: true }),
      ],
      9,
    );
    expect(summary.counts).toEqual({ total: 9, complete: 4, error: 1, cancelled: 1, passed: 2, failed: 1, notRun: 3 });
  });

  it('takes the total from the run header, never going below zero not run', () => {
    expect(summarize([caseRecord(0), caseRecord(1)], 1).counts.notRun).toBe(0);
  });

  it('averages the scores that exist, and has no mean without scores', () => {
    expect(summarize([caseRecord(0, { score: 1 }), caseRecord(1, { score: 0.5 }), caseRecord(2, { score: null }), caseRecord(3, { score: 0 })]).meanScore).toBe(0.5);
    expect(summarize([caseRecord(0), caseRecord(1)]).meanScore).toBeNull();
  });

  it('sums usage over the cases, and has none when no case used a model', () => {
    const summary = summarize([
      caseRecord(0, { usage: { calls: 1, inputTokens: 10, outputTokens: 2 } }),
      caseRecord(1),
      caseRecord(2, { usage: { calls: 2, inputTokens: 5, outputTokens: 1, cachedInputTokens: 3 } }),
    ]);
    expect(summary.usage).toEqual({ calls: 3, inputTokens: 15, outputTokens: 3, cachedInputTokens: 3 });
    expect(summarize([caseRecord(0)]).usage).toBeUndefined();
  });

  it('copies the pipeline facts from the header and the status and duration from run.end', () => {
    const finished = summarize([caseRecord(0)], 1, { end: end('interrupted') });
    expect(finished).toMatchObject({
      runId: '01900000-0000-7000-8000-000000000001',
      pipeline: 'calc',
      columns: ['got'],
      hasPassed: true,
      hasScore: true,
      status: 'interrupted',
      durationMs: 1234,
    });
  });

  it('calls a run without run.end incomplete, with no duration', () => {
    expect(summarize([caseRecord(0)])).toMatchObject({ status: 'incomplete', durationMs: null });
  });
});

describe('createSummaryBuilder: rows', () => {
  it('shows every row in suite order, whatever order the cases finished in', () => {
    const summary = summarize([caseRecord(2), caseRecord(0), caseRecord(1)]);
    expect(indexes(summary)).toEqual([0, 1, 2]);
    expect(summary.hiddenRows).toBe(0);
  });

  it('describes the error of a row as `stage: message`, or `case: message` outside any stage', () => {
    const summary = summarize([
      caseRecord(0, { status: 'error', error: { stage: 'extract', message: 'not a number' } }),
      caseRecord(1, { status: 'error', error: { stage: null, message: "passed() returned 'yes'" } }),
      caseRecord(2),
    ]);
    expect(summary.rows.map((r) => r.error)).toEqual(['extract: not a number', "case: passed() returned 'yes'", null]);
  });

  it('sorts keywords, drops non-strings and notes whether any case has keywords', () => {
    const summary = summarize([caseRecord(0, { keywords: ['p1', 'hex', 3, null, 'base'] }), caseRecord(1)]);
    expect(summary.rows.map((r) => r.keywords)).toEqual([['base', 'hex', 'p1'], []]);
    expect(summary.anyKeywords).toBe(true);
    expect(summarize([caseRecord(0, { keywords: [] })]).anyKeywords).toBe(false);
  });

  it('keeps the columns of each row, and none when the record has none', () => {
    const summary = summarize([caseRecord(0, { columns: { got: 42 } }), caseRecord(1)]);
    expect(summary.rows.map((r) => r.columns)).toEqual([{ got: 42 }, {}]);
  });

  it('keeps errors, cancellations and failures first when rows must be left out, then shows them in suite order', () => {
    const records = Array.from({ length: 10 }, (_, i) => caseRecord(i));
    records[7] = caseRecord(7, { status: 'error', error: { stage: 'a', message: 'x' } });
    records[3] = caseRecord(3, { passed: false });
    records[9] = caseRecord(9, { status: 'cancelled' });
    const summary = summarize(records, 10, { maxRows: 5 });
    expect(indexes(summary)).toEqual([0, 1, 3, 7, 9]);
    expect(summary.hiddenRows).toBe(5);
  });

  it('shows the first cases needing attention when there are more of them than rows', () => {
    const records = Array.from({ length: 10 }, (_, i) => caseRecord(i, i % 2 === 1 ? { passed: false } : {}));
    const summary = summarize(records.reverse(), 10, { maxRows: 3 });
    expect(indexes(summary)).toEqual([1, 3, 5]);
    expect(summary.hiddenRows).toBe(7);
  });

  it('stays bounded over a long run while keeping the right rows', () => {
    const records = Array.from({ length: 2000 }, (_, i) =>
      caseRecord(i, i % 7 === 3 ? { status: 'error', error: { stage: 's', message: 'm' } } : {}),
    ).reverse();
    const summary = summarize(records, 2000, { maxRows: 10 });
    expect(indexes(summary)).toEqual([3, 10, 17, 24, 31, 38, 45, 52, 59, 66]);
    expect(summary.hiddenRows).toBe(1990);
    expect(summary.counts.error).toBe(286);
  });

  it('shows no rows with maxRows 0, counting all as hidden', () => {
    const summary = summarize([caseRecord(0), caseRecord(1, { passed: false })], 2, { maxRows: 0 });
    expect(summary.rows).toEqual([]);
    expect(summary.hiddenRows).toBe(2);
  });

  it('matches a simple reference for any records and row limit', () => {
    const arbitrary = fc.record({
      kinds: fc.array(fc.constantFrom('pass', 'fail', 'error', 'cancelled', 'unjudged'), { maxLength: 300 }),
      maxRows: fc.integer({ min: 0, max: 80 }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arbitrary, ({ kinds, maxRows, seed }) => {
        const records = kinds.map((kind, i) =>
          caseRecord(i, {
            status: kind === 'error' ? 'error' : kind === 'cancelled' ? 'cancelled' : 'complete',
            passed: kind === 'pass' ? true : kind === 'fail' ? false : null,
          }),
        );
        // A deterministic shuffle: completion order differs from suite order.
        const shuffled = records.map((r, i) => ({ r, key: Math.sin(seed + i) })).sort((a, b) => a.key - b.key).map((x) => x.r);
        const summary = summarize(shuffled, records.length, { maxRows });
        const attention = records.filter((r) => r.status !== 'complete' || r.passed === false).map((r) => r.index);
        const others = records.filter((r) => !(r.status !== 'complete' || r.passed === false)).map((r) => r.index);
        const kept = attention.slice(0, maxRows);
        kept.push(...others.slice(0, Math.max(0, maxRows - kept.length)));
        expect(indexes(summary)).toEqual(kept.sort((a, b) => a - b));
        expect(summary.hiddenRows).toBe(records.length - kept.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('createSummaryBuilder: id prefix length', () => {
  it('is the shortest length (at least 3) that keeps every id in the run apart', () => {
    const ids = ['6919a246-1', '6919b000-2', '6f3c0000-3'];
    const summary = summarize(ids.map((id, i) => caseRecord(i, { id })));
    expect(summary.idPrefixLength).toBe(5);
  });

  it('counts ids of hidden rows too', () => {
    const summary = summarize([caseRecord(0, { id: 'abcd1' }), caseRecord(1, { id: 'abcd2' })], 2, { maxRows: 1 });
    expect(summary.rows).toHaveLength(1);
    expect(summary.idPrefixLength).toBe(5);
  });

  it('is 3 for short distinct ids', () => {
    expect(summarize([caseRecord(0, { id: 'a' }), caseRecord(1, { id: 'b' })]).idPrefixLength).toBe(3);
  });
});
