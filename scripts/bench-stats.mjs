#!/usr/bin/env node
// How often the default gate fails, on simulated pairs of runs: false failures when nothing
// changed, power when something did. It runs the real statistics code (src/analysis: the digest of
// a run, compareDigests and applyGateRules with the default rules), bundled from the sources, not
// the CLI for every pair, which would take hours. Every figure is a share of pairs, with its 95%
// Wilson interval. Seeded: the same command prints the same figures. See docs/statistics.md.
//
//   node scripts/bench-stats.mjs            every scenario (a few minutes)
//   node scripts/bench-stats.mjs --quick    a tenth of the pairs, to try a change
//   node scripts/bench-stats.mjs --json     the figures as JSON
//   node scripts/bench-stats.mjs --only repeats   the scenarios whose name contains the text
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] ?? '' : null;

async function loadAnalysis() {
  const result = await build({
    stdin: {
      contents: [
        "export { compareDigests, createDigestBuilder } from './src/analysis/compare.ts';",
        "export { applyGateRules } from './src/analysis/gate.ts';",
        "export { createRandom } from './src/analysis/stats.ts';",
      ].join('\n'),
      resolveDir: root,
      sourcefile: 'bench-stats-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
}

const { compareDigests, createDigestBuilder, applyGateRules, createRandom } = await loadAnalysis();

// ── random numbers ────────────────────────────────────────────────────────────────────────────

function normal(random) {
  // Box–Muller.
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, 1): Marsaglia and Tsang, with the boost for shape < 1. */
function gamma(shape, random) {
  if (shape < 1) return gamma(shape + 1, random) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x;
    let v;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function beta(a, b, random) {
  const x = gamma(a, random);
  return x / (x + gamma(b, random));
}

// ── simulated runs ────────────────────────────────────────────────────────────────────────────

/** Per-case pass probabilities: Beta(0.7, 0.3), mean 0.7, most cases easy or hard, some in between. */
const difficulties = (n, random) => Float64Array.from({ length: n }, () => beta(0.7, 0.3, random));
const MEAN_P = 0.7;

function header(runId, cases, { repeat = 1, hasPassed = true, hasScore = false, shards } = {}) {
  return {
    type: 'run.start',
    v: 1,
    runId,
    startedAt: '2026-01-01T00:00:00.000Z',
    command: [],
    cwd: '/sim',
    pipeline: { name: 'sim', description: '', stages: [{ name: 'judge', inputs: [] }], columns: [], hasPassed, hasScore },
    config: {},
    deltas: [],
    suite: { path: 'sim.json', format: 'json', sha256: 'sim', count: cases },
    git: null,
    versions: { tagliots: 'bench', node: process.version },
    platform: process.platform,
    concurrency: 1,
    parentRunId: null,
    ...(repeat > 1 && { repeat }),
    ...(shards && { mergedFrom: shards.merged.map(String), shards }),
  };
}

const END = { type: 'run.end', status: 'completed', endedAt: '2026-01-01T00:00:01.000Z', durationMs: 1000, counts: { total: 0, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 } };

/** A failed model call after its retries: what the log records for an infrastructure error. */
const INFRA = {
  status: 'error',
  passed: null,
  score: null,
  stageRecords: {
    judge: {
      status: 'error',
      calls: [{ profile: 'm', model: 'm', provider: 'openai', status: 'error', cache: 'off', attempts: [{ attempt: 4, rateLimitWaitMs: 0, backoffMs: 0, durationMs: 1, status: 503, outcome: 'error' }], waitedMs: 0, rateLimitWaitMs: 0, durationMs: 1 }],
    },
  },
  error: { name: 'ModelError', message: 'gave up after 4 attempts', code: 'E_MODEL_RETRIES', stage: 'judge', context: [] },
};

/**
 * One run: `outcome(i, r)` is, for case i and repeat r, true/false (passed), a number (a score),
 * or 'infra'. `keep(i)` leaves cases out (a run that misses cases).
 */
function simulateRun(runId, n, outcome, options = {}) {
  const repeat = options.repeat ?? 1;
  const builder = createDigestBuilder(header(runId, n, options));
  for (let i = 0; i < n; i++) {
    if (options.keep && !options.keep(i)) continue;
    for (let r = 0; r < repeat; r++) {
      const o = outcome(i, r);
      const base = { type: 'case', caseId: `case-${i}`, index: i, case: { id: `case-${i}`, keywords: [`k${i % 20}`] }, stages: {}, startMs: 0, endMs: 1, durationMs: 1, ...(r > 0 && { repeat: r }) };
      if (o === 'infra') builder.add({ ...base, ...INFRA });
      else if (typeof o === 'number') builder.add({ ...base, status: 'complete', passed: null, score: o, stageRecords: {}, error: null });
      else builder.add({ ...base, status: 'complete', passed: o, score: null, stageRecords: {}, error: null });
    }
  }
  return builder.finish(END, { path: `${runId}.jsonl` });
}

/** The default gate, `gate B --baseline A`, and the comparison it stands on. */
function gate(a, b, rules = {}) {
  const comparison = compareDigests(a, b, { maxRows: 0, alpha: rules.alpha ?? 0.05 });
  return { result: applyGateRules(b, rules, comparison), comparison };
}

const failed = (result, id) => result.rules.some((rule) => rule.status === 'fail' && (id === undefined || rule.id === id));

// ── scenarios ─────────────────────────────────────────────────────────────────────────────────

/**
 * A pass-rate drop of `drop` on average that differs from case to case: each case keeps a share
 * 1 − c·v of its pass probability, v uniform on [0, 2], c = drop / 0.7; a drop of 0 with
 * `wobble` moves each case up or down by up to half its distance to 0 or 1, at random, so that
 * the runs agree only on average.
 */
function changed(p, drop, random, wobble = false) {
  return p.map((x) => {
    if (wobble) return x + (random() * 2 - 1) * 0.5 * Math.min(x, 1 - x);
    return x * (1 - (drop / MEAN_P) * 2 * random());
  });
}

const pass = (probabilities, random) => (i) => random() < probabilities[i];

function passScenario({ n, drop = 0, repeat = 1, wobble = false, infraB = 0, infraA = 0, rules = {}, rule }) {
  return (random) => {
    const p = difficulties(n, random);
    const q = drop === 0 && !wobble ? p : changed(p, drop, random, wobble);
    const a = simulateRun('a', n, (i) => (random() < infraA ? 'infra' : random() < p[i]), { repeat });
    const b = simulateRun('b', n, (i) => (random() < infraB ? 'infra' : random() < q[i]), { repeat });
    const { result, comparison } = gate(a, b, rules);
    return { fail: failed(result, rule), drop: -(comparison.passRate.delta ?? 0) };
  };
}

/** Scores: each case has a mean score (Beta(2, 1)); a run adds N(0, 0.15) noise, clipped to [0, 1]. */
function scoreScenario({ n, drop }) {
  return (random) => {
    const mu = Float64Array.from({ length: n }, () => beta(2, 1, random));
    const cut = mu.map(() => drop * 2 * random());
    const clip = (x) => Math.min(1, Math.max(0, x));
    const a = simulateRun('a', n, (i) => clip(mu[i] + 0.15 * normal(random)), { hasPassed: false, hasScore: true });
    const b = simulateRun('b', n, (i) => clip(mu[i] - cut[i] + 0.15 * normal(random)), { hasPassed: false, hasScore: true });
    const { result, comparison } = gate(a, b);
    return { fail: failed(result), drop: -(comparison.score.delta ?? 0) };
  };
}

/** B misses `missing` random cases, or a merged B misses one of four shards. */
function missingScenario({ n, missing, shard = false }) {
  return (random) => {
    const p = difficulties(n, random);
    const a = simulateRun('a', n, pass(p, random));
    const gone = new Set();
    if (!shard) while (gone.size < missing) gone.add(Math.floor(random() * n));
    const keep = shard ? (i) => i % 4 !== 3 : (i) => !gone.has(i);
    const b = simulateRun('b', n, pass(p, random), { keep, ...(shard && { shards: { count: 4, merged: [1, 2, 3] } }) });
    const { result } = gate(a, b);
    return { fail: failed(result, 'coverage'), drop: 0 };
  };
}

/** 20 keywords of 15 cases, unchanged runs: is any keyword row marked, and does any drop by 10 points or more? */
function keywordScenario() {
  return (random) => {
    const p = difficulties(300, random);
    const a = simulateRun('a', 300, pass(p, random));
    const b = simulateRun('b', 300, pass(p, random));
    const { comparison } = gate(a, b);
    return {
      fail: comparison.keywords.some((k) => k.significant !== null),
      raw: comparison.keywords.some((k) => k.passRateB - k.passRateA <= -0.1),
      drop: 0,
    };
  };
}

// ── running them ──────────────────────────────────────────────────────────────────────────────

/** 95% Wilson interval of k successes in n. */
function wilson(k, n) {
  const z = 1.959963984540054;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const scale = quick ? 0.1 : 1;
const pct = (x) => `${(100 * x).toFixed(1)}%`;

function measure(name, pairs, scenario, seed, extra = {}) {
  if (only !== null && !name.includes(only)) return null;
  const random = createRandom(seed);
  const count = Math.max(20, Math.round(pairs * scale));
  let fails = 0;
  let raw = 0;
  let drop = 0;
  const started = performance.now();
  for (let s = 0; s < count; s++) {
    const outcome = scenario(random);
    if (outcome.fail) fails++;
    if (outcome.raw) raw++;
    drop += outcome.drop;
  }
  const [low, high] = wilson(fails, count);
  const row = { name, pairs: count, rate: fails / count, low, high, meanDrop: drop / count, seconds: (performance.now() - started) / 1000, ...extra };
  if (raw > 0) row.raw = raw / count;
  if (!json) {
    const target = extra.target ? `  target ${extra.target}` : '';
    console.log(`${name.padEnd(66)} ${String(count).padStart(5)}  ${pct(row.rate).padStart(6)}  [${pct(low)}, ${pct(high)}]  drop ${(100 * row.meanDrop).toFixed(1)}${target}${row.raw !== undefined ? `  (raw ≥ 10-pt keyword drop: ${pct(row.raw)})` : ''}`);
  }
  return row;
}

if (!json) console.log(`${'scenario (gate B --baseline A, default rules)'.padEnd(66)} pairs   fails  95% interval      mean drop (pts)`);
const rows = [
  measure('A/A, 300 cases: false failures', 2000, passScenario({ n: 300 }), 1, { target: '≤ 5% (upper ≤ 6%)' }),
  measure('A/A, 300 cases, case-varying changes that cancel out', 1000, passScenario({ n: 300, wobble: true }), 2, { target: '≤ 5%' }),
  measure('pass rate -5 pts, 300 cases: power', 500, passScenario({ n: 300, drop: 0.05 }), 3),
  measure('pass rate -10 pts, 300 cases: power', 500, passScenario({ n: 300, drop: 0.1 }), 4, { target: '≥ 90%' }),
  measure('pass rate -20 pts, 300 cases: power', 500, passScenario({ n: 300, drop: 0.2 }), 5),
  measure('score -0.1, 300 cases (no passed()): power', 500, scoreScenario({ n: 300, drop: 0.1 }), 6),
  measure('score -0.2, 300 cases (no passed()): power', 500, scoreScenario({ n: 300, drop: 0.2 }), 7, { target: '≥ 95%' }),
  measure('A/A score, 300 cases (no passed()): false failures', 1000, scoreScenario({ n: 300, drop: 0 }), 8, { target: '≤ 5%' }),
  measure('A/A, 300 cases × 3 repeats, changes that cancel out', 2000, passScenario({ n: 300, repeat: 3, wobble: true }), 9, { target: '≤ 5%' }),
  measure('A/A, 24 cases × 3 repeats, changes that cancel out', 1000, passScenario({ n: 24, repeat: 3, wobble: true }), 10, { target: '≤ 5%' }),
  measure('pass rate -10 pts, 300 cases × 3 repeats: power', 500, passScenario({ n: 300, repeat: 3, drop: 0.1 }), 11),
  measure('A/A, 5% infrastructure errors in B: any rule fails', 500, passScenario({ n: 300, infraB: 0.05 }), 12, { target: '100% (rerun them)' }),
  measure('A/A, 5% infrastructure errors in B: significance fails', 1000, passScenario({ n: 300, infraB: 0.05, rule: 'significance' }), 13, { target: '≤ 5%' }),
  measure('-10 pts, 10% infra errors in A (pass later): significance power', 500, passScenario({ n: 300, drop: 0.1, infraA: 0.1, rule: 'significance' }), 14, { target: '≥ 90%' }),
  measure('A/A, 10 cases: false failures', 1000, passScenario({ n: 10 }), 15, { target: '≤ 5%' }),
  measure('pass rate -20 pts, 10 cases: power', 500, passScenario({ n: 10, drop: 0.2 }), 16),
  measure('A/A, 24 cases: false failures', 1000, passScenario({ n: 24 }), 17, { target: '≤ 5%' }),
  measure('pass rate -10 pts, 24 cases: power', 500, passScenario({ n: 24, drop: 0.1 }), 18),
  measure('pass rate -20 pts, 24 cases: power', 500, passScenario({ n: 24, drop: 0.2 }), 19),
  measure('A/A, 100 cases: false failures', 1000, passScenario({ n: 100 }), 20, { target: '≤ 5%' }),
  measure('pass rate -10 pts, 100 cases: power', 500, passScenario({ n: 100, drop: 0.1 }), 21),
  measure('pass rate -20 pts, 100 cases: power', 500, passScenario({ n: 100, drop: 0.2 }), 22),
  measure('51 of 300 cases missing from B: caught', 500, missingScenario({ n: 300, missing: 51 }), 23, { target: '100%' }),
  measure('merge missing shard 4 of 4: caught', 500, missingScenario({ n: 300, shard: true }), 24, { target: '100%' }),
  measure('A/A, --margin 5%: not shown non-inferior (fails)', 500, passScenario({ n: 300, rules: { margin: 0.05 } }), 25),
  measure('pass rate -5 pts, --margin 5%: fails (the drop reaches the margin)', 500, passScenario({ n: 300, drop: 0.05, rules: { margin: 0.05 }, rule: 'margin' }), 26, { target: '≥ 95%' }),
  measure('20 keywords, unchanged runs: a keyword row marked', 1000, keywordScenario(), 27, { target: '≤ 5%' }),
  measure('A/A, --max-regressions 0 (sampled outputs): regressions fails', 500, passScenario({ n: 300, rules: { maxRegressions: 0 }, rule: 'max-regressions' }), 28),
];
if (json) console.log(JSON.stringify(rows.filter((row) => row !== null), null, 2));
