/**
 * Exactly once under kill -9 and concurrent resumes, with real processes (the built CLI): a run
 * and its resumes are killed at seeded random points (after some number of case lines, or before
 * their log even exists), then resumed until done; and two resumes of one killed run are started
 * at once. Whatever the interleaving, the finished log must hold each case exactly once, and no
 * case may have run twice (a second resume log of one run would show it). The kill points are
 * counted in case lines, never in time; which process wins a race is not asserted, only that
 * exactly one did.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { sleep } from '../../src/util/sleep.ts';
import { copyFixtureProject, runLogs, tempDirs } from '../helpers/fixtures.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { startCli, type CliProcess } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const TOTAL = 40;
const IDS = Array.from({ length: TOTAL }, (_, i) => `slow-${String(i + 1).padStart(2, '0')}`);
/** 40 cases of 30 ms, 4 at a time: a run takes a few hundred milliseconds. */
const RUN = ['run', 'suites/slow.json', '-c', '4', 'work.sleepMs=30'];

/** A small seeded generator (mulberry32): the same kill points on every machine. */
function seeded(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

/** One copy of the lab project for every test (its config is bundled once); each test has a runs folder of its own. */
let project: Promise<string> | undefined;
async function lab() {
  const dir = await (project ??= temp.make().then((parent) => copyFixtureProject('lab', parent)));
  const runsDir = join(await temp.make(), 'runs');
  return { runsDir, start: (args: readonly string[]) => startCli([...args, '--runs-dir', runsDir], { cwd: dir, timeoutMs: 60_000 }) };
}

/** Complete case lines of `path` (none when it does not exist yet). */
async function caseLines(path: string): Promise<number> {
  try {
    const text = await readFile(path, 'utf8');
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((line) => line.startsWith('{"type":"case"')).length;
  } catch {
    return 0;
  }
}

/**
 * Kills `cli` with SIGKILL once the log it writes (a log of `runsDir` not in `before`) holds
 * `lines` case lines (with `kill: false`, only waits for them). It may end first.
 */
async function killAfter(cli: CliProcess, runsDir: string, before: ReadonlySet<string>, lines: number, options = { kill: true }): Promise<void> {
  while (!cli.ended()) {
    const [log] = (await runLogs(runsDir)).filter((path) => !before.has(path));
    if (log !== undefined && (await caseLines(log)) >= lines) break;
    await sleep(10);
  }
  if (!options.kill) return;
  cli.kill('SIGKILL');
  await cli.result;
}

/** Checks that no log of `runsDir` holds a case twice, and returns them by run id. */
async function readAll(runsDir: string): Promise<Map<string, RunLog>> {
  const logs = new Map<string, RunLog>();
  for (const path of await runLogs(runsDir)) {
    const log = await readRunLog(path);
    const keys = log.cases.map((c) => c.caseId);
    expect(new Set(keys).size, `${path} holds a case twice`).toBe(keys.length);
    logs.set(log.header.runId, log);
  }
  return logs;
}

/**
 * The finished chain: one log per run, each resumed at most once, the last one complete with
 * each case exactly once, and no case run twice anywhere (a record is either run by one log or
 * copied, unchanged, from its parent).
 */
async function expectExactlyOnce(runsDir: string): Promise<void> {
  const logs = await readAll(runsDir);
  const children = new Map<string, number>();
  for (const log of logs.values()) if (log.header.parentRunId) children.set(log.header.parentRunId, (children.get(log.header.parentRunId) ?? 0) + 1);
  for (const [parent, count] of children) expect(count, `run ${parent} was resumed ${count} times`).toBe(1);
  const last = [...logs.values()].find((log) => !children.has(log.header.runId))!;
  expect(last.cases.map((c) => c.caseId).sort()).toEqual(IDS);
  expect(last.end).toMatchObject({ status: 'completed', counts: { total: TOTAL, complete: TOTAL, notRun: 0 } });
  // Each case ran once: its record in the last log is the one the run that first recorded it wrote.
  const ranIn = new Map<string, string>();
  for (const log of [...logs.values()].sort((a, b) => (a.header.runId < b.header.runId ? -1 : 1))) {
    for (const record of log.cases) {
      const first = ranIn.get(record.caseId);
      if (first === undefined) ranIn.set(record.caseId, JSON.stringify(record));
      else expect(JSON.stringify(record), `case ${record.caseId} ran twice`).toBe(first);
    }
  }
}

describe.concurrent('kill -9 at random points, then resume until done', () => {
  for (const seed of [11, 23, 47]) {
    it(`seed ${seed}: each case exactly once`, async () => {
      const random = seeded(seed);
      const { runsDir, start } = await lab();
      // The run is killed after 0 to 20 case lines; the resume, after copying its records, after 0 to 20 more.
      await killAfter(start(RUN), runsDir, new Set(), random(21));
      const before = new Set(await runLogs(runsDir));
      const copied = (await readRunLog([...before][0]!)).cases.length;
      await killAfter(start(['resume', 'latest']), runsDir, before, copied + random(21));
      const done = await start(['resume', 'latest', '-c', '40']).result;
      expect(done.exitCode, `${done.stdout}\n${done.stderr}`).toBe(0);
      expect(stackFrames(done.stderr)).toEqual([]);
      await expectExactlyOnce(runsDir);
    });
  }
});

describe('resumes of a run still running, and two resumes of a killed run at once', () => {
  it('the resume of the running run is refused ("still running: pid N"); of the two, one resumes it and the other is refused or finds it resumed: never both', async () => {
    const { runsDir, start } = await lab();
    // Three quick cases, then 37 of 400 ms one at a time: the run is still running when the first resume looks.
    const run = start(['run', 'suites/slow.json', '-c', '1', 'work.sleepMs=400', 'work.quickCases=3']);
    await killAfter(run, runsDir, new Set(), 3, { kill: false });
    const intruder = await start(['resume', 'latest']).result;
    expect(stackFrames(intruder.stderr)).toEqual([]);
    if (intruder.exitCode === 2) expect(intruder.stderr).toContain(`is still running: pid ${run.child.pid} on this machine`);
    else expect(intruder.stdout).toContain('Nothing to resume'); // the run had ended by then
    expect(await runLogs(runsDir)).toHaveLength(1);
    run.kill('SIGKILL');
    await run.result;

    const [original] = await runLogs(runsDir);
    const originalId = (await readRunLog(original!)).header.runId;
    // The killed run's claim is stale: both take it over at once, one wins.
    const [a, b] = [start(['resume', originalId, '-c', '40']), start(['resume', originalId, '-c', '40'])];
    const results = await Promise.all([a.result, b.result]);
    for (const result of results) expect(stackFrames(result.stderr)).toEqual([]);
    const codes = results.map((r) => r.exitCode).sort();
    const refused = results.find((r) => r.exitCode === 2);
    if (refused) {
      expect(codes).toEqual([0, 2]);
      const winner = [a, b].find((cli) => cli.child.exitCode === 0)!;
      expect(refused.stderr).toContain(`Error (E_RESUME_SUPERSEDED): Run ${originalId} is being resumed by pid ${winner.child.pid} on this machine`);
    } else {
      expect(codes).toEqual([0, 0]);
      expect(results.map((r) => r.stdout).join('\n')).toContain('Nothing to resume.');
    }
    const logs = await readAll(runsDir);
    expect([...logs.values()].filter((log) => log.header.parentRunId === originalId)).toHaveLength(1);
    await expectExactlyOnce(runsDir);
  });
});
