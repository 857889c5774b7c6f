/**
 * Configured models end to end: the CLI, in process, runs the calc sample against a local
 * OpenAI-compatible server (test/helpers/openai-server.ts, 127.0.0.1 only) through the real
 * `openai` SDK, with scripted faults. The fault test also runs the built CLI in a child process
 * (the bundled SDK and HTTP stack must behave the same), and so does Ctrl-C (a real signal). Checks that no case is lost, every retry is in the log,
 * non-retryable errors are not retried, the cache and the cost budget work, and the API key never
 * appears in the log, on stdout or on stderr.
 *
 * A test against a live provider runs only with TAGLIOTS_LIVE=1 and OPENAI_API_KEY set.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import type { StageRecord } from '../../src/log/schema.ts';
import { onlyRunLog, runLogs, tempDirs, waitForCaseLines, waitForOutput, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { startForwardProxy } from '../helpers/forward-proxy.ts';
import { startOpenAIServer, type Behaviour, type OpenAIServer, type OpenAIServerOptions } from '../helpers/openai-server.ts';
import { REPO_ROOT, runCli, startCli, type CliResult, type CliRunner } from '../helpers/run-cli.ts';

const temp = tempDirs();
const servers: OpenAIServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await temp.cleanup();
});

const KEY = 'sk-e2e-THIS-KEY-MUST-NEVER-BE-PRINTED-42';
const SUITE = JSON.parse(await readFile(join(REPO_ROOT, 'suites/calc.json'), 'utf8')) as { cases: { user: string; answer: number }[] };
const ANSWERS = new Map(SUITE.cases.map((c) => [c.user, String(c.answer)]));

/** The question whose every answer leaves usage out (as some servers do), however often it is asked. */
const NO_USAGE_QUESTION = SUITE.cases[0]!.user;

/** Answers each calc question correctly. */
const calcAnswer = (request: { lastUser: string }): Behaviour => ({ kind: 'reply', text: ANSWERS.get(request.lastUser) ?? '?' });

async function server(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const s = await startOpenAIServer({ apiKey: KEY, respond: calcAnswer, ...options });
  servers.push(s);
  return s;
}

/** A project in a temp folder whose config registers the calc sample and the model `local`. */
async function project(s: OpenAIServer, profile: Record<string, unknown> = {}, extraConfig = ''): Promise<string> {
  const dir = await temp.make();
  const local = { type: 'openai-compatible', model: 'calc-model', baseURL: s.url, apiKeyEnv: 'TAGLIOTS_TEST_KEY', retry: { baseDelayMs: 10, maxDelayMs: 50 }, ...profile };
  await writeFiles(dir, {
    'tagliots.config.ts': `import { defineConfig } from 'tagliots';
import { CalcPipeline } from ${JSON.stringify(join(REPO_ROOT, 'samples/calc/pipeline.ts'))};
export default defineConfig({ pipelines: [CalcPipeline], models: { local: ${JSON.stringify(local)} }${extraConfig} });
`,
    'calc.json': JSON.stringify({
      pipeline: 'calc',
      config: { 'prepare.template': join(REPO_ROOT, 'samples/calc/template.txt'), 'infer.model.name': 'local' },
      cases: JSON.parse(await readFile(join(REPO_ROOT, 'suites/calc.json'), 'utf8')).cases,
    }),
  });
  return dir;
}

interface Run {
  result: CliResult;
  log: RunLog;
  text: string;
}

async function run(cwd: string, args: readonly string[] = [], env: Record<string, string | undefined> = { TAGLIOTS_TEST_KEY: KEY }, exitCode = 0, runner: CliRunner = runInProcess): Promise<Run> {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runner(['run', 'calc.json', '--runs-dir', runsDir, ...args], { cwd, env, timeoutMs: 60_000 });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
  const path = await onlyRunLog(runsDir);
  return { result, log: await readRunLog(path), text: await readFile(path, 'utf8') };
}

function expectNoKey(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('MUST-NEVER-BE-PRINTED');
  }
}

const infer = (log: RunLog): StageRecord[] => log.cases.map((c) => c.stageRecords['infer']!);

