#!/usr/bin/env node
// Whole-process benchmark of the tagliots CLI (`npm run bench`). See docs/performance.md.
//
//   node scripts/bench.mjs [--quick] [--runs N] [--only id,id] [--json] [--build] [--keep]
//
// Every figure comes from a spawned process: wall time is process.hrtime.bigint() from spawn to
// the child's exit, and peak RSS is the child's own getrusage maxRSS, written on exit by a tiny
// preload (scripts/bench-rss-preload.mjs). Suites are generated deterministically in a temp
// folder (removed at the end); each run logs to its own temp --runs-dir, deleted after the run.
// Prints a table of medians against the targets, marking each PASS or MISS. It reports, it is
// not a test: a missed target still exits 0. Exit 1 means a measurement failed (a run exited
// non-zero, or wrote a log that does not show every case passing).
//
// To add a scenario, add an object to SCENARIOS (see the Scenario shape below).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, closeSync, readSync, rmSync, statSync, fstatSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem, availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { generateCases, writeSuite } from './bench-suites.mjs';
import { writeRunLog } from './bench-runlog.mjs';
import { writeComparePair } from './bench-logs.mjs';
import { reportScenario } from './bench-report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/tagliots.js');
const PRELOAD = join(ROOT, 'scripts/bench-rss-preload.mjs');
const BASELINE = join(ROOT, 'scripts/bench-baseline.mjs');
const RSS_ENV = 'TAGLIOTS_BENCH_RSS_FILE';

// ---------------------------------------------------------------------------------------------
// Scenarios
//
// Scenario shape:
//   id         short name, for --only and --json
//   title      what the table shows
//   cases      cases processed (for cases/s), or null; rate: false hides cases/s
//   runs       repetitions (default), quickRuns: with --quick; warmup: untimed runs first
//   quick      false to skip it with --quick
//   targets    { wallMs?, rssMB? }: the median must be at or under each (MB = 10^6 bytes, as the targets are stated)
//   suite      { format: 'json' | 'jsonl', cases } when argv needs a generated suite
//   argv(ctx)  node arguments after the preload; ctx = { suite, runsDir, outFile }
//   verify(ctx, child)  throws when the run did not do its work; child = { code, stdout, stderr }
// `ratios` below compares the medians of two scenarios.

/** A `tagliots run` of a generated calc suite; verifies the log ends with every case passed. */
function runScenario({ format, cases, extraArgs = [], ...rest }) {
  return {
    cases,
    suite: { format, cases },
    argv: (ctx) => [CLI, 'run', ctx.suite, '--runs-dir', ctx.runsDir, ...extraArgs],
    verify: (ctx) => verifyRunLog(ctx.runsDir, cases),
    ...rest,
  };
}

// ---------------------------------------------------------------------------------------------
// Log-reading scenarios: summarize, history and export over a synthetic 1M-case run log (1.26 GB,
// scripts/bench-runlog.mjs), written once into the temp folder and shared by the three scenarios.

const runLogs = new Map();
function prepareRunLog(temp, cases) {
  const key = `${temp}:${cases}`;
  if (!runLogs.has(key)) {
    const runsDir = join(temp, `runlog-${cases}`);
    mkdirSync(runsDir);
    const t = performance.now();
    writeRunLog(runsDir, cases);
    process.stderr.write(`  generated a run log of ${cases.toLocaleString('en-US')} cases (${fmtMs(performance.now() - t)})\n`);
    runLogs.set(key, { runsDir });
  }
  return runLogs.get(key);
}

