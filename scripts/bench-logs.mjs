// Deterministic synthetic run logs for the benchmark (scripts/bench.mjs: the `compare-1m` scenario).
// Running a million cases twice would take minutes; these logs are written directly instead, one
// valid record a line (src/log/schema.ts), shaped like the calc sample's records with the `perfect`
// and `flakey` mocks: the case, four stage outputs, four stage records with timings, columns,
// usage and cost (about 1.1 KB a line). Run B differs from run A: a seeded few percent of the cases
// flip between passed, failed and errored, scores and latencies drift, B's model costs more, and
// a few cases exist in one run only. The same seed and count always give the same bytes.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateCases, mulberry32 } from './bench-suites.mjs';

const SEED = 0xc0a1;
const STAGES = ['prepare', 'infer', 'extract', 'assess'];
const SYSTEM = (base) =>
  `You are a desktop calculator that computes the value of mathematical expressions.\nThe input is base ${base}.\nYour output should be just a base 10 numerical result.\n`;

function header(runId, model, count) {
  return {
    type: 'run.start',
    v: 1,
    runId,
    startedAt: '2026-11-21T10:00:00.000Z',
    command: ['run', 'calc-bench.jsonl', `infer.model.name=${model}`],
    cwd: '/bench',
    pipeline: {
      name: 'calc',
      description: 'A simple calculator pipeline',
      stages: STAGES.map((name, i) => ({ name, inputs: i === 0 ? [] : [STAGES[i - 1]] })),
      columns: ['user', 'answer', 'got'],
      hasPassed: true,
      hasScore: true,
    },
    config: {
      prepare: { template: 'samples/calc/template.txt', templateSha256: 'd4c1f09a7be35e28' },
      infer: { model: { name: model, settings: { max_tokens: 800, temperature: 0.7, top_p: 0.95 } } },
    },
    deltas: [
      { path: 'prepare.template', from: null, to: 'samples/calc/template.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: model, prompt: true },
    ],
    suite: { path: 'calc-bench.jsonl', format: 'jsonl', sha256: 'b'.repeat(64), count },
    git: { sha: '3f2c9e1b7a4d6f0852c1e9b3a7d4f6e0c8b2a519', branch: 'main', dirty: false, changes: [] },
    versions: { tagliots: '0.1.0', node: 'v20.20.2' },
    platform: 'linux-x64',
    concurrency: 8,
    parentRunId: null,
  };
}

/** One case record; outcome is 'pass', 'fail' or 'error'. */
function caseRecord(c, index, outcome, t0, latency, pricePerToken) {
  const input = 40 + (c.user.length >> 1);
  const output = outcome === 'pass' ? String(c.answer).length : 3;
  const usage = { calls: 1, inputTokens: input, outputTokens: output };
  const cost = Math.round((input + 4 * output) * pricePerToken * 1e9) / 1e9;
  const got = outcome === 'pass' ? c.answer : outcome === 'fail' ? c.answer + 1 : null;
  const times = [];
  let t = t0;
  for (const d of [0.05, latency, 0.01, 0.01]) {
    times.push({ startMs: Math.round(t * 1000) / 1000, endMs: Math.round((t + d) * 1000) / 1000, durationMs: d });
    t += d;
  }
  const stageRecords = {
    prepare: { status: 'ok', ...times[0] },
    infer: { status: 'ok', ...times[1], usage, costUsd: cost },
    extract: outcome === 'error'
      ? { status: 'error', ...times[2], error: { name: 'Error', message: 'could not convert string to number', stage: 'extract', context: [] } }
      : { status: 'ok', ...times[2] },
    assess: outcome === 'error' ? { status: 'skipped', reason: "input 'extract' failed" } : { status: 'ok', ...times[3] },
  };
  const stages = {
    prepare: [
      { role: 'system', content: SYSTEM(c.base) },
      { role: 'user', content: c.user },
    ],
    infer: String(got ?? 'hello world'),
  };
  if (outcome !== 'error') {
    stages.extract = got;
    stages.assess = got - c.answer;
  }
  return {
    type: 'case',
    caseId: c.uuid,
    index,
    status: outcome === 'error' ? 'error' : 'complete',
    passed: outcome === 'error' ? null : outcome === 'pass',
    score: outcome === 'error' ? null : outcome === 'pass' ? 1 : 0,
    case: c,
    stages,
    stageRecords,
    error: outcome === 'error' ? stageRecords.extract.error : null,
    startMs: times[0].startMs,
    endMs: times[3].endMs,
    durationMs: Math.round((t - t0) * 1000) / 1000,
    columns: { user: c.user, answer: c.answer, got },
    usage,
    costUsd: cost,
  };
}

function end(counts, usage, cost) {
  return { type: 'run.end', status: 'completed', endedAt: '2026-11-21T10:05:00.000Z', durationMs: 300000, counts, usage, costUsd: cost };
}

/**
 * Writes `<dir>/compare-a-<count>.jsonl` and `<dir>/compare-b-<count>.jsonl` and returns their
 * paths. Run A: 90% of the cases pass, 7% fail, 3% error. Run B: 3% of A's passes regress (to
 * failed or errored), 30% of A's failures and errors are fixed, B drops 0.1% of A's cases and
 * adds as many new ones.
 */
export function writeComparePair(dir, count, seed = SEED) {
  const rand = mulberry32(seed);
  const only = Math.max(1, Math.floor(count / 1000));
  const cases = [...generateCases(count + only, seed)];
  const paths = [join(dir, `compare-a-${count}.jsonl`), join(dir, `compare-b-${count}.jsonl`)];
  const ids = ['019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13', '019aa1f5-0000-7000-8000-000000000b0b'];
  const fds = paths.map((path) => openSync(path, 'w'));
  const batches = ['', ''];
  const totals = [0, 1].map(() => ({
    counts: { total: count, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 },
    usage: { calls: 0, inputTokens: 0, outputTokens: 0 },
    cost: 0,
  }));
  const emit = (k, record) => {
    batches[k] += JSON.stringify(record) + '\n';
    if (batches[k].length >= 1 << 20) {
      writeSync(fds[k], batches[k]);
      batches[k] = '';
    }
  };
  const add = (k, record) => {
    const t = totals[k];
    t.counts[record.status]++;
    if (record.passed === true) t.counts.passed++;
    if (record.passed === false) t.counts.failed++;
    t.usage.calls += record.usage.calls;
    t.usage.inputTokens += record.usage.inputTokens;
    t.usage.outputTokens += record.usage.outputTokens;
    t.cost += record.costUsd;
    emit(k, record);
  };
  try {
    emit(0, header(ids[0], 'perfect', count));
    emit(1, header(ids[1], 'flakey', count));
    let t = 1_763_719_200_000;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const r = rand();
      const a = r < 0.9 ? 'pass' : r < 0.97 ? 'fail' : 'error';
      const flip = rand();
      const b = a === 'pass' ? (flip < 0.02 ? 'fail' : flip < 0.03 ? 'error' : 'pass') : flip < 0.3 ? 'pass' : a;
      const latency = 150 + Math.floor(rand() * 100);
      t += 0.25;
      const inA = i < count;
      const inB = i < count - only || i >= count;
      if (inA) add(0, caseRecord(c, i, a, t, latency, 2e-7));
      if (inB) add(1, caseRecord(c, i >= count ? i - only : i, b, t, latency * 1.1, 3e-7));
    }
    totals.forEach((x, k) => emit(k, end(x.counts, x.usage, Math.round(x.cost * 1e6) / 1e6)));
    [0, 1].forEach((k) => batches[k] && writeSync(fds[k], batches[k]));
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
  return paths;
}
