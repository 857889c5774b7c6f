import { describe, expect, it } from 'vitest';
import { makeCase, makeHeader } from '../../test/helpers/records.ts';
import { exportLayout, exportRow } from './export.ts';

describe('exportLayout and exportRow', () => {
  it('has the fixed columns, then the pipeline columns, renaming those that clash', () => {
    const layout = exportLayout(makeHeader({}, { columns: ['user', 'status', 'column.status', 'got'] }));
    expect(layout.columns.slice(13)).toEqual(['user', 'column.status', 'column.column.status', 'got']);
    expect(layout.extra).toEqual([
      { name: 'user', column: 'user' },
      { name: 'status', column: 'column.status' },
      { name: 'column.status', column: 'column.column.status' },
      { name: 'got', column: 'got' },
    ]);
  });

  it('flattens a case record into one row of scalars', () => {
    const layout = exportLayout(makeHeader());
    const row = exportRow(
      makeCase(4, {
        repeat: 2,
        status: 'error',
        keywords: ['hex', 'add'],
        error: { stage: 'extract', message: 'no number' },
        usage: { calls: 1, inputTokens: 40, outputTokens: 3 },
        costUsd: 0.0002,
        columns: { got: null },
      }),
      layout,
    );
    expect(row).toEqual({
      id: 'case-004',
      index: 4,
      repeat: 2,
      status: 'error',
      passed: null,
      score: null,
      keywords: 'hex;add',
      durationMs: 5,
      inputTokens: 40,
      outputTokens: 3,
      costUsd: 0.0002,
      errorStage: 'extract',
      errorMessage: 'no number',
      got: null,
    });
    expect(exportRow(makeCase(0, { error: { stage: null, message: 'passed() threw' }, status: 'error' }), layout)).toMatchObject({ errorStage: 'case', repeat: 0, inputTokens: null, got: null });
  });
});
