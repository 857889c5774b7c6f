/**
 * The agent sample end to end: tool loops through the CLI, offline with the perfect and flakey
 * mocks, and against the local OpenAI-compatible server answering with tool calls (with the
 * response cache, and a rerun from the stage after the agent).
 */
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import type { CaseRecord } from '../../src/log/schema.ts';
import { onlyRunLog, runLogs, tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { startOpenAIServer, type Behaviour, type OpenAIServer, type ReceivedRequest } from '../helpers/openai-server.ts';
import { REPO_ROOT, runCli } from '../helpers/run-cli.ts';

const temp = tempDirs();
const servers: OpenAIServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await temp.cleanup();
});

async function run(args: readonly string[]) {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runInProcess(['run', 'suites/agent.json', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  const log = await readRunLog(await onlyRunLog(runsDir));
  return { result, runsDir, log };
}

/** The agent stage's records of a case, turn by turn. */
const agentRecords = (record: CaseRecord) => (record.turns ? record.turns.map((turn) => turn.stageRecords['agent']!) : [record.stageRecords['agent']!]);

describe.concurrent('run suites/agent.json', () => {
  it('perfect: plays every expected tool call and answer, so every case and turn passes', async () => {
    const { result, log } = await run([]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.cases).toHaveLength(24);
    expect(log.end).toMatchObject({ status: 'completed', counts: { complete: 24, passed: 24 } });
    expect(result.stdout).toContain('Turns: 9 in 4 multi-turn cases (9 complete, 0 error, 0 skipped)');

    const twoOrders = log.cases.find((c) => c.caseId === 'two-orders')!;
    // Two parallel calls in one round, then the answer.
    expect(twoOrders.stages['agent']).toMatchObject({
      outcome: 'answer',
      rounds: 2,
      toolCalls: [
        { round: 1, name: 'lookup_order', arguments: { orderId: 'A1002' }, status: 'ok', result: { status: 'shipped' } },
        { round: 1, name: 'lookup_order', arguments: { orderId: 'C3002' }, status: 'ok', result: { status: 'processing' } },
      ],
    });
    const [info] = agentRecords(twoOrders)[0]!.llm!;
    expect(info).toMatchObject({ model: 'perfect', loop: 1, outcome: 'answer', tools: [{ name: 'find_orders' }, { name: 'lookup_order' }, { name: 'issue_refund' }, { name: 'escalate' }] });
    expect(info!.rounds!.map((round) => round.toolCalls.length)).toEqual([2, 0]);

    // A conversation: the refund of turn 1 uses the order turn 0 looked up, and the store keeps it.
    const chat = log.cases.find((c) => c.caseId === 'chat-refund')!;
    expect(chat.turns!.map((turn) => (turn.stages['agent'] as { toolCalls: { name: string }[] }).toolCalls.map((call) => call.name))).toEqual([['lookup_order'], ['issue_refund']]);
    expect(chat.turns![1]!.stages['agent']).toMatchObject({ toolCalls: [{ result: { refundId: 'R-A1001-1', amount: 249, refundedInAll: 249 } }] });
  });

  it('flakey: bad arguments and wrong tools go back to the model as tool errors; the tool checks fail those cases', async () => {
    const { result, log } = await run(['agent.model=flakey']);
    expect(result.exitCode).not.toBe(2);
    expect(log.end!.counts).toMatchObject({ complete: 24, error: 0 });
    const failed = log.cases.filter((c) => c.passed === false);
    expect(failed.length).toBeGreaterThanOrEqual(10);
    const calls = log.cases.flatMap((c) => agentRecords(c)).flatMap((r) => r.llm![0]!.rounds!.flatMap((round) => round.toolCalls));
    const kinds = new Set(calls.filter((call) => call.status === 'error').map((call) => call.error!.kind));
    expect(kinds).toEqual(new Set(['arguments', 'exception']));
    // The model gets the error and carries on: those loops still end with an answer.
    const greeting = log.cases.find((c) => c.caseId === 'greeting')!;
    expect(greeting.passed).toBe(false);
    expect(greeting.stages['assess']).toMatchObject({ checks: [{ name: 'answered', passed: true }, { type: 'toolNotCalled', passed: false, detail: 'the calls were find_orders' }, { name: 'mentions help', passed: true }] });
  });

  it('compare: lists the cases whose tool calls changed, each run\'s calls in order, in text and Markdown', async () => {
    const runsDir = join(await temp.make(), 'runs');
    for (const model of ['perfect', 'flakey']) {
      const result = await runInProcess(['run', 'suites/agent.json', `agent.model=${model}`, '--runs-dir', runsDir], { cwd: REPO_ROOT });
      expect(result.exitCode).not.toBe(2);
    }
    const [perfect, flakey] = (await runLogs(runsDir)).sort();
    const text = await runInProcess(['compare', perfect!, flakey!, '--runs-dir', runsDir], { cwd: REPO_ROOT });
    const changed = /Tool calls changed \((\d+)\)/.exec(text.stdout);
    expect(changed, text.stdout).not.toBeNull();
    expect(Number(changed![1])).toBeGreaterThan(0);
    // greeting: perfect calls no tool, flakey looks for orders (see the flakey test above).
    expect(text.stdout).toMatch(/ {2}greeting {2}passed => failed\n {4}A: \(no tool calls\)\n {4}B: find_orders \{/);
    const md = await runInProcess(['compare', perfect!, flakey!, '--md', '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(md.stdout).toMatch(/<summary>\d+ cases? with other tool calls<\/summary>/);
    expect(md.stdout).toMatch(/\| `greeting` \| passed → failed \| \*\(no tool calls\)\* \| `find_orders \{/);
    const json = JSON.parse((await runInProcess(['compare', perfect!, flakey!, '--json', '--runs-dir', runsDir], { cwd: REPO_ROOT })).stdout) as { toolCalls: { changed: number } };
    expect(json.toolCalls.changed).toBe(Number(changed![1]));
  });

  it('--repeat: each repetition has a store of its own', async () => {
    const { result, log } = await run(['--repeat', '2', '--ids', 'refund-broken']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.cases.map((c) => (c.stages['agent'] as { toolCalls: { result?: { refundId?: string } }[] }).toolCalls[1]!.result!.refundId)).toEqual(['R-A1001-1', 'R-A1001-1']);
  });
});

// ---------------------------------------------------------------------------------------------
// Against the local server

/** A crude agent: looks up the order ids (or the e-mail) the customer gives, then repeats what the tools said. */
function crudeAgent(request: ReceivedRequest): Behaviour {
  const messages = request.body['messages'] as { role: string; content: string | null }[];
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const results = messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
  if (results.length > 0) return { kind: 'reply', text: `Here is what I found: ${results.map((m) => m.content).join(' ')}` };
  const ids = request.lastUser.match(/\b[A-Z]\d{4}\b/g) ?? [];
  if (ids.length > 0) return { kind: 'reply', toolCalls: ids.map((orderId) => ({ name: 'lookup_order', arguments: { orderId } })) };
  const email = /\S+@\S+\.com/.exec(request.lastUser)?.[0];
  if (email) return { kind: 'reply', toolCalls: [{ name: 'find_orders', arguments: { email } }] };
  return { kind: 'reply', text: 'Hello! How can I help with your order?' };
}

async function agentProject(s: OpenAIServer): Promise<string> {
  const dir = await temp.make();
  const local = { type: 'openai-compatible', model: 'agent-model', baseURL: s.url, pricing: { inputPer1M: 1, outputPer1M: 2 }, retry: { baseDelayMs: 10, maxDelayMs: 50 } };
  await writeFiles(dir, {
    'tagliots.config.ts': `import { defineConfig } from 'tagliots';
import agent from ${JSON.stringify(join(REPO_ROOT, 'samples/agent/pipeline.ts'))};
export default defineConfig({ pipelines: [agent], models: { local: ${JSON.stringify(local)} } });
`,
    'agent.json': JSON.stringify({ ...JSON.parse(await readFile(join(REPO_ROOT, 'suites/agent.json'), 'utf8')), config: { 'agent.model': 'local' } }),
  });
  // The sample imports zod, as a project that defines tools does: it is one of the project's packages.
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('the agent sample against a local OpenAI-compatible server', () => {
  it('runs the tool loop through the API, answers a repeated run from the cache, and reruns from assess without a request', async () => {
    const s = await startOpenAIServer({ respond: crudeAgent });
    servers.push(s);
    const cwd = await agentProject(s);
    const runsDir = join(cwd, 'runs');
    const args = ['run', 'agent.json', '--runs-dir', runsDir, '--ids', 'status-shipped,two-orders,orders-by-mail,greeting,chat-status', '--cache', 'rw'];

    // Spawned: the requests go through the built CLI's bundle of the SDK.
    const first = await runCli(args, { cwd, timeoutMs: 60_000 });
    expect(first.exitCode, first.stderr).not.toBe(2);
    const [firstPath] = await runLogs(runsDir);
    const log: RunLog = await readRunLog(firstPath!);
    const shipped = log.cases.find((c) => c.caseId === 'status-shipped')!;
    expect(shipped.stages['assess']).toMatchObject({ f1: 1 });
    const record = shipped.stageRecords['agent']!;
    expect(record.calls!.map((call) => [call.loop, call.round, call.cache])).toEqual([
      [1, 1, 'miss'],
      [1, 2, 'miss'],
    ]);
    expect(record.llm![0]!.rounds!.map((round) => round.finishReason)).toEqual(['tool_calls', 'stop']);
    expect(record.costUsd).toBeGreaterThan(0);
    const twoOrders = log.cases.find((c) => c.caseId === 'two-orders')!;
    expect((twoOrders.stages['agent'] as { toolCalls: unknown[] }).toolCalls).toHaveLength(2);
    expect(log.cases.find((c) => c.caseId === 'greeting')!.passed).toBe(true);
    const requests = s.requests.length;
    expect(requests).toBe(10);
    // The tool results went back to the server as tool messages.
    expect(s.requests.some((r) => (r.body['messages'] as { role: string; tool_call_id?: string }[]).some((m) => m.role === 'tool' && typeof m.tool_call_id === 'string'))).toBe(true);

    const second = await runInProcess(args, { cwd });
    expect(second.exitCode, second.stderr).toBe(first.exitCode);
    expect(s.requests.length).toBe(requests);
    const [secondPath] = (await runLogs(runsDir)).filter((path) => path !== firstPath);
    const secondLog = await readRunLog(secondPath!);
    const cached = secondLog.cases.flatMap((c) => agentRecords(c)).flatMap((r) => r.calls ?? []);
    expect(cached.map((call) => call.cache)).toEqual(cached.map(() => 'hit'));
    expect(secondLog.cases.map((c) => c.stages['agent'])).toEqual(expect.arrayContaining(log.cases.filter((c) => !c.turns).map((c) => c.stages['agent'])));

    // Single-turn cases reuse the agent's output; a conversation runs its turns again (from the cache here).
    const rerun = await runInProcess(['rerun', firstPath!, '--from', 'assess', '--runs-dir', runsDir, '--cache', 'rw'], { cwd });
    expect(rerun.exitCode, rerun.stderr).toBe(first.exitCode);
    expect(s.requests.length).toBe(requests);
    const rerunLog = await readRunLog((await runLogs(runsDir)).find((path) => path !== firstPath && path !== secondPath)!);
    expect(rerunLog.header.mode).toBe('rerun');
    const reused = rerunLog.cases.find((c) => c.caseId === 'two-orders')!;
    expect(reused.stageRecords['agent']).toMatchObject({ reused: true });
    expect(reused.stages['assess']).toEqual(twoOrders.stages['assess']);
  });
});
