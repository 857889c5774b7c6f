/**
 * Runs and output files under faults, in process: a full disk (an injected ENOSPC from fs.writeSync
 * for the files of one folder: no real disk is filled), a case too deeply nested for a log line,
 * a runs folder that is a file. Each must end with a clean error (code, message naming the file,
 * hint, the right exit code), leave no empty or truncated file behind, and keep every case exactly
 * once once the run is resumed.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { MAX_LOG_NESTING } from '../../src/log/writer.ts';
import { copyFixtureProject, readLogLines, runLogs, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { stackFrames } from '../helpers/normalize.ts';
import type { CliResult } from '../helpers/run-cli.ts';

/** Writes to files under `folder` whose names pass `names` fail with ENOSPC once `bytesLeft` bytes have been written there. */
const disk = vi.hoisted(() => ({ folder: undefined as string | undefined, names: (_name: string) => true, bytesLeft: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const full = new Set<number>();
  const openSync = ((path: import('node:fs').PathLike, ...rest: unknown[]) => {
    const fd = (actual.openSync as (...args: unknown[]) => number)(path, ...rest);
    const text = String(path);
    if (disk.folder !== undefined && text.startsWith(disk.folder + sep) && disk.names(text.slice(disk.folder.length + 1))) full.add(fd);
    else full.delete(fd);
    return fd;
  }) as typeof actual.openSync;
  const writeSync = ((fd: number, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (full.has(fd) && disk.folder !== undefined) {
      const length = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength - (typeof rest[0] === 'number' ? rest[0] : 0);
      if (length > disk.bytesLeft) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      disk.bytesLeft -= length;
    }
    return (actual.writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
  }) as typeof actual.writeSync;
  return { ...actual, openSync, writeSync, default: { ...actual, openSync, writeSync } };
});

const temp = tempDirs();
afterAll(() => temp.cleanup());
afterEach(() => {
  disk.folder = undefined;
  disk.names = () => true;
});

/** Fills the disk of `folder` (for files whose names pass `names`) after `bytesLeft` more bytes. */
function fillDisk(folder: string, bytesLeft = 0, names: (name: string) => boolean = () => true): void {
  Object.assign(disk, { folder, bytesLeft, names });
}

async function lab(): Promise<{ dir: string; runsDir: string; cli: (args: readonly string[]) => Promise<CliResult> }> {
  const dir = await copyFixtureProject('lab', await temp.make());
  const runsDir = join(dir, 'runs');
  return { dir, runsDir, cli: (args) => runInProcess(args, { cwd: dir }) };
}

/** A clean error: the code and message on stderr, a hint, no stack trace, the exit code. */
function expectCleanError(result: CliResult, exitCode: number, code: string, message: string | RegExp): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.exitCode, context).toBe(exitCode);
  expect(stackFrames(result.stderr), context).toEqual([]);
  expect(result.stderr, context).not.toContain('Unexpected error');
  if (typeof message === 'string') expect(result.stderr, context).toContain(`Error (${code}): ${message}`);
  else expect(result.stderr, context).toMatch(message);
  expect(result.stderr, context).toContain('\nHint: ');
}

const IDS = Array.from({ length: 40 }, (_, i) => `slow-${String(i + 1).padStart(2, '0')}`);

