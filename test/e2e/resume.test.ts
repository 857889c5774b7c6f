/**
 * `tagliots resume` end to end, in process: runs of the lab fixture's slow pipeline are stopped at
 * several points (one interrupt, two, or cut back to their first 0, 1, a few and most case lines,
 * the way kill -9 leaves a log), then resumed; the resumed log must hold exactly the suite, each
 * (case, repeat) once, and read back with one run.end. A real kill -9 then resume is in
 * test/process/signals.test.ts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { copyFixtureProject, cutRunLog, readLogLines, runLogs, SLOW_RUN, tempDirs, waitForCaseLines, waitForStderr } from '../helpers/fixtures.ts';
import { runInProcess, startInProcess } from '../helpers/in-process.ts';
import { normalize, stackFrames } from '../helpers/normalize.ts';
import type { CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const TOTAL = 40;
const SUITE_IDS = Array.from({ length: TOTAL }, (_, i) => `slow-${String(i + 1).padStart(2, '0')}`);

interface Lab {
  dir: string;
  runsDir: string;
  cli(args: readonly string[], exitCode?: number): Promise<CliResult>;
  logs(): Promise<string[]>;
  /** Runs `args` to the end, then cuts the new log back to `cases` case lines as kill -9 leaves it; returns its path. */
  killedAfter(cases: number, args: readonly string[]): Promise<string>;
}

