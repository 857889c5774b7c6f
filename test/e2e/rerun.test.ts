/**
 * `tagliots rerun` end to end, in process, in copies of the `steps` fixture project (and `lab` for
 * secrets): which cases run again, config shown against the original run, templates read again,
 * git warnings, `--from` reuse, selection, and every error path.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import type { CaseRecord } from '../../src/log/schema.ts';
import { copyFixtureProject, runLogs, tempDirs } from '../helpers/fixtures.ts';
import { projectCli } from '../helpers/in-process.ts';
import { normalize } from '../helpers/normalize.ts';
import type { CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

interface Project {
  dir: string;
  runsDir: string;
  /** Runs the CLI in the project with its runs folder; checks the exit code. */
  cli(args: readonly string[], exitCode?: number): Promise<CliResult>;
  /** The newest run log, read back. */
  latest(): Promise<RunLog>;
  output(result: CliResult): string;
}

async function project(name = 'steps'): Promise<Project> {
  const parent = await temp.make();
  const dir = await copyFixtureProject(name, parent);
  const runsDir = join(parent, 'runs');
  return {
    dir,
    runsDir,
    cli: projectCli(dir, runsDir),
    async latest() {
      const logs = (await runLogs(runsDir)).sort();
      return readRunLog(logs.at(-1)!);
    },
    output(result) {
      return normalize(result.stdout, { paths: { RUNS: runsDir, PROJECT: dir }, cwd: dir });
    },
  };
}

const ids = (cases: readonly CaseRecord[]) => cases.map((c) => c.caseId).sort();
const byId = (log: RunLog) => new Map(log.cases.map((c) => [c.caseId, c]));

/** With flakey, the steps suite has 2 passing, 4 errored and 1 failed case (s7). */
const ERRORED = ['s2', 's3', 's5', 's6'];

describe.concurrent('rerun: which cases', () => {
  it('--only failed reruns exactly the failed and errored cases, linked to the original run', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json', 'infer.model=flakey']);
    const original = await p.latest();
    expect(ids(original.cases.filter((c) => c.status === 'error'))).toEqual(ERRORED);
    expect(ids(original.cases.filter((c) => c.passed === false))).toEqual(['s7']);

    const result = await p.cli(['rerun', 'latest', '--only', 'failed']);
    const rerun = await p.latest();
    expect(ids(rerun.cases)).toEqual([...ERRORED, 's7'].sort());
    expect(rerun.header).toMatchObject({ mode: 'rerun', parentRunId: original.header.runId, suite: { path: 'suites/cases.json', count: 5 } });
    expect(rerun.end).toMatchObject({ status: 'completed', counts: { total: 5 } });
    // Each case keeps its position in the suite, and its content comes from the log.
    for (const c of rerun.cases) {
      expect(c.index).toBe(byId(original).get(c.caseId)!.index);
      expect(c.case).toEqual(byId(original).get(c.caseId)!.case);
    }
    expect(p.output(result)).toContain('  cases: 5 of 7 (failed or errored)\n');
  });

  it('--only errored leaves the failed case out; --only all (the default) reruns everything', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json', 'infer.model=flakey']);
    const originalId = (await p.latest()).header.runId;
    await p.cli(['rerun', originalId, '--only', 'errored']);
    expect(ids((await p.latest()).cases)).toEqual(ERRORED);
    await p.cli(['rerun', originalId]);
    expect(ids((await p.latest()).cases)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
  });

  it('takes the cases from the log, not from the suite file (which may have changed or gone)', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    await writeFile(join(p.dir, 'suites/cases.json'), '{ "cases": [] }');
    await p.cli(['rerun', 'latest']);
    const rerun = await p.latest();
    expect(rerun.cases).toHaveLength(7);
    expect(rerun.end?.counts).toMatchObject({ passed: 6, failed: 1 });
  });

  it('--ids, --filter and --limit choose among the cases, and are recorded', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json', 'infer.model=flakey']);
    const originalId = (await p.latest()).header.runId;
    await p.cli(['rerun', originalId, '--ids', 's1,s3']);
    expect(ids((await p.latest()).cases)).toEqual(['s1', 's3']);
    await p.cli(['rerun', originalId, '--only', 'failed', '--filter', 'hard && !wrong']);
    const filtered = await p.latest();
    expect(ids(filtered.cases)).toEqual(['s3', 's6']);
    expect(filtered.header.selection).toEqual({ filter: 'hard && !wrong' });
    expect(filtered.header.suite.count).toBe(2);
    await p.cli(['rerun', originalId, '--limit', '2', '--only', 'errored']);
    expect(ids((await p.latest()).cases)).toEqual(['s2', 's3']);
    const none = await p.cli(['rerun', originalId, '--filter', 'nope'], 2);
    expect(none.stderr).toContain('E_SELECT_EMPTY');
  });

  it('says so, and writes no log, when there is nothing to rerun', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const result = await p.cli(['rerun', 'latest', '--only', 'errored']);
    expect(normalize(result.stdout)).toBe('Nothing to rerun: run <RUN_ID> has no errored cases.\n');
    expect(await runLogs(p.runsDir)).toHaveLength(1);
  });

  it('reruns a repeated run record by record, keeping repeat indexes; --repeat runs each case N times', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json', 'infer.model=flakey', '--repeat', '2']);
    const original = await p.latest();
    const failedRecords = original.cases.filter((c) => c.status !== 'complete' || c.passed === false);
    await p.cli(['rerun', 'latest', '--only', 'failed']);
    const rerun = await p.latest();
    const key = (c: CaseRecord) => `${c.caseId}/${c.repeat}`;
    expect(rerun.cases.map(key).sort()).toEqual(failedRecords.map(key).sort());
    expect(rerun.header.repeat).toBe(2);
    // Deterministic mock: each record gets the same outcome again.
    for (const c of rerun.cases) expect(c.status).toBe(original.cases.find((o) => key(o) === key(c))!.status);

    await p.cli(['rerun', original.header.runId, '--ids', 's1', '--repeat', '3']);
    const repeated = await p.latest();
    expect(repeated.cases.map(key).sort()).toEqual(['s1/0', 's1/1', 's1/2']);
    expect(repeated.header.repeat).toBe(3);
    expect(repeated.end?.counts.total).toBe(3);
  });
});

