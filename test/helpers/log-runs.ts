/**
 * Runs for the end-to-end tests of the log-reading commands (summarize, format, timeline, history,
 * export): real `tagliots run`s of the samples into a temp runs folder, and the CLI run against it,
 * all in the test's process.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { runLogs } from './fixtures.ts';
import { normalize } from './normalize.ts';
import { runInProcess, type TestClock } from './in-process.ts';
import { REPO_ROOT, type CliResult } from './run-cli.ts';

export const LOG_FIXTURES = fileURLToPath(new URL('../fixtures/logs/', import.meta.url));

export const SAMPLE_RUNS = {
  perfect: ['suites/calc.json'],
  flakey: ['suites/calc.json', 'infer.model.name=flakey'],
  dag: ['suites/dag.json'],
} as const;

/**
 * Runs the samples one after another into `runsDir`; returns each run's id, by name. With a
 * `clock` of its own, the ids depend only on the order of `names`.
 */
export async function makeRuns<K extends keyof typeof SAMPLE_RUNS>(runsDir: string, names: readonly K[], clock?: TestClock): Promise<Record<K, string>> {
  const ids = {} as Record<K, string>;
  for (const name of names) {
    const before = new Set(await runLogs(runsDir));
    const result = await runInProcess(['run', ...SAMPLE_RUNS[name], '--runs-dir', runsDir], { cwd: REPO_ROOT, ...(clock && { clock }) });
    expect(result.exitCode, result.stderr).toBe(0);
    const added = (await runLogs(runsDir)).filter((log) => !before.has(log));
    expect(added).toHaveLength(1);
    ids[name] = basename(added[0]!, '.jsonl');
  }
  return ids;
}

/**
 * Runs `tagliots run <args>` from the repository root into `runsDir`, expecting `exitCode`, and
 * returns the result and the new log (if one was written) with its git state and durations fixed.
 */
export async function runFrozen(runsDir: string, args: readonly string[], exitCode = 0): Promise<{ result: CliResult; log: string | undefined }> {
  const before = new Set(await runLogs(runsDir));
  const result = await runInProcess(['run', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
  const [log] = (await runLogs(runsDir)).filter((path) => !before.has(path));
  if (log) await freezeRunLog(log);
  return { result, log };
}

/**
 * Replaces what differs between two runs of the same thing, the git state and the case durations,
 * with fixed values, so that whole outputs of the commands reading the log can be snapshots.
 */
export async function freezeRunLog(path: string): Promise<void> {
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const out = lines.map((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    if (record['type'] === 'run.start') record['git'] = { sha: 'c0ffee0000000000000000000000000000000000', branch: 'main', dirty: false, changes: [] };
    if (record['type'] === 'case') record['durationMs'] = 1 + (record['index'] as number) / 4;
    return JSON.stringify(record);
  });
  await writeFile(path, `${out.join('\n')}\n`);
}

/** Copies a fixture log into `runsDir` (under `as`, default its own name) and returns the copy's path. */
export async function copyLogFixture(name: string, runsDir: string, as = basename(name)): Promise<string> {
  await mkdir(runsDir, { recursive: true });
  const target = join(runsDir, as);
  await copyFile(join(LOG_FIXTURES, name), target);
  return target;
}

/** Runs `tagliots <args>` from the repository root, in this process. */
export function cli(args: readonly string[], env?: Readonly<Record<string, string | undefined>>): Promise<CliResult> {
  return runInProcess(args, { cwd: REPO_ROOT, ...(env ? { env } : {}) });
}

/**
 * normalize() plus what the log commands print that changes between runs: every duration
 * (`0.73 ms`, `1.25 s`), local start times, and the repository and runs folders.
 */
export function normalizeLog(text: string, runsDir: string): string {
  return normalize(text, { paths: { RUNS: runsDir, REPO: REPO_ROOT }, cwd: REPO_ROOT })
    .replace(/\b\d+(?:\.\d+)? (?:ms|s)\b/g, '<T>')
    .replace(/\b\d+ min \d+ s\b/g, '<T>')
    .replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b/g, '<LOCAL TIME>')
    // Branch and working-tree state vary between checkouts; stack frames with every edit and build.
    .replace(/(\*\*Git:\*\* |\bgit: )[^\n]*/g, '$1<GIT>')
    .replace(/(\n {4,}at [^\n]*)+/g, '\n      <STACK FRAMES>');
}
