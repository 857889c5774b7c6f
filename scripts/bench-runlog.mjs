// A deterministic synthetic run log for the benchmark of the log-reading commands (scripts/bench.mjs:
// the `summarize-1m`, `history-1m` and `export-csv-1m` scenarios). Running a million cases takes
// about 20 s; writing the log directly takes a few. One valid record a line (src/log/schema.ts),
// shaped like the calc sample's records with the `flakey` mock: the case, four stage outputs, four
// stage records with timings, columns, usage and cost (about 1.2 KB a line). Eight cases run at
// once; 85% pass, 10% fail, 5% error in `extract`. The same seed and count give the same bytes.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { generateCases, mulberry32 } from './bench-suites.mjs';

const SEED = 0x10a6;
const STAGES = ['prepare', 'infer', 'extract', 'assess'];
export const RUN_ID = '019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13';
const SYSTEM = (base) =>
  `You are a desktop calculator that computes the value of mathematical expressions.\nThe input is base ${base}.\nYour output should be just a base 10 numerical result.\n`;
const round = (ms) => Math.round(ms * 1000) / 1000;

function header(count) {
  return {
    type: 'run.start',
    v: 1,
    runId: RUN_ID,
    startedAt: '2026-11-21T10:00:00.000Z',
    command: ['run', 'calc-bench.jsonl', 'infer.model.name=flakey'],
    cwd: '/bench',
    pipeline: {
      name: 'calc',
      description: 'A simple calculator pipeline',
      stages: STAGES.map((name, i) => ({ name, inputs: i === 0 ? [] : [STAGES[i - 1]] })),
      columns: ['user', 'answer', 'got'],
      hasPassed: true,
      hasScore: true,
    },
    config: { prepare: { template: 'samples/calc/template.txt', templateSha256: 'd4c1f09a7be35e28' }, infer: { model: { name: 'flakey' } } },
    deltas: [
      { path: 'prepare.template', from: null, to: 'samples/calc/template.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: 'flakey', prompt: true },
    ],
    suite: { path: 'calc-bench.jsonl', format: 'jsonl', sha256: 'b'.repeat(64), count },
    git: { sha: '3f2c9e1b7a4d6f0852c1e9b3a7d4f6e0c8b2a519', branch: 'main', dirty: false, changes: [] },
    versions: { tagliots: '0.1.0', node: 'v20.20.2' },
    platform: 'linux-x64',
    concurrency: 8,
    parentRunId: null,
  };
}

function caseRecord(c, index, outcome, t0, latency) {
  const input = 40 + (c.user.length >> 1);
  const output = outcome === 'pass' ? String(c.answer).length : 3;
  const usage = { calls: 1, inputTokens: input, outputTokens: output };
  const costUsd = round((input + 4 * output) * 2e-7 * 1e6) / 1e6;
  const got = outcome === 'pass' ? c.answer : outcome === 'fail' ? c.answer + 1 : null;
  const times = [];
  let t = t0;
  for (const d of [0.05, latency, 0.01, 0.01]) {
    times.push({ startMs: round(t), endMs: round(t + d), durationMs: d });
    t += d;
  }
  const error = { name: 'Error', message: "could not convert string to number: 'hello world'", stage: 'extract', context: ['Extracting numerical answer from LLM response.'] };
  const stages = {
    prepare: [
      { role: 'system', content: SYSTEM(c.base) },
      { role: 'user', content: c.user },
    ],
    infer: outcome === 'error' ? 'hello world' : String(got),
  };
  if (outcome !== 'error') Object.assign(stages, { extract: got, assess: got - c.answer });
  return {
    type: 'case',
    caseId: c.uuid,
    index,
    status: outcome === 'error' ? 'error' : 'complete',
    passed: outcome === 'error' ? null : outcome === 'pass',
    score: outcome === 'error' ? null : outcome === 'pass' ? 1 : 0,
    case: c,
    stages,
    stageRecords: {
      prepare: { status: 'ok', ...times[0] },
      infer: { status: 'ok', ...times[1], usage, costUsd },
      extract: outcome === 'error' ? { status: 'error', ...times[2], error } : { status: 'ok', ...times[2] },
      assess: outcome === 'error' ? { status: 'skipped', reason: "input 'extract' failed" } : { status: 'ok', ...times[3] },
    },
    error: outcome === 'error' ? error : null,
    startMs: times[0].startMs,
    endMs: outcome === 'error' ? times[2].endMs : times[3].endMs,
    durationMs: round((outcome === 'error' ? times[2].endMs : times[3].endMs) - times[0].startMs),
    columns: { user: c.user, answer: c.answer, got },
    usage,
    costUsd,
  };
}

/** Writes `<dir>/<RUN_ID>.jsonl`, a completed run of `count` cases, and returns its path. */
export function writeRunLog(dir, count, seed = SEED) {
  const rand = mulberry32(seed);
  const path = join(dir, `${RUN_ID}.jsonl`);
  const fd = openSync(path, 'w');
  const counts = { total: count, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 };
  const usage = { calls: 0, inputTokens: 0, outputTokens: 0 };
  let cost = 0;
  let batch = JSON.stringify(header(count)) + '\n';
  // Eight slots: each case starts when the slot's previous case ended.
  const slots = new Float64Array(8).fill(1_795_341_600_000);
  try {
    let index = 0;
    for (const c of generateCases(count, seed)) {
      const r = rand();
      const outcome = r < 0.85 ? 'pass' : r < 0.95 ? 'fail' : 'error';
      const slot = index % 8;
      const record = caseRecord(c, index, outcome, slots[slot], 0.5 + rand() * 2);
      slots[slot] = record.endMs + 0.01;
      counts[record.status]++;
      if (record.passed === true) counts.passed++;
      if (record.passed === false) counts.failed++;
      usage.calls++;
      usage.inputTokens += record.usage.inputTokens;
      usage.outputTokens += record.usage.outputTokens;
      cost += record.costUsd;
      batch += JSON.stringify(record) + '\n';
      if (batch.length >= 1 << 20) {
        writeSync(fd, batch);
        batch = '';
      }
      index++;
    }
    const end = { type: 'run.end', status: 'completed', endedAt: '2026-11-21T10:05:00.000Z', durationMs: 300_000, counts, usage, costUsd: Math.round(cost * 1e6) / 1e6 };
    writeSync(fd, batch + JSON.stringify(end) + '\n');
  } finally {
    closeSync(fd);
  }
  return path;
}