describe.concurrent('rerun: config', () => {
  it("applies new overrides on top of the original config and prints changes against the original run, not the defaults", async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json', 'infer.model=flakey']);
    const original = await p.latest();
    const same = await p.cli(['rerun', 'latest', '--only', 'failed']);
    expect(p.output(same).split('\n\n')[0]).toMatchInlineSnapshot(`
      "Rerun configuration
        id: <RUN_ID>
        rerun of: <RUN_ID> (<RUNS>/<RUN_ID>.jsonl)
        cases: 5 of 7 (failed or errored)
        pipeline: steps
          (same config as the original run)
        concurrency: 4
        log: <RUNS>/<RUN_ID>.jsonl"
    `);

    const changed = await p.cli(['rerun', original.header.runId, 'infer.model=perfect', '-c', '2']);
    expect(p.output(changed).split('\n\n')[0]).toMatchInlineSnapshot(`
      "Rerun configuration
        id: <RUN_ID>
        rerun of: <RUN_ID> (<RUNS>/<RUN_ID>.jsonl)
        cases: 7 of 7
        pipeline: steps
          infer.model: flakey => perfect
        concurrency: 2
        log: <RUNS>/<RUN_ID>.jsonl"
    `);
    const rerun = await p.latest();
    expect(rerun.header.config).toMatchObject({ infer: { model: 'perfect' } });
    // The header's deltas stay against the pipeline defaults, like every run's.
    expect(rerun.header.deltas).toEqual([{ path: 'infer.model', from: null, to: 'perfect', prompt: true }]);
    expect(rerun.end?.counts).toMatchObject({ passed: 6, failed: 1, error: 0 });
  });

  it('reads a changed template again (GoTaglio kept the old text) and shows its new sha256', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const original = await p.latest();
    expect((original.cases[0]!.stages['prepare'] as { content: string }[])[0]!.content).toMatch(/^You answer arithmetic questions/);
    await writeFile(join(p.dir, 'template.txt'), 'NEW TEMPLATE for {{ case.question }}\n');
    const result = await p.cli(['rerun', 'latest']);
    const rerun = await p.latest();
    for (const c of rerun.cases) {
      expect((c.stages['prepare'] as { content: string }[])[0]!.content).toBe(`NEW TEMPLATE for ${String(c.case['question'])}\n`);
    }
    const before = (original.header.config as { prepare: { templateSha256: string } }).prepare.templateSha256;
    const after = (rerun.header.config as { prepare: { templateSha256: string } }).prepare.templateSha256;
    expect(after).not.toBe(before);
    expect(result.stdout).toContain(`    prepare.templateSha256: ${before} => ${after}\n`);
  });

  it('an override of a path the pipeline does not have is refused with a suggestion', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const result = await p.cli(['rerun', 'latest', 'infer.modle=perfect'], 2);
    expect(result.stderr).toContain("Error (E_CONFIG_UNKNOWN_PATH): Unknown config path 'infer.modle' (from command line).");
    expect(result.stderr).toContain("Did you mean 'infer.model'?");
  });

  it('asks for secrets again: the log does not keep them', async ({ expect }) => {
    const p = await project('lab');
    const secret = 'sk-test-DO-NOT-LOG-4242';
    await p.cli(['run', 'suites/tiny.json', '-p', 'secret', `service.api_key=${secret}`]);
    const missing = await p.cli(['rerun', 'latest'], 2);
    expect(missing.stderr).toMatch(/^Error \(E_CONFIG_SECRET\): Run \S+ used a secret the log does not keep: 'service.api_key'.\nHint: Give it again: tagliots rerun \S+ service.api_key=...\n$/);
    const again = await p.cli(['rerun', 'latest', `service.api_key=${secret}`]);
    const rerun = await p.latest();
    expect(rerun.end).toMatchObject({ status: 'completed', counts: { passed: 2 } });
    const text = await readFile(rerun.path, 'utf8');
    for (const output of [again.stdout, again.stderr, text]) expect(output).not.toContain('DO-NOT-LOG');
  });
});

