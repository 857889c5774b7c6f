/**
 * The menu sample end to end: multi-turn cases through the CLI in process, offline, with the
 * perfect and flakey mocks; then `format` and `timeline` read the log back.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

async function run(args: readonly string[]) {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runInProcess(['run', 'suites/menu.json', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  const log = await readRunLog(await onlyRunLog(runsDir));
  return { result, runsDir, log };
}

describe.concurrent('run suites/menu.json', () => {
  it('perfect: every turn of every case passes at repair cost 0, with turn rows and per-turn pass rates', async () => {
    const { result, log } = await run([]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(log.cases).toHaveLength(12);
    for (const record of log.cases) {
      expect(record.status).toBe('complete');
      expect(record.passed).toBe(true);
      expect(record.turns!.length).toBeGreaterThanOrEqual(2);
      for (const turn of record.turns!) expect(turn.stages['assess']).toEqual({ cost: 0, steps: [] });
    }
    expect(result.stdout).toMatch(/│ \w+\.00 +│ COMPLETE │ yes/);
    expect(result.stdout).toContain('Turns: 28 in 12 multi-turn cases (28 complete, 0 error, 0 skipped)');
    expect(result.stdout).toContain('Pass rate per turn: #0 12/12 (100.00%), #1 12/12 (100.00%), #2 4/4 (100.00%)');
  });

  it('flakey: a failing turn fails its case, later turns are skipped and still shown', async () => {
    const { result, log, runsDir } = await run(['infer.model.name=flakey']);
    expect(result.exitCode).not.toBe(2);
    const errored = log.cases.filter((c) => c.status === 'error');
    expect(errored.length).toBeGreaterThan(0);
    for (const record of errored) {
      const failed = record.turns!.findIndex((t) => t.status === 'error');
      expect(failed).toBeGreaterThanOrEqual(0);
      expect(record.error!.context[0]).toBe(`turn ${failed}`);
      expect(record.passed).toBeNull();
      for (const later of record.turns!.slice(failed + 1)) expect(later).toMatchObject({ status: 'skipped', reason: `turn ${failed} failed` });
    }
    expect(result.stdout).toContain('SKIPPED');
    expect(result.stdout).toMatch(/skipped: turn \d failed/);

    const id = errored[0]!.caseId;
    const format = await runInProcess(['format', 'latest', id.slice(0, 8), '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(format.exitCode, format.stderr).toBe(0);
    expect(format.stdout).toMatch(/turn 0: /);
    expect(format.stdout).toMatch(/skipped \(turn \d failed\)|turn \d: error/);
    const timeline = await runInProcess(['timeline', 'latest', id.slice(0, 8), '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(timeline.exitCode, timeline.stderr).toBe(0);
    expect(timeline.stdout).toContain('Turn 0:');
  });
});