describe('a full disk', () => {
  it('mid-run: exit 1 with the resume command, a log of whole lines without run.end, which resume finishes (each case once)', async () => {
    const { cli, runsDir } = await lab();
    // Room for the claim, the header and a few cases.
    fillDisk(runsDir, 6000, (name) => name.includes('.jsonl'));
    const result = await cli(['run', 'suites/slow.json', '-c', '2', 'work.sleepMs=1']);
    const [path] = await runLogs(runsDir);
    const runId = (await readRunLog(path!)).header.runId;
    expectCleanError(result, 1, 'E_LOG_WRITE', `Cannot write to run log runs/${runId}.jsonl: the disk is full (ENOSPC). The run stopped; the log keeps the cases written before.`);
    expect(result.stderr).toContain(`Hint: Free some disk space, then finish the run: tagliots resume ${runId}\n`);

    const { records, partial } = await readLogLines(path!);
    expect(partial).toBe('');
    expect(records.filter((r) => r['type'] === 'run.end')).toEqual([]);
    const written = records.filter((r) => r['type'] === 'case').length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(40);
    expect(await readdir(runsDir)).toEqual([`${runId}.jsonl`]); // no claim left behind

    disk.folder = undefined;
    const resumed = await cli(['resume', runId]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const logs = (await runLogs(runsDir)).sort();
    const log = await readRunLog(logs[1]!);
    expect(log.cases.map((c) => c.caseId).sort()).toEqual(IDS);
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 40, complete: 40, notRun: 0 } });
  });

  it('before the header is written: exit 1, and no log at all (latest is not broken)', async () => {
    const { cli, runsDir } = await lab();
    const first = await cli(['run', 'suites/tiny.json', '-p', 'slow', 'work.sleepMs=1']);
    expect(first.exitCode, first.stderr).toBe(0);
    const before = await readdir(runsDir);

    fillDisk(runsDir, 0, (name) => name.includes('.jsonl'));
    const result = await cli(['run', 'suites/slow.json', 'work.sleepMs=1']);
    expectCleanError(result, 1, 'E_LOG_WRITE', /Error \(E_LOG_WRITE\): Cannot create run log .*\.jsonl: the disk is full \(ENOSPC\)\n/);
    expect(await readdir(runsDir)).toEqual(before);

    // The claim cannot be written either: the same, one step earlier.
    fillDisk(runsDir, 0);
    const claimless = await cli(['run', 'suites/slow.json', 'work.sleepMs=1']);
    expectCleanError(claimless, 1, 'E_LOG_WRITE', /Error \(E_LOG_WRITE\): Cannot write the claim .*\.lock: the disk is full \(ENOSPC\)\n/);
    expect(await readdir(runsDir)).toEqual(before);

    disk.folder = undefined;
    const summary = await cli(['summarize', 'latest']);
    expect(summary.exitCode, summary.stderr).toBe(0);
  });

  it('report -o and export --out: E_OUTPUT naming the full disk, exit 1, no file left (an older one stays as it was)', async () => {
    const { cli, dir } = await lab();
    expect((await cli(['run', 'suites/slow.json', 'work.sleepMs=1'])).exitCode).toBe(0);
    await writeFile(join(dir, 'old-report.html'), 'the report of yesterday');
    const outputs = await temp.make();

    fillDisk(outputs, 10_000);
    const report = await cli(['report', 'latest', '-o', join(outputs, 'report.html')]);
    expectCleanError(report, 1, 'E_OUTPUT', `Cannot write ${join(outputs, 'report.html')}: the disk is full (ENOSPC)\n`);
    expect(report.stderr).toContain('Hint: Free some disk space, or write the file to another disk.');

    fillDisk(outputs, 100);
    for (const format of ['csv', 'json', 'junit']) {
      const exported = await cli(['export', 'latest', '--format', format, '--out', join(outputs, `cases.${format}`)]);
      expectCleanError(exported, 1, 'E_OUTPUT', `Cannot write ${join(outputs, `cases.${format}`)}: the disk is full (ENOSPC)\n`);
    }
    expect(await readdir(outputs)).toEqual([]);

    // Over an existing file: it stays as it was.
    fillDisk(dir, 0, (name) => name.startsWith('.old-report.html'));
    const over = await cli(['report', 'latest', '-o', 'old-report.html']);
    expect(over.exitCode).toBe(1);
    expect(await readFile(join(dir, 'old-report.html'), 'utf8')).toBe('the report of yesterday');
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a case the log cannot hold', () => {
  it(`(nested 100,000 levels deep) is recorded as that case's error; the run goes on and run.end counts the records written`, async () => {
    const { cli, dir, runsDir } = await lab();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const suite = `{"pipeline":"slow","cases":[{"id":"a"},{"id":"deep","x":${deep}},{"id":"b"},{"id":"c"}]}`;
    await writeFile(join(dir, 'suites/deep.json'), suite);
    const result = await cli(['run', 'suites/deep.json', 'work.sleepMs=1']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(stackFrames(result.stderr)).toEqual([]);

    const [path] = await runLogs(runsDir);
    const { records } = await readLogLines(path!);
    const cases = records.filter((r) => r['type'] === 'case');
    const log = await readRunLog(path!);
    expect(log.cases.map((c) => c.caseId).sort()).toEqual(['a', 'b', 'c', 'deep']);
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 4, complete: 3, error: 1, notRun: 0, passed: 3 } });
    expect(cases).toHaveLength(log.end!.counts.complete + log.end!.counts.error + log.end!.counts.cancelled);
    const bad = log.cases.find((c) => c.caseId === 'deep')!;
    expect(bad).toMatchObject({ status: 'error', passed: null, error: { code: 'E_LOG_RECORD', stage: null } });
    expect(bad.error!.message).toContain(`it nests deeper than ${MAX_LOG_NESTING} levels of objects and arrays`);
    expect(result.stdout).toContain('Error: 1/4');

    // Reading tools show it, and a resume has nothing left to run.
    expect((await cli(['format', 'latest', 'deep'])).exitCode).toBe(0);
    const resumed = await cli(['resume', 'latest']);
    expect(resumed.stdout).toContain('completed: all 4 cases ran. Nothing to resume.');
  });
});

