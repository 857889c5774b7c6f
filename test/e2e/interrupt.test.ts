/**
 * Interrupting a run of the lab fixture's slow pipeline (each case sleeps in its `work` stage), in
 * process: the test fires the interrupts the run registered for (what Ctrl-C and SIGTERM do), and
 * checks the plain progress lines written when stderr is not a terminal. Tests wait for case lines
 * to appear in the log (polling the file) rather than for fixed times, and the cases they expect
 * to catch mid-sleep come after `work.quickCases` that do not sleep. Real signals, the third Ctrl-C
 * and kill -9 need a process: test/process/signals.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunLog } from '../../src/log/reader.ts';
import type { CaseRecord } from '../../src/log/schema.ts';
import { checkedRunLog, labCopy, SLOW_RUN, tempDirs, waitForCaseLines, waitForStderr } from '../helpers/fixtures.ts';
import { startInProcess, type InProcessRun } from '../helpers/in-process.ts';
import { hasAnsi, stackFrames } from '../helpers/normalize.ts';
import type { CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const TOTAL = 40;

interface SlowRun {
  cli: InProcessRun;
  runsDir: string;
}

/** Starts `tagliots run suites/slow.json -c 2` in a fresh copy of the lab project. */
async function startSlow(args: readonly string[] = [], env: Record<string, string> = {}): Promise<SlowRun> {
  const { project, runsDir } = await labCopy(temp);
  return { cli: startInProcess([...SLOW_RUN, '--runs-dir', runsDir, ...args], { cwd: project, env }), runsDir };
}

function expectInterrupted(result: CliResult, log: RunLog): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.exitCode, context).toBe(130);
  expect(stackFrames(result.stderr), context).toEqual([]);
  expect(result.stdout).toContain(`Summary for ${log.header.runId}`);
  expect(result.stdout).toMatch(/^Not run: \d+\/40 /m);
  expect(result.stdout).toContain('Run interrupted');
  expect(result.stdout).toContain('Results written to ');
  expect(log.incomplete).toBe(false);
  expect(log.end?.status).toBe('interrupted');
  const counts = log.end!.counts;
  expect(counts.notRun).toBeGreaterThan(0);
  expect(counts.complete + counts.error + counts.cancelled).toBe(log.cases.length);
  expect(log.cases.length + counts.notRun).toBe(TOTAL);
}

const work = (c: CaseRecord) => c.stageRecords['work']!;

