/**
 * `tagliots history` end to end: runs listed newest first from the ends of their logs, logs that
 * cannot be read listed with their problem, -n and --json.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { testClock } from '../helpers/in-process.ts';
import { cli, copyLogFixture, makeRuns, normalizeLog } from '../helpers/log-runs.ts';
import { REPO_ROOT, runCli } from '../helpers/run-cli.ts';

const temp = tempDirs();
/** The fixture logs copied in: an older run that was killed, and a log this tagliots cannot read. */
const TRUNCATED = '019aa1ec-a9e7-7e58-aa3d-1f70c29b64a0';
const FUTURE = '019aa000-0000-7000-8000-000000000000';

let runsDir: string;
let ids: { perfect: string; flakey: string; dag: string };

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  ids = await makeRuns(runsDir, ['perfect', 'flakey', 'dag'], testClock());
  // Older runs, by their ids.
  await copyLogFixture('truncated.jsonl', runsDir, `${TRUNCATED}.jsonl`);
  await copyLogFixture('future-version.jsonl', runsDir, `${FUTURE}.jsonl`);
});
afterAll(() => temp.cleanup());

const history = (...args: string[]) => cli(['history', ...args, '--runs-dir', runsDir]);

/**
 * Replaces each run id the table shows (a prefix as long as it takes to tell the runs apart) by the
 * name of the one run it is a prefix of, so the expected text does not depend on the prefix length.
 */
function nameIds(text: string): string {
  const names: [id: string, name: string][] = [
    [ids.perfect, '<PERFECT>'],
    [ids.flakey, '<FLAKEY>'],
    [ids.dag, '<DAG>'],
    [TRUNCATED, '<TRUNCATED>'],
    [FUTURE, '<FUTURE>'],
  ];
  return text.replace(/\b01[0-9a-f]{6}-[0-9a-f-]+/g, (shown) => {
    const matches = names.filter(([id]) => id.startsWith(shown));
    return matches.length === 1 ? matches[0]![1] : `<AMBIGUOUS ${shown}>`;
  });
}

describe.concurrent('tagliots history', () => {
  it('lists runs newest first, with pass rate, errors and status, and the logs it could not read', async ({ expect }) => {
    const result = await history();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    // The id column shows the shortest unique prefixes of the run ids: compare cells, ids by name.
    const text = nameIds(normalizeLog(result.stdout, runsDir));
    const cells = text
      .split('\n')
      .filter((line) => line.startsWith('│'))
      .map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()).join(' | '));
    expect(cells).toMatchInlineSnapshot(`
      [
        "id | started | pipeline | suite | cases | passed | errors | status",
        "<DAG> | <LOCAL TIME> | dag | suites/dag.json | 3 | 100.0% | 0 | completed",
        "<FLAKEY> | <LOCAL TIME> | calc | suites/calc.json | 24 | 33.3% | 16 | completed",
        "<PERFECT> | <LOCAL TIME> | calc | suites/calc.json | 24 | 100.0% | 0 | completed",
        "<TRUNCATED> | <LOCAL TIME> | calc | suites/calc-smoke.json | 3 |  |  | incomplete",
        "<FUTURE> |  |  |  |  |  |  | unreadable",
      ]
    `);
    expect(text.slice(text.indexOf('┘') + 2)).toMatchInlineSnapshot(`
      "
      1 log could not be read:
        <FUTURE>: E_LOG_VERSION: <RUNS>/<RUN_ID>.jsonl has run-log version 99, but this tagliots reads versions up to 1
      "
    `);
  });

  it('shows the start time in the local time zone', async ({ expect }) => {
    // Spawned: the time zone is the process's (TZ), one for all the tests of this process.
    const utc = await runCli(['history', '--runs-dir', runsDir], { cwd: REPO_ROOT, env: { TZ: 'UTC' } });
    expect(utc.exitCode, utc.stderr).toBe(0);
    expect(utc.stdout).toContain('│ 2025-11-20 15:40:33 │');
    const tokyo = await runCli(['history', '--runs-dir', runsDir], { cwd: REPO_ROOT, env: { TZ: 'Asia/Tokyo' } });
    expect(tokyo.exitCode, tokyo.stderr).toBe(0);
    expect(tokyo.stdout).toContain('│ 2025-11-21 00:40:33 │');
  });

  it('lists the newest N runs with -n, and says how many it left out', async ({ expect }) => {
    const result = await history('-n', '2');
    expect(result.stdout).toContain('… 3 older runs not shown; use -n all to list every run.');
    const listed = (JSON.parse((await history('--json', '-n', '2')).stdout) as { runId: string }[]).map((e) => e.runId);
    expect(listed).toEqual([ids.dag, ids.flakey]);
  });

  it('prints JSON', async ({ expect }) => {
    const entries = JSON.parse((await history('--json', '-n', 'all')).stdout) as Record<string, unknown>[];
    expect(entries.map((e) => e['status'])).toEqual(['completed', 'completed', 'completed', 'incomplete', 'unreadable']);
    expect(entries[1]).toMatchObject({ runId: ids.flakey, pipeline: 'calc', suite: 'suites/calc.json', cases: 24, done: 24, passed: 8, failed: 0, errors: 16, costUsd: null, problem: null });
    expect(entries[1]!['passRate']).toBeCloseTo(1 / 3, 9);
    expect(entries[4]!['problem']).toMatch(/^E_LOG_VERSION: .* has run-log version 99/);
  });

  it('says when there are no runs', async ({ expect }) => {
    const empty = join(await temp.make(), 'runs');
    const result = await cli(['history', '--runs-dir', empty]);
    expect([result.exitCode, normalizeLog(result.stdout, empty)]).toEqual([0, 'No runs yet in <RUNS> (`tagliots run <suite>` writes one).\n']);
  });

  it('rejects a bad -n', async ({ expect }) => {
    const result = await history('-n', '0');
    expect([result.exitCode, result.stderr]).toEqual([2, "error: option '-n, --number <n>' argument '0' is invalid. -n must be a whole number of at least 1 (got '0').\n"]);
  });
});
