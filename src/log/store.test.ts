import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunNotFoundError } from '../errors.ts';
import { uuidv7 } from '../util/ids.ts';
import { ensureRunsDir, listRuns, resolveRun, runLogPath, runStartTime } from './store.ts';

let cwd: string;
let runsDir: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'tagliots-store-'));
  runsDir = join(cwd, 'runs');
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const T0 = Date.UTC(2025, 10, 20, 14, 3, 12, 345);

/** Creates logs (a line of placeholder text each) for run ids started at the given times; returns the ids. */
function addRuns(...times: number[]): string[] {
  mkdirSync(runsDir, { recursive: true });
  return times.map((time) => {
    const runId = uuidv7(time);
    writeFileSync(runLogPath(runsDir, runId), '{}\n');
    return runId;
  });
}

async function rejection(promise: Promise<unknown>): Promise<RunNotFoundError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RunNotFoundError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('runLogPath', () => {
  it('is <runsDir>/<runId>.jsonl', () => {
    expect(runLogPath('runs', 'abc')).toBe(join('runs', 'abc.jsonl'));
  });
});

describe('listRuns', () => {
  it('returns [] for a missing folder', async () => {
    expect(await listRuns(join(cwd, 'nope'))).toEqual([]);
  });

  it('lists only <uuid>.jsonl files, oldest first', async () => {
    const [a, b, c] = addRuns(T0 + 2000, T0, T0 + 1000);
    for (const name of ['notes.txt', 'latest.jsonl', `${a}.json`, `${a}.jsonl.bak`, '.gitkeep', 'not-a-uuid-at-all-here-x.jsonl']) {
      writeFileSync(join(runsDir, name), '');
    }
    mkdirSync(join(runsDir, 'archive'));
    expect(await listRuns(runsDir)).toEqual([b, c, a].map((runId) => ({ runId, path: join(runsDir, `${runId}.jsonl`) })));
  });
});

describe('resolveRun', () => {
  it('resolves latest, in any case, to the newest run', async () => {
    const [, newest] = addRuns(T0, T0 + 5000, T0 + 1);
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(runLogPath(runsDir, newest!));
    expect(await resolveRun(runsDir, 'LaTeSt', cwd)).toBe(runLogPath(runsDir, newest!));
  });

  it('skips empty logs for latest: they hold no run (an older version or a full disk left them)', async () => {
    const [older, newest] = addRuns(T0, T0 + 5000);
    writeFileSync(runLogPath(runsDir, newest!), '');
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(runLogPath(runsDir, older!));
    // Named by its id it is still found (and its reader says it is empty).
    expect(await resolveRun(runsDir, newest!.slice(0, 13), cwd)).toBe(runLogPath(runsDir, newest!));
  });

  it('says a runs folder that is a file is one, with a hint', async () => {
    writeFileSync(runsDir, 'not a folder');
    await expect(resolveRun(runsDir, 'latest', cwd)).rejects.toMatchObject({ code: 'E_RUNS_DIR', message: expect.stringContaining(`${runsDir} is a file`), hint: expect.stringContaining('--runs-dir') });
    expect(() => ensureRunsDir(runsDir)).toThrow(expect.objectContaining({ code: 'E_RUNS_DIR' }));
    expect(() => ensureRunsDir(join(runsDir, 'inner'))).toThrow(expect.objectContaining({ code: 'E_RUNS_DIR' }));
  });

  it('reports latest in a missing or empty folder with a hint to run first', async () => {
    const missing = await rejection(resolveRun(runsDir, 'latest', cwd));
    expect(missing.code).toBe('E_RUN_NOT_FOUND');
    expect(missing.message).toContain('does not exist');
    expect(missing.hint).toContain('tagliots run <suite>');

    mkdirSync(runsDir);
    const empty = await rejection(resolveRun(runsDir, 'latest', cwd));
    expect(empty.code).toBe('E_RUN_NOT_FOUND');
    expect(empty.message).toContain('has no run logs');
    expect(empty.hint).toContain('tagliots run <suite>');
  });

  it('resolves a unique run-id prefix, case-insensitively', async () => {
    const [a] = addRuns(T0, T0 + 86_400_000);
    expect(await resolveRun(runsDir, a!.slice(0, 11), cwd)).toBe(runLogPath(runsDir, a!));
    expect(await resolveRun(runsDir, a!.slice(0, 11).toUpperCase(), cwd)).toBe(runLogPath(runsDir, a!));
    expect(await resolveRun(runsDir, a!, cwd)).toBe(runLogPath(runsDir, a!));
  });

  it('lists every candidate of an ambiguous prefix with its start time', async () => {
    const ids = addRuns(T0, T0, T0 + 10);
    const error = await rejection(resolveRun(runsDir, ids[0]!.slice(0, 8), cwd));
    expect(error.code).toBe('E_RUN_AMBIGUOUS');
    expect(error.message).toMatch(/^'[0-9a-f]{8}' matches 3 runs in runs\/:/);
    for (const id of ids) expect(error.message).toContain(`${id}  started 2025-11-20 14:03:12 UTC`);
    expect(error.hint).toMatch(/more characters/);
  });

  it('resolves an existing file path, relative to cwd or absolute, with any extension', async () => {
    const copy = join(cwd, 'copies', 'old-run.log');
    mkdirSync(join(cwd, 'copies'));
    writeFileSync(copy, '');
    expect(await resolveRun(runsDir, 'copies/old-run.log', cwd)).toBe(copy);
    expect(await resolveRun(runsDir, copy, cwd)).toBe(copy);
  });

  it('reports an unknown prefix with the three newest ids', async () => {
    const ids = addRuns(T0, T0 + 1000, T0 + 2000, T0 + 3000);
    const error = await rejection(resolveRun(runsDir, 'zz', cwd));
    expect(error.code).toBe('E_RUN_NOT_FOUND');
    expect(error.message).toBe("No run matches 'zz' in runs/");
    expect(error.hint).toContain(`${ids[3]}, ${ids[2]}, ${ids[1]}`);
    expect(error.hint).not.toContain(ids[0]);
  });

  it('reports an unknown prefix in a missing folder', async () => {
    const error = await rejection(resolveRun(runsDir, '019a', cwd));
    expect(error.code).toBe('E_RUN_NOT_FOUND');
    expect(error.hint).toContain('does not exist');
  });

  it('resolves runsDir relative to cwd', async () => {
    const [a] = addRuns(T0);
    expect(await resolveRun('runs', a!.slice(0, 6), cwd)).toBe(runLogPath(runsDir, a!));
  });
});