describe.concurrent('interrupting a run', () => {
  it('one interrupt: running cases finish, no new case starts, exit 130 with the summary', async () => {
    const { cli, runsDir } = await startSlow();
    await waitForCaseLines(runsDir, 3, cli);
    cli.interrupt();
    const result = await cli.result;
    const log = await checkedRunLog(runsDir);
    expectInterrupted(result, log);
    expect(result.stderr).toContain('Ctrl-C again');
    // The grace period (5 s) is far longer than a case (200 ms): the running cases completed.
    expect(log.end!.counts.cancelled).toBe(0);
    expect(log.cases.every((c) => c.status === 'complete' && c.passed === true)).toBe(true);
    expect(log.cases.length).toBeGreaterThanOrEqual(3);
  });

  it('with --grace 0 the running cases are cancelled and recorded as cancelled', async () => {
    // The first 3 cases finish at once; the 2 running when their lines are in are a minute from done.
    const { cli, runsDir } = await startSlow(['--grace', '0', 'work.sleepMs=60000', 'work.quickCases=3']);
    await waitForCaseLines(runsDir, 3, cli);
    cli.interrupt();
    const result = await cli.result;
    const log = await checkedRunLog(runsDir);
    expectInterrupted(result, log);
    const cancelled = log.cases.filter((c) => c.status === 'cancelled');
    expect(cancelled.map((c) => c.index).sort()).toEqual([3, 4]);
    expect(log.end!.counts.cancelled).toBe(cancelled.length);
    expect(result.stdout).toMatch(/^Cancelled: \d+\/40 /m);
    expect(result.stdout).toContain('CANCELLED');
    for (const c of cancelled) {
      expect(c.error).toBeNull();
      expect(c.passed).toBeNull();
      expect(work(c)).toMatchObject({ status: 'cancelled', reason: 'interrupted' });
      // Stopped mid-sleep, not left to finish.
      expect(work(c).durationMs).toBeLessThan(60_000);
      expect(c.stageRecords['check']).toMatchObject({ status: 'skipped' });
    }
  });

  it('a second interrupt cancels the running cases at once, without waiting for the grace period', async () => {
    // The grace period and the sleep are far longer than the test's timeout: the run ends only if
    // the second interrupt cancels the cases.
    const { cli, runsDir } = await startSlow(['work.sleepMs=60000', 'work.quickCases=1', '--grace', '60']);
    await waitForCaseLines(runsDir, 1, cli);
    cli.interrupt();
    await waitForStderr(cli, (stderr) => stderr.includes('Ctrl-C again'));
    cli.interrupt();
    const result = await cli.result;
    const log = await checkedRunLog(runsDir);
    expectInterrupted(result, log);
    const cancelled = log.cases.filter((c) => c.status === 'cancelled');
    expect(cancelled.map((c) => c.index).sort()).toEqual([1, 2]);
    for (const c of cancelled) {
      expect(work(c)).toMatchObject({ status: 'cancelled', reason: 'interrupted' });
      expect(work(c).durationMs).toBeLessThan(60_000);
    }
  });

  it('a stage that ignores its signal is awaited after the grace period, then the run ends', async () => {
    const { cli, runsDir } = await startSlow(['work.ignoreSignal=true', 'work.sleepMs=1500', 'work.quickCases=1', '--grace', '0.2']);
    await waitForCaseLines(runsDir, 1, cli);
    cli.interrupt();
    const result = await cli.result;
    const log = await checkedRunLog(runsDir);
    expectInterrupted(result, log);
    // Cancelled while `work` ran: `work` still finished (it was awaited, never abandoned), and
    // `check` did not start after it.
    const stubborn = log.cases.filter((c) => c.status === 'cancelled');
    expect(stubborn.length).toBeGreaterThanOrEqual(1);
    for (const c of stubborn) {
      expect(work(c)).toMatchObject({ status: 'ok' });
      expect(work(c).durationMs).toBeGreaterThanOrEqual(1400);
      expect(c.stages['work']).toEqual({ index: c.index });
      expect(c.stageRecords['check']).toMatchObject({ status: 'skipped' });
    }
  });
});

describe.concurrent('progress when stderr is not a terminal', () => {
  it('prints "progress: N/M" lines at TAGLIOTS_PROGRESS_INTERVAL_MS', async () => {
    const { cli, runsDir } = await startSlow(['work.sleepMs=40'], { TAGLIOTS_PROGRESS_INTERVAL_MS: '50' });
    const result = await cli.result;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(hasAnsi(result.stderr)).toBe(false);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('progress: '));
    expect(lines.length, result.stderr).toBeGreaterThanOrEqual(2);
    const done = lines.map((line) => {
      const match = /^progress: (\d+)\/40 \(\d+%\), \d+ running, /.exec(line);
      expect(match, line).not.toBeNull();
      return Number(match![1]);
    });
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(Math.max(...done)).toBeLessThanOrEqual(TOTAL);
    // Nothing but progress lines on stderr.
    expect(result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('progress: '))).toEqual([]);
    const log = await checkedRunLog(runsDir);
    expect(log.end).toMatchObject({ status: 'completed', counts: { complete: TOTAL, passed: TOTAL } });
  });

  it('prints no progress lines for a run shorter than the default interval', async () => {
    const { cli } = await startSlow(['work.sleepMs=1']);
    const result = await cli.result;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  });
});
