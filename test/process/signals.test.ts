/**
 * What only a real process shows: SIGINT and SIGTERM reaching the run through the CLI's own Io,
 * the third Ctrl-C ending the process at once, and kill -9 leaving a log of whole lines that
 * `resume` finishes. These spawn the built CLI (bin/tagliots.js); the behaviour behind each
 * interrupt is tested in process by test/e2e/interrupt.test.ts and test/e2e/resume.test.ts.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { checkedRunLog, labCopy, onlyRunLog, runLogs, SLOW_RUN, tempDirs, waitForCaseLines, waitForStderr } from '../helpers/fixtures.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { runCli, startCli, type CliProcess, type CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const TOTAL = 40;

interface SlowRun {
  cli: CliProcess;
  project: string;
  runsDir: string;
}

/** Starts `tagliots run suites/slow.json -c 2` in a fresh copy of the lab project. */
async function startSlow(args: readonly string[] = []): Promise<SlowRun> {
  const { project, runsDir } = await labCopy(temp);
  return { cli: startCli([...SLOW_RUN, '--runs-dir', runsDir, ...args], { cwd: project, timeoutMs: 60_000 }), project, runsDir };
}

function expectInterrupted(result: CliResult, log: RunLog): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.exitCode, context).toBe(130);
  expect(result.signal).toBeNull();
  expect(stackFrames(result.stderr), context).toEqual([]);
  expect(result.stdout).toContain(`Summary for ${log.header.runId}`);
  expect(result.stdout).toContain('Run interrupted');
  expect(log.incomplete).toBe(false);
  expect(log.end?.status).toBe('interrupted');
  expect(log.cases.length + log.end!.counts.notRun).toBe(TOTAL);
}

describe.concurrent('signals', () => {
  it('SIGINT: the running cases finish, exit 130 with the summary', async () => {
    const { cli, runsDir } = await startSlow();
    await waitForCaseLines(runsDir, 3, cli);
    cli.kill('SIGINT');
    const result = await cli.result;
    const log = await checkedRunLog(runsDir);
    expectInterrupted(result, log);
    expect(result.stderr).toContain('Ctrl-C again');
    expect(log.end!.counts.cancelled).toBe(0);
  });

  it('SIGTERM is handled like SIGINT', async () => {
    const { cli, runsDir } = await startSlow();
    await waitForCaseLines(runsDir, 2, cli);
    cli.kill('SIGTERM');
    const result = await cli.result;
    expectInterrupted(result, await checkedRunLog(runsDir));
  });

  it('a third SIGINT exits at once, even while a stage ignores its signal', async () => {
    // Case 0 finishes at once; the cases running once its line is in sleep a minute and cannot be
    // cancelled, and the grace period is a minute: only the third Ctrl-C ends the process before
    // the run writes its end.
    const { cli, runsDir } = await startSlow(['work.ignoreSignal=true', 'work.sleepMs=60000', 'work.quickCases=1', '--grace', '60']);
    await waitForCaseLines(runsDir, 1, cli);
    cli.kill('SIGINT');
    await waitForStderr(cli, (stderr) => stderr.includes('Ctrl-C again'));
    cli.kill('SIGINT');
    await waitForStderr(cli, (stderr) => stderr.split('\n').filter(Boolean).length >= 2);
    cli.kill('SIGINT');
    const result = await cli.result;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toContain('Interrupted three times');
    expect(stackFrames(result.stderr)).toEqual([]);
    const log = await checkedRunLog(runsDir);
    expect(log.incomplete).toBe(true);
    expect(log.end).toBeNull();
    // The run's claim on its log is released on the way out: a resume may start at once.
    expect((await readdir(runsDir)).filter((name) => name.endsWith('.lock'))).toEqual([]);
  });
});

describe.concurrent('kill -9 mid-run', () => {
  for (const lines of [0, 1, 5, 12]) {
    it(`after ${lines} case lines: the log is readable, incomplete, with whole lines and no duplicate cases`, async () => {
      // The first `lines` cases finish at once and the others sleep a minute: the kill always
      // lands mid-run, however busy the machine is.
      const { cli, runsDir } = await startSlow(['-c', '4', `work.quickCases=${lines}`, 'work.sleepMs=60000']);
      await waitForCaseLines(runsDir, lines, cli);
      cli.kill('SIGKILL');
      const result = await cli.result;
      expect(result.signal).toBe('SIGKILL');
      const log = await checkedRunLog(runsDir);
      expect(log.incomplete).toBe(true);
      expect(log.end).toBeNull();
      expect(log.header.suite.count).toBe(TOTAL);
      expect(log.cases.length).toBeGreaterThanOrEqual(lines);
      expect(log.cases.length).toBeLessThanOrEqual(TOTAL);
      for (const c of log.cases) expect(c).toMatchObject({ type: 'case', status: 'complete', passed: true });
    });
  }

  it('resume finishes a killed run: the whole suite, each case once, the finished ones copied', async () => {
    const { cli, project, runsDir } = await startSlow(['work.sleepMs=150']);
    await waitForCaseLines(runsDir, 5, cli);
    cli.kill('SIGKILL');
    expect((await cli.result).signal).toBe('SIGKILL');
    const killed = await readRunLog(await onlyRunLog(runsDir));
    expect(killed.end).toBeNull();

    const result = await runCli(['resume', 'latest', '-c', '8', '--runs-dir', runsDir], { cwd: project, timeoutMs: 60_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const logs = (await runLogs(runsDir)).sort();
    expect(logs).toHaveLength(2);
    const resumed = await readRunLog(logs[1]!);
    expect(resumed.header).toMatchObject({ mode: 'resume', parentRunId: killed.header.runId });
    expect(resumed.cases.map((c) => c.caseId).sort()).toEqual(Array.from({ length: TOTAL }, (_, i) => `slow-${String(i + 1).padStart(2, '0')}`));
    const copied = new Map(killed.cases.map((c) => [c.caseId, c]));
    for (const c of resumed.cases) if (copied.has(c.caseId)) expect(c).toEqual(copied.get(c.caseId));
    expect(resumed.end).toMatchObject({ status: 'completed', counts: { total: TOTAL, complete: TOTAL, passed: TOTAL } });
  });
});
