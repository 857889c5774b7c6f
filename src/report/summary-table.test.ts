import { describe, expect, it } from 'vitest';
import type { Summary, SummaryRow } from '../analysis/summary.ts';
import { renderModelCalls, renderSummary, renderTotals } from './summary-table.ts';
import { createTheme } from './theme.ts';
import { RAW_CONTROL, TAKEOVER, TAKEOVER_SHOWN } from '../../test/helpers/control-characters.ts';

const plain = createTheme(false, 100);

function row(index: number, extra: Partial<SummaryRow> = {}): SummaryRow {
  return {
    caseId: ['6919a246-945f-4d93-b39d-d798244dd08e', '6f3c1e2a-0000-4000-8000-000000000001', '950b2f1c-0000-4000-8000-000000000002', '95aa0000-0000-4000-8000-000000000003', 'c07d0000-0000-4000-8000-000000000004'][index]!,
    index,
    repeat: 0,
    status: 'complete',
    passed: true,
    score: 1,
    keywords: [],
    columns: {},
    error: null,
    ...extra,
  };
}

function summary(extra: Partial<Summary> = {}): Summary {
  return {
    runId: '01900000-0000-7000-8000-000000000001',
    pipeline: 'calc',
    columns: ['user', 'got'],
    hasPassed: true,
    hasScore: true,
    counts: { total: 5, complete: 3, error: 1, cancelled: 1, passed: 2, failed: 1, notRun: 0 },
    rows: [
      row(0, { keywords: ['base', 'hex'], columns: { user: '0x10 + 1', got: 17 } }),
      row(1, { passed: false, score: 0.6667, columns: { user: '2 * 3', got: 5 } }),
      row(2, { status: 'error', passed: null, score: null, columns: { user: '1 / 0', got: null }, error: 'extract: could not convert string to number: \'hello world\'' }),
      row(3, { status: 'cancelled', passed: null, score: null, columns: { user: 'x', got: null } }),
      row(4, { score: 120.04, columns: { user: 'line one\nline two', got: 1.5 } }),
    ],
    hiddenRows: 0,
    idPrefixLength: 36,
    meanScore: 0.7,
    usage: { calls: 4, inputTokens: 1234, outputTokens: 56 },
    status: 'completed',
    durationMs: null,
    anyKeywords: true,
    repeat: 1,
    costUsd: null,
    repeats: null,
    ...extra,
  };
}

