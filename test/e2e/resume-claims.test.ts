/**
 * Claims on runs, in process: a run holds the claim on its own log while it runs, and a resume on
 * the log it finishes, so `resume` of a run still running, or one being resumed, is refused and no
 * case runs twice; a claim left by a killed process is taken over, one from another host only with
 * --force. And a resume or rerun uses the run's own response cache mode. Two processes resuming at
 * once, and kill -9 at random points, are in test/process/crash-safety.test.ts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pid } from '../../src/host.ts';
import { claimPathOf } from '../../src/log/claim.ts';
import { readRunLog } from '../../src/log/reader.ts';
import { copyFixtureProject, cutRunLog, runLogs, tempDirs, waitForCaseLines, waitForOutput, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess, startInProcess, type InProcessRun } from '../helpers/in-process.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { startOpenAIServer, type OpenAIServer } from '../helpers/openai-server.ts';
import { REPO_ROOT, type CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
const servers: OpenAIServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await temp.cleanup();
});

const IDS = Array.from({ length: 40 }, (_, i) => `slow-${String(i + 1).padStart(2, '0')}`);

async function lab() {
  const dir = await copyFixtureProject('lab', await temp.make());
  const runsDir = join(dir, 'runs');
  const cli = async (args: readonly string[], exitCode = 0): Promise<CliResult> => {
    const result = await runInProcess(args, { cwd: dir });
    expect(result.exitCode, `${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
    expect(stackFrames(result.stderr)).toEqual([]);
    return result;
  };
  const logs = async () => (await runLogs(runsDir)).sort();
  return { dir, runsDir, cli, logs, start: (args: readonly string[]) => startInProcess(args, { cwd: dir }) };
}

/** Interrupts twice (stop starting, cancel the running cases) and waits for the command to end. */
async function cancel(run: InProcessRun): Promise<CliResult> {
  run.interrupt();
  run.interrupt();
  return run.result;
}

/** Every case of the suite exactly once, across the log a resume wrote. */
async function expectEachCaseOnce(path: string): Promise<void> {
  const log = await readRunLog(path);
  expect(log.cases.map((c) => c.caseId).sort()).toEqual(IDS);
  expect(log.end).toMatchObject({ status: 'completed', counts: { total: 40, complete: 40, notRun: 0 } });
}

describe.concurrent('claims', () => {
  it('resume of a run still running is refused (pid and host named); once it stops, resume finishes it', async () => {
    const p = await lab();
    // The first 3 cases are quick, the others sleep until cancelled.
    const running = p.start(['run', 'suites/slow.json', '-c', '2', 'work.sleepMs=60000', 'work.quickCases=3']);
    const path = await waitForCaseLines(p.runsDir, 3, running);
    const runId = (await readRunLog(path)).header.runId;
    expect(await readdir(p.runsDir)).toContain(`${runId}.lock`);

    const refused = await p.cli(['resume', 'latest'], 2);
    expect(refused.stderr).toContain(`Error (E_RUN_RUNNING): Run ${runId} is still running: pid ${pid} on this machine (${hostname()}) has been writing it since `);
    expect(refused.stderr).toContain('Hint: Resuming it now would run its cases twice. Wait for it to end, or stop it');
    expect(await p.logs()).toEqual([path]);

    expect((await cancel(running)).exitCode).toBe(130);
    expect(await readdir(p.runsDir)).toEqual([`${runId}.jsonl`]); // released
    const resume = p.start(['resume', 'latest']);
    await waitForOutput(resume, () => resume.stdout().includes('Resume configuration'));
    expect((await cancel(resume)).exitCode).toBe(130);
  }, 60_000);

  it('a second resume while one runs gets E_RESUME_SUPERSEDED naming the first; later ones are pointed at it', async () => {
    const p = await lab();
    const original = p.start(['run', 'suites/slow.json', '-c', '2', 'work.sleepMs=60000', 'work.quickCases=5']);
    await waitForCaseLines(p.runsDir, 5, original);
    await cancel(original);
    const [originalPath] = await p.logs();
    const originalId = (await readRunLog(originalPath!)).header.runId;

    // The resume runs the remaining cases with the recorded config: they sleep until cancelled.
    const first = p.start(['resume', originalId]);
    await waitForOutput(first, () => first.stdout().includes('Resume configuration'));
    const firstId = /id: (\S+)/.exec(first.stdout())![1]!;
    const second = await p.cli(['resume', originalId], 2);
    expect(second.stderr).toContain(`Error (E_RESUME_SUPERSEDED): Run ${originalId} is being resumed by pid ${pid} on this machine (${hostname()}), as run ${firstId}, since `);
    expect(second.stderr).toContain(`Hint: Wait for that resume to end. Should it stop before it finishes, \`tagliots resume ${firstId}\` continues it.`);
    expect(await p.logs()).toHaveLength(2);

    expect((await cancel(first)).exitCode).toBe(130);
    const third = await p.cli(['resume', originalId], 2);
    expect(third.stderr).toContain(`Error (E_RESUME_SUPERSEDED): Run ${originalId} was resumed already by run ${firstId}, which did not finish either.`);
    expect((await readdir(p.runsDir)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  }, 60_000);

  it('a claim left by a killed process is taken over; one from another host only with --force', async () => {
    const p = await lab();
    await p.cli(['run', 'suites/slow.json', '-c', '4', 'work.sleepMs=1']);
    const [path] = await p.logs();
    await cutRunLog(path!, 10);
    const runId = (await readRunLog(path!)).header.runId;
    const claim = (log: string, record: object) =>
      writeFile(claimPathOf(log), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), runId, mode: 'run', claimedAt: '2026-01-01T00:00:00.000Z', nonce: 'dead', ...record }));

    await claim(path!, { host: 'build-7.example' });
    const refused = await p.cli(['resume', 'latest'], 2);
    expect(refused.stderr).toContain(`Error (E_RUN_RUNNING): Run ${runId} is still running: pid ${2 ** 22 + 7} on host build-7.example (another machine: whether it still runs cannot be checked from here)`);
    expect(refused.stderr).toContain('pass --force to take the run over');

    await claim(path!, {}); // the process that made it is gone
    await p.cli(['resume', 'latest']);
    const resumed = (await p.logs())[1]!;
    await expectEachCaseOnce(resumed);
    expect((await readdir(p.runsDir)).filter((name) => name.endsWith('.lock'))).toEqual([]);

    // A resume killed on another machine: taken over with --force.
    await cutRunLog(resumed, 20);
    await claim(resumed, { host: 'build-7.example', mode: 'resume' });
    await p.cli(['resume', 'latest'], 2);
    await p.cli(['resume', 'latest', '--force']);
    await expectEachCaseOnce((await p.logs())[2]!);
  }, 60_000);
});