/** The built CLI (its bundle of the SDK and its HTTP stack) and the source, in process, must not differ. */
const RUNNERS: readonly (readonly [where: string, runner: CliRunner])[] = [
  ['the built CLI, spawned', runCli],
  ['in process', runInProcess],
];

describe.concurrent('calc against a local OpenAI-compatible server', () => {
  it.each(RUNNERS)('survives 429, 500, a malformed body, a hanging response and missing usage without losing a case, logging every retry (%s)', async (_where, runner) => {
    const faults: Behaviour[] = [
      { kind: 'rate-limit', retryAfterS: 1 },
      { kind: 'error', status: 500, message: 'internal error' },
      { kind: 'malformed' },
      { kind: 'hang' },
    ];
    const s = await server({
      script: faults,
      // By question, not by request number: a retry of that question leaves usage out too.
      respond: (r) => (r.lastUser === NO_USAGE_QUESTION ? { kind: 'reply', text: ANSWERS.get(r.lastUser) ?? '?', usage: false } : calcAnswer(r)),
    });
    // Any request that takes longer is retried, and the checks below count retries from the log:
    // on a busy machine an ordinary request timing out as well changes no outcome.
    const cwd = await project(s, { timeoutMs: 2000 });
    const { result, log, text } = await run(cwd, ['-c', '4', '--cache', 'off'], { TAGLIOTS_TEST_KEY: KEY }, 0, runner);

    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 24, complete: 24, passed: 24, error: 0, notRun: 0 } });
    expect(log.cases).toHaveLength(24);
    const calls = infer(log).flatMap((r) => r.calls ?? []);
    expect(calls).toHaveLength(24);
    expect(calls.every((c) => c.status === 'ok' && c.profile === 'local' && c.model === 'calc-model' && c.cache === 'off')).toBe(true);
    const retried = calls.flatMap((c) => c.attempts).filter((a) => a.outcome === 'retry');
    // Every request the server saw is an attempt in the log: 24 answered, the rest retried.
    expect(calls.flatMap((c) => c.attempts)).toHaveLength(s.stats.requests);
    expect(retried).toHaveLength(s.stats.requests - 24);
    expect(retried.length).toBeGreaterThanOrEqual(4);
    const errors = retried.map((a) => a.error ?? '');
    expect(errors).toContain('HTTP 429: Rate limit reached for requests');
    expect(errors).toContain('HTTP 500: internal error');
    expect(errors).toContain('malformed reply: the body is not valid JSON');
    expect(errors).toContain('timed out: no complete reply within 2000 ms');
    expect(retried.find((a) => a.status === 429)!.retryAfterMs).toBe(1000);
    expect(calls.filter((c) => c.usageEstimated)).toHaveLength(1);
    expect(log.end!.modelCalls).toMatchObject({ calls: 24, cacheHits: 0, retries: retried.length, rateLimited: 1, rateLimitedFinal: 0, failed: 0 });
    expect(log.header.models).toEqual({ local: expect.objectContaining({ type: 'openai-compatible', model: 'calc-model', baseURL: s.url, apiKeyEnv: 'TAGLIOTS_TEST_KEY', cache: 'off' }) });
    expect(result.stdout).toContain('Cache hits: 0 of 24 calls');
    expect(result.stdout).toContain(`Retries: ${retried.length} (1 after HTTP 429); `);
    expect(result.stdout).toContain('HTTP 429 (rate limited): 1 answer, retried\n');
    expectNoKey(text, result.stdout, result.stderr);
  });

  it('sends every request through HTTP_PROXY from the run\'s environment, and none when NO_PROXY lists the server', async () => {
    const s = await server();
    const proxy = await startForwardProxy();
    try {
      const cwd = await project(s);
      const proxied = await run(cwd, ['--cache', 'off', '--limit', '5'], { TAGLIOTS_TEST_KEY: KEY, HTTP_PROXY: proxy.url });
      expect(proxied.log.end?.counts).toMatchObject({ complete: 5, passed: 5 });
      expect(proxy.requests).toBe(5);
      expect(s.stats.requests).toBe(5);
      await run(cwd, ['--cache', 'off', '--limit', '2'], { TAGLIOTS_TEST_KEY: KEY, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
      expect(proxy.requests).toBe(5);
      expect(s.stats.requests).toBe(7);
    } finally {
      await proxy.close();
    }
  });

  it('streams when the profile says so, with the same answers', async () => {
    const s = await server();
    const cwd = await project(s, { stream: true });
    const { log } = await run(cwd, ['--cache', 'off', '--limit', '6'], { TAGLIOTS_TEST_KEY: KEY });
    expect(log.end?.counts).toMatchObject({ complete: 6, passed: 6 });
    expect(s.requests.every((r) => r.body['stream'] === true)).toBe(true);
  });

  it('talks to Azure OpenAI: deployment path, api-version and api-key header', async () => {
    const s = await server();
    const cwd = await project(s, { type: 'azure-openai', baseURL: undefined, endpoint: s.origin, deployment: 'calc-dep', apiVersion: '2024-10-21' });
    const { log, result, text } = await run(cwd, ['--cache', 'off', '--limit', '4'], { TAGLIOTS_TEST_KEY: KEY });
    expect(log.end?.counts).toMatchObject({ complete: 4, passed: 4 });
    expect(s.requests).toHaveLength(4);
    for (const request of s.requests) {
      expect(request.path).toBe('/openai/deployments/calc-dep/chat/completions?api-version=2024-10-21');
      expect(request.headers['api-key']).toBe(KEY);
      expect(request.headers['authorization']).toBeUndefined();
    }
    expect(infer(log).flatMap((r) => r.calls ?? []).every((c) => c.provider === 'azure-openai' && c.status === 'ok')).toBe(true);
    expectNoKey(text, result.stdout, result.stderr);
  });

  it('fails every case at once on 401, without retrying and without printing the key', async () => {
    const s = await server();
    const cwd = await project(s);
    const wrong = 'sk-e2e-wrong-key-NOT-TO-BE-SEEN-0000';
    const { result, log, text } = await run(cwd, ['--cache', 'off'], { TAGLIOTS_TEST_KEY: wrong });
    expect(log.end?.counts).toMatchObject({ error: 24, complete: 0 });
    expect(s.stats.requests).toBe(24);
    for (const c of log.cases) {
      expect(c.error).toMatchObject({ stage: 'infer', code: 'E_MODEL_AUTH' });
      expect(c.error!.message).toMatch(/^Model 'local' \(openai-compatible calc-model at http:\/\/127\.0\.0\.1:\d+\/v1\): HTTP 401: Incorrect API key provided: \[redacted\]\. You can find your API key at .+ \(not retried\)\.$/);
      expect(c.stageRecords['infer']!.calls![0]!.attempts).toHaveLength(1);
    }
    expect(result.stdout).toContain('Failed model calls: 24');
    for (const output of [text, result.stdout, result.stderr]) {
      expect(output).not.toContain(wrong);
      expect(output).not.toContain('NOT-TO-BE-SEEN');
    }
  });

  it('stops before any case when a used model has no key', async () => {
    const s = await server();
    const cwd = await project(s);
    const runsDir = join(await temp.make(), 'runs');
    const result = await runInProcess(['run', 'calc.json', '--runs-dir', runsDir], { cwd, env: { TAGLIOTS_TEST_KEY: undefined } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("Error (E_MODEL_NO_KEY): Model 'local' has no API key: env TAGLIOTS_TEST_KEY is not set.");
    expect(await runLogs(runsDir)).toEqual([]);
    expect(s.stats.requests).toBe(0);
  });

  it('answers a second run from the cache, marks every hit, and counts them in the summary', async () => {
    const s = await server();
    const cwd = await project(s, { pricing: { inputPer1M: 1000, outputPer1M: 1000 } });
    const first = await run(cwd);
    expect(s.stats.requests).toBe(24);
    expect(first.result.stdout).toContain('Cache hits: 0 of 24 calls');
    expect(first.log.end!.costUsd).toBeGreaterThan(0);
    const second = await run(cwd);
    expect(s.stats.requests).toBe(24);
    expect(second.log.end?.counts).toMatchObject({ complete: 24, passed: 24 });
    expect(infer(second.log).every((r) => r.calls![0]!.cache === 'hit' && r.calls![0]!.attempts.length === 0 && r.costUsd === 0)).toBe(true);
    expect(second.result.stdout).toContain('Cache hits: 24 of 24 calls');
    expect(second.log.end!.costUsd).toBe(0);

    const stats = await runInProcess(['cache', 'stats'], { cwd });
    expect(stats.stdout).toContain('entries: 24');
    const cleared = await runInProcess(['cache', 'clear'], { cwd });
    expect(cleared.stdout).toBe('Removed 24 cached responses from .tagliots-cache.\n');
    expect((await runInProcess(['cache', 'stats'], { cwd })).stdout).toContain('entries: 0');
  });

  it('stops starting cases at --max-cost, records status budget and exits with 3', async () => {
    const s = await server();
    // About 30 input and 1 output tokens a call at $1000 per million: roughly 3 cents a call.
    const cwd = await project(s, { pricing: { inputPer1M: 1000, outputPer1M: 1000 } });
    const { result, log } = await run(cwd, ['-c', '1', '--cache', 'off', '--max-cost', '0.1'], undefined, 3);
    expect(log.end).toMatchObject({ status: 'budget', maxCostUsd: 0.1 });
    const counts = log.end!.counts;
    expect(counts.notRun).toBeGreaterThan(0);
    expect(counts.complete + counts.notRun).toBe(24);
    expect(log.end!.costUsd).toBeGreaterThanOrEqual(0.1);
    expect(log.end!.costUsd).toBeLessThan(0.2);
    const summed = log.cases.reduce((sum, c) => sum + (c.costUsd ?? 0), 0);
    expect(log.end!.costUsd).toBeCloseTo(summed, 9);
    expect(result.stdout).toMatch(/^Cost: \$0\.1\d+$/m);
    expect(result.stdout).toContain('Run stopped at the cost budget (--max-cost $0.1000)');
    expect(result.stderr).toMatch(/Stopped at the cost budget: \$0\.1\d* spent of --max-cost \$0\.1000; \d+ cases not run\. Resume with: tagliots resume /);
  });

  it('Ctrl-C aborts requests in flight (a real signal to the built CLI, spawned)', async () => {
    const s = await server({ respond: () => ({ kind: 'hang' }) });
    // Requests hang and time out after a minute; the run ends before the test's timeout only if
    // Ctrl-C aborts them.
    const cwd = await project(s, { timeoutMs: 60_000 });
    const runsDir = join(await temp.make(), 'runs');
    const cli = startCli(['run', 'calc.json', '--runs-dir', runsDir, '-c', '3', '--cache', 'off', '--grace', '0'], { cwd, env: { TAGLIOTS_TEST_KEY: KEY }, timeoutMs: 60_000 });
    await waitForCaseLines(runsDir, 0, cli);
    await waitForOutput(cli, () => s.stats.requests >= 3);
    cli.kill('SIGINT');
    const result = await cli.result;
    expect(result.exitCode).toBe(130);
    const log = await readRunLog(await onlyRunLog(runsDir));
    expect(log.end?.status).toBe('interrupted');
    expect(log.cases.map((c) => c.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(log.cases.map((c) => c.stageRecords['infer']!.calls![0]!.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});

describe.concurrent('tagliots models', () => {
  it('lists configured models with where their key comes from, never the key', async () => {
    const s = await server();
    const cwd = await project(s, { description: 'The local test server' });
    await writeFiles(cwd, {
      'models.json': JSON.stringify([
        { name: 'azure-gpt', type: 'AZURE_OPEN_AI', endpoint: 'https://example.openai.azure.com/', deployment: 'gpt4o', api: '2024-10-21', description: 'GoTaglio model' },
        { name: 'phi3', type: 'AZURE_AI', endpoint: 'https://example.inference.ai.azure.com/', key: 'From .credentials.json' },
      ]),
      '.credentials.json': JSON.stringify({ 'azure-gpt': KEY }),
    });
    const result = await runInProcess(['models'], { cwd, env: { TAGLIOTS_TEST_KEY: KEY } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`  local (openai-compatible calc-model): The local test server [key: env TAGLIOTS_TEST_KEY; from tagliots.config.ts]\n`);
    expect(result.stdout).toContain('  azure-gpt (azure-openai gpt4o): GoTaglio model [key: .credentials.json; from models.json]\n');
    // Azure AI Inference is called on its OpenAI-compatible API; GoTaglio's placeholder is no key.
    expect(result.stdout).toContain("  phi3 (openai-compatible phi3): phi3 at example.inference.ai.azure.com (OpenAI-compatible) [key MISSING (models.json holds the placeholder 'From .credentials.json', not a key: put the key in .credentials.json under 'phi3'); from models.json]\n");
    expect(result.stdout).toContain('  perfect (mock): ');
    const missing = await runInProcess(['models', '--json'], { cwd, env: { TAGLIOTS_TEST_KEY: undefined } });
    const list = JSON.parse(missing.stdout) as { name: string; key?: { state: string; source: string } }[];
    expect(list.find((m) => m.name === 'local')!.key).toEqual({ state: 'missing', source: 'env TAGLIOTS_TEST_KEY' });
    expectNoKey(result.stdout, result.stderr, missing.stdout, missing.stderr);
  });

  it('reads tagliots.models.yaml', async () => {
    const cwd = await temp.make();
    await writeFiles(cwd, {
      'tagliots.models.yaml': 'models:\n  mini:\n    type: openai\n    model: gpt-4o-mini\n    apiKeyEnv: TAGLIOTS_TEST_KEY\n',
    });
    const result = await runInProcess(['models'], { cwd, env: { TAGLIOTS_TEST_KEY: KEY } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('  mini (openai gpt-4o-mini): OpenAI gpt-4o-mini [key: env TAGLIOTS_TEST_KEY; from tagliots.models.yaml]\n');
    expectNoKey(result.stdout, result.stderr);
  });

  it('names the file, the model and the field of a mistake', async () => {
    const s = await server();
    const cwd = await project(s, { rateLimit: { requestsPerMinute: -5 }, baseUrl: 'x' });
    const result = await runInProcess(['models'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("Error (E_MODELS_CONFIG): tagliots.config.ts: model 'local':\n");
    expect(result.stderr).toContain("  baseUrl: unknown field (did you mean 'baseURL'?)");
    expect(result.stderr).toContain('  rateLimit.requestsPerMinute: Too small: expected number to be >0');
  });
});

describe.runIf(process.env['TAGLIOTS_LIVE'] === '1' && !!process.env['OPENAI_API_KEY'])('live OpenAI (TAGLIOTS_LIVE=1)', () => {
  it('runs three calc cases against gpt-4o-mini', async () => {
    const dir = await temp.make();
    await writeFiles(dir, {
      'tagliots.config.ts': `import { defineConfig } from 'tagliots';
import { CalcPipeline } from ${JSON.stringify(join(REPO_ROOT, 'samples/calc/pipeline.ts'))};
export default defineConfig({ pipelines: [CalcPipeline], models: { 'gpt-4o-mini': { type: 'openai', model: 'gpt-4o-mini', params: { temperature: 0 }, pricing: { inputPer1M: 0.15, outputPer1M: 0.6 } } } });
`,
    });
    const runsDir = join(dir, 'runs');
    const result = await runCli(
      ['run', join(REPO_ROOT, 'suites/calc.json'), 'infer.model.name=gpt-4o-mini', `prepare.template=${join(REPO_ROOT, 'samples/calc/template.txt')}`, '--limit', '3', '--cache', 'off', '--runs-dir', runsDir],
      { cwd: dir, env: { OPENAI_API_KEY: process.env['OPENAI_API_KEY'] }, timeoutMs: 120_000 },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const path = await onlyRunLog(runsDir);
    const log = await readRunLog(path);
    expect(log.end?.counts.complete).toBe(3);
    expect(log.end!.costUsd).toBeGreaterThan(0);
    expect(await readFile(path, 'utf8')).not.toContain(process.env['OPENAI_API_KEY']!);
    expect(result.stdout + result.stderr).not.toContain(process.env['OPENAI_API_KEY']!);
  });
});