describe.concurrent('rerun: git', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=Test', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'pipe' }).toString();

  it('warns when the commit differs from the original run, or either working tree is dirty; not otherwise', async ({ expect }) => {
    const p = await project();
    await writeFile(join(p.dir, '.gitignore'), 'node_modules/\nruns/\n');
    git(p.dir, 'init', '-q');
    git(p.dir, 'add', '.');
    git(p.dir, 'commit', '-q', '-m', 'first');
    const first = git(p.dir, 'rev-parse', 'HEAD').trim();
    await p.cli(['run', 'suites/cases.json']);
    const originalId = (await p.latest()).header.runId;

    const clean = await p.cli(['rerun', originalId]);
    expect(clean.stderr).toBe('');

    await writeFile(join(p.dir, 'template.txt'), 'Changed: {{ case.question }}\n');
    const dirty = await p.cli(['rerun', originalId]);
    expect(dirty.stderr).toBe("Warning: the code may differ from the original run's: the working tree has uncommitted changes.\n");

    git(p.dir, 'commit', '-q', '-am', 'second');
    const second = git(p.dir, 'rev-parse', 'HEAD').trim();
    const moved = await p.cli(['rerun', originalId]);
    expect(moved.stderr).toBe(`Warning: the code may differ from the original run's: the original run was at commit ${first.slice(0, 12)}, this rerun is at ${second.slice(0, 12)}.\n`);
  });

  it('warns about a log whose recorded commit is not this one (a copied log)', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const original = await p.latest();
    const lines = (await readFile(original.path, 'utf8')).split('\n');
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    header['git'] = { sha: 'feedfacefeedfacefeedfacefeedfacefeedface', branch: 'main', dirty: false, changes: [] };
    lines[0] = JSON.stringify(header);
    const copy = join(p.runsDir, 'copied.jsonl');
    await writeFile(copy, lines.join('\n'));
    const result = await p.cli(['rerun', copy]);
    expect(result.stderr).toBe("Warning: the code may differ from the original run's: the original run was in a git repository, this rerun is not.\n");
  });
});

