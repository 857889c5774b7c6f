/**
 * Statistical validation of the significance rule of the gate (`--alpha`: one-sided exact McNemar
 * on paired pass/fail flips), on simulated pairs of runs, in-process and seeded.
 *
 * The simulation is meant to look like real evaluation suites, where outcomes are strongly
 * correlated per case: each of the 300 cases has its own pass probability (60% easy cases at 0.97,
 * 20% hard ones at 0.05, 20% borderline ones uniform in 0.2–0.9; mean 0.70), and the outcomes of
 * runs A and B are drawn independently per case from those probabilities.
 *
 * - A/A: B has the same per-case probabilities as A. Any gate failure is a false positive.
 * - Planted drop: B's change breaks a random 15.8% of the cases, whose pass probability falls to a
 *   tenth of A's; in expectation the pass rate drops by 10 percentage points (0.70 → 0.60).
 * - Uniform drop (reported, and held to the same bar): every case keeps 85.8% of its pass
 *   probability, again 10 points in expectation, spread thinly over all cases.
 *
 * The comparisons skip the bootstrap intervals (resamples: 0): the gate's decision uses McNemar only.
 */
import { describe, expect, it } from 'vitest';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { compareDigests, createDigestBuilder, type RunDigest } from './compare.ts';
import { applyGateRules } from './gate.ts';
import { createRandom, type Random } from './stats.ts';

const CASES = 300;
const SIMULATIONS = 1000;
const ALPHA = 0.05;

function header(runId: string): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId,
    startedAt: '2026-01-01T00:00:00.000Z',
    command: [],
    cwd: '/sim',
    pipeline: { name: 'sim', description: '', stages: [{ name: 'judge', inputs: [] }], columns: [], hasPassed: true, hasScore: false },
    config: {},
    deltas: [],
    suite: { path: 'sim.json', format: 'json', sha256: 'sim', count: CASES },
    git: null,
    versions: { tagliots: 'test', node: 'test' },
    platform: 'test',
    concurrency: 1,
    parentRunId: null,
  };
}

const END: RunEndRecord = {
  type: 'run.end',
  status: 'completed',
  endedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  counts: { total: CASES, complete: CASES, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 },
};

function run(runId: string, probabilities: Float64Array, random: Random): RunDigest {
  const builder = createDigestBuilder(header(runId));
  for (let i = 0; i < CASES; i++) {
    const passed = random() < probabilities[i]!;
    builder.add({
      type: 'case',
      caseId: `case-${i}`,
      index: i,
      status: 'complete',
      passed,
      score: null,
      case: { id: `case-${i}` },
      stages: {},
      stageRecords: {},
      error: null,
      startMs: 0,
      endMs: 1,
      durationMs: 1,
    } satisfies CaseRecord);
  }
  return builder.finish(END, { path: `${runId}.jsonl` });
}

function difficulties(random: Random): Float64Array {
  return Float64Array.from({ length: CASES }, () => {
    const kind = random();
    if (kind < 0.6) return 0.97;
    if (kind < 0.8) return 0.05;
    return 0.2 + 0.7 * random();
  });
}

const MEAN_P = 0.6 * 0.97 + 0.2 * 0.05 + 0.2 * 0.55;
const BROKEN_SHARE = 0.1 / (0.9 * MEAN_P);
const KEPT_SHARE = 1 - 0.1 / MEAN_P;

type Scenario = 'A/A' | 'planted drop' | 'uniform drop';

/** The share of simulated pairs in which `gate --baseline A --alpha 0.05` fails B. */
function failureRate(scenario: Scenario, seed: number): { rate: number; meanDrop: number } {
  const random = createRandom(seed);
  let failures = 0;
  let drop = 0;
  for (let s = 0; s < SIMULATIONS; s++) {
    const p = difficulties(random);
    const q =
      scenario === 'A/A' ? p : scenario === 'planted drop' ? p.map((x) => (random() < BROKEN_SHARE ? x / 10 : x)) : p.map((x) => x * KEPT_SHARE);
    const a = run('a', p, random);
    const b = run('b', q, random);
    const comparison = compareDigests(a, b, { maxRows: 0, resamples: 0 });
    const gate = applyGateRules(b, { alpha: ALPHA }, comparison);
    if (!gate.passed) failures++;
    drop += comparison.passRate.delta!;
  }
  return { rate: failures / SIMULATIONS, meanDrop: -drop / SIMULATIONS };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

describe(`gate --alpha ${ALPHA} on ${SIMULATIONS} simulated pairs of ${CASES}-case runs`, () => {
  const aa = failureRate('A/A', 101);
  const planted = failureRate('planted drop', 202);
  const uniform = failureRate('uniform drop', 303);
  console.log(
    `gate simulation: false positives (A/A) ${pct(aa.rate)}; power, planted 10-point drop ${pct(planted.rate)} (measured drop ${pct(planted.meanDrop)}); power, uniform 10-point drop ${pct(uniform.rate)} (measured drop ${pct(uniform.meanDrop)})`,
  );

  it(`fails at most 6% of A/A pairs (measured: ${pct(aa.rate)})`, () => {
    expect(aa.rate).toBeLessThanOrEqual(0.06);
    expect(aa.meanDrop).toBeCloseTo(0, 2);
  });

  it(`catches a planted 10-point drop in at least 95% of pairs (measured: ${pct(planted.rate)})`, () => {
    expect(planted.meanDrop).toBeGreaterThan(0.09);
    expect(planted.meanDrop).toBeLessThan(0.11);
    expect(planted.rate).toBeGreaterThanOrEqual(0.95);
  });

  it(`catches a uniform 10-point drop in at least 95% of pairs (measured: ${pct(uniform.rate)})`, () => {
    expect(uniform.meanDrop).toBeGreaterThan(0.09);
    expect(uniform.meanDrop).toBeLessThan(0.11);
    expect(uniform.rate).toBeGreaterThanOrEqual(0.95);
  });
});
