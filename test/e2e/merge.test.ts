/**
 * `run --shard i/n` and `tagliots merge` end to end: four shards of suites/calc.json merged give the
 * same summary as a single run of the suite, compare as identical to it, and pass a gate against it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSummaryBuilder, type Summary } from '../../src/analysis/summary.ts';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { runLogs, tempDirs } from '../helpers/fixtures.ts';
import { normalize } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

async function runInto(runsDir: string, args: readonly string[]): Promise<string> {
  const before = new Set(await runLogs(runsDir));
  const result = await runInProcess(['run', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
  const [log] = (await runLogs(runsDir)).filter((path) => !before.has(path));
  return log!;
}

/** The git state is whatever the working tree is: fix it, so warnings do not depend on it. */
async function freezeGit(path: string): Promise<void> {
  const [first, ...rest] = (await readFile(path, 'utf8')).split('\n');
  const header = JSON.parse(first!) as Record<string, unknown>;
  header['git'] = { sha: 'c0ffee0000000000000000000000000000000000', branch: 'main', dirty: false, changes: [] };
  await writeFile(path, [JSON.stringify(header), ...rest].join('\n'));
}

function summarize(log: RunLog): Summary {
  const builder = createSummaryBuilder(log.header);
  for (const record of log.cases) builder.add(record);
  return builder.finish(log.end);
}

let dir: string;
let shards: string[];
let single: string;

beforeAll(async () => {
  dir = await temp.make();
  shards = [];
  for (const i of [1, 2, 3, 4]) shards.push(await runInto(join(dir, 'shards'), ['suites/calc.json', '--shard', `${i}/4`]));
  single = await runInto(join(dir, 'single'), ['suites/calc.json']);
  for (const path of [...shards, single]) await freezeGit(path);
});

async function cli(args: readonly string[], exitCode: number) {
  const result = await runInProcess(args, { cwd: REPO_ROOT });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
  return { ...result, output: normalize(result.stdout, { paths: { DIR: dir }, cwd: REPO_ROOT }), errors: normalize(result.stderr, { paths: { DIR: dir }, cwd: REPO_ROOT }) };
}

describe('run --shard i/n', () => {
  it('runs a deterministic part of the suite and records it in the header', async () => {
    const logs = await Promise.all(shards.map((path) => readRunLog(path)));
    expect(logs.map((log) => log.header.selection)).toEqual([1, 2, 3, 4].map((index) => ({ shard: { index, count: 4 } })));
    expect(logs.reduce((sum, log) => sum + log.header.suite.count, 0)).toBe(24);
    expect(logs.reduce((sum, log) => sum + log.cases.length, 0)).toBe(24);
    const ids = logs.flatMap((log) => log.cases.map((c) => c.caseId));
    expect(new Set(ids).size).toBe(24);
    // The same shard again selects the same cases.
    const again = await readRunLog(await runInto(join(dir, 'again'), ['suites/calc.json', '--shard', '2/4']));
    expect(again.cases.map((c) => c.caseId).sort()).toEqual(logs[1]!.cases.map((c) => c.caseId).sort());
  });
});

describe('merge four shards', () => {
  let merged: string;
  let mergeOutput: string;

  beforeAll(async () => {
    merged = join(dir, 'merged.jsonl');
    // Given out of order: merge orders them by shard.
    const { output, stderr } = await cli(['merge', shards[2]!, shards[0]!, shards[3]!, shards[1]!, '-o', merged], 0);
    expect(stderr).toBe('');
    mergeOutput = output;
  });

  it('writes one run log that records the shard runs', async () => {
    expect(mergeOutput.replace(/\(\d+ cases?, completed\)/g, '(N cases, completed)')).toMatchInlineSnapshot(`
      "Merged 4 shard runs into <DIR>/merged.jsonl
        run id: <RUN_ID>
        shard 1/4: <RUN_ID> (N cases, completed)
        shard 2/4: <RUN_ID> (N cases, completed)
        shard 3/4: <RUN_ID> (N cases, completed)
        shard 4/4: <RUN_ID> (N cases, completed)
        suite: suites/calc.json (24 cases)
        cases: 24 complete, 0 error; 24 passed, 0 failed
        status: completed
      "
    `);
    const log = await readRunLog(merged);
    const ids = await Promise.all(shards.map(async (path) => (await readRunLog(path)).header.runId));
    expect(log.header.mergedFrom).toEqual(ids);
    expect(log.header.runId).not.toBe(ids[0]);
    expect(log.header.suite.count).toBe(24);
    expect(log.header.selection).toBeUndefined();
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 24, complete: 24, error: 0, cancelled: 0, passed: 24, failed: 0, notRun: 0 } });
    expect(log.incomplete).toBe(false);
  });

  it('gives the same summary as a single run of the suite (timing aside)', async () => {
    const a = summarize(await readRunLog(single));
    const b = summarize(await readRunLog(merged));
    const strip = (s: Summary) => ({ ...s, runId: '<id>', durationMs: 0 });
    expect(strip(b)).toEqual(strip(a));
    expect(b.rows).toHaveLength(24);
    expect(b.usage).toEqual(a.usage);
  });

  it('compares as identical to the single run', async () => {
    const { stdout } = await cli(['compare', single, merged, '--json'], 0);
    const c = JSON.parse(stdout) as Record<string, any>;
    expect(c['identical']).toBe(true);
    expect(c['verdict']['kind']).toBe('no-change');
    expect(c['warnings']).toEqual([]);
    expect(c['configDiff']).toEqual([]);
    expect([c['common'], c['onlyA'].length, c['onlyB'].length, c['regressions'].length, c['fixes'].length]).toEqual([24, 0, 0, 0, 0]);
    expect(c['b']['mergedFrom']).toHaveLength(4);
  });

  it('passes a gate against the single run', async () => {
    const { output } = await cli(['gate', merged, '--baseline', single, '--max-regressions', '0', '--alpha', '0.05', '--min-pass-rate', '1'], 0);
    expect(output).toContain('Gate passed: all 7 rules hold.');
  });

  it('records the shards it holds, so a gate fails a merge that misses one, with or without a baseline', async () => {
    const partial = join(dir, 'three-of-four.jsonl');
    const { errors } = await cli(['merge', shards[0]!, shards[1]!, shards[2]!, '-o', partial], 0);
    expect(errors).toContain('Shard 4/4 is missing: the merged run covers 3 of 4 shards.');
    expect((await readRunLog(partial)).header.shards).toEqual({ count: 4, merged: [1, 2, 3] });
    expect((await readRunLog(merged)).header.shards).toEqual({ count: 4, merged: [1, 2, 3, 4] });
    const alone = await cli(['gate', partial], 1);
    expect(alone.output).toMatch(/FAIL\s+│ coverage\s+│ run: shard 4\/4 missing/);
    expect(alone.output).toContain('✗ coverage: shard 4/4 is missing from the merged run (3 of 4 merged)');
    const against = await cli(['gate', partial, '--baseline', single], 1);
    expect(against.output).toMatch(/✗ coverage: shard 4\/4 is missing from the merged run \(3 of 4 merged\); \d+ cases of the baseline are missing from the run \(/);
  });
});

