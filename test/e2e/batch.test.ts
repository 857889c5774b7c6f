/**
 * Batch mode end to end, in process, against the local server's Batch API: a whole suite in one
 * batch, a two-stage pipeline needing a batch per stage, the batch price, failed lines and expired
 * batches retried (in a new batch or online), the response cache keeping requests out of batches,
 * an interrupted run leaving its batch running and a resume re-attaching to it (each request
 * submitted once), and --cancel-batches.
 */
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/engine/run-suite.ts';
import { readRunLog } from '../../src/log/reader.ts';
import { createMemoryBatchApi } from '../../src/model/batch/memory.ts';
import type { CaseRecord, ModelCall } from '../../src/log/schema.ts';
import { onlyRunLog, runLogs, tempDirs, waitForOutput, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess, startInProcess } from '../helpers/in-process.ts';
import { startOpenAIServer, type Behaviour, type OpenAIServer, type OpenAIServerOptions } from '../helpers/openai-server.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
const servers: OpenAIServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await temp.cleanup();
});

const KEY = 'sk-batch-THIS-KEY-MUST-NEVER-BE-PRINTED-7';
const QUESTIONS = ['one', 'two', 'three', 'four', 'five', 'six'];

async function server(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const s = await startOpenAIServer({ apiKey: KEY, ...options });
  servers.push(s);
  return s;
}

/**
 * A project with two pipelines over the model `local`: `ask` (one model call per case) and
 * `again` (a second stage asking again with the first answer). The server echoes the question, so
 * `again` passes when its answer is `again: <question>`.
 */
async function project(s: OpenAIServer, profile: Record<string, unknown> = {}): Promise<string> {
  const dir = await temp.make();
  const local = { type: 'openai', model: 'batch-model', baseURL: s.url, apiKeyEnv: 'TAGLIOTS_TEST_KEY', retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, ...profile };
  await writeFiles(dir, {
    'tagliots.config.ts': `import { defineConfig, definePipeline } from 'tagliots';
const ask = (model, ctx, content) => model.complete({ messages: [{ role: 'user', content }] }, ctx).then((reply) => reply.text);
const one = definePipeline({
  name: 'ask',
  description: 'One question',
  config: { model: 'local' },
  stages: ({ config, models }) => {
    const model = models.get(config.model);
    return { first: (ctx) => ask(model, ctx, ctx.case.question) };
  },
  passed: ({ stages, case: c }) => stages.first === c.question,
});
const two = definePipeline({
  name: 'again',
  description: 'A question, then another made of its answer',
  config: { model: 'local' },
  stages: ({ config, models }) => {
    const model = models.get(config.model);
    return { first: (ctx) => ask(model, ctx, ctx.case.question), second: (ctx) => ask(model, ctx, 'again: ' + ctx.stages.first) };
  },
  passed: ({ stages, case: c }) => stages.second === 'again: ' + c.question,
});
export default defineConfig({ pipelines: [one, two], models: { local: ${JSON.stringify(local)} } });
`,
    'suite.json': JSON.stringify({ pipeline: 'ask', cases: QUESTIONS.map((question) => ({ id: question, question })) }),
    'again.json': JSON.stringify({ pipeline: 'again', cases: QUESTIONS.map((question) => ({ id: question, question })) }),
  });
  return dir;
}

const env = { TAGLIOTS_TEST_KEY: KEY };
const callsOf = (record: CaseRecord): ModelCall[] => Object.values(record.stageRecords).flatMap((stage) => stage.calls ?? []);

async function batchRun(cwd: string, args: readonly string[]) {
  const runsDir = join(cwd, 'runs');
  const result = await runInProcess(['run', ...args, '--runs-dir', runsDir], { cwd, env });
  // The newest log: run ids sort by start time.
  const logs = (await runLogs(runsDir)).sort();
  const log = await readRunLog(logs[logs.length - 1]!);
  return { result, log, runsDir };
}

