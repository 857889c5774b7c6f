import { describe, expect, it } from 'vitest';
import { compareDigests, createDigestBuilder, type RunDigest } from '../analysis/compare.ts';
import { applyGateRules } from '../analysis/gate.ts';
import type { CaseRecord, RunStartRecord } from '../log/schema.ts';
import { cell, code, comparisonMarkdown, multiComparisonMarkdown } from './compare-markdown.ts';
import { renderComparison, renderMultiComparison } from './compare-table.ts';
import { gateMarkdown, renderGate } from './gate-report.ts';
import { gateJunit, xml } from './junit-gate.ts';
import { createTheme } from './theme.ts';

const theme = createTheme(false, 100);

function run(runId: string, outcomes: Record<string, 'P' | 'F' | 'E'>, extra: Partial<RunStartRecord> = {}): RunDigest {
  const ids = Object.keys(outcomes);
  const builder = createDigestBuilder({
    type: 'run.start',
    v: 1,
    runId,
    startedAt: 'x',
    command: [],
    cwd: '/',
    pipeline: { name: 'calc', description: '', stages: [], columns: [], hasPassed: true, hasScore: true },
    config: { model: runId === 'b-run' ? 'flakey' : 'perfect' },
    deltas: [],
    suite: { path: 'suite.json', format: 'json', sha256: 'abc', count: ids.length },
    git: null,
    versions: { tagliots: 't', node: 't' },
    platform: 't',
    concurrency: 1,
    parentRunId: null,
    ...extra,
  });
  ids.forEach((caseId, index) => {
    const o = outcomes[caseId]!;
    builder.add({
      type: 'case',
      caseId,
      index,
      status: o === 'E' ? 'error' : 'complete',
      passed: o === 'E' ? null : o === 'P',
      score: o === 'P' ? 1 : o === 'F' ? 0 : null,
      case: { id: caseId, keywords: ['k|pipe', 'two'] },
      stages: {},
      stageRecords: {},
      error: null,
      startMs: 0,
      endMs: 1,
      durationMs: 2,
    } satisfies CaseRecord);
  });
  return builder.finish({ type: 'run.end', status: 'completed', endedAt: 'x', durationMs: 1, counts: { total: 0, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 } }, { path: `${runId}.jsonl` });
}

const a = run('a-run', { c1: 'P', c2: 'P', c3: 'F', 'x<&>': 'P' });
const b = run('b-run', { c1: 'P', c2: 'E', c3: 'P', 'x<&>': 'F' });

describe('renderComparison', () => {
  it('prints runs, config differences, the case table, transitions, regressions by full id, metrics, statistics and the verdict', () => {
    const text = renderComparison(compareDigests(a, b), theme);
    expect(text).toContain('  model: perfect => flakey');
    expect(text).toContain('Cases: 4 in both, 0 only in A, 0 only in B');
    expect(text).toMatch(/passed => error\s+1/);
    expect(text).toContain('Regressions (2): passed in A, not in B');
    expect(text).toMatch(/passed => error\s+c2/);
    expect(text).toMatch(/passed => failed\s+x<&>/);
    expect(text).toContain('McNemar exact test on pass/fail flips: 2 regressions vs 1 fix, p = 1.00 (two-sided)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('No significant difference: 2 regressions vs 1 fix, p = 1.00');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('says there is nothing to compare without common cases', () => {
    const text = renderComparison(compareDigests(a, run('other', { z: 'P' })), theme);
    expect(text).toContain('Only in A (4)');
    expect(text).toContain('Only in B (1)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Nothing to compare: A and B have no case in common (4 only in A, 1 only in B).');
  });

  it('prints one row per run against a baseline', () => {
    const text = renderMultiComparison(a.info, [compareDigests(a, b), compareDigests(a, a)], theme);
    expect(text).toContain('Comparing 2 runs with the baseline');
    expect(text).toMatch(/│ a-run │ .*│ baseline/);
    expect(text).toMatch(/b-run .*-25\.0 pp .* 2 .* 1 .* 1\.00 .*not significant/);
    expect(text).toMatch(/a-run .* same run/);
  });
});

describe('Markdown', () => {
  it('escapes table cells and code spans', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c');
    expect(code('x`y')).toBe('`` x`y ``');
    expect(code('plain')).toBe('`plain`');
  });

  it('makes a pull-request comment: verdict, runs, metrics, transitions, regressions, config and statistics', () => {
    const md = comparisonMarkdown(compareDigests(a, b));
    expect(md.split('\n')[0]).toBe('### ⚪ No significant difference: 2 regressions vs 1 fix, p = 1.00');
    expect(md).toContain('| Pass rate | 75.00% | 50.00% | **-25.00 pp**');
    expect(md).toContain('| passed → error | 1 |');
    expect(md).toContain('<details open><summary>2 regressions (passed in A, not in B)</summary>');
    expect(md).toContain('| `c2` | passed → error | k\\|pipe, two |');
    expect(md).toContain('| `model` | `perfect` | `flakey` |');
    expect(md).toContain('**Statistics** over 4 paired cases: McNemar exact test on pass/fail flips: 2 vs 1, p = 1.00 (two-sided)');
    expect(multiComparisonMarkdown(a.info, [compareDigests(a, b)])).toContain('| `b-run` | 4 | 50.00% | -25.00 pp |');
  });
});

describe('gate reports', () => {
  const comparison = compareDigests(a, b, { maxRows: 0 });
  const result = applyGateRules(b, { minPassRate: 0.75, maxRegressions: 0, maxCost: 1 }, comparison);

  it('prints each rule and, when it failed, why', () => {
    const text = renderGate(result, theme, { compareHint: 'tagliots compare a b' });
    expect(text).toMatch(/FAIL\s+│ pass rate\s+│ 50\.00% \(2\/4\)\s+│ ≥ 75\.00%/);
    expect(text).toMatch(/SKIP\s+│ cost/);
    expect(text).toContain('Gate failed: 2 of 5 rules failed.');
    expect(text).toMatch(/✗ regressions: 2 cases passed in the baseline and not in this run, more than the maximum 0\n\s+x<&>\s+passed => failed\n\s+c2\s+passed => error/);
    expect(gateMarkdown(result)).toContain('| ❌ | pass rate | 50.00% (2/4) | ≥ 75.00% |');
    expect(renderGate(applyGateRules(a, {}), theme)).toContain('Gate passed: the rule holds.');
  });

  it('writes JUnit XML: a testcase per rule and, optionally, per case, escaped', () => {
    expect(xml(`a<b>&"c'\n\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#10;');
    const junit = gateJunit(result, { cases: b });
    expect(junit.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tagliots gate" tests="9" failures="3" errors="1" skipped="1">')).toBe(true);
    expect(junit).toContain('<testcase classname="tagliots.gate.min-pass-rate" name="pass rate: ≥ 75.00%">');
    expect(junit).toContain('<failure type="min-pass-rate" message="the pass rate 50.00% (2/4) is below the minimum 75.00%">');
    expect(junit).toContain('<skipped message="the run log records no cost (the models used report none)"/>');
    expect(junit).toContain('<testcase classname="tagliots.case" name="x&lt;&amp;&gt;" time="0.002000">');
    expect(junit).toContain('<error type="error" message="the case errored or was cancelled"/>');
    expect(gateJunit(result)).not.toContain('tagliots.case');
  });
});