/** A log-reading command over the 1M-case log; `expect(child)` checks its output shows the whole log. */
function logScenario({ id, title, command, expect, cases = 1_000_000 }) {
  return {
    id,
    title,
    cases,
    runs: 3,
    quickRuns: 1,
    warmup: 0,
    quick: false,
    targets: { wallMs: 15_000, rssMB: 300 },
    prepare: (temp) => prepareRunLog(temp, cases),
    argv: (ctx) => [CLI, ...command(ctx), '--runs-dir', ctx.state.runsDir],
    verify: (_ctx, child) => {
      if (!expect(child)) throw new Error(`unexpected output:\n${child.stdout.slice(-500)}${child.stderr.slice(-500)}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Model scenarios: the calc pipeline calling the configured model `bench-local`, served by the
// local OpenAI-compatible test server (test/helpers/openai-server.ts, bundled with esbuild,
// listening on 127.0.0.1 in this process). Each runs in its own temp project whose config imports
// the repo's calc pipeline; the response cache is off, so every case makes a request.
//
// Extra scenario fields used here: prepare(temp) → state (once), beforeRun(state), cleanup(state),
// cwd(ctx), metrics({ ctx, end, wallMs, cpuMs, stats }) → numbers (median over runs), report(medians) →
// { lines, misses }, targetNote (the target column).

let testServerModule;
async function startTestServer(options) {
  testServerModule ??= esbuild({ entryPoints: [join(ROOT, 'test/helpers/openai-server.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent' }).then(
    (result) => import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`),
  );
  return (await testServerModule).startOpenAIServer(options);
}

const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

function modelScenario({ id, cases, concurrency, server, metrics, profileExtra = {}, extraArgs = [], ...rest }) {
  return {
    id,
    cases,
    suite: { format: 'json', cases },
    async prepare(temp) {
      const answers = new Map();
      for (const c of generateCases(cases)) answers.set(c.user, String(c.answer));
      const answer = (r) => ({ kind: 'reply', text: answers.get(r.lastUser) ?? '?' });
      const instance = await startTestServer({ keepRequests: false, respond: answer, ...server, ...(server?.batches && { batches: { respond: answer, ...server.batches } }) });
      const project = join(temp, `project-${id}`);
      mkdirSync(project);
      const profile = { type: 'openai-compatible', model: 'bench', baseURL: instance.url, ...profileExtra };
      writeFileSync(
        join(project, 'tagliots.config.ts'),
        `import { defineConfig } from 'tagliots';\nimport { CalcPipeline } from ${JSON.stringify(join(ROOT, 'samples/calc/pipeline.ts'))};\n` +
          `export default defineConfig({ pipelines: [CalcPipeline], models: { 'bench-local': ${JSON.stringify(profile)} } });\n`,
      );
      return { server: instance, project };
    },
    beforeRun: (state) => {
      Object.assign(state.server.stats, { requests: 0, ok: 0, rateLimited: 0, errors: 0, firstOkMs: null, lastOkMs: null });
      Object.assign(state.server.batchStats, { files: 0, batches: 0, answered: 0, cancelled: 0 });
      state.server.batchStats.submitted.clear();
    },
    cleanup: (state) => state.server.close(),
    cwd: (ctx) => ctx.state.project,
    argv: (ctx) => [
      CLI, 'run', ctx.suite, '--runs-dir', ctx.runsDir, '-c', String(concurrency), '--cache', 'off', '--rows', '1',
      `prepare.template=${join(ROOT, 'samples/calc/template.txt')}`, 'infer.model.name=bench-local', ...extraArgs,
    ],
    verify: (ctx, child) => {
      const end = verifyRunLog(ctx.runsDir, cases);
      const { submitted, ...batchStats } = ctx.state.server.batchStats;
      return metrics({ ctx, end, wallMs: child.wallMs, cpuMs: child.cpuMs, stats: { ...ctx.state.server.stats, ...batchStats, batchRequests: submitted.size } });
    },
    ...rest,
  };
}

/** Sustained throughput: successes after the server's initial burst allowance, over the time between the first and last success. */
/** CPU seconds the tagliots process used per 1,000 requests it sent (retries included). */
const cpuPer1k = (cpuMs, requests) => (cpuMs === null || !requests ? null : cpuMs / requests);
const fmtCpu = (x) => (x === null || x === undefined ? '—' : `${x.toFixed(2)} CPU s per 1,000 calls`);

function rateLimitMetrics(cases, perMinute) {
  return ({ end, stats, cpuMs }) => {
    const burst = perMinute / 60;
    const seconds = (stats.lastOkMs - stats.firstOkMs) / 1000;
    const sustained = (stats.ok - burst) / seconds;
    return { share: sustained / (perMinute / 60), perSecond: sustained, ok: stats.ok, rateLimited: stats.rateLimited, lost: cases - end.counts.complete, retries: end.modelCalls?.retries ?? 0, cpuPer1k: cpuPer1k(cpuMs, stats.requests) };
  };
}

function rateLimitReport(m) {
  const misses = [];
  if (m.share < 0.95) misses.push('throughput');
  if (m.lost > 0) misses.push('lost cases');
  if (m.rateLimited >= m.ok) misses.push('429s');
  return {
    lines: [`sustained ${m.perSecond.toFixed(1)} requests/s = ${pct(m.share)} of the limit; ${m.lost} cases lost; ${Math.round(m.rateLimited)} answered 429 vs ${Math.round(m.ok)} successful (medians); ${fmtCpu(m.cpuPer1k)}`],
    misses,
  };
}

/**
 * A loop of `requests` chat completions, `concurrency` at a time, against the local server
 * answering in `latencyMs`, with no tagliots: the script `loop(temp, server)` writes awaits
 * `request()` and prints the loop's time.
 */
function clientLoopScenario({ id, title, label, requests, concurrency, latencyMs, note = '', warmup = 1, loop }) {
  const idealMs = (requests / concurrency) * latencyMs;
  return {
    id,
    title,
    cases: requests,
    runs: 3,
    quickRuns: 1,
    warmup,
    targets: {},
    async prepare(temp) {
      const server = await startTestServer({ keepRequests: false, latencyMs });
      const script = join(temp, `${id}-loop.mjs`);
      writeFileSync(
        script,
        (await loop(temp, server)) +
          `let next = 0; const t = performance.now();\n` +
          `await Promise.all(Array.from({ length: ${concurrency} }, async () => { while (next < ${requests}) { next++; await request(); } }));\n` +
          `process.stdout.write(JSON.stringify({ ms: performance.now() - t }));\n`,
      );
      return { server, script };
    },
    cleanup: (state) => state.server.close(),
    argv: (ctx) => [ctx.state.script],
    verify: (_ctx, child) => {
      const { ms } = JSON.parse(child.stdout);
      return { loopMs: ms, efficiency: idealMs / ms, cpuPer1k: cpuPer1k(child.cpuMs, requests) };
    },
    metrics: true,
    report: (m) => ({ lines: [`the ${label} took ${fmtMs(m.loopMs)} against an ideal of ${fmtMs(idealMs)}: ${pct(m.efficiency)}${note}; ${fmtCpu(m.cpuPer1k)} (with process start-up)`], misses: [] }),
  };
}

/** The bare openai SDK with the fetch it ships with (Node's). */
function sdkLoop() {
  return async (_temp, server) =>
    `import { OpenAI } from ${JSON.stringify(join(ROOT, 'node_modules/openai/index.mjs'))};\n` +
    `const client = new OpenAI({ apiKey: 'none', baseURL: ${JSON.stringify(server.url)}, maxRetries: 0 });\n` +
    `const request = () => client.chat.completions.create({ model: 'bench', messages: [{ role: 'user', content: '1+1' }] }).withResponse();\n`;
}

const SCENARIOS = [
  {
    id: 'help',
    title: 'tagliots --help (start-up)',
    cases: null,
    runs: 15,
    quickRuns: 7,
    warmup: 2,
    targets: { wallMs: 120 },
    argv: () => [CLI, '--help'],
  },
  {
    id: 'pipelines',
    title: 'tagliots pipelines (loads tagliots.config.ts)',
    cases: null,
    runs: 10,
    quickRuns: 5,
    warmup: 1,
    targets: {},
    argv: () => [CLI, 'pipelines'],
  },
  runScenario({ id: 'run-1', title: 'run calc/perfect, 1 case (fixed cost of a run)', format: 'json', cases: 1, rate: false, runs: 10, quickRuns: 5, warmup: 1, targets: {} }),
  {
    id: 'bare-10k',
    title: 'bare Node loop, 10k cases (baseline)',
    cases: 10_000,
    suite: { format: 'json', cases: 10_000 },
    runs: 7,
    quickRuns: 5,
    warmup: 1,
    targets: {},
    argv: (ctx) => [BASELINE, ctx.suite, ctx.outFile],
    verify: (ctx, child) => {
      const result = JSON.parse(child.stdout);
      if (result.passed !== 10_000) throw new Error(`the bare loop passed ${result.passed} of 10000 cases`);
    },
  },
  runScenario({ id: 'run-10k', title: 'run calc/perfect, 10k cases (JSON)', format: 'json', cases: 10_000, runs: 7, quickRuns: 5, warmup: 1, targets: { wallMs: 500 } }),
  runScenario({ id: 'run-100k', title: 'run calc/perfect, 100k cases (JSON)', format: 'json', cases: 100_000, runs: 5, quickRuns: 2, warmup: 1, targets: { wallMs: 3000, rssMB: 250 } }),
  runScenario({ id: 'run-100k-jsonl', title: 'run calc/perfect, 100k cases (JSONL pointer)', format: 'jsonl', cases: 100_000, runs: 3, quickRuns: 2, warmup: 0, targets: {} }),
  runScenario({ id: 'run-1m-jsonl', title: 'run calc/perfect, 1M cases (JSONL pointer)', format: 'jsonl', cases: 1_000_000, runs: 2, quickRuns: 0, warmup: 0, quick: false, targets: { rssMB: 300 } }),
  logScenario({ id: 'summarize-1m', title: 'summarize a 1M-case run log', command: () => ['summarize', 'latest'], expect: (child) => child.stdout.includes('Total: 1,000,000\n') }),
  logScenario({ id: 'history-1m', title: 'history of a runs folder with a 1M-case log', command: () => ['history'], expect: (child) => child.stdout.includes(' 1,000,000 ') }),
  {
    // `compare` of two synthetic 1M-case logs (scripts/bench-logs.mjs, 1.2 GB each), which differ
    // in a few percent of the cases. The verdict line checks that every case was read and aligned.
    id: 'compare-1m',
    title: 'compare two 1M-case run logs',
    cases: 1_000_000,
    rate: false,
    runs: 3,
    quickRuns: 1,
    warmup: 0,
    quick: false,
    targets: { wallMs: 20_000, rssMB: 500 },
    prepare: (temp) => {
      const t = performance.now();
      const [a, b] = writeComparePair(temp, 1_000_000);
      process.stderr.write(`  generated two run logs of 1,000,000 cases (${fmtMs(performance.now() - t)})\n`);
      return { a, b };
    },
    argv: (ctx) => [CLI, 'compare', ctx.state.a, ctx.state.b],
    verify: (_ctx, child) => {
      // The verdict wraps to the terminal's width: compared with its whitespace collapsed.
      const text = child.stdout.replace(/\s+/g, ' ');
      const ok = text.includes('Cases: 999,000 in both, 1,000 only in A, 1,000 only in B ') && text.includes(' B is better: pass rate ') && text.includes(' 27,024 regressions vs 29,939 fixes, p < 0.001 ');
      if (!ok) throw new Error(`unexpected output:\n${child.stdout.slice(0, 500)}…${child.stdout.slice(-300)}${child.stderr.slice(-500)}`);
    },
  },
  logScenario({
    id: 'export-csv-1m',
    title: 'export --format csv of a 1M-case run log',
    command: (ctx) => ['export', 'latest', '--format', 'csv', '--out', ctx.outFile],
    expect: (child) => child.stderr.includes('Exported 1000000 rows'),
  }),
  // The bare openai SDK, same server, same concurrency, no tagliots: the baseline of model-200ms.
  clientLoopScenario({
    id: 'sdk-200ms',
    title: 'bare openai SDK loop, 200 ms a reply, 4,000 requests, 200 at a time (baseline)',
    label: 'bare SDK loop',
    requests: 4000,
    concurrency: 200,
    latencyMs: 200,
    loop: sdkLoop(),
  }),
  modelScenario({
    id: 'model-200ms',
    title: 'run calc/local server, 200 ms a reply, 4,000 cases, -c 200',
    cases: 4000,
    concurrency: 200,
    server: { latencyMs: 200 },
    runs: 3,
    quickRuns: 1,
    warmup: 1,
    targetNote: 'wall ≤ sdk-200ms wall',
    metrics: ({ end, wallMs, cpuMs, stats }) => ({ runMs: end.durationMs, wallMs, efficiency: 4000 / end.durationMs, cpuPer1k: cpuPer1k(cpuMs, stats.requests) }),
    report: (m) => ({
      lines: [`ideal ${fmtMs(4000)}; run took ${fmtMs(m.runMs)} (run.end durationMs): ${pct(m.efficiency)}; ${fmtMs(m.wallMs)} with process start-up; ${fmtCpu(m.cpuPer1k)} (with process start-up)`],
      misses: [],
    }),
  }),
  // The floor of model-1s: the bare SDK at the same load. Even it is over the ideal (connecting
  // and the server's own work, on the same two cores), so model-1s is also shown against it.
  clientLoopScenario({
    id: 'sdk-1s',
    title: 'bare openai SDK loop, 1 s a reply, 3,000 requests, 150 at a time (baseline)',
    label: 'bare SDK loop',
    requests: 3000,
    concurrency: 150,
    latencyMs: 1000,
    warmup: 0,
    loop: sdkLoop(),
  }),
  modelScenario({
    id: 'model-1s',
    title: 'run calc/local server, 1 s a reply, 3,000 cases, -c 150',
    cases: 3000,
    concurrency: 150,
    server: { latencyMs: 1000 },
    runs: 3,
    quickRuns: 1,
    warmup: 0,
    targetNote: 'wall ≤ 1.05 × ideal (21.0 s)',
    metrics: ({ end, wallMs, cpuMs, stats }) => ({ runMs: end.durationMs, wallMs, ratio: wallMs / 20_000, cpuPer1k: cpuPer1k(cpuMs, stats.requests) }),
    report: (m) => ({
      lines: [`ideal ${fmtMs(20_000)} (cases ÷ in flight × latency); wall ${fmtMs(m.wallMs)} = ${m.ratio.toFixed(3)} × ideal (run.end durationMs ${fmtMs(m.runMs)}); ${fmtCpu(m.cpuPer1k)}`],
      misses: m.ratio <= 1.05 ? [] : ['wall time'],
    }),
  }),
  modelScenario({
    id: 'model-ratelimit',
    title: 'run calc/local server, 6,000 requests/min limit, 1,500 cases, -c 100',
    cases: 1500,
    concurrency: 100,
    server: { latencyMs: 20, rateLimit: { perMinute: 6000 } },
    runs: 3,
    quickRuns: 1,
    warmup: 0,
    targetNote: '≥ 95% of limit, 0 lost',
    metrics: rateLimitMetrics(1500, 6000),
    report: rateLimitReport,
  }),
  modelScenario({
    id: 'model-ratelimit-429',
    title: 'same, limit not announced (Retry-After only)',
    cases: 1500,
    concurrency: 100,
    server: { latencyMs: 20, rateLimit: { perMinute: 6000, headers: false } },
    runs: 3,
    quickRuns: 1,
    warmup: 0,
    targetNote: '≥ 95% of limit, 0 lost',
    metrics: rateLimitMetrics(1500, 6000),
    report: rateLimitReport,
  }),
  // Batch mode: every case's request in one batch, which the server ends 5 s after its creation
  // (looked at every 250 ms): the run should take the batch's delay plus little more.
  modelScenario({
    id: 'model-batch',
    title: 'run calc/local server --batch, 10,000 cases, batch ends after 5 s',
    cases: 10_000,
    concurrency: 10_000,
    server: { batches: { completeAfterMs: 5000 } },
    profileExtra: { batch: { pollIntervalMs: 250 } },
    extraArgs: ['--batch'],
    runs: 3,
    quickRuns: 1,
    warmup: 0,
    targetNote: 'submitted = cases, 0 online, wall ≤ 5 s + 10 s',
    metrics: ({ end, wallMs, cpuMs, stats }) => ({ runMs: end.durationMs, wallMs, submitted: stats.batchRequests, batches: stats.batches, online: stats.requests, cpuPer1k: cpuPer1k(cpuMs, stats.batchRequests) }),
    report: (m) => ({
      lines: [
        `${m.submitted.toLocaleString('en-US')} requests submitted in ${m.batches} batch${m.batches === 1 ? '' : 'es'}, ${m.online} online; wall ${fmtMs(m.wallMs)} = batch delay 5.0 s + ${fmtMs(m.wallMs - 5000)} (run.end durationMs ${fmtMs(m.runMs)}); ${fmtCpu(m.cpuPer1k)}`,
      ],
      misses: [...(m.submitted === 10_000 && m.online === 0 ? [] : ['requests']), ...(m.wallMs <= 15_000 ? [] : ['wall time'])],
    }),
  }),
  // `tagliots report` of a 100k-case log: file size and, with Chromium, time to first render (scripts/bench-report.mjs).
  reportScenario({ id: 'report-100k', title: 'report of a 100k-case run (HTML file)', cases: 100_000, baseline: false, cli: CLI, fmtMs: (ms) => fmtMs(ms) }),
  reportScenario({ id: 'report-compare-100k', title: 'report of a 100k-case run with --baseline', cases: 100_000, baseline: true, cli: CLI, fmtMs: (ms) => fmtMs(ms) }),
];

const RATIOS = [
  { title: 'tagliots / bare loop, 10k cases', of: 'run-10k', to: 'bare-10k' },
  { title: 'tagliots run / bare openai SDK loop, 4,000 requests at 200 ms, 200 in flight', of: 'model-200ms', to: 'sdk-200ms', max: 1 },
  { title: 'tagliots run / bare openai SDK loop, 3,000 requests at 1 s, 150 in flight', of: 'model-1s', to: 'sdk-1s' },
];

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const options = { quick: false, runs: undefined, only: undefined, json: false, build: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--build') options.build = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--runs' || arg.startsWith('--runs=')) {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) usage('--runs must be a whole number of at least 1');
      options.runs = n;
    } else if (arg === '--only' || arg.startsWith('--only=')) options.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '-h' || arg === '--help') usage();
    else usage(`unknown option '${arg}'`);
  }
  return options;
}