describe('a runs folder that is a file', () => {
  it('is named as such, with a hint, for run and for commands that read runs', async () => {
    const { cli, dir } = await lab();
    await writeFile(join(dir, 'runs'), 'not a folder');
    const run = await cli(['run', 'suites/slow.json']);
    expectCleanError(run, 2, 'E_RUNS_DIR', `The runs folder ${join(dir, 'runs')} is a file, or inside one, not a folder.\n`);
    expect(run.stderr).toContain('--runs-dir');
    const summary = await cli(['summarize', 'latest']);
    expectCleanError(summary, 2, 'E_RUNS_DIR', 'The runs folder');
  });
});

describe('what kills and duplicates leave behind', () => {
  it('summarize warns about a log holding a case twice (its counts include it)', async () => {
    const { cli, runsDir } = await lab();
    expect((await cli(['run', 'suites/tiny.json', '-p', 'slow', 'work.sleepMs=1'])).exitCode).toBe(0);
    const [path] = await runLogs(runsDir);
    const lines = (await readFile(path!, 'utf8')).trimEnd().split('\n');
    // As two processes finishing one run at once would have left it: a case recorded twice.
    await writeFile(path!, [...lines.slice(0, -1), lines[1], lines.at(-1)].join('\n') + '\n');
    const result = await cli(['summarize', 'latest']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(`Warning: runs/${lines[0]!.match(/"runId":"([^"]+)"/)![1]}.jsonl holds 1 record for a case and repeat it already has`);
    const json = JSON.parse((await cli(['summarize', 'latest', '--json'])).stdout) as { warnings: string[] };
    expect(json.warnings).toEqual([expect.stringContaining('the counts include it')]);
  });

  it('cache stats does not count the temporary files of killed runs as entries; cache clear removes them', async () => {
    const { cli, dir } = await lab();
    const key = 'ab'.repeat(32);
    const folder = join(dir, '.tagliots-cache', 'ab');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${key}.json`), '{"v":1}\n');
    // Left by a process killed while writing (no such pid), and one being written now (this process).
    await writeFile(join(folder, `${'cd'.repeat(32)}.json.${2 ** 22 + 9}.0123abcd.tmp`), '{"v":1,"text":"half');
    await writeFile(join(folder, `${'ef'.repeat(32)}.json.${process.pid}.0123abcd.tmp`), '{"v":1');
    const stats = await cli(['cache', 'stats']);
    expect(stats.stdout).toContain('  entries: 1\n');
    expect(stats.stdout).toContain('  unfinished: 1 temporary file (19 B) left by killed runs, not entries; `tagliots cache clear` removes them\n');
    expect(JSON.parse((await cli(['cache', 'stats', '--json'])).stdout)).toMatchObject({ entries: 1, orphans: { files: 1, bytes: 19 } });
    expect((await cli(['cache', 'clear'])).stdout).toBe('Removed 1 cached response from .tagliots-cache.\n');
    expect(await readdir(join(dir, '.tagliots-cache')).catch(() => [])).toEqual([]);
  });

  it('a file that is not a run log: E_LOG_FORMAT with a hint', async () => {
    const { cli, dir } = await lab();
    await writeFile(join(dir, 'notes.jsonl'), '{"hello":"world"}\n');
    const result = await cli(['summarize', 'notes.jsonl']);
    expectCleanError(result, 2, 'E_LOG_FORMAT', `${join(dir, 'notes.jsonl')}:1: not a tagliots run log`);
    expect(result.stderr).toContain('Hint: A run log is what `tagliots run` writes');
  });
});