describe('merge: what cannot be merged', () => {
  it('writes the merged log into --runs-dir under a new run id, and never overwrites a file', async () => {
    const runsDir = join(dir, 'merged-runs');
    const { output, stdout } = await cli(['merge', ...shards, '--runs-dir', runsDir], 0);
    const [log] = await runLogs(runsDir);
    expect(output).toContain('Merged 4 shard runs into <DIR>/merged-runs/<RUN_ID>.jsonl');
    expect(stdout).toContain(`run id: ${log!.slice(log!.lastIndexOf('/') + 1, -'.jsonl'.length)}`);
    const refused = await cli(['merge', ...shards, '-o', log!], 2);
    expect(refused.errors.split('\n')[0]).toMatch(/^Error \(E_MERGE_OUTPUT\): <DIR>\/merged-runs\/.*\.jsonl already exists; merge never overwrites a log\.$/);
  });

  it('warns about missing shards and counts only the shards it has', async () => {
    const out = join(dir, 'partial.jsonl');
    const { errors } = await cli(['merge', shards[0]!, shards[2]!, '-o', out], 0);
    expect(errors).toBe('Warning: Shards 2/4, 4/4 are missing: the merged run covers 2 of 4 shards.\n');
    const log = await readRunLog(out);
    const expected = (await readRunLog(shards[0]!)).header.suite.count + (await readRunLog(shards[2]!)).header.suite.count;
    expect(log.header.suite.count).toBe(expected);
    expect(log.end!.counts.total).toBe(expected);
  });

  it('names the field when the shards differ', async () => {
    const flakey = await runInto(join(dir, 'flakey'), ['suites/calc.json', '--shard', '2/4', 'infer.model.name=flakey']);
    const { errors } = await cli(['merge', shards[0]!, flakey, '-o', join(dir, 'never.jsonl')], 2);
    expect(errors).toMatch(/^Error \(E_MERGE_MISMATCH\): Cannot merge: the logs differ in config: infer\.model\.name is 'perfect' in <DIR>\/shards\/.*\.jsonl but 'flakey' in <DIR>\/flakey\/.*\.jsonl\.\nHint: Only shards of one run can be merged/);
    expect((await readdir(dir)).filter((name) => name.startsWith('never'))).toEqual([]);
  });

  it('refuses overlapping logs: the same shard twice, or the same case in two logs', async () => {
    const again = await runInto(join(dir, 'again2'), ['suites/calc.json', '--shard', '1/4']);
    const twice = await cli(['merge', shards[0]!, again, '-o', join(dir, 'never.jsonl')], 2);
    expect(twice.errors.split('\n')[0]).toMatch(/^Error \(E_MERGE_OVERLAP\): Cannot merge: shard 1\/4 appears twice, in .* and .*\.$/);
    const whole = await runInto(join(dir, 'whole'), ['suites/calc.json']);
    const overlap = await cli(['merge', single, whole, '-o', join(dir, 'never.jsonl')], 2);
    expect(overlap.errors.split('\n')[0]).toMatch(/^Error \(E_MERGE_OVERLAP\): Cannot merge: case [0-9a-f-]{36} is in both <DIR>\/single\/.*\.jsonl and <DIR>\/whole\/.*\.jsonl\.$/);
    // Nothing is left behind by a failed merge, not even the partial file.
    expect((await readdir(dir)).filter((name) => name.startsWith('never'))).toEqual([]);
  });
});
