import { describe, expect, it } from 'vitest';
import { makeEnd, makeHeader } from '../../test/helpers/records.ts';
import { historyEntry, unreadableEntry } from '../analysis/history.ts';
import { renderHistory } from './history-table.ts';
import { createTheme } from './theme.ts';

const plain = createTheme(false, 100);

describe('renderHistory', () => {
  it('lists runs with their pass rate, errors, cost and status, and the logs it could not read', () => {
    const entries = [
      historyEntry('runs/a.jsonl', makeHeader({ runId: '019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13', startedAt: '2025-11-20T14:03:12.345Z' }), makeEnd({ costUsd: 0.0123, counts: { total: 24, complete: 8, error: 16, cancelled: 0, passed: 8, failed: 0, notRun: 0 } })),
      historyEntry('runs/b.jsonl', makeHeader({ runId: '019aa1f0-0000-7000-8000-000000000002', repeat: 2 }), null),
      historyEntry('runs/c.jsonl', makeHeader({ runId: '019aa1e0-0000-7000-8000-000000000003' }), makeEnd({ status: 'interrupted', counts: { total: 10, complete: 2, error: 0, cancelled: 2, passed: 2, failed: 0, notRun: 6 } })),
      unreadableEntry('019aa1d0-0000-7000-8000-000000000004', 'runs/d.jsonl', 'E_LOG_VERSION: runs/d.jsonl has run-log version 99'),
    ];
    const text = renderHistory(entries, plain, { idLength: 8, hidden: 3 }).replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, '<LOCAL TIME>');
    expect(text).toMatchInlineSnapshot(`
      "┌──────────┬─────────────────────┬──────────┬────────────┬───────┬────────┬────────┬─────────┬─────────────┐
      │ id       │ started             │ pipeline │ suite      │ cases │ passed │ errors │    cost │ status      │
      ├──────────┼─────────────────────┼──────────┼────────────┼───────┼────────┼────────┼─────────┼─────────────┤
      │ 019aa1f4 │ <LOCAL TIME> │ calc     │ suite.json │    24 │  33.3% │     16 │ $0.0123 │ completed   │
      │ 019aa1f0 │ <LOCAL TIME> │ calc     │ suite.json │     6 │        │        │         │ incomplete  │
      │ 019aa1e0 │ <LOCAL TIME> │ calc     │ suite.json │  4/10 │  20.0% │      0 │         │ interrupted │
      │ 019aa1d0 │                     │          │            │       │        │        │         │ unreadable  │
      └──────────┴─────────────────────┴──────────┴────────────┴───────┴────────┴────────┴─────────┴─────────────┘
      … 3 older runs not shown; use -n all to list every run.

      1 log could not be read:
        019aa1d0: E_LOG_VERSION: runs/d.jsonl has run-log version 99
      "
    `);
  });
});
