import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunStartRecord } from '../log/schema.ts';
import { compareDigests, createDigestBuilder } from './compare.ts';
import { MAX_CELL_CHARS, PAIR_KINDS, createReportRowsBuilder, modelsOf, permuteRows, reportComparison, sliceRows, suiteOrder } from './report-data.ts';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');

function header(extra: Partial<RunStartRecord> = {}): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId: '01900000-0000-7000-8000-000000000001',
    startedAt: '2025-01-01T00:00:00.000Z',
    command: ['run', 'suite.json'],
    cwd: '/work',
    pipeline: { name: 'calc', description: 'Calc', stages: [{ name: 'infer', inputs: [] }], columns: ['user', 'got'], hasPassed: true, hasScore: true },
    config: { infer: { model: { name: 'perfect', temperature: 0 } }, judge: { model: 'parrot' } },
    deltas: [],
    suite: { path: 'suite.json', format: 'json', sha256: 'abc', count: 4 },
    git: null,
    versions: { tagliots: '0.1.0', node: 'v20.19.0' },
    platform: 'linux',
    concurrency: 2,
    parentRunId: null,
    ...extra,
  };
}

function record(index: number, extra: Partial<CaseRecord> = {}): CaseRecord {
  return {
    type: 'case',
    caseId: `case-${index}`,
    index,
    status: 'complete',
    passed: true,
    score: 1,
    case: { id: `case-${index}`, keywords: ['b', 'a'] },
    stages: { infer: 'x' },
    stageRecords: { infer: { status: 'ok', startMs: T0 + 10, endMs: T0 + 20, durationMs: 10 } },
    error: null,
    startMs: T0 + 10 * index + 0.123,
    endMs: T0 + 10 * index + 5.5,
    durationMs: 5.37712,
    columns: { user: `u${index}`, got: index },
    ...extra,
  };
}

describe('createReportRowsBuilder', () => {
  it('keeps one compact entry per record, in log order, with times relative to the run start', () => {
    const builder = createReportRowsBuilder(header());
    builder.add(record(2, { usage: { calls: 1, inputTokens: 40, outputTokens: 2 }, costUsd: 0.001 }));
    builder.add(
      record(0, {
        status: 'error',
        passed: null,
        score: null,
        case: { id: 'case-0' },
        error: { name: 'TypeError', message: 'boom', stage: 'infer', context: [] },
        columns: { user: 'u0', got: null },
      }),
    );
    const rows = builder.rows;
    expect(builder.size).toBe(2);
    expect(rows.id).toEqual(['case-2', 'case-0']);
    expect(rows.status).toEqual([0, 1]);
    expect(rows.passed).toEqual([1, -1]);
    expect(rows.score).toEqual([1, null]);
    expect(rows.keywordSets).toEqual([['a', 'b'], []]);
    expect(rows.keywords).toEqual([0, 1]);
    expect(rows.durationMs).toEqual([5.38, 5.38]);
    expect(rows.start).toEqual([20.1, 0.1]);
    expect(rows.tokensIn).toEqual([40, null]);
    expect(rows.cost).toEqual([0.001, null]);
    expect(rows.errorStage).toEqual([null, 'infer']);
    expect(rows.errorMessage).toEqual([null, 'TypeError: boom']);
    expect(rows.columns).toEqual({ user: ['u2', 'u0'], got: [2, null] });
    expect(rows.line).toEqual([0, 1]);
  });

  it('cuts long column values and error messages', () => {
    const builder = createReportRowsBuilder(header());
    const long = 'x'.repeat(MAX_CELL_CHARS * 2);
    builder.add(record(0, { columns: { user: long, got: 1 }, status: 'error', passed: null, error: { name: 'Error', message: long, stage: null, context: [] } }));
    expect(builder.rows.columns['user']![0]).toHaveLength(MAX_CELL_CHARS);
    expect(String(builder.rows.columns['user']![0]).endsWith('…')).toBe(true);
    expect(builder.rows.errorMessage[0]).toHaveLength(MAX_CELL_CHARS);
  });

  it('reuses keyword sets, whatever the order of the keywords', () => {
    const builder = createReportRowsBuilder(header());
    builder.add(record(0, { case: { keywords: ['x', 'y'] } }));
    builder.add(record(1, { case: { keywords: ['y', 'x', 3] } }));
    builder.add(record(2, { case: {} }));
    expect(builder.rows.keywordSets).toEqual([['x', 'y'], []]);
    expect(builder.rows.keywords).toEqual([0, 0, 1]);
  });
});