function usage(problem) {
  const text = `usage: node scripts/bench.mjs [options]

  --quick        skip the 1M-case run and repeat less
  --runs N       repetitions of every scenario (overrides the defaults)
  --only IDS     comma-separated scenario ids (or id prefixes) to run
  --json         print machine-readable JSON on stdout (progress goes to stderr)
  --build        rebuild dist/ first (it is built anyway when missing)
  --keep         keep the temp folder with the generated suites

scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
`;
  if (problem) {
    process.stderr.write(`bench: ${problem}\n\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Spawns `node --import <preload> ...argv` from the repo root; resolves with wall time and peak RSS. */
function measure(argv, rssFile, cwd = ROOT) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, [RSS_ENV]: rssFile, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    const start = process.hrtime.bigint();
    let end;
    const child = spawn(process.execPath, ['--import', PRELOAD, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('exit', () => {
      end = process.hrtime.bigint();
    });
    child.on('close', (code, signal) => {
      end ??= process.hrtime.bigint();
      let rssKiB = null;
      let cpuMs = null;
      try {
        const usage = JSON.parse(readFileSync(rssFile, 'utf8'));
        rssKiB = usage.maxRSS;
        cpuMs = usage.cpuUs / 1000;
        rmSync(rssFile, { force: true });
      } catch {
        // Reported as a missing figure.
      }
      resolve({
        code: code ?? (signal ? `signal ${signal}` : null),
        wallMs: Number(end - start) / 1e6,
        rssMB: rssKiB === null ? null : (rssKiB * 1024) / 1e6,
        cpuMs,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Reads the last line of the run log in `runsDir` and checks it is a completed run.end with every case passed. */
function verifyRunLog(runsDir, cases) {
  const logs = readdirSync(runsDir).filter((name) => name.endsWith('.jsonl'));
  if (logs.length !== 1) throw new Error(`expected one run log in ${runsDir}, found ${logs.length}`);
  const fd = openSync(join(runsDir, logs[0]), 'r');
  let tail;
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    tail = buffer.toString('utf8').trimEnd();
  } finally {
    closeSync(fd);
  }
  const end = JSON.parse(tail.slice(tail.lastIndexOf('\n') + 1));
  if (end.type !== 'run.end' || end.status !== 'completed' || end.counts?.complete !== cases || end.counts?.passed !== cases) {
    throw new Error(`the run log does not end with a completed run of ${cases} passed cases: ${JSON.stringify(end).slice(0, 300)}`);
  }
  return end;
}

function median(values) {
  const sorted = values.filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fmtMs = (ms) => (ms === null ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 100 ? 1 : 0)} ms`);
const fmtMB = (mb) => (mb === null ? '—' : `${mb.toFixed(0)} MB`);
const fmtRate = (rate) => (rate === null ? '—' : Math.round(rate).toLocaleString('en-US'));

function targetText(targets) {
  const parts = [];
  if (targets.wallMs !== undefined) parts.push(`≤ ${fmtMs(targets.wallMs)}`);
  if (targets.rssMB !== undefined) parts.push(`≤ ${targets.rssMB} MB`);
  return parts.length ? parts.join(', ') : '—';
}

function verdictOf(result) {
  const { targets } = result;
  const misses = [];
  if (targets.wallMs !== undefined && (result.medianWallMs === null || result.medianWallMs > targets.wallMs)) misses.push('time');
  if (targets.rssMB !== undefined && (result.medianRssMB === null || result.medianRssMB > targets.rssMB)) misses.push('RSS');
  if (targets.wallMs === undefined && targets.rssMB === undefined) return { verdict: null, misses };
  return { verdict: misses.length ? 'MISS' : 'PASS', misses };
}

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

function ensureBuilt(force, log) {
  const cli = join(ROOT, 'dist/cli.js');
  if (!force && existsSync(cli)) {
    const built = statSync(cli).mtimeMs;
    const newer = [];
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && statSync(path).mtimeMs > built) newer.push(relative(ROOT, path));
      }
    };
    walk(join(ROOT, 'src'));
    if (newer.length) log(`warning: dist/ is older than ${newer.length} source file(s) (${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}); pass --build to rebuild first`);
    return;
  }
  log(force ? 'building dist/ (npm run build)' : 'dist/ is missing: building it (npm run build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write('bench: npm run build failed\n');
    process.exit(1);
  }
}