describe('renderSummary', () => {
  it('draws the table with every column and the totals', () => {
    expect(renderSummary(summary({ idPrefixLength: 3 }), plain)).toMatchInlineSnapshot(`
      "Summary for 01900000-0000-7000-8000-000000000001
      ┌─────┬───────────┬────────┬───────┬───────────┬──────────────┬─────┬──────────────────────────────────────────┐
      │ id  │ status    │ passed │ score │ keywords  │ user         │ got │ error                                    │
      ├─────┼───────────┼────────┼───────┼───────────┼──────────────┼─────┼──────────────────────────────────────────┤
      │ 691 │ COMPLETE  │ yes    │ 1     │ base, hex │ 0x10 + 1     │ 17  │                                          │
      │ 6f3 │ COMPLETE  │ no     │ 0.667 │           │ 2 * 3        │ 5   │                                          │
      │ 950 │ ERROR     │        │       │           │ 1 / 0        │     │ extract: could not convert string to nu… │
      │ 95a │ CANCELLED │        │       │           │ x            │     │                                          │
      │ c07 │ COMPLETE  │ yes    │ 120   │           │ line one ⏎ … │ 1.5 │                                          │
      └─────┴───────────┴────────┴───────┴───────────┴──────────────┴─────┴──────────────────────────────────────────┘

      Total: 5
      Complete: 3/5 (60.00%)
      Error: 1/5 (20.00%)
      Cancelled: 1/5 (20.00%)
      Passed: 2/5 (40.00%)
      Failed: 1/5 (20.00%)
      Mean score: 0.7
      Tokens: 1,234 in, 56 out (4 model calls)
      "
    `);
  });

  it('leaves out passed, score, keywords and error columns that have nothing to show', () => {
    const text = renderSummary(
      summary({
        hasPassed: false,
        hasScore: false,
        anyKeywords: false,
        columns: [],
        rows: [row(0, { passed: null, score: null }), row(1, { passed: null, score: null })],
        counts: { total: 2, complete: 2, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 },
        idPrefixLength: 3,
        meanScore: null,
        usage: undefined,
      }),
      plain,
    );
    expect(text).toMatchInlineSnapshot(`
      "Summary for 01900000-0000-7000-8000-000000000001
      ┌─────┬──────────┐
      │ id  │ status   │
      ├─────┼──────────┤
      │ 691 │ COMPLETE │
      │ 6f3 │ COMPLETE │
      └─────┴──────────┘

      Total: 2
      Complete: 2/2 (100.00%)
      Error: 0/2 (0.00%)
      Passed/Failed: not evaluated (the pipeline defines no passed())
      "
    `);
  });

  it('says how many rows were left out and how to see them', () => {
    const text = renderSummary(summary({ rows: [row(2, { status: 'error', passed: null, error: 'infer: boom' })], hiddenRows: 1234, idPrefixLength: 4 }), plain, {
      allRowsHint: 'run `tagliots summarize latest --all` to see all',
    });
    expect(text).toContain('… 1,234 more rows not shown (errors and failures are shown first); run `tagliots summarize latest --all` to see all.');
    expect(renderSummary(summary({ hiddenRows: 1 }), plain)).toContain('… 1 more row not shown (errors and failures are shown first).\n');
  });

  it('says "No results." when there are no rows', () => {
    const text = renderSummary(summary({ rows: [], counts: { total: 3, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 3 }, status: 'interrupted', meanScore: null, usage: undefined }), plain);
    expect(text).toMatchInlineSnapshot(`
      "Summary for 01900000-0000-7000-8000-000000000001
      No results.

      Total: 3
      Complete: 0/3 (0.00%)
      Error: 0/3 (0.00%)
      Not run: 3/3 (100.00%)
      Passed: 0/3 (0.00%)
      Failed: 0/3 (0.00%)
      Run interrupted: the log holds every case that finished.
      "
    `);
  });

  it('cuts long cell values to the cell width', () => {
    const long = 'x'.repeat(200);
    const text = renderSummary(summary({ rows: [row(0, { columns: { user: long, got: 1 } })], idPrefixLength: 3 }), plain);
    expect(text).not.toContain(long);
    expect(text).toMatch(/x+…/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('escapes control characters in ids, keywords, columns and errors', () => {
    const nasty = summary({
      runId: `run${TAKEOVER}`,
      idPrefixLength: 40,
      rows: [row(0, { caseId: `id${TAKEOVER}`, keywords: [`kw${TAKEOVER}`], columns: { user: `u${TAKEOVER}`, got: null }, status: 'error', error: `e${TAKEOVER}` })],
    });
    const text = renderSummary(nasty, createTheme(false, 400));
    expect(text).not.toMatch(RAW_CONTROL);
    for (const shown of [`run${TAKEOVER_SHOWN}`, `id${TAKEOVER_SHOWN}`, `kw${TAKEOVER_SHOWN}`, `u${TAKEOVER_SHOWN}`, `e${TAKEOVER_SHOWN}`]) expect(text).toContain(shown);
  });

  it('uses no colour codes with a colourless theme, and some with colour on', () => {
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;
    expect(renderSummary(summary(), plain)).not.toMatch(ansi);
    expect(renderSummary(summary(), createTheme(true, 100))).toMatch(ansi);
  });
});

describe('renderTotals', () => {
  it('shows the duration and the rate when the run ended', () => {
    const lines = renderTotals(summary({ durationMs: 2500 }), plain);
    expect(lines).toContain('Duration: 2.50 s (2 cases/s)');
  });

  it('shows percentages of the total and 0.00% of an empty suite', () => {
    const lines = renderTotals(summary({ counts: { total: 0, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 }, meanScore: null, usage: undefined }), plain);
    expect(lines).toEqual(['Total: 0', 'Complete: 0/0 (0.00%)', 'Error: 0/0 (0.00%)', 'Passed: 0/0 (0.00%)', 'Failed: 0/0 (0.00%)']);
  });

  it('notes an incomplete log', () => {
    expect(renderTotals(summary({ status: 'incomplete' }), plain).at(-1)).toBe(
      'Run incomplete: the log has no run.end record (crashed, killed or still running).',
    );
  });

  it('says "call" for a single model call', () => {
    expect(renderTotals(summary({ usage: { calls: 1, inputTokens: 1, outputTokens: 2 } }), plain)).toContain('Tokens: 1 in, 2 out (1 model call)');
  });
});

describe('renderModelCalls', () => {
  const calls = { calls: 24, cacheHits: 0, retries: 0, rateLimited: 0, failed: 0, rateLimitWaitMs: 0, backoffMs: 7200 };

  it('counts retried and final HTTP 429 answers apart when every request got one', () => {
    // 24 calls of 4 attempts each: 72 retries, 96 answers of 429, the last one of each call final.
    expect(renderModelCalls({ ...calls, retries: 72, rateLimited: 96, rateLimitedFinal: 24, failed: 24 })).toEqual([
      'Cache hits: 0 of 24 calls',
      'Retries: 72 (all after HTTP 429); 7.20 s of back-off',
      'HTTP 429 (rate limited): 96 answers: 72 retried, 24 final (those calls failed)',
      'Failed model calls: 24',
    ]);
  });

  it('says how many retries followed a 429, and when every 429 was retried', () => {
    expect(renderModelCalls({ ...calls, retries: 5, rateLimited: 2, rateLimitedFinal: 0 })).toEqual([
      'Cache hits: 0 of 24 calls',
      'Retries: 5 (2 after HTTP 429); 7.20 s of back-off',
      'HTTP 429 (rate limited): 2 answers, all retried',
    ]);
    expect(renderModelCalls({ ...calls, retries: 1, rateLimited: 1, rateLimitedFinal: 0 })).toContain('HTTP 429 (rate limited): 1 answer, retried');
  });

  it('shows final 429s of calls that had no retries left, and nothing about retries that never happened', () => {
    expect(renderModelCalls({ ...calls, rateLimited: 3, rateLimitedFinal: 3, failed: 3, backoffMs: 0 })).toEqual([
      'Cache hits: 0 of 24 calls',
      'HTTP 429 (rate limited): 3 answers: 0 retried, 3 final (those calls failed)',
      'Failed model calls: 3',
    ]);
  });

  it('claims no split a log written before final 429s were counted apart cannot back', () => {
    expect(renderModelCalls({ ...calls, retries: 72, rateLimited: 96, failed: 24 })).toEqual([
      'Cache hits: 0 of 24 calls',
      'Retries: 72; 7.20 s of back-off',
      'HTTP 429 (rate limited): 96 answers',
      'Failed model calls: 24',
    ]);
  });
});

describe('renderSummary of a repeated run', () => {
  it('adds a repeat column, the cost, pass@k, pass^k, the rate per repetition and the flakiest cases', () => {
    const text = renderSummary(
      summary({
        idPrefixLength: 3,
        repeat: 2,
        columns: [],
        anyKeywords: false,
        hasScore: false,
        rows: [row(0, { repeat: 0 }), row(0, { repeat: 1, passed: false }), row(1, { repeat: 0 }), row(1, { repeat: 1 })],
        counts: { total: 4, complete: 4, error: 0, cancelled: 0, passed: 3, failed: 1, notRun: 0 },
        usage: undefined,
        costUsd: 0.01234,
        repeats: {
          k: 2,
          cases: 2,
          passAtK: 2,
          passAllK: 1,
          passed: 3,
          perRepeat: [
            { repeat: 0, runs: 2, passed: 2 },
            { repeat: 1, runs: 2, passed: 1 },
          ],
          flakyCases: 1,
          flakiest: [{ caseId: '6919a246-945f-4d93-b39d-d798244dd08e', index: 0, outcomes: 'PF', flips: 1, passed: 1 }],
        },
      }),
      plain,
    );
    expect(text).toMatchInlineSnapshot(`
      "Summary for 01900000-0000-7000-8000-000000000001
      ┌─────┬────────┬──────────┬────────┐
      │ id  │ repeat │ status   │ passed │
      ├─────┼────────┼──────────┼────────┤
      │ 691 │ 0      │ COMPLETE │ yes    │
      │ 691 │ 1      │ COMPLETE │ no     │
      │ 6f3 │ 0      │ COMPLETE │ yes    │
      │ 6f3 │ 1      │ COMPLETE │ yes    │
      └─────┴────────┴──────────┴────────┘

      Total: 4
      Complete: 4/4 (100.00%)
      Error: 0/4 (0.00%)
      Passed: 3/4 (75.00%)
      Failed: 1/4 (25.00%)
      Cost: $0.0123

      Repeats: 2 per case (2 cases, 4 runs)
      pass@2: 2/2 (100.00%): at least one repetition passed
      pass^2: 1/2 (50.00%): every repetition passed
      Pass rate per repetition: #0 100.00%, #1 50.00% (mean 75.00%)
      Flaky cases (outcome changed between repetitions): 1/2 (50.00%)
        6919a246-945f-4d93-b39d-d798244dd08e  PF  1 flip
        (P passed, F failed, E error, C cancelled, o complete (no verdict), - not run)
      "
    `);
  });
});
