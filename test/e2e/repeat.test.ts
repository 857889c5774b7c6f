/**
 * `run --repeat N` and the selection flags of `run` (--filter, --ids, --limit, --sample/--seed)
 * end to end, in copies of the `steps` fixture project.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import type { CaseRecord } from '../../src/log/schema.ts';
import { copyFixtureProject, onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import type { CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

/** Runs `tagliots run <args>` in a fresh copy of the steps project and reads the log back. */
async function run(args: readonly string[], exitCode = 0): Promise<{ result: CliResult; log: RunLog | undefined }> {
  const parent = await temp.make();
  const dir = await copyFixtureProject('steps', parent);
  const runsDir = join(parent, 'runs');
  const result = await runInProcess(['run', 'suites/cases.json', ...args, '--runs-dir', runsDir], { cwd: dir });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
  if (exitCode !== 0) {
    expect(stackFrames(result.stderr)).toEqual([]);
    return { result, log: undefined };
  }
  return { result, log: await readRunLog(await onlyRunLog(runsDir)) };
}

const key = (c: CaseRecord) => `${c.caseId}/${c.repeat}`;
const ALL = ['s1', 's2', 's3', 's4', 's5', 's6', 's7'];

describe.concurrent('run --repeat', () => {
  it('runs every case N times, each (case, repeat) once, and counts them all', async () => {
    const { result, log } = await run(['--repeat', '3']);
    expect(log!.header.repeat).toBe(3);
    expect(log!.header.suite.count).toBe(7);
    expect(log!.cases.map(key).sort()).toEqual(ALL.flatMap((id) => [0, 1, 2].map((r) => `${id}/${r}`)).sort());
    expect(log!.end).toMatchObject({ status: 'completed', counts: { total: 21, complete: 21, passed: 18, failed: 3, notRun: 0 } });
    expect(result.stdout).toContain('Total: 21\n');
  });

  it('gives the repetitions of a case different, deterministic answers from the flakey mock', async () => {
    const first = (await run(['infer.model=flakey', '--repeat', '3', '-c', '8'])).log!;
    const second = (await run(['infer.model=flakey', '--repeat', '3', '-c', '1'])).log!;
    const outcome = (log: RunLog) => new Map(log.cases.map((c) => [key(c), `${c.status}:${String(c.passed)}`]));
    // The same outcome for every (case, repeat), whatever the concurrency.
    expect(outcome(second)).toEqual(outcome(first));
    // Over its three repetitions, a case meets the whole cycle: right, "hello world", failure.
    for (const id of ['s1', 's2', 's3', 's4', 's5', 's6']) {
      const statuses = [0, 1, 2].map((r) => outcome(first).get(`${id}/${r}`));
      expect(new Set(statuses).size, `${id}: ${statuses.join(', ')}`).toBe(2);
      expect(statuses.filter((s) => s === 'complete:true')).toHaveLength(1);
    }
  });

  it('records no repeat without --repeat', async () => {
    const { log } = await run([]);
    expect('repeat' in log!.header).toBe(false);
    for (const c of log!.cases) expect('repeat' in c).toBe(false);
  });

  it('refuses --repeat 0', async () => {
    const { result } = await run(['--repeat', '0'], 2);
    expect(result.stderr).toContain("--repeat must be a whole number of at least 1 (got '0').");
  });
});

describe.concurrent('run with a selection', () => {
  it('--filter runs the cases whose keywords match, and records the selection', async () => {
    const { result, log } = await run(['--filter', 'hard && !wrong']);
    expect(log!.cases.map((c) => c.caseId).sort()).toEqual(['s3', 's4', 's6']);
    expect(log!.header.selection).toEqual({ filter: 'hard && !wrong' });
    expect(log!.header.suite.count).toBe(3);
    expect(log!.end?.counts.total).toBe(3);
    expect(result.stdout).toContain('suite: suites/cases.json (3 cases)');
  });

  it('--ids takes ids or prefixes; --limit the first N', async () => {
    expect((await run(['--ids', 's1,s5'])).log!.cases.map((c) => c.caseId).sort()).toEqual(['s1', 's5']);
    const limited = (await run(['--limit', '2', '--filter', 'hard'])).log!;
    expect(limited.cases.map((c) => c.caseId).sort()).toEqual(['s3', 's4']);
    expect(limited.header.selection).toEqual({ filter: 'hard', limit: 2 });
  });

  it('--sample N --seed S picks the same cases every time, and works with --repeat', async () => {
    const a = (await run(['--sample', '3', '--seed', '7'])).log!;
    const b = (await run(['--sample', '3', '--seed', '7', '--repeat', '2'])).log!;
    const ids = (log: RunLog) => [...new Set(log.cases.map((c) => c.caseId))].sort();
    expect(ids(a)).toHaveLength(3);
    expect(ids(b)).toEqual(ids(a));
    expect(b.cases).toHaveLength(6);
    expect(a.header.selection).toEqual({ sample: 3, seed: 7 });
  });

  it('--shard i/n splits the cases into disjoint parts that cover the suite', async () => {
    const parts = await Promise.all([1, 2, 3].map(async (i) => (await run(['--shard', `${i}/3`])).log!));
    const all = parts.flatMap((log) => log.cases.map((c) => c.caseId));
    expect(all.sort()).toEqual(ALL);
    parts.forEach((log, i) => {
      expect(log.header.selection).toEqual({ shard: { index: i + 1, count: 3 } });
      expect(log.header.suite.count).toBe(log.cases.length);
    });
  });

  it('refuses a selection that matches nothing, a bad expression, an unknown id and --seed alone', async () => {
    expect((await run(['--filter', 'nothing'], 2)).result.stderr).toBe(
      "Error (E_SELECT_EMPTY): The selection matches none of the 7 cases of suites/cases.json.\nHint: Check the --filter expression (it matches the cases' keywords) and the --ids (case ids or prefixes).\n",
    );
    expect((await run(['--filter', 'hard &&'], 2)).result.stderr).toContain('E_FILTER_SYNTAX');
    expect((await run(['--ids', 'zz'], 2)).result.stderr).toContain("No case id starts with 'zz'.");
    expect((await run(['--seed', '3'], 2)).result.stderr).toContain('--seed only applies to --sample.');
  });
});