describe.concurrent('resume and rerun keep the run cache mode', () => {
  const KEY = 'sk-e2e-cache-mode-key-0001';
  const suite = async () => JSON.parse(await readFile(join(REPO_ROOT, 'suites/calc.json'), 'utf8')) as { cases: { user: string; answer: number }[] };

  async function calcProject(): Promise<{ dir: string; server: OpenAIServer }> {
    const answers = new Map((await suite()).cases.map((c) => [c.user, String(c.answer)]));
    const server = await startOpenAIServer({ apiKey: KEY, respond: (r) => ({ kind: 'reply', text: answers.get(r.lastUser) ?? '?' }) });
    servers.push(server);
    const dir = await temp.make();
    const local = { type: 'openai-compatible', model: 'calc-model', baseURL: server.url, apiKeyEnv: 'TAGLIOTS_TEST_KEY' };
    await writeFiles(dir, {
      'tagliots.config.ts': `import { defineConfig } from 'tagliots';
import { CalcPipeline } from ${JSON.stringify(join(REPO_ROOT, 'samples/calc/pipeline.ts'))};
export default defineConfig({ pipelines: [CalcPipeline], models: { local: ${JSON.stringify(local)} } });
`,
      'calc.json': JSON.stringify({
        pipeline: 'calc',
        config: { 'prepare.template': join(REPO_ROOT, 'samples/calc/template.txt'), 'infer.model.name': 'local' },
        cases: (await suite()).cases,
      }),
    });
    return { dir, server };
  }

  it('a run made with --cache off is resumed and rerun with it off; --cache changes it', async () => {
    const { dir, server } = await calcProject();
    const env = { TAGLIOTS_TEST_KEY: KEY };
    const cli = async (args: readonly string[]) => {
      const result = await runInProcess(args, { cwd: dir, env });
      expect(result.exitCode, result.stderr).toBe(0);
      return result;
    };
    // Fills the cache, so a resume reading it would answer from there.
    await cli(['run', 'calc.json', '--runs-dir', 'warm']);
    const requests = server.stats.requests;
    await cli(['run', 'calc.json', '--cache', 'off']);
    expect(server.stats.requests).toBe(2 * requests);
    const [path] = (await runLogs(join(dir, 'runs'))).sort();
    await cutRunLog(path!, 4);

    const resumed = await cli(['resume', 'latest']);
    expect(resumed.stdout).toContain('Cache hits: 0 of');
    expect(server.stats.requests).toBe(3 * requests - 4);
    const resumedLog = await readRunLog((await runLogs(join(dir, 'runs'))).sort()[1]!);
    expect(resumedLog.header.models).toEqual({ local: expect.objectContaining({ cache: 'off' }) });

    const rerun = await cli(['rerun', path!, '--limit', '2']);
    expect(rerun.stdout).toContain('Cache hits: 0 of 2 calls');
    const readsCache = await cli(['rerun', path!, '--limit', '2', '--cache', 'read']);
    expect(readsCache.stdout).toContain('Cache hits: 2 of 2 calls');
  }, 60_000);
});
