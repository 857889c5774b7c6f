/**
 * Batch mode under kill -9, with a real process (the built CLI): a run killed once its batch is
 * submitted, and a run killed after the batch was created but before the provider's answer to that
 * reached it, are finished by `resume`, which re-attaches to the batch the killed run left. The
 * server counts each request by its `custom_id`: none may be submitted twice. Kill points are
 * events (the server's batches, the journal's lines), never times.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { sleep } from '../../src/util/sleep.ts';
import { runLogs, tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { startOpenAIServer, type BatchBehaviour, type OpenAIServer } from '../helpers/openai-server.ts';
import { startCli, type CliProcess } from '../helpers/run-cli.ts';

const temp = tempDirs();
const servers: OpenAIServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await temp.cleanup();
});

const CASES = 20;

async function setUp(batches: BatchBehaviour) {
  const s = await startOpenAIServer({ batches: { manual: true, ...batches } });
  servers.push(s);
  const cwd = await temp.make();
  const local = { type: 'openai-compatible', model: 'batch-model', baseURL: s.url, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, batch: { pollIntervalMs: 5 } };
  await writeFiles(cwd, {
    'tagliots.config.ts': `import { defineConfig, definePipeline } from 'tagliots';
const ask = definePipeline({
  name: 'ask',
  description: 'One question',
  config: { model: 'local' },
  stages: ({ config, models }) => {
    const model = models.get(config.model);
    return { first: async (ctx) => (await model.complete({ messages: [{ role: 'user', content: ctx.case.question }] }, ctx)).text };
  },
  passed: ({ stages, case: c }) => stages.first === c.question,
});
export default defineConfig({ pipelines: [ask], models: { local: ${JSON.stringify(local)} } });
`,
    'suite.json': JSON.stringify({ pipeline: 'ask', cases: Array.from({ length: CASES }, (_, i) => ({ id: `q${i + 1}`, question: `question ${i + 1}` })) }),
  });
  const runsDir = join(cwd, 'runs');
  return { s, cwd, runsDir };
}

/** Polls until `ready()` holds; throws when the CLI ends first. */
async function until(cli: CliProcess, ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) {
    if (cli.ended()) throw new Error(`the CLI ended first\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    await sleep(20);
  }
}

/** The types of the lines of the only batch journal in `runsDir` (none before it exists). */
async function journal(runsDir: string): Promise<string[]> {
  const [log] = await runLogs(runsDir);
  if (!log) return [];
  try {
    const text = await readFile(log.replace(/\.jsonl$/, '.batches.log'), 'utf8');
    return text.split('\n').filter((line) => line.endsWith('}')).map((line) => (JSON.parse(line) as { type: string }).type);
  } catch {
    return [];
  }
}

async function resumeAndCheck(s: OpenAIServer, cwd: string, runsDir: string) {
  const [killed] = await runLogs(runsDir);
  const original = await readRunLog(killed!);
  expect(original.end).toBeNull();
  s.completeBatches();
  const resumed = await runInProcess(['resume', original.header.runId, '--runs-dir', runsDir], { cwd });
  expect(resumed.exitCode, resumed.stderr).toBe(0);
  const logs = await Promise.all((await runLogs(runsDir)).map((path) => readRunLog(path)));
  const log = logs.find((l) => l.header.parentRunId === original.header.runId)!;
  expect(log.end).toMatchObject({ status: 'completed', counts: { complete: CASES, passed: CASES } });
  // Each request was submitted in exactly one batch, and none was sent online.
  expect(s.batches).toHaveLength(1);
  expect(s.batchStats.submitted.size).toBe(CASES);
  expect([...s.batchStats.submitted.values()].every((times) => times === 1)).toBe(true);
  expect(s.stats.requests).toBe(0);
}

describe('batch mode: kill -9, then resume', () => {
  it('killed while waiting for its batch: the resume re-attaches to it', async () => {
    const { s, cwd, runsDir } = await setUp({});
    const cli = startCli(['run', 'suite.json', '--batch', '--cache', 'off', '--runs-dir', runsDir], { cwd, timeoutMs: 60_000 });
    await until(cli, async () => s.batches.length === 1 && s.batches[0]!.polls > 0 && (await journal(runsDir)).includes('submitted'));
    cli.kill('SIGKILL');
    expect((await cli.result).signal).toBe('SIGKILL');
    await resumeAndCheck(s, cwd, runsDir);
  });

  it('killed after the batch was created but before the answer arrived: the resume finds the batch by its file', async () => {
    const { s, cwd, runsDir } = await setUp({ hangCreate: (n) => n === 1 });
    const cli = startCli(['run', 'suite.json', '--batch', '--cache', 'off', '--runs-dir', runsDir], { cwd, timeoutMs: 60_000 });
    await until(cli, async () => s.batches.length === 1 && (await journal(runsDir)).includes('uploaded'));
    cli.kill('SIGKILL');
    expect((await cli.result).signal).toBe('SIGKILL');
    expect(await journal(runsDir)).toEqual(['uploaded']);
    await resumeAndCheck(s, cwd, runsDir);
  });
});