function gitInfo() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short=12', 'HEAD');
  if (head.status !== 0) return null;
  return { commit: head.stdout.trim(), dirty: git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '' };
}

function machineInfo() {
  const cpu = cpus();
  return {
    cpus: availableParallelism(),
    cpuModel: cpu[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const log = (text) => process.stderr.write(`${text}\n`);
  const out = options.json ? () => {} : (text) => process.stdout.write(`${text}\n`);

  ensureBuilt(options.build, log);

  let scenarios = SCENARIOS.filter((s) => !options.quick || s.quick !== false);
  if (options.only) {
    // An exact id selects that scenario only; anything else selects the ids it prefixes.
    const matches = (s, id) => (SCENARIOS.some((x) => x.id === id) ? s.id === id : s.id.startsWith(id));
    const unknown = options.only.filter((id) => !SCENARIOS.some((s) => matches(s, id)));
    if (unknown.length) usage(`no scenario matches ${unknown.join(', ')}`);
    scenarios = scenarios.filter((s) => options.only.some((id) => matches(s, id)));
  }

  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const git = gitInfo();
  out(`tagliots benchmark: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`);
  if (git) out(`source: ${git.commit}${git.dirty ? ' with uncommitted changes' : ''}; dist/ built ${statSync(join(ROOT, 'dist/cli.js')).mtime.toISOString()}`);
  out(`load average at start: ${machine.loadAverage.join(' ')}${options.quick ? ' (--quick)' : ''}`);

  const temp = mkdtempSync(join(tmpdir(), 'tagliots-bench-'));
  const suites = new Map();
  const suitePath = ({ format, cases }) => {
    const key = `${format}:${cases}`;
    if (!suites.has(key)) {
      const t = performance.now();
      suites.set(key, writeSuite(temp, format, cases));
      log(`  generated ${format} suite of ${cases.toLocaleString('en-US')} cases (${fmtMs(performance.now() - t)})`);
    }
    return suites.get(key);
  };

  const results = [];
  let failed = false;
  const cleanUp = () => {
    if (!options.keep) rmSync(temp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });

  try {
    for (const [n, scenario] of scenarios.entries()) {
      const runs = options.runs ?? (options.quick ? scenario.quickRuns ?? scenario.runs : scenario.runs);
      const warmup = options.quick ? Math.min(scenario.warmup ?? 0, 1) : scenario.warmup ?? 0;
      log(`[${n + 1}/${scenarios.length}] ${scenario.title}: ${warmup ? `${warmup} warm-up + ` : ''}${runs} run${runs === 1 ? '' : 's'}`);
      const suite = scenario.suite ? suitePath(scenario.suite) : undefined;
      const samples = [];
      let error;
      let state;
      try {
        state = await scenario.prepare?.(temp);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        log(`    FAILED to prepare: ${error}`);
      }
      for (let i = 0; i < warmup + runs && !error; i++) {
        const sampleDir = join(temp, `run-${scenario.id}-${i}`);
        mkdirSync(sampleDir);
        const ctx = { suite, runsDir: join(sampleDir, 'runs'), outFile: join(sampleDir, 'out.jsonl'), state };
        try {
          scenario.beforeRun?.(state);
          const child = await measure(scenario.argv(ctx), join(sampleDir, 'rss'), scenario.cwd?.(ctx));
          if (child.code !== 0) throw new Error(`exited with ${child.code}\n${child.stderr.trim().split('\n').slice(-15).join('\n')}`);
          const metrics = await scenario.verify?.(ctx, child);
          if (i >= warmup) {
            samples.push({ wallMs: child.wallMs, rssMB: child.rssMB, ...(metrics !== undefined && { metrics }) });
            log(`    ${fmtMs(child.wallMs)}, ${fmtMB(child.rssMB)}`);
          }
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
          log(`    FAILED: ${error}`);
        } finally {
          rmSync(sampleDir, { recursive: true, force: true });
        }
      }
      if (state !== undefined) await scenario.cleanup?.(state);
      const walls = samples.map((s) => s.wallMs);
      const result = {
        id: scenario.id,
        title: scenario.title,
        cases: scenario.cases,
        runs: samples.length,
        samples,
        medianWallMs: median(walls),
        minWallMs: walls.length ? Math.min(...walls) : null,
        maxWallMs: walls.length ? Math.max(...walls) : null,
        medianRssMB: median(samples.map((s) => s.rssMB)),
        targets: scenario.targets ?? {},
        ...(error && { error }),
      };
      result.casesPerSecond = scenario.rate !== false && result.cases && result.medianWallMs ? result.cases / (result.medianWallMs / 1000) : null;
      let { verdict, misses } = verdictOf(result);
      if (scenario.report && samples.length > 0) {
        const keys = Object.keys(samples[0].metrics ?? {});
        result.metrics = Object.fromEntries(keys.map((key) => [key, median(samples.map((s) => s.metrics[key]))]));
        const report = scenario.report(result.metrics);
        result.notes = report.lines;
        misses = [...misses, ...report.misses];
        verdict = misses.length ? 'MISS' : scenario.targetNote ? 'PASS' : verdict;
      }
      if (scenario.targetNote) result.targetNote = scenario.targetNote;
      result.verdict = error ? 'ERROR' : verdict;
      result.misses = misses;
      if (error) failed = true;
      results.push(result);
    }
  } finally {
    cleanUp();
  }

  const ratios = RATIOS.map((r) => {
    const of = results.find((x) => x.id === r.of);
    const to = results.find((x) => x.id === r.to);
    const ratio = of?.medianWallMs && to?.medianWallMs ? of.medianWallMs / to.medianWallMs : null;
    return { ...r, ratio };
  }).filter((r) => r.ratio !== null);
  // A ratio with a target decides its scenario's verdict (the scenario alone cannot).
  for (const r of ratios) {
    const of = results.find((x) => x.id === r.of);
    if (r.max === undefined || !of) continue;
    if (r.ratio > r.max) {
      of.verdict = 'MISS';
      of.misses = [...(of.misses ?? []), `${r.ratio.toFixed(2)}× ${r.to}`];
    } else of.verdict ??= 'PASS';
  }

  if (options.json) {
    process.stdout.write(JSON.stringify({ startedAt, machine, git, quick: options.quick, results, ratios }, null, 2) + '\n');
  } else {
    const rows = results.map((r) => [
      r.title,
      String(r.runs),
      fmtMs(r.medianWallMs),
      r.minWallMs === null ? '—' : `${fmtMs(r.minWallMs)} – ${fmtMs(r.maxWallMs)}`,
      fmtRate(r.casesPerSecond),
      fmtMB(r.medianRssMB),
      r.targetNote ?? targetText(r.targets),
      r.verdict === 'MISS' ? `MISS (${r.misses.join(', ')})` : (r.verdict ?? ''),
    ]);
    out('');
    out(table(['scenario', 'runs', 'median', 'min – max', 'cases/s', 'peak RSS', 'target', 'result'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l']));
    out('');
    for (const r of ratios) out(`${r.title}: ${r.ratio.toFixed(2)}× (median wall time)${r.max === undefined ? '' : `; target ≤ ${r.max}: ${r.ratio <= r.max ? 'PASS' : 'MISS'}`}`);
    for (const r of results) for (const line of r.notes ?? []) out(`${r.id}: ${line}`);
    const missed = results.filter((r) => r.verdict === 'MISS');
    if (missed.length) out(`\n*** MISS: ${missed.map((r) => `${r.id} (${r.misses.join(', ')})`).join(', ')} ***`);
    else if (results.some((r) => r.verdict === 'PASS')) out('\nEvery measured target: PASS');
    out('peak RSS: median of the runs\' getrusage maxRSS, in MB (10^6 bytes); wall time: spawn to exit. The machine may be shared: compare runs, not single figures.');
  }
  if (failed) {
    process.stderr.write('bench: some measurements failed (see ERROR above)\n');
    process.exitCode = 1;
  }
}

await main();
