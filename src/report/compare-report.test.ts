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
    const unwrapped = text.replace(/\n {4}/g, ' ');
    expect(unwrapped).toContain("  Pass rate B − A: -25.0 pp (95% CI -77.8 to 50.5 pp), 2 regressions vs 1 fix; p(worse) = 0.50, p(better) = 0.88 (McNemar's exact test, Tango's score interval).");
    expect(unwrapped).toContain('  With 4 cases and 75% of them flipping, this comparison cannot tell any drop from noise (80% power, one-sided at α = 0.025).');
    expect(text).toMatch(/│ k\|pipe\s+│\s+4 │ .* │\s+1\.00 │ noise │/);
    const verdict = compareDigests(a, b).verdict.text;
    expect(verdict).toBe(
      'No significant difference: pass rate -25.0 pp (95% CI -77.8 to 50.5 pp), 2 regressions vs 1 fix, p = 0.50 (one-sided); mean score -0.25 (95% CI -0.999 to +0.999), 2 cases lower vs 1 higher, p = 0.50 (one-sided)',
    );
    // The verdict ends the text, wrapped to the terminal.
    expect(text.trimEnd().split('\n\n').at(-1)!.replace(/\n {2}/g, ' ')).toBe(verdict);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('says there is nothing to compare without common cases', () => {
    const text = renderComparison(compareDigests(a, run('other', { z: 'P' })), theme);
    expect(text).toContain('Only in A (4)');
    expect(text).toContain('Only in B (1)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Nothing to compare: A and B have no case in common (4 only in A, 1 only in B).');
  });

  it('prints one row per run against a baseline', () => {
    const text = renderMultiComparison(a.info, [compareDigests(a, b, { family: 2 }), compareDigests(a, a, { family: 2 })], theme);
    expect(text).toContain('Comparing 2 runs with the baseline');
    expect(text).toMatch(/│ a-run │ .*│ baseline/);
    expect(text).toMatch(/b-run .*-25\.0 pp .* -8\d\.\d to 5\d\.\d .* 2 .* 1 .* 0\.50 .*not significant/);
    expect(text.replace(/\n/g, ' ')).toContain('split over 4 tests (Bonferroni: 2 runs × 2 metrics)');
    expect(text).toMatch(/│ run\s+│ pass rate │\s+Δ │ 97\.5% CI/);
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
    expect(md.split('\n')[0]).toMatch(/^### ⚪ No significant difference: pass rate -25\.0 pp \(95% CI -77\.8 to 50\.5 pp\), 2 regressions vs 1 fix, p = 0\.50 \(one-sided\); mean score /);
    expect(md).toContain('| Pass rate | 75.00% | 50.00% | **-25.00 pp** (95% CI -77.8 to 50.5 pp) |');
    expect(md).toContain('| passed → error | 1 |');
    expect(md).toContain('<details open><summary>2 regressions (passed in A, not in B)</summary>');
    expect(md).toContain('| `c2` | passed → error | k\\|pipe, two |');
    expect(md).toContain('| `model` | `perfect` | `flakey` |');
    expect(md).toContain('- Over 4 cases: "worse" and "better" each one-sided at α = 0.05, split over 2 tests (Bonferroni: each at 0.025).');
    expect(md).toContain('| k\\|pipe | 4 | 75.00% | 50.00% | 2 | 1 | 1.00 | noise |');
    expect(multiComparisonMarkdown(a.info, [compareDigests(a, b)])).toContain('| `b-run` | 4 | 50.00% | -25.0 pp | -77.8 to 50.5 | 2 | 1 | 0.50 |');
  });
});

describe('gate reports', () => {
  const comparison = compareDigests(a, b, { maxRows: 0 });
  const result = applyGateRules(b, { minPassRate: 0.75, maxRegressions: 0, maxCost: 1 }, comparison);

  it('prints each rule and, when it failed, why', () => {
    const text = renderGate(result, theme, { compareHint: 'tagliots compare a b' });
    expect(text).toMatch(/FAIL\s+│ pass rate\s+│ 50\.00% \(2\/4\)\s+│ ≥ 75\.00%/);
    expect(text).toMatch(/SKIP\s+│ cost/);
    expect(text).toContain('Gate failed: 2 of 8 rules (pass rate, regressions) failed.');
    expect(text).toMatch(/PASS\s+│ pass rate: no significant drop\s+│ -25\.0 pp, p = 0\.50 \(2 regressions vs 1 fix\)\s+│ p ≥ 0\.025, one-sided/);
    expect(text).toContain('Over 4 cases: "worse" and "better" each one-sided at α = 0.05, split over 2 tests (Bonferroni: each at 0.025).');
    // The comparison the gate stands on, in compare's words, and what it could have detected.
    expect(text).toContain(`Comparison: ${comparison.verdict.text}`);
    expect(text).toContain('With 4 cases and 75% of them flipping, this comparison cannot tell any drop from noise');
    expect(text).toMatch(/✗ regressions: 2 cases passed in the baseline and not in this run, more than the maximum 0\n\s+x<&>\s+passed => failed\n\s+c2\s+passed => error/);
    expect(gateMarkdown(result)).toContain('| ❌ | pass rate | 50.00% (2/4) | ≥ 75.00% |');
    expect(gateMarkdown(result).split('\n')[0]).toBe('### ❌ Gate failed: 2 of 8 rules (pass rate, regressions)');
    expect(renderGate(applyGateRules(a, {}), theme)).toContain('Gate passed: all 3 rules hold.');
  });

  it('writes JUnit XML: a testcase per rule and, optionally, per case, escaped', () => {
    expect(xml(`a<b>&"c'\n\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#10;');
    const junit = gateJunit(result, { cases: b });
    expect(junit.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tagliots gate" tests="12" failures="3" errors="1" skipped="1">')).toBe(true);
    expect(junit).toContain('<testcase classname="tagliots.gate.min-pass-rate" name="pass rate: ≥ 75.00%">');
    expect(junit).toContain('<failure type="min-pass-rate" message="the pass rate 50.00% (2/4) is below the minimum 75.00%">');
    expect(junit).toContain('<skipped message="the run log records no cost (the models used report none)"/>');
    expect(junit).toContain('<testcase classname="tagliots.case" name="x&lt;&amp;&gt;" time="0.002000">');
    expect(junit).toContain('<error type="error" message="a stage of the pipeline failed"/>');
    expect(gateJunit(result)).not.toContain('tagliots.case');
  });
});