describe.concurrent('rerun --from', () => {
  it('reuses the outputs of the stages before the named one, marked reused with their original records, and runs the rest', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/fan.json']);
    const original = await p.latest();
    const result = await p.cli(['rerun', 'latest', '--from', 'join', 'tag=v2']);
    const rerun = await p.latest();
    expect(p.output(result)).toContain('  from: join (reusing root, left, right)\n');
    expect(rerun.cases).toHaveLength(3);
    for (const c of rerun.cases) {
      const before = byId(original).get(c.caseId)!;
      for (const stage of ['root', 'left', 'right']) {
        expect(c.stages[stage]).toBe(before.stages[stage]);
        expect(c.stageRecords[stage]).toEqual({ ...before.stageRecords[stage], reused: true });
      }
      expect(c.stages['join']).toBe(`join(left(root ${c.caseId} v1) v1, right(root ${c.caseId} v1) v1) v2`);
      // Not an ancestor of join: it runs again, with the new config.
      expect(c.stages['side']).toBe('side v2');
      for (const stage of ['join', 'side']) expect(c.stageRecords[stage]!.reused).toBeUndefined();
      expect(c).toMatchObject({ status: 'complete', passed: true });
    }
  });

  it('runs a case from scratch, with a note, when the original lacks an output it needs', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json', 'infer.model=flakey']);
    const original = await p.latest();
    const result = await p.cli(['rerun', 'latest', '--from', 'extract']);
    const rerun = await p.latest();
    // s3 and s6 failed in infer: no output to reuse.
    expect(result.stderr).toContain("Note: 2 cases lack an output --from extract needs (the stage did not complete in the original run), so they run from scratch:\n  s3: infer\n  s6: infer\n");
    for (const c of rerun.cases) {
      const reused = !['s3', 's6'].includes(c.caseId);
      expect(c.stageRecords['prepare']!.reused ?? false).toBe(reused);
      expect(c.stageRecords['infer']!.reused ?? false).toBe(reused);
      expect(c.stageRecords['extract']!.reused).toBeUndefined();
      if (reused) {
        expect(c.stages['infer']).toBe(byId(original).get(c.caseId)!.stages['infer']);
        // No model call in this run.
        expect(c.usage).toBeUndefined();
      } else {
        // Ran again (and failed again: the mock is deterministic).
        expect(c.stageRecords['infer']).toMatchObject({ status: 'error' });
        expect(c.stageRecords['infer']!.startMs).toBeGreaterThan(byId(original).get(c.caseId)!.endMs);
      }
    }
  });

  it('with --repeat, every repetition reuses the one record of a run without repeats', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/fan.json']);
    const original = await p.latest();
    await p.cli(['rerun', 'latest', '--from', 'join', '--repeat', '2', 'tag=v3']);
    const rerun = await p.latest();
    expect(rerun.cases.map((c) => `${c.caseId}/${c.repeat}`).sort()).toEqual(['f1/0', 'f1/1', 'f2/0', 'f2/1', 'f3/0', 'f3/1']);
    for (const c of rerun.cases) {
      expect(c.stageRecords['root']).toEqual({ ...byId(original).get(c.caseId)!.stageRecords['root'], reused: true });
      expect(c.stages['join']).toMatch(/ v3$/);
    }
  });

  it('refuses an unknown stage with a suggestion, before writing anything', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const result = await p.cli(['rerun', 'latest', '--from', 'extrct'], 2);
    expect(result.stderr).toBe(
      "Error (E_STAGE_UNKNOWN): Unknown stage 'extrct' for --from: pipeline 'steps' has the stages prepare, infer, extract, and check.\nHint: Did you mean 'extract'?\n",
    );
    expect(result.stdout).toBe('');
    expect(await runLogs(p.runsDir)).toHaveLength(1);
  });
});

describe.concurrent('rerun: errors', () => {
  it('an unknown run', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const result = await p.cli(['rerun', 'ffff'], 2);
    expect(normalize(result.stderr, { paths: { RUNS: p.runsDir } })).toMatch(/^Error \(E_RUN_NOT_FOUND\): No run matches 'ffff' in <RUNS>\/\nHint: The newest runs are <RUN_ID>\. /);
  });

  it('no runs at all', async ({ expect }) => {
    const p = await project();
    const result = await p.cli(['rerun', 'latest'], 2);
    expect(result.stderr).toContain('Error (E_RUN_NOT_FOUND): No runs yet');
  });

  it('a pipeline the project no longer has', async ({ expect }) => {
    const p = await project();
    await p.cli(['run', 'suites/cases.json']);
    const log = await p.latest();
    await writeFile(log.path, (await readFile(log.path, 'utf8')).replace('"pipeline":{"name":"steps"', '"pipeline":{"name":"stepz"'));
    const result = await p.cli(['rerun', 'latest'], 2);
    expect(normalize(result.stderr, { paths: { RUNS: p.runsDir }, cwd: p.dir })).toBe(
      "Error (E_PIPELINE_UNKNOWN): Run <RUN_ID> (<RUNS>/<RUN_ID>.jsonl) used pipeline 'stepz', which tagliots.config.ts does not list. Available pipelines: steps and fan.\n" +
        "Hint: Was it renamed to 'steps'? Add a pipeline named 'stepz' to pipelines: [...] to run it again.\n",
    );
  });

  it('a file that is not a run log', async ({ expect }) => {
    const p = await project();
    const result = await p.cli(['rerun', 'suites/cases.json'], 2);
    expect(result.stderr).toContain('E_LOG_FORMAT');
    expect(result.stderr).toContain('not a tagliots run log');
  });

  it('a bad --only value', async ({ expect }) => {
    const p = await project();
    const result = await p.cli(['rerun', 'latest', '--only', 'broken'], 2);
    expect(result.stderr).toContain("option '--only <which>' argument 'broken' is invalid. Allowed choices are failed, errored, all.");
  });
});