/** `tagliots resume <runId>` in `cwd`, and the log it wrote (the one whose parent is `runId`). */
async function batchResume(cwd: string, runId: string, args: readonly string[] = []) {
  const runsDir = join(cwd, 'runs');
  const result = await runInProcess(['resume', runId, '--runs-dir', runsDir, ...args], { cwd, env });
  const logs = await Promise.all((await runLogs(runsDir)).map((path) => readRunLog(path)));
  return { result, log: logs.find((l) => l.header.parentRunId === runId)! };
}

describe.concurrent('run --batch', () => {
  it('sends a whole suite as one batch: no online request, every call answered from it', async () => {
    const s = await server();
    const cwd = await project(s);
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.end).toMatchObject({ status: 'completed', counts: { complete: 6, passed: 6 } });
    expect(s.stats.requests).toBe(0);
    expect(s.batches).toHaveLength(1);
    expect(s.batches[0]!.lines).toHaveLength(6);
    expect(s.batches[0]!.lines[0]!.body).not.toHaveProperty('stream');
    const calls = log.cases.flatMap(callsOf);
    expect(calls).toHaveLength(6);
    for (const call of calls) {
      expect(call).toMatchObject({ status: 'ok', batch: { batchId: 'batch_1' }, attempts: [{ attempt: 1, outcome: 'ok', batchId: 'batch_1' }] });
    }
    // Stable, readable ids: run, case, repeat, turn, stage, call.
    const one = log.cases.find((c) => c.caseId === 'one')!;
    expect(callsOf(one)[0]!.batch!.customId).toBe(`${log.header.runId}/one/r0/t-/first/c1`);
    expect(log.header.models!['local']).toMatchObject({ batch: { maxRequests: 50000, maxWaitMs: 60000, pollIntervalMs: 30000 } });
    // The journal beside the log says which batch holds which request; it holds no prompt.
    const journal = await readFile(log.path.replace(/\.jsonl$/, '.batches.log'), 'utf8');
    expect(journal.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['uploaded', 'submitted', 'ended']);
    expect(journal).not.toContain('one"');
    expect(result.stdout + result.stderr + journal).not.toContain(KEY);
    // Without prices, the summary counts the batched calls and claims no saving.
    expect(result.stdout).toContain('Batch API: 6 calls answered by batches\n');

    // The timeline shows each call's wait for its batch, in the text and in the trace.
    const trace = join(cwd, 'trace.json');
    const timeline = await runInProcess(['timeline', log.path, 'one', '--trace', trace], { cwd });
    expect(timeline.exitCode, timeline.stderr).toBe(0);
    expect(timeline.stdout).toMatch(/Batch waits of first[^\n]*\n +[0-9.]+ ?[mµ]?s +batch_1/);
    const events = JSON.parse(await readFile(trace, 'utf8')) as { traceEvents: { cat?: string; name: string; args?: { batchId?: string } }[] };
    expect(events.traceEvents.filter((event) => event.cat === 'batch').map((event) => [event.name, event.args?.batchId])).toEqual([['first batch wait (batch_1)', 'batch_1']]);
  });

  it("a two-stage pipeline needs a batch per stage: the second stage's requests exist only after the first answers", async () => {
    const s = await server();
    const cwd = await project(s);
    const { result, log } = await batchRun(cwd, ['again.json', '--batch', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.end).toMatchObject({ status: 'completed', counts: { complete: 6, passed: 6 } });
    expect(s.stats.requests).toBe(0);
    expect(s.batches.map((batch) => batch.lines.length)).toEqual([6, 6]);
    expect(s.batches[1]!.lines.every((line) => line.lastUser.startsWith('again: '))).toBe(true);
  });

  it('prices batched calls at the batch rate (half, for openai) and records what that saved', async () => {
    const s = await server();
    const cwd = await project(s, { pricing: { inputPer1M: 1000, outputPer1M: 2000 } });
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    for (const call of log.cases.flatMap(callsOf)) {
      const online = (call.usage!.inputTokens * 1000 + call.usage!.outputTokens * 2000) / 1e6;
      expect(call.costUsd).toBeCloseTo(online / 2, 9);
      expect(call.batch!.savedUsd).toBeCloseTo(online / 2, 9);
    }
    expect(log.end!.modelCalls).toMatchObject({ calls: 6, batched: 6 });
    expect(log.end!.modelCalls!.batchSavedUsd).toBeCloseTo(log.end!.costUsd!, 9);
    expect(result.stdout).toMatch(/Batch API: 6 calls answered by batches, \$[0-9.]+ saved against online prices/);
  });

  it("--max-cost: the batch's cost is estimated before submission; cases whose requests are left out are cancelled, and a resume runs them", async () => {
    const s = await server();
    // About a dollar a token at the batch price: a few requests fit in $30.
    const cwd = await project(s, { pricing: { inputPer1M: 2_000_000, outputPer1M: 2_000_000 } });
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off', '--max-cost', '30']);
    expect(result.exitCode).toBe(3);
    expect(log.end).toMatchObject({ status: 'budget', maxCostUsd: 30 });
    const submitted = s.batches.flatMap((batch) => batch.lines).length;
    expect(submitted).toBeGreaterThan(0);
    expect(submitted).toBeLessThan(6);
    // Not failed: stopped for the budget, as the cases it never started.
    expect(log.cases.filter((c) => c.status === 'error')).toEqual([]);
    const left = log.cases.filter((c) => c.status === 'cancelled');
    expect(left).toHaveLength(6 - submitted);
    expect(log.end!.counts).toMatchObject({ complete: submitted, cancelled: 6 - submitted, error: 0 });
    const stage = left[0]!.stageRecords['first']!;
    expect(stage).toMatchObject({ status: 'cancelled' });
    expect(stage.reason).toContain('not submitted: its batch would pass the --max-cost budget of $30');
    expect(stage.calls![0]).toMatchObject({ status: 'cancelled' });

    // A resume with room in the budget runs exactly the cases left out, and pays for no request twice.
    const { result: resumed, log: finished } = await batchResume(cwd, log.header.runId, ['--max-cost', '1000']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(finished.end).toMatchObject({ status: 'completed', counts: { complete: 6, cancelled: 0 } });
    expect(s.batchStats.submitted.size).toBe(6);
    expect([...s.batchStats.submitted.values()].every((times) => times === 1)).toBe(true);
  });

  it('takes batch prices from the profile when it gives them', async () => {
    const s = await server();
    const cwd = await project(s, { type: 'openai-compatible', pricing: { inputPer1M: 1000, outputPer1M: 2000, batchInputPer1M: 100, batchOutputPer1M: 200 } });
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    for (const call of log.cases.flatMap(callsOf)) {
      expect(call.costUsd).toBeCloseTo((call.usage!.inputTokens * 100 + call.usage!.outputTokens * 200) / 1e6, 9);
    }
  });

  it('retries failed lines in a new batch, and the requests an expired batch never answered', async () => {
    const s = await server({
      batches: {
        respond: (line) => (line.lastUser === 'two' && !line.customId.endsWith('/a2') ? { kind: 'error', status: 500, message: 'try later' } : { kind: 'reply' }),
        end: (batch) => (batch.id === 'batch_1' ? { status: 'expired', answered: 3 } : { status: 'completed' }),
      },
    });
    const cwd = await project(s);
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.end).toMatchObject({ status: 'completed', counts: { complete: 6, passed: 6 } });
    // Batch 1 expired after answering three lines (one of them an error): the four others went in batch 2.
    expect(s.batches.map((batch) => batch.lines.length)).toEqual([6, 4]);
    const two = callsOf(log.cases.find((c) => c.caseId === 'two')!)[0]!;
    expect(two.attempts).toMatchObject([
      { attempt: 1, outcome: 'retry', status: 500, batchId: 'batch_1', error: 'HTTP 500: try later' },
      { attempt: 2, outcome: 'ok', batchId: 'batch_2' },
    ]);
    const six = callsOf(log.cases.find((c) => c.caseId === 'six')!)[0]!;
    expect(six.attempts).toMatchObject([{ attempt: 1, outcome: 'retry', batchId: 'batch_1', error: expect.stringContaining('expired') }, { attempt: 2, outcome: 'ok' }]);
    expect(s.stats.requests).toBe(0);
  });

  it('--batch-fallback online: a failed line is retried online, recorded after its batch attempt', async () => {
    const s = await server({ batches: { respond: (line) => (line.lastUser === 'three' ? { kind: 'error', status: 503 } : { kind: 'reply' }) } });
    const cwd = await project(s);
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--batch-fallback', 'online', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.end!.counts).toMatchObject({ passed: 6 });
    expect(s.stats.requests).toBe(1);
    const three = callsOf(log.cases.find((c) => c.caseId === 'three')!)[0]!;
    expect(three.attempts).toMatchObject([{ outcome: 'retry', status: 503, batchId: 'batch_1' }, { attempt: 1, outcome: 'ok', status: 200 }]);
    expect(three.batch).toBeUndefined();
  });

  it('a key quoted in an error line reaches neither the log nor the terminal; a 400 line is not retried', async () => {
    const s = await server({ batches: { respond: (line) => (line.lastUser === 'four' ? { kind: 'error', status: 400, message: `Invalid request for key ${KEY}` } : { kind: 'reply' }) } });
    const cwd = await project(s);
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off']);
    expect(log.end!.counts).toMatchObject({ complete: 5, error: 1 });
    expect(s.batches).toHaveLength(1);
    const four = log.cases.find((c) => c.caseId === 'four')!;
    expect(four.error!.message).toContain('HTTP 400: Invalid request for key');
    expect(callsOf(four)[0]!.attempts).toMatchObject([{ outcome: 'error', status: 400, batchId: 'batch_1' }]);
    expect(await readFile(log.path, 'utf8')).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  it('rerun --batch batches the rerun run', async () => {
    const s = await server();
    const cwd = await project(s);
    const first = await batchRun(cwd, ['suite.json', '--cache', 'off']);
    expect(first.result.exitCode, first.result.stderr).toBe(0);
    expect(s.stats.requests).toBe(6);
    const rerun = await runInProcess(['rerun', first.log.header.runId, '--batch', '--cache', 'off', '--runs-dir', first.runsDir], { cwd, env });
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(s.stats.requests).toBe(6);
    expect(s.batches.map((batch) => batch.lines.length)).toEqual([6]);
  });

  it('a request the response cache answers never enters a batch', async () => {
    const s = await server();
    const cwd = await project(s);
    const first = await batchRun(cwd, ['suite.json', '--batch']);
    expect(first.result.exitCode, first.result.stderr).toBe(0);
    const second = await batchRun(cwd, ['suite.json', '--batch']);
    expect(second.result.exitCode, second.result.stderr).toBe(0);
    expect(s.batches).toHaveLength(1);
    expect(second.log.cases.flatMap(callsOf).every((call) => call.cache === 'hit' && call.batch === undefined)).toBe(true);
  });

  it('Ctrl-C leaves the batch running and says how to resume; the resume re-attaches to it and pays for no request twice', async () => {
    const s = await server({ batches: { manual: true } });
    // No batch setting in the model's profile: --batch alone makes this a batch run, and so its resume.
    const cwd = await project(s);
    const runsDir = join(cwd, 'runs');
    const running = startInProcess(['run', 'again.json', '--batch', '--cache', 'off', '--grace', '0', '--runs-dir', runsDir], { cwd, env });
    await waitForOutput(running, () => s.batches.length === 1 && s.batches[0]!.polls > 0);
    running.interrupt();
    const result = await running.result;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toMatch(/1 batch is still running at the provider \(batch_1\)\. Finish the run with their answers: tagliots resume \S+/);
    const original = await readRunLog(await onlyRunLog(runsDir));
    expect(original.end).toMatchObject({ status: 'interrupted' });

    // The batch ends while nobody watches; the resume takes its answers, then asks the second stage's questions.
    s.completeBatches();
    const { result: resumed, log } = await batchResume(cwd, original.header.runId);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(log.end).toMatchObject({ status: 'completed', counts: { complete: 6, passed: 6 } });
    expect(s.batches.map((batch) => batch.lines.length)).toEqual([6, 6]);
    expect([...s.batchStats.submitted.values()].every((times) => times === 1)).toBe(true);
    expect(s.batchStats.submitted.size).toBe(12);
    expect(s.stats.requests).toBe(0);
    // The first stage's calls came from the original run's batch, under the original run's ids.
    const first = log.cases.flatMap((c) => c.stageRecords['first']!.calls ?? []);
    expect(first.every((call) => call.batch!.batchId === 'batch_1' && call.batch!.customId.startsWith(`${original.header.runId}/`))).toBe(true);
  });

  it('tool loops and multi-turn cases: each round and each turn waits for the batch of the one before', async () => {
    /** The crude agent of agent.test.ts: looks up the order ids the customer gives, then repeats what the tools said. */
    const agent = (line: { body: Record<string, unknown>; lastUser: string }): Extract<Behaviour, { kind: 'reply' }> => {
      const messages = line.body['messages'] as { role: string; content: string | null }[];
      const results = messages.slice(messages.map((m) => m.role).lastIndexOf('user') + 1).filter((m) => m.role === 'tool');
      if (results.length > 0) return { kind: 'reply', text: `Here is what I found: ${results.map((m) => m.content).join(' ')}` };
      const ids = line.lastUser.match(/\b[A-Z]\d{4}\b/g) ?? [];
      return ids.length > 0 ? { kind: 'reply', toolCalls: ids.map((orderId) => ({ name: 'lookup_order', arguments: { orderId } })) } : { kind: 'reply', text: 'Hello! How can I help with your order?' };
    };
    const s = await server({ batches: { respond: agent } });
    const cwd = await temp.make();
    const local = { type: 'openai-compatible', model: 'agent-model', baseURL: s.url, apiKeyEnv: 'TAGLIOTS_TEST_KEY', batch: { pollIntervalMs: 1 } };
    await writeFiles(cwd, {
      'tagliots.config.ts': `import { defineConfig } from 'tagliots';
import agent from ${JSON.stringify(join(REPO_ROOT, 'samples/agent/pipeline.ts'))};
export default defineConfig({ pipelines: [agent], models: { local: ${JSON.stringify(local)} } });
`,
      'agent.json': JSON.stringify({ ...JSON.parse(await readFile(join(REPO_ROOT, 'suites/agent.json'), 'utf8')), config: { 'agent.model': 'local' } }),
    });
    // The sample imports zod, as a project that defines tools does.
    await symlink(join(REPO_ROOT, 'node_modules'), join(cwd, 'node_modules'), 'dir');
    const { result, log } = await batchRun(cwd, ['agent.json', '--ids', 'status-shipped,two-orders,chat-status', '--cache', 'off']);
    expect(result.exitCode, result.stderr).not.toBe(2);
    expect(log.end!.counts).toMatchObject({ complete: 3, error: 0 });
    expect(s.stats.requests).toBe(0);
    const calls = log.cases.flatMap((c) => (c.turns ? c.turns.map((turn) => turn.stageRecords['agent']!) : [c.stageRecords['agent']!])).flatMap((record) => record.calls ?? []);
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.every((call) => call.status === 'ok' && call.batch !== undefined)).toBe(true);
    // A round's request exists only once the round before was answered: several batches, none holding two rounds of one loop.
    expect(s.batches.length).toBeGreaterThan(1);
    const shipped = log.cases.find((c) => c.caseId === 'status-shipped')!.stageRecords['agent']!.calls!;
    expect(shipped.map((call) => [call.round, call.batch!.batchId])).toEqual([
      [1, 'batch_1'],
      [2, 'batch_2'],
    ]);
  });

  it('check estimates what the suite would cost in batch mode, beside the online price', async () => {
    const s = await server();
    const cwd = await temp.make();
    const local = { type: 'openai', model: 'gpt-4o-mini', baseURL: s.url, apiKeyEnv: 'TAGLIOTS_TEST_KEY', pricing: { inputPer1M: 1000, outputPer1M: 4000 } };
    await writeFiles(cwd, {
      'tagliots.config.ts': `import { defineConfig } from 'tagliots';
import { CalcPipeline } from ${JSON.stringify(join(REPO_ROOT, 'samples/calc/pipeline.ts'))};
export default defineConfig({ pipelines: [CalcPipeline], models: { local: ${JSON.stringify(local)} } });
`,
      'calc.json': JSON.stringify({
        pipeline: 'calc',
        config: { 'prepare.template': join(REPO_ROOT, 'samples/calc/template.txt'), 'infer.model.name': 'local' },
        cases: (JSON.parse(await readFile(join(REPO_ROOT, 'suites/calc.json'), 'utf8')) as { cases: unknown[] }).cases,
      }),
    });
    const result = await runInProcess(['check', 'calc.json'], { cwd, env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    // A TypeScript pipeline's estimate covers the calls seen before the first answer: the infer stage's.
    const online = /^ {2}infer +local .* (\$[0-9.,]+)$/m.exec(result.stdout)?.[1];
    const batched = /^ {2}in batch mode \(run --batch\): (\$[0-9.,]+) for the calls above$/m.exec(result.stdout)?.[1];
    expect(online, result.stdout).toBeDefined();
    expect(batched, result.stdout).toBeDefined();
    expect(Number(batched!.replace(/[$,]/g, ''))).toBeCloseTo(Number(online!.replace(/[$,]/g, '')) / 2, 1);
    expect(s.stats.requests + s.batchStats.files).toBe(0);
  });

  it("Azure OpenAI: lines name the global batch deployment, files and batches are the resource's", async () => {
    const s = await server();
    const cwd = await project(s, { type: 'azure-openai', baseURL: undefined, model: undefined, endpoint: s.origin, deployment: 'mini-batch', apiVersion: '2024-10-21' });
    const { result, log } = await batchRun(cwd, ['suite.json', '--batch', '--cache', 'off']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.end!.counts).toMatchObject({ passed: 6 });
    expect(s.batches[0]!.lines.every((line) => line.body['model'] === 'mini-batch')).toBe(true);
    expect(s.batchStats.calls.slice(0, 2)).toEqual(['POST /openai/files?api-version=2024-10-21', 'POST /openai/batches?api-version=2024-10-21']);
  });

  it('runSuite offline: the in-memory Batch API stands in for the provider, no server contacted', async () => {
    // A server that answers nothing: the run must not need it.
    const s = await server({ respond: () => ({ kind: 'error', status: 500 }) });
    const cwd = await project(s);
    const memory = createMemoryBatchApi({ answer: (body) => `memory: ${(body['messages'] as { content: string }[])[0]!.content}` });
    const run = await runSuite({
      cwd,
      env,
      suite: 'suite.json',
      overrides: ['model=local'],
      cache: 'off',
      runsDir: 'runs',
      batch: { all: true, api: () => memory },
    });
    expect(run.status).toBe('completed');
    expect(memory.batches).toHaveLength(1);
    expect(s.stats.requests + s.batchStats.files).toBe(0);
    const log = await readRunLog(run.logPath);
    expect(log.cases.map((c) => c.stages['first'])).toEqual(QUESTIONS.map((q) => `memory: ${q}`));
  });

  it('--cancel-batches: Ctrl-C cancels the batch still running', async () => {
    const s = await server({ batches: { manual: true } });
    const cwd = await project(s);
    const runsDir = join(cwd, 'runs');
    const running = startInProcess(['run', 'suite.json', '--batch', '--cancel-batches', '--cache', 'off', '--grace', '0', '--runs-dir', runsDir], { cwd, env });
    await waitForOutput(running, () => s.batches.length === 1 && s.batches[0]!.polls > 0);
    running.interrupt();
    const result = await running.result;
    expect(result.exitCode).toBe(130);
    expect(s.batchStats.cancelled).toBe(1);
    expect(result.stderr).not.toContain('still running');
  });
});
