/**
 * Temp folders, fixture projects and run logs for the end-to-end tests. Tests never write into the
 * repository: runs go to a fresh temp folder, and fixture projects are copied before they run
 * (tagliots caches the bundled config next to it, in node_modules/.cache).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { sleep } from '../../src/util/sleep.ts';

export const FIXTURE_PROJECTS = fileURLToPath(new URL('../fixtures/projects', import.meta.url));

/** Creates temp folders and removes them all in `cleanup()` (call it from afterAll). */
export function tempDirs() {
  const made: string[] = [];
  return {
    async make(prefix = 'tagliots-e2e-'): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Copies `test/fixtures/projects/<name>` into `parent` and returns the copy's path. */
export async function copyFixtureProject(name: string, parent: string): Promise<string> {
  const target = join(parent, name);
  await cp(join(FIXTURE_PROJECTS, name), target, {
    recursive: true,
    filter: (source) => !source.includes(`${name}/node_modules`) && !source.includes(`${name}/runs`),
  });
  return target;
}

/** The arguments that run the lab fixture's slow pipeline (40 cases, each sleeping `work.sleepMs`) two at a time. */
export const SLOW_RUN: readonly string[] = ['run', 'suites/slow.json', '-c', '2'];

/** A fresh copy of the lab fixture project in a temp folder of `temp`, and a runs folder beside it. */
export async function labCopy(temp: ReturnType<typeof tempDirs>): Promise<{ project: string; runsDir: string }> {
  const dir = await temp.make();
  return { project: await copyFixtureProject('lab', dir), runsDir: join(dir, 'runs') };
}

/** Writes `files` (paths relative to `root`) and returns `root`. */
export async function writeFiles(root: string, files: Readonly<Record<string, string>>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** The run logs (`*.jsonl`) in a runs folder; empty when the folder does not exist. */
export async function runLogs(runsDir: string): Promise<string[]> {
  try {
    return (await readdir(runsDir)).filter((name) => name.endsWith('.jsonl')).map((name) => join(runsDir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The only run log in `runsDir`; fails the test when there is not exactly one. */
export async function onlyRunLog(runsDir: string): Promise<string> {
  const logs = await runLogs(runsDir);
  if (logs.length !== 1) throw new Error(`expected one run log in ${runsDir}, found ${logs.length}: ${logs.join(', ')}`);
  return logs[0]!;
}

export interface LogLines {
  /** Every newline-terminated line, parsed (a line that is not JSON throws). */
  records: Record<string, unknown>[];
  /** Text after the last newline (a line cut short by a kill), '' when none. */
  partial: string;
}

/** Reads a run log line by line, parsing every complete line with JSON.parse. */
export async function readLogLines(path: string): Promise<LogLines> {
  const text = await readFile(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const lines = text.slice(0, end).split('\n').slice(0, -1);
  const records = lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${path}:${i + 1} is not JSON (${(error as Error).message}): ${line.slice(0, 200)}`, { cause: error });
    }
  });
  return { records, partial: text.slice(end) };
}

/** A CLI invocation a test can watch: a child process (run-cli.ts) or a run in this process (in-process.ts). */
export interface Watched {
  stdout(): string;
  stderr(): string;
  ended(): boolean;
}

/**
 * The only run log in `runsDir`, read back after checking what an interrupted or killed run must
 * leave: every complete line is JSON, and no case (by id or by position) appears twice.
 */
export async function checkedRunLog(runsDir: string): Promise<RunLog> {
  const path = await onlyRunLog(runsDir);
  const { records } = await readLogLines(path); // throws on a line that is not JSON
  const log = await readRunLog(path);
  expect(records.filter((r) => r['type'] === 'case')).toHaveLength(log.cases.length);
  const ids = log.cases.map((c) => c.caseId);
  expect(new Set(ids).size, `duplicate case ids: ${ids.join(', ')}`).toBe(ids.length);
  const indexes = log.cases.map((c) => c.index);
  expect(new Set(indexes).size).toBe(indexes.length);
  return log;
}

const POLL_MS = 25;

/**
 * Polls `runsDir` until its run log holds at least `count` complete case lines, and returns the
 * log's path (for 0, once the run.start line is there). Throws when the CLI ends first. There is
 * no deadline of its own: how long a run takes depends on the machine's load, and the test's
 * timeout already bounds the wait.
 */
export async function waitForCaseLines(runsDir: string, count: number, cli: Watched): Promise<string> {
  let seen = 0;
  for (;;) {
    const [log] = await runLogs(runsDir);
    if (log !== undefined) {
      const text = await readFile(log, 'utf8');
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      seen = complete.split('\n').filter((line) => line.startsWith('{"type":"case"')).length;
      // Even for count 0, wait for the run.start line.
      if (seen >= count && complete !== '') return log;
    }
    if (cli.ended()) {
      throw new Error(`the CLI ended before ${count} case lines were written (saw ${seen})\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    }
    await sleep(POLL_MS);
  }
}

/** Polls until `predicate(stderr)` holds; throws when the CLI ends first. */
export async function waitForStderr(cli: Watched, predicate: (stderr: string) => boolean): Promise<void> {
  await waitForOutput(cli, () => predicate(cli.stderr()));
}

/** Polls until `ready()` holds; throws when the CLI ends first. */
export async function waitForOutput(cli: Watched, ready: () => boolean): Promise<void> {
  while (!ready()) {
    if (cli.ended()) throw new Error(`the CLI ended first\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
    await sleep(POLL_MS);
  }
}

/**
 * Cuts a run log back to its header and first `cases` case lines, as kill -9 after that many case
 * lines leaves it (the run.end line and the later cases gone), plus `partial`: the start of a line
 * a kill cut short in the middle of a write.
 */
export async function cutRunLog(path: string, cases: number, partial = ''): Promise<void> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '');
  const header = lines.filter((line) => line.startsWith('{"type":"run.start"'));
  const kept = lines.filter((line) => line.startsWith('{"type":"case"')).slice(0, cases);
  if (header.length !== 1 || kept.length < cases) throw new Error(`${path} has no header or fewer than ${cases} case lines`);
  await writeFile(path, `${[...header, ...kept].join('\n')}\n${partial}`);
}