async function lab(): Promise<Lab> {
  const parent = await temp.make();
  const dir = await copyFixtureProject('lab', parent);
  const runsDir = join(parent, 'runs');
  const lab: Lab = {
    dir,
    runsDir,
    async cli(args, exitCode = 0) {
      const result = await runInProcess([...args, '--runs-dir', runsDir], { cwd: dir });
      expect(result.exitCode, `${args.join(' ')}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
      expect(stackFrames(result.stderr)).toEqual([]);
      return result;
    },
    async logs() {
      return (await runLogs(runsDir)).sort();
    },
    async killedAfter(cases, args) {
      const before = new Set(await lab.logs());
      await lab.cli(args);
      const [path] = (await lab.logs()).filter((log) => !before.has(log));
      await cutRunLog(path!, cases);
      return path!;
    },
  };
  return lab;
}

/** The fast slow-pipeline run the kill -9 tests cut short: cases at a millisecond each. */
const QUICK_RUN = [...SLOW_RUN, 'work.sleepMs=1'];

/**
 * The checks every resumed log must pass: whole JSON lines, exactly one record per (case, repeat)
 * of the suite, none cancelled, a completed run.end whose counts match, linked to its parent.
 */
async function expectWholeSuite(path: string, parentRunId: string, repeat = 1): Promise<RunLog> {
  const { records, partial } = await readLogLines(path);
  expect(partial).toBe('');
  const log = await readRunLog(path);
  expect(log.incomplete).toBe(false);
  expect(log.warnings).toEqual([]);
  expect(records.filter((r) => r['type'] === 'run.end')).toHaveLength(1);
  expect(log.header).toMatchObject({ mode: 'resume', parentRunId, suite: { count: TOTAL } });
  const keys = log.cases.map((c) => `${c.caseId}/${c.repeat ?? 0}`).sort();
  const expected = SUITE_IDS.flatMap((id) => Array.from({ length: repeat }, (_, r) => `${id}/${r}`)).sort();
  expect(keys).toEqual(expected);
  for (const c of log.cases) expect(c).toMatchObject({ status: 'complete', passed: true });
  expect(log.end).toMatchObject({ status: 'completed', counts: { total: TOTAL * repeat, complete: TOTAL * repeat, passed: TOTAL * repeat, cancelled: 0, notRun: 0 } });
  return log;
}

describe.concurrent('resume after kill -9', () => {
  for (const lines of [0, 1, 5, 30]) {
    it(`after ${lines} case lines: the resumed log holds the whole suite, each case once`, async () => {
      const p = await lab();
      const killedPath = await p.killedAfter(lines, QUICK_RUN);
      const killed = await readRunLog(killedPath);
      expect(killed.end).toBeNull();

      const result = await p.cli(['resume', 'latest', '-c', '8']);
      const logs = await p.logs();
      expect(logs).toHaveLength(2);
      const resumed = await expectWholeSuite(logs[1]!, killed.header.runId);
      // The finished cases were copied, not run again: same records, byte for byte.
      const copied = new Map(killed.cases.map((c) => [c.caseId, c]));
      for (const c of resumed.cases) if (copied.has(c.caseId)) expect(c).toEqual(copied.get(c.caseId));
      expect(result.stdout).toContain(`  finished: ${killed.cases.length} of 40 (copied); ${40 - killed.cases.length} to run\n`);
      // The original log is left as it was.
      expect((await readRunLog(killedPath)).cases).toHaveLength(killed.cases.length);
      // The config is the recorded one, not the defaults.
      expect(resumed.header.config).toEqual(killed.header.config);
    });
  }

  it('with --repeat: each (case, repeat) pair once', async () => {
    const p = await lab();
    // Into the second round (repeat 1).
    const killed = await readRunLog(await p.killedAfter(45, [...QUICK_RUN, '-c', '4', '--repeat', '2']));
    expect(killed.end).toBeNull();
    expect(killed.cases.length).toBeGreaterThanOrEqual(45);
    await p.cli(['resume', 'latest', '-c', '16']);
    const resumed = await expectWholeSuite((await p.logs())[1]!, killed.header.runId, 2);
    expect(resumed.header.repeat).toBe(2);
  });

  it('a resume that is killed too can be resumed in turn', async () => {
    const p = await lab();
    const original = await readRunLog(await p.killedAfter(4, QUICK_RUN));
    // The resume killed once its own log holds 4 cases past the copied records.
    const middle = await readRunLog(await p.killedAfter(original.cases.length + 4, ['resume', 'latest']));
    expect(middle.end).toBeNull();

    // Resuming the original again points at the resume that did not finish.
    const again = await p.cli(['resume', original.header.runId], 2);
    expect(again.stderr).toContain(`Error (E_RESUME_SUPERSEDED): Run ${original.header.runId} was resumed already by run ${middle.header.runId}, which did not finish either.`);
    expect(again.stderr).toContain(`Hint: Resume that one instead: tagliots resume ${middle.header.runId}`);

    await p.cli(['resume', 'latest']);
    const logs = await p.logs();
    expect(logs).toHaveLength(3);
    await expectWholeSuite(logs[2]!, middle.header.runId);
  });
});

describe.concurrent('resume of a log cut short while a line was written', () => {
  it('ignores the truncated last line: that case runs again', async () => {
    const p = await lab();
    await p.cli(['run', 'suites/slow.json', '-c', '8', 'work.sleepMs=1']);
    const [path] = await p.logs();
    const lines = (await readFile(path!, 'utf8')).split('\n');
    // The header, 10 case lines, and half of the 11th, as a kill in the middle of a write leaves it.
    await cutRunLog(path!, 10, lines[11]!.slice(0, 40));
    const cut = await readRunLog(path!);
    expect(cut).toMatchObject({ incomplete: true, end: null });
    expect(cut.cases).toHaveLength(10);
    const result = await p.cli(['resume', 'latest']);
    expect(result.stdout).toContain('  finished: 10 of 40 (copied); 30 to run\n');
    await expectWholeSuite((await p.logs())[1]!, cut.header.runId);
  });
});

describe.concurrent('resume: totals', () => {
  it("run.end counts and token usage cover the copied records and the new ones", async () => {
    const parent = await temp.make();
    const dir = await copyFixtureProject('steps', parent);
    const runsDir = join(parent, 'runs');
    const cli = async (args: string[]) => {
      const result = await runInProcess([...args, '--runs-dir', runsDir], { cwd: dir });
      expect(result.exitCode, result.stderr).toBe(0);
      return result;
    };
    await cli(['run', 'suites/cases.json', 'infer.model=flakey']);
    const [path] = (await runLogs(runsDir)).sort();
    const full = await readRunLog(path!);
    // As a kill after three cases leaves it.
    await cutRunLog(path!, 3);
    await cli(['resume', 'latest']);
    const resumed = await readRunLog((await runLogs(runsDir)).sort()[1]!);
    expect(resumed.cases).toHaveLength(7);
    // The mock is deterministic: the resumed run adds up to the uninterrupted one.
    expect(resumed.end!.counts).toEqual(full.end!.counts);
    expect(resumed.end!.usage).toEqual(full.end!.usage);
    expect(resumed.header.config).toEqual(full.header.config);
  });
});

describe.concurrent('resume: secrets', () => {
  it('asks for a secret again (the log does not keep it), and accepts only secrets as arguments', async () => {
    const p = await lab();
    const secret = 'sk-test-DO-NOT-LOG-4242';
    await p.cli(['run', 'suites/tiny.json', '-p', 'secret', `service.api_key=${secret}`]);
    const [path] = await p.logs();
    // As a kill after the first case leaves it.
    await cutRunLog(path!, 1);
    const missing = await p.cli(['resume', 'latest'], 2);
    expect(missing.stderr).toMatch(/^Error \(E_CONFIG_SECRET\): Run \S+ used a secret the log does not keep: 'service.api_key'.\nHint: Give it again: tagliots resume \S+ service.api_key=...\n$/);
    const result = await p.cli(['resume', 'latest', `service.api_key=${secret}`]);
    const resumed = await readRunLog((await p.logs())[1]!);
    expect(resumed.end).toMatchObject({ status: 'completed', counts: { total: 2, passed: 2 } });
    const text = await readFile(resumed.path, 'utf8');
    for (const output of [result.stdout, result.stderr, text]) expect(output).not.toContain('DO-NOT-LOG');
  });
});

describe.concurrent('resume after Ctrl-C', () => {
  it('one interrupt: the cases never started run, nothing runs twice', async () => {
    const p = await lab();
    const cli = startInProcess([...SLOW_RUN, 'work.sleepMs=80', '--runs-dir', p.runsDir], { cwd: p.dir });
    await waitForCaseLines(p.runsDir, 3, cli);
    cli.interrupt();
    expect((await cli.result).exitCode).toBe(130);
    const interrupted = await readRunLog((await p.logs())[0]!);
    expect(interrupted.end?.status).toBe('interrupted');
    await p.cli(['resume', 'latest']);
    await expectWholeSuite((await p.logs())[1]!, interrupted.header.runId);
  });

  it('two interrupts: cancelled cases count as missing and run again', async () => {
    const p = await lab();
    // Case 0 finishes at once; cases 1 and 2 have just started their sleep when its line is in, and
    // the second interrupt follows the first at once.
    const cli = startInProcess([...SLOW_RUN, 'work.sleepMs=2000', 'work.quickCases=1', '--grace', '60', '--runs-dir', p.runsDir], { cwd: p.dir });
    await waitForCaseLines(p.runsDir, 1, cli);
    cli.interrupt();
    await waitForStderr(cli, (stderr) => stderr.includes('Ctrl-C again'));
    cli.interrupt();
    expect((await cli.result).exitCode).toBe(130);
    const interrupted = await readRunLog((await p.logs())[0]!);
    const cancelled = interrupted.cases.filter((c) => c.status === 'cancelled');
    expect(cancelled.map((c) => c.index).sort()).toEqual([1, 2]);
    // More cases at once for the rest.
    const result = await p.cli(['resume', 'latest', '-c', '20']);
    expect(result.stdout).toContain(`  concurrency: 20\n`);
    const resumed = await expectWholeSuite((await p.logs())[1]!, interrupted.header.runId);
    for (const c of cancelled) expect(resumed.cases.find((r) => r.caseId === c.caseId)?.status).toBe('complete');
  });
});

describe.concurrent('resume: what it refuses, and no-ops', () => {
  it('a completed run: nothing to do, no new log', async () => {
    const p = await lab();
    await p.cli(['run', 'suites/tiny.json', '-p', 'slow', 'work.sleepMs=1']);
    const result = await p.cli(['resume', 'latest']);
    expect(normalize(result.stdout)).toBe('Run <RUN_ID> completed: all 2 cases ran. Nothing to resume.\n');
    expect(await p.logs()).toHaveLength(1);
  });

  it('a run resumed already: nothing to do', async () => {
    const p = await lab();
    const original = await p.killedAfter(1, QUICK_RUN);
    await p.cli(['resume', 'latest', '-c', '8']);
    const result = await p.cli(['resume', original]);
    expect(normalize(result.stdout)).toBe('Run <RUN_ID> was resumed already by run <RUN_ID>, which completed. Nothing to resume.\n');
    expect(await p.logs()).toHaveLength(2);
  });

  it('a changed suite, unless --allow-changed-suite', async () => {
    const p = await lab();
    const original = await readRunLog(await p.killedAfter(2, [...QUICK_RUN, '-c', '4']));
    const suitePath = join(p.dir, 'suites/slow.json');
    const suite = JSON.parse(await readFile(suitePath, 'utf8')) as { cases: { id: string }[] };
    // slow-40 goes, slow-41 comes.
    suite.cases[39] = { id: 'slow-41' };
    await writeFile(suitePath, JSON.stringify(suite, null, 2));

    const refused = await p.cli(['resume', 'latest'], 2);
    expect(refused.stderr).toMatch(
      new RegExp(`^Error \\(E_RESUME_SUITE_CHANGED\\): The suite suites/slow.json changed since run ${original.header.runId} started \\(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\\): resuming would mix cases from two versions of it.\\nHint: .*--allow-changed-suite`),
    );
    expect(await p.logs()).toHaveLength(1);

    const allowed = await p.cli(['resume', 'latest', '--allow-changed-suite', '-c', '8']);
    expect(allowed.stderr).toContain('Warning: the suite changed since run');
    const resumed = await readRunLog((await p.logs())[1]!);
    const ids = resumed.cases.map((c) => c.caseId).sort();
    expect(ids).toEqual([...SUITE_IDS.slice(0, 39), 'slow-41'].sort());
    expect(resumed.end).toMatchObject({ status: 'completed', counts: { total: 40 } });
  });

  it('config changes other than secrets, a rerun, and an unknown run', async () => {
    const p = await lab();
    await p.killedAfter(2, QUICK_RUN);
    const override = await p.cli(['resume', 'latest', 'work.sleepMs=2'], 2);
    expect(override.stderr).toMatch(/^Error \(E_RESUME_OVERRIDE\): resume runs with the recorded config of run \S+, so 'work.sleepMs' cannot be changed.\nHint: .*tagliots rerun \S+ work.sleepMs=\.\.\.\n$/);
    // A rerun killed once its header is written.
    await p.killedAfter(0, ['rerun', 'latest']);
    const rerunOfRerun = await p.cli(['resume', 'latest'], 2);
    expect(rerunOfRerun.stderr).toMatch(/^Error \(E_RESUME_RERUN\): Run \S+ is a rerun of run \S+: resume finishes runs started by `tagliots run`.\nHint: Start the rerun again: tagliots rerun latest --runs-dir /);
    const unknown = await p.cli(['resume', 'ffffffff'], 2);
    expect(unknown.stderr).toContain("Error (E_RUN_NOT_FOUND): No run matches 'ffffffff'");
  });

  it('a selection: only the selected cases are resumed', async () => {
    const p = await lab();
    const original = await readRunLog(await p.killedAfter(2, [...QUICK_RUN, '--limit', '12']));
    expect(original.header).toMatchObject({ selection: { limit: 12 }, suite: { count: 12 } });
    await p.cli(['resume', 'latest']);
    const resumed = await readRunLog((await p.logs())[1]!);
    expect(resumed.header).toMatchObject({ selection: { limit: 12 }, suite: { count: 12 } });
    expect(resumed.cases.map((c) => c.caseId).sort()).toEqual(SUITE_IDS.slice(0, 12));
    expect(resumed.end).toMatchObject({ status: 'completed', counts: { total: 12, complete: 12 } });
  });
});