describe('suiteOrder, permuteRows and sliceRows', () => {
  it('sorts rows by suite index and repeat, and slices increments with every keyword set', () => {
    const builder = createReportRowsBuilder(header({ repeat: 2 }));
    builder.add(record(1, { repeat: 1 }));
    builder.add(record(0, { case: { keywords: ['k'] } }));
    builder.add(record(1));
    const order = suiteOrder(builder.rows);
    expect(order).toEqual([1, 2, 0]);
    const sorted = permuteRows(builder.rows, order);
    expect(sorted.index).toEqual([0, 1, 1]);
    expect(sorted.repeat).toEqual([0, 0, 1]);
    expect(sorted.line).toEqual([1, 2, 0]);
    expect(sorted.columns['user']).toEqual(['u0', 'u1', 'u1']);
    expect(sorted.keywordSets).toBe(builder.rows.keywordSets);
    const tail = sliceRows(builder.rows, 2);
    expect(tail.id).toEqual(['case-1']);
    expect(tail.line).toEqual([2]);
    expect(tail.keywordSets).toEqual([['a', 'b'], ['k']]);
  });
});

describe('modelsOf', () => {
  it('lists the recorded model profiles when the header has them', () => {
    const models = modelsOf(header({ models: { fast: { provider: 'openai', model: 'gpt-x', apiKeyEnv: 'KEY' }, slow: {} } }));
    expect(models).toEqual([
      { name: 'fast', source: 'models.fast', detail: 'openai gpt-x' },
      { name: 'slow', source: 'models.slow', detail: null },
    ]);
  });

  it('falls back to model names in the config', () => {
    expect(modelsOf(header())).toEqual([
      { name: 'perfect', source: 'infer.model.name', detail: null },
      { name: 'parrot', source: 'judge.model', detail: null },
    ]);
  });
});

describe('reportComparison', () => {
  it('pairs the cases of two runs: regressions first, then fixes, other changes, only in A, only in B, unchanged', () => {
    const a = header({ runId: '01900000-0000-7000-8000-00000000000a' });
    const b = header({ runId: '01900000-0000-7000-8000-00000000000b' });
    const recordsA = [
      record(0),
      record(1, { passed: false, score: 0 }),
      record(2),
      record(3),
      record(4, { score: 0.5 }),
    ];
    const recordsB = [
      record(0, { passed: false, score: 0 }), // regression
      record(1), // fix
      record(2), // unchanged
      record(4, { score: 0.9 }), // score changed
      record(5), // only in B
    ];
    const digest = (h: RunStartRecord, records: CaseRecord[]) => {
      const builder = createDigestBuilder(h);
      records.forEach((r) => builder.add(r));
      return builder.finish(null, { path: h.runId });
    };
    const rowsA = createReportRowsBuilder(a);
    recordsA.forEach((r) => rowsA.add(r));
    const rowsB = createReportRowsBuilder(b);
    recordsB.forEach((r) => rowsB.add(r));
    const comparison = compareDigests(digest(a, recordsA), digest(b, recordsB), { maxRows: 0, resamples: 0 });
    const result = reportComparison(comparison, rowsA.rows, rowsB.rows);
    const kinds = result.pairs.kind.map((k) => PAIR_KINDS[k]);
    expect(kinds).toEqual(['regression', 'fix', 'changed', 'onlyA', 'onlyB', 'unchanged']);
    const ids = result.pairs.kind.map((_, k) => (result.pairs.b[k]! >= 0 ? rowsB.rows.id[result.pairs.b[k]!] : rowsA.rows.id[result.pairs.a[k]!]));
    expect(ids).toEqual(['case-0', 'case-1', 'case-4', 'case-3', 'case-5', 'case-2']);
    expect(result.pairs.a[3]).toBe(3);
    expect(result.pairs.b[3]).toBe(-1);
    expect(result.pairs.a[4]).toBe(-1);
    expect(result.summary.regressionCount).toBe(1);
    expect(result.summary.fixCount).toBe(1);
    expect(result.summary.onlyACount).toBe(1);
    expect(result.summary.onlyBCount).toBe(1);
    expect(result.summary).not.toHaveProperty('cases');
    expect(result.summary.verdict.text).toMatch(/regression/);
  });
});