/** Writes a GoTaglio log (`<uuid>.json`) that started at `start` and was last written at `written`. */
function addGoTaglioLog(uuid: string, start: string | undefined, written: number): string {
  mkdirSync(runsDir, { recursive: true });
  const path = join(runsDir, `${uuid}.json`);
  writeFileSync(path, JSON.stringify({ results: [], metadata: start === undefined ? {} : { start }, uuid }));
  utimesSync(path, written / 1000, written / 1000);
  return path;
}

describe('resolveRun latest with GoTaglio logs', () => {
  const A = '0a1b2c3d-0000-4000-8000-000000000001';
  const B = 'ffeeddcc-0000-4000-8000-000000000002';

  it('finds the GoTaglio log that started last in a folder of GoTaglio logs, not the last by name or by write time', async () => {
    addGoTaglioLog(A, '2025-11-20 15:00:00.5+00:00', T0 + 10 * 3_600_000);
    const older = addGoTaglioLog(B, '2025-11-20 14:00:00+00:00', T0 + 20 * 3_600_000);
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(join(runsDir, `${A}.json`));
    writeFileSync(join(runsDir, `${A}.json`), '');
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(older);
  });

  it('orders GoTaglio logs and tagliots runs by start time', async () => {
    const [run] = addRuns(T0);
    const later = addGoTaglioLog(A, '2025-11-20 14:03:13+00:00', T0 + 60_000);
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(later);
    addGoTaglioLog(A, '2025-11-20 14:03:12+00:00', T0 + 60_000);
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(runLogPath(runsDir, run!));
  });

  it('passes over a GoTaglio log written before the newest tagliots run started, and uses the write time of one without a start', async () => {
    const [run] = addRuns(T0);
    addGoTaglioLog(A, '2030-01-01 00:00:00+00:00', T0 - 1000);
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(runLogPath(runsDir, run!));
    const undated = addGoTaglioLog(B, undefined, T0 + 5000);
    expect(await resolveRun(runsDir, 'latest', cwd)).toBe(undated);
  });
});

describe('runStartTime', () => {
  it('reads the timestamp of a UUIDv7', () => {
    expect(runStartTime(uuidv7(T0))?.getTime()).toBe(T0);
    expect(runStartTime('3a0c7d52-6b1e-4f0a-9d8e-5c2b1a4f7e90')).toBeNull();
  });
});
