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

  it('checks completeness, coverage and infrastructure errors with no rule given', () => {
    const result = applyGateRules(current, {});
    expect(result.passed).toBe(true);
    expect(result.rules.map((r) => [r.id, r.status, r.measured])).toEqual([
      ['complete', 'pass', 'completed, 5/5 cases'],
      ['coverage', 'pass', '5/5 records'],
      ['infra-errors', 'pass', '0.00% (0/5)'],
    ]);
  });

  it('applies the significance rule by default with a baseline, and reports each rule with the measured value and the threshold', () => {
    const comparison = compareDigests(baseline, current, { maxRows: 0 });
    const result = applyGateRules(current, { minPassRate: 0.9, maxRegressions: 0, maxCost: 1.5, require: ['p0'] }, comparison);
    expect(result.passed).toBe(false);
    expect(result.failed).toBe(4);
    expect(result.rules.map((r) => ({ id: r.id, status: r.status, measured: r.measured, threshold: r.threshold }))).toEqual([
      { id: 'complete', status: 'pass', measured: 'completed, 5/5 cases', threshold: 'completed' },
      { id: 'coverage', status: 'pass', measured: '5 records in both', threshold: 'same cases, repeats and shards' },
      { id: 'infra-errors', status: 'pass', measured: 'run 0.00% (0/5), baseline 0.00% (0/5)', threshold: '≤ 2.00% in each' },
      { id: 'significance', status: 'pass', measured: '-20.0 pp, p = 0.50 (2 regressions vs 1 fix)', threshold: 'p ≥ 0.05, one-sided' },
      { id: 'min-pass-rate', status: 'fail', measured: '60.00% (3/5)', threshold: '≥ 90.00%' },
      { id: 'max-regressions', status: 'fail', measured: '2 (1 fixes)', threshold: '≤ 0' },
      { id: 'max-cost', status: 'fail', measured: '$1.75', threshold: '≤ $1.50' },
      { id: 'require', status: 'fail', measured: '1/2 passed', threshold: 'all pass' },
    ]);
    const regressions = result.rules.find((r) => r.id === 'max-regressions')!;
    expect(regressions.cases!.map((c) => `${c.caseId} ${c.from}>${c.outcome}`)).toEqual(['c3 passed>failed', 'c2 passed>error']);
    expect(result.rules.find((r) => r.id === 'require')!.cases!.map((c) => c.caseId)).toEqual(['c2']);
  });

  it('fails on a significant drop, one-sided, with the words of compare', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const a = run('a', ids.map((id) => rec(id, 'P')));
    const b = run('b', ids.map((id, i) => rec(id, i < 8 ? 'F' : 'P')));
    const comparison = compareDigests(a, b);
    const gate = applyGateRules(b, {}, comparison);
    const rule = gate.rules.find((r) => r.id === 'significance')!;
    expect(rule.status).toBe('fail');
    expect(rule.value).toBeCloseTo(1 / 256, 12);
    expect(comparison.verdict.kind).toBe('worse');
    expect(rule.reason).toBe(`${comparison.verdict.text}, below 0.05`);
    // The same flips the other way are an improvement: the one-sided rule passes.
    expect(applyGateRules(a, {}, compareDigests(b, a)).passed).toBe(true);
  });

  it('fails when cases are missing on either side, naming how many and the first ids, unless --allow-missing', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const a = run('a', ids.map((id) => rec(id, 'P')));
    const b = run('b', ids.slice(0, 249).map((id) => rec(id, 'P')));
    const result = applyGateRules(b, {}, compareDigests(a, b));
    const coverage = result.rules.find((r) => r.id === 'coverage')!;
    expect(coverage).toMatchObject({ status: 'fail', measured: '51 missing', value: 51 });
    expect(coverage.reason).toMatch(/^51 cases of the baseline are missing from the run \(c249, c250, c251, c252, c253, … and 46 more\)/);
    expect(result.passed).toBe(false);
    const allowed = applyGateRules(b, { allowMissing: true }, compareDigests(a, b));
    expect(allowed.rules.find((r) => r.id === 'coverage')!.status).toBe('skip');
    expect(allowed.passed).toBe(true);
  });

  it('fails on different repeat counts, and on shards missing from a merged log', () => {
    const a = run('a', [rec('c1', 'P')]);
    const repeated = createDigestBuilder({ ...header('b', 1), repeat: 2 });
    repeated.add(rec('c1', 'P'));
    repeated.add({ ...rec('c1', 'P'), repeat: 1 });
    const b = repeated.finish(END(), { path: 'b.jsonl' });
    expect(applyGateRules(b, {}, compareDigests(a, b)).rules.find((r) => r.id === 'coverage')!.reason).toContain('the runs repeat each case a different number of times (baseline 1, run 2)');
    const merged = createDigestBuilder({ ...header('m', 1), mergedFrom: ['s1', 's2', 's3'], shards: { count: 4, merged: [1, 2, 3] } });
    merged.add(rec('c1', 'P'));
    const coverage = applyGateRules(merged.finish(END(), { path: 'm.jsonl' }), {}).rules.find((r) => r.id === 'coverage')!;
    expect(coverage).toMatchObject({ status: 'fail', measured: 'run: shard 4/4 missing' });
    expect(coverage.reason).toMatch(/^shard 4\/4 is missing from the merged run \(3 of 4 merged\)/);
  });

  it('fails on more than 2% infrastructure errors as incomplete evidence, and says to rerun them', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `c${i}`);
    const cancelled = (id: string): CaseRecord => ({ ...rec(id, 'E'), status: 'cancelled' });
    const a = run('a', ids.map((id) => rec(id, 'P')));
    const b = run('b', ids.map((id, i) => (i < 5 ? cancelled(id) : rec(id, 'P'))));
    const result = applyGateRules(b, {}, compareDigests(a, b));
    const rule = result.rules.find((r) => r.id === 'infra-errors')!;
    expect(rule).toMatchObject({ status: 'fail', measured: 'run 5.00% (5/100), baseline 0.00% (0/100)', threshold: '≤ 2.00% in each' });
    expect(rule.reason).toContain('incomplete evidence: 5 of 100 records of the run (5.00%) ended in infrastructure errors');
    expect(rule.reason).toContain('tagliots rerun b --only errored');
    // They are not regressions: the significance rule holds.
    expect(result.rules.find((r) => r.id === 'significance')).toMatchObject({ status: 'pass', measured: '0.0 pp, p = 1.00 (0 regressions vs 0 fixes)' });
    expect(applyGateRules(b, { maxInfraErrors: 0.05 }, compareDigests(a, b)).passed).toBe(true);
  });

  it('gates "not worse by more than a margin" on the one-sided bound', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `c${i}`);
    const a = run('a', ids.map((id, i) => rec(id, i % 10 < 7 ? 'P' : 'F')));
    // One case in 100 flips each way: no change on average, and 400 cases pin it down.
    const b = run('b', ids.map((id, i) => rec(id, (i % 10 < 7) !== (i % 100 === 0 || i % 100 === 7) ? 'P' : 'F')));
    const comparison = compareDigests(a, b);
    const wide = applyGateRules(b, { margin: 0.05 }, comparison);
    expect(wide.rules.map((r) => r.id)).toEqual(['complete', 'coverage', 'infra-errors', 'margin']);
    expect(wide.rules[3]).toMatchObject({ status: 'pass', name: 'pass rate: not worse by more than 5.0 pp', threshold: 'lower bound > -5.0 pp' });
    const tight = applyGateRules(b, { margin: 0.005 }, comparison).rules[3]!;
    expect(tight.status).toBe('fail');
    expect(tight.reason).toMatch(/^the pass rate may be lower than the baseline's by up to \d\.\d pp \(one-sided 95% bound; observed 0\.0 pp over 400 cases\)/);
  });

  it('gates a pipeline without passed() on its mean score', () => {
    const scoreOnly = (runId: string, score: (i: number) => number) => {
      const builder = createDigestBuilder({ ...header(runId, 50), pipeline: { name: 'calc', description: '', stages: [], columns: [], hasPassed: false, hasScore: true } });
      for (let i = 0; i < 50; i++) builder.add({ ...rec(`c${i}`, 'P'), passed: null, score: score(i) });
      return builder.finish(END(), { path: `${runId}.jsonl` });
    };
    const a = scoreOnly('a', () => 0.9);
    const b = scoreOnly('b', (i) => (i % 2 ? 0.4 : 0.5));
    const result = applyGateRules(b, {}, compareDigests(a, b));
    expect(result.rules.find((r) => r.id === 'significance')).toMatchObject({ name: 'mean score: no significant drop', status: 'fail' });
    expect(applyGateRules(b, { maxScoreDrop: 0.6 }, compareDigests(a, b)).rules.find((r) => r.id === 'max-score-drop')!.status).toBe('pass');
    expect(applyGateRules(b, { maxScoreDrop: 0.1 }, compareDigests(a, b)).rules.find((r) => r.id === 'max-score-drop')!.status).toBe('fail');
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
    expect(applyGateRules(interrupted, { minPassRate: 0.5, allowIncomplete: true }).rules.find((r) => r.id === 'min-pass-rate')).toMatchObject({ status: 'fail', measured: '33.33% (1/3)' });
  });

  it('fails a completed log that lacks records', () => {
    const truncated = run('t', [rec('c1', 'P')], { count: 3 });
    expect(applyGateRules(truncated, {}).rules.find((r) => r.id === 'coverage')).toMatchObject({ status: 'fail', measured: '2 records missing' });
  });

  it('skips what it cannot check, and fails what cannot pass', () => {
    const noCost = run('x', [rec('c1', 'P')]);
    expect(applyGateRules(noCost, { maxCost: 1 }).rules.find((r) => r.id === 'max-cost')).toMatchObject({ status: 'skip', measured: 'not recorded' });
    expect(applyGateRules(noCost, { require: ['nothing-has-this'] }).rules.find((r) => r.id === 'require')).toMatchObject({ status: 'skip', measured: 'no matching case' });
    const other = run('o', [rec('zz', 'P')]);
    const result = applyGateRules(noCost, { allowMissing: true }, compareDigests(other, noCost));
    expect(result.rules.find((r) => r.id === 'coverage')).toMatchObject({ status: 'fail', measured: '1 missing, 1 not in the baseline' });
    expect(result.rules.find((r) => r.id === 'significance')).toMatchObject({ status: 'fail', measured: 'nothing to test' });
    expect(result.passed).toBe(false);
  });

  it('knows which rules need a baseline', () => {
    expect(needsBaseline({ minPassRate: 1, allowMissing: true, maxInfraErrors: 0.1 })).toBe(false);
    for (const rules of [{ maxRegressions: 0 }, { alpha: 0.05 }, { margin: 0.02 }, { maxScoreDrop: 0.1 }]) expect(needsBaseline(rules)).toBe(true);
  });
});
