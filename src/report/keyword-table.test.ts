import { describe, expect, it } from 'vitest';
import { renderKeywordTable } from './keyword-table.ts';
import { createTheme } from './theme.ts';
import { RAW_CONTROL, TAKEOVER, TAKEOVER_SHOWN } from '../../test/helpers/control-characters.ts';

describe('renderKeywordTable', () => {
  it('has a row per keyword with cases, complete, errors, passed, pass rate and mean score', () => {
    const rows = [
      { keyword: 'addition', cases: 5, complete: 4, errors: 1, passed: 3, failed: 1, passRate: 0.6, meanScore: 0.75 },
      { keyword: 'hex', cases: 2, complete: 2, errors: 0, passed: 2, failed: 0, passRate: 1, meanScore: 1 },
      { keyword: null, cases: 1, complete: 1, errors: 0, passed: 0, failed: 1, passRate: 0, meanScore: null },
    ];
    expect(renderKeywordTable(rows, createTheme(false, 100), { hasPassed: true, hasScore: true })).toMatchInlineSnapshot(`
      "By keyword
      ┌───────────────┬───────┬──────────┬────────┬────────┬───────────┬────────────┐
      │ keyword       │ cases │ complete │ errors │ passed │ pass rate │ mean score │
      ├───────────────┼───────┼──────────┼────────┼────────┼───────────┼────────────┤
      │ addition      │     5 │        4 │      1 │      3 │    60.00% │       0.75 │
      │ hex           │     2 │        2 │      0 │      2 │   100.00% │          1 │
      │ (no keywords) │     1 │        1 │      0 │      0 │     0.00% │            │
      └───────────────┴───────┴──────────┴────────┴────────┴───────────┴────────────┘
      "
    `);
    expect(renderKeywordTable([], createTheme(false, 100), { hasPassed: false, hasScore: false })).toBe('By keyword\nNo results.\n');
  });

  it('escapes control characters in keywords', () => {
    const rows = [{ keyword: `k${TAKEOVER}`, cases: 1, complete: 1, errors: 0, passed: 1, failed: 0, passRate: 1, meanScore: null }];
    const text = renderKeywordTable(rows, createTheme(false, 200), { hasPassed: true, hasScore: false });
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain(`k${TAKEOVER_SHOWN}`);
  });
});
