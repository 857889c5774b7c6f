import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { compareDigests, createDigestBuilder, type RunDigest } from './compare.ts';
import { applyGateRules, needsBaseline } from './gate.ts';

function header(runId: string, count: number): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId,
    startedAt: '2026-01-01T00:00:00.000Z',
    command: [],
    cwd: '/p',
    pipeline: { name: 'calc', description: '', stages: [], columns: [], hasPassed: true, hasScore: false },
    config: {},
    deltas: [],
    suite: { path: 's.json', format: 'json', sha256: 'x', count },
    git: null,
    versions: { tagliots: 't', node: 't' },
    platform: 't',
    concurrency: 1,
    parentRunId: null,
  };
}

const rec = (caseId: string, outcome: 'P' | 'F' | 'E', keywords: string[] = [], costUsd?: number): CaseRecord => ({
  type: 'case',
  caseId,
  index: Number(caseId.replace(/\D/g, '')) || 0,
  status: outcome === 'E' ? 'error' : 'complete',
  passed: outcome === 'E' ? null : outcome === 'P',
  score: null,
  case: { id: caseId, keywords },
  stages: {},
  stageRecords: {},
  error: null,
  startMs: 0,
  endMs: 1,
  durationMs: 1,
  ...(costUsd !== undefined && { costUsd }),
});

const END = (status: RunEndRecord['status'] = 'completed'): RunEndRecord => ({
  type: 'run.end',
  status,
  endedAt: 'x',
  durationMs: 1,
  counts: { total: 0, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 },
});

function run(runId: string, records: CaseRecord[], options: { count?: number; end?: RunEndRecord | null } = {}): RunDigest {
  const builder = createDigestBuilder(header(runId, options.count ?? records.length));
  records.forEach((r) => builder.add(r));
  return builder.finish(options.end === undefined ? END() : options.end, { path: `${runId}.jsonl` });
}

describe('applyGateRules', () => {
  const baseline = run('base', [rec('c1', 'P', ['p0']), rec('c2', 'P', ['p0']), rec('c3', 'P'), rec('c4', 'F'), rec('c5', 'P')]);
  const current = run('cur', [rec('c1', 'P', ['p0'], 0.5), rec('c2', 'E', ['p0'], 0.25), rec('c3', 'F', [], 1), rec('c4', 'P'), rec('c5', 'P')]);

  it('passes a complete run with no rules', () => {
    const result = applyGateRules(current, {});
    expect(result.passed).toBe(true);
    expect(result.rules.map((r) => [r.id, r.status, r.measured])).toEqual([['complete', 'pass', 'completed, 5/5 cases']]);
  });

  it('reports each rule with the measured value and the threshold', () => {
    const comparison = compareDigests(baseline, current, { maxRows: 0 });
    const result = applyGateRules(current, { minPassRate: 0.9, maxRegressions: 0, alpha: 0.05, maxCost: 1.5, require: ['p0'] }, comparison);
    expect(result.passed).toBe(false);
    expect(result.failed).toBe(4);
    expect(result.rules.map((r) => ({ id: r.id, status: r.status, measured: r.measured, threshold: r.threshold }))).toEqual([
      { id: 'complete', status: 'pass', measured: 'completed, 5/5 cases', threshold: 'completed' },
      { id: 'baseline', status: 'pass', measured: '5 common cases', threshold: '≥ 1' },
      { id: 'min-pass-rate', status: 'fail', measured: '60.00% (3/5)', threshold: '≥ 90.00%' },
      { id: 'max-regressions', status: 'fail', measured: '2 (1 fixes)', threshold: '≤ 0' },
      { id: 'alpha', status: 'pass', measured: 'p = 0.50 (2 regressions, 1 fixes)', threshold: 'p ≥ 0.05, one-sided' },
      { id: 'max-cost', status: 'fail', measured: '$1.75', threshold: '≤ $1.50' },
      { id: 'require', status: 'fail', measured: '1/2 passed', threshold: 'all pass' },
    ]);
    const regressions = result.rules.find((r) => r.id === 'max-regressions')!;
    expect(regressions.cases!.map((c) => `${c.caseId} ${c.from}>${c.outcome}`)).toEqual(['c3 passed>failed', 'c2 passed>error']);
    expect(result.rules.find((r) => r.id === 'require')!.cases!.map((c) => c.caseId)).toEqual(['c2']);
    expect(result.rules.find((r) => r.id === 'min-pass-rate')!.reason).toBe('the pass rate 60.00% (3/5) is below the minimum 90.00%');
  });

  it('fails on a significant drop, one-sided', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const a = run('a', ids.map((id) => rec(id, 'P')));
    const b = run('b', ids.map((id, i) => rec(id, i < 8 ? 'F' : 'P')));
    const gate = applyGateRules(b, { alpha: 0.05 }, compareDigests(a, b));
    const rule = gate.rules.find((r) => r.id === 'alpha')!;
    expect(rule.status).toBe('fail');
    expect(rule.value).toBeCloseTo(1 / 256, 12);
    // The same flips the other way are an improvement: the one-sided rule passes.
    expect(applyGateRules(a, { alpha: 0.05 }, compareDigests(b, a)).passed).toBe(true);
  });

  it('fails an interrupted or incomplete run unless it is allowed', () => {
    const interrupted = run('i', [rec('c1', 'P')], { count: 3, end: END('interrupted') });
    const result = applyGateRules(interrupted, {});
    expect(result.passed).toBe(false);
    expect(result.rules[0]).toMatchObject({ id: 'complete', status: 'fail', measured: 'interrupted (2 of 3 cases not run)' });
    expect(applyGateRules(interrupted, { allowIncomplete: true }).rules[0]!.status).toBe('skip');
    expect(applyGateRules(interrupted, { allowIncomplete: true }).passed).toBe(true);
    const incomplete = run('n', [rec('c1', 'P')], { end: null });
    expect(applyGateRules(incomplete, {}).rules[0]!.measured).toMatch(/^incomplete \(no run.end/);
    // Cases not run count against the pass rate.
    expect(applyGateRules(interrupted, { minPassRate: 0.5, allowIncomplete: true }).rules[1]).toMatchObject({ status: 'fail', measured: '33.33% (1/3)' });
  });

  it('skips what it cannot check, and fails what cannot pass', () => {
    const noCost = run('x', [rec('c1', 'P')]);
    expect(applyGateRules(noCost, { maxCost: 1 }).rules[1]).toMatchObject({ id: 'max-cost', status: 'skip', measured: 'not recorded' });
    expect(applyGateRules(noCost, { require: ['nothing-has-this'] }).rules[1]).toMatchObject({ status: 'skip', measured: 'no matching case' });
    const other = run('o', [rec('zz', 'P')]);
    const result = applyGateRules(noCost, { maxRegressions: 0 }, compareDigests(other, noCost));
    expect(result.rules[1]).toMatchObject({ id: 'baseline', status: 'fail', measured: '0 common cases' });
    expect(result.passed).toBe(false);
  });

  it('knows which rules need a baseline', () => {
    expect(needsBaseline({ minPassRate: 1 })).toBe(false);
    expect(needsBaseline({ maxRegressions: 0 })).toBe(true);
    expect(needsBaseline({ alpha: 0.05 })).toBe(true);
  });
});
