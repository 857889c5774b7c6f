/**
 * YAML pipelines end to end: the qa sample (registered by path in tagliots.config.ts), a fixture
 * project with every stage type run with -p <file>, and a broken file's located errors.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());
const YAML_FIXTURES = fileURLToPath(new URL('../fixtures/yaml', import.meta.url));

async function fixtureCopy(): Promise<string> {
  const dir = join(await temp.make(), 'yaml');
  await cp(YAML_FIXTURES, dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
  return dir;
}

describe.concurrent('YAML pipelines', () => {
  it('runs the qa sample offline with the perfect mock: llm, check and judge stages', async () => {
    const runsDir = join(await temp.make(), 'runs');
    const result = await runInProcess(['run', 'suites/qa.json', '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('pipeline: qa');
    expect(result.stdout).toContain('Passed: 6/6 (100.00%)');
    const log = await readRunLog(await onlyRunLog(runsDir));
    expect(log.header.pipeline.stages.map((s) => s.name)).toEqual(['infer', 'exact', 'judge']);
    expect(log.header.pipeline.columns).toEqual(['question', 'answer', 'got', 'judge']);
    const first = log.cases[0]!;
    expect(first.status).toBe('complete');
    expect(first.stages['infer']).toBe('Paris');
    expect(first.stages['exact']).toMatchObject({ passed: true, checks: [{ type: 'equals', passed: true }, { type: 'similarity', passed: true, value: 1 }] });
    expect(first.stages['judge']).toEqual({ score: 1, reason: 'perfect mock: full marks', passed: true });
    expect(first.score).toBe(1);
    expect((log.header.config as { templateSha256: string }).templateSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows wrong answers as failed checks with the flakey mock', async () => {
    const runsDir = join(await temp.make(), 'runs');
    const result = await runInProcess(['run', 'suites/qa.json', 'infer.model=flakey', '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    const log = await readRunLog(await onlyRunLog(runsDir));
    const failed = log.cases.filter((c) => c.passed === false);
    expect(failed.length).toBeGreaterThan(0);
    for (const c of failed) expect(c.stages['infer']).toBe('hello world');
  });

  it('runs a pipeline file given with -p: every stage type, as a DAG', async () => {
    const dir = await fixtureCopy();
    const runsDir = join(dir, 'runs');
    const result = await runInProcess(['run', 'suite.json', '-p', 'all-types.pipeline.yaml', 'model=perfect', '--runs-dir', runsDir], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const log = await readRunLog(await onlyRunLog(runsDir));
    expect(log.cases.map((c) => [c.caseId, c.status, c.passed])).toEqual([
      ['a', 'complete', true],
      ['b', 'complete', true],
    ]);
    const b = log.cases.find((c) => c.caseId === 'b')!;
    expect(b.stages['extract']).toBe(7);
    expect(b.stages['grade']).toMatchObject({ score: 1, passed: true });
  });

  it('runs multi-turn cases: turn paths, and a variable with a default for an optional field', async () => {
    const dir = await fixtureCopy();
    const runsDir = join(dir, 'runs');
    const result = await runInProcess(['run', 'turns-suite.json', '-p', 'turns.pipeline.yaml', 'model=perfect', '--runs-dir', runsDir], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const log = await readRunLog(await onlyRunLog(runsDir));
    const system = (id: string, turn: number) => {
      const record = log.cases.find((c) => c.caseId === id)!;
      expect(record).toMatchObject({ status: 'complete', passed: true });
      return record.turns![turn]!.stageRecords['reply']!.llm![0]!.messages[0]!.content;
    };
    expect(system('cheerful', 0)).toBe('Turn 0. Be cheerful. Said so far:');
    expect(system('cheerful', 1)).toBe('Turn 1. Be cheerful. Said so far: hello');
    expect(system('plain', 1)).toBe('Turn 1. Said so far: hello');
    expect(log.cases.find((c) => c.caseId === 'plain')!.turns![1]!.columns).toEqual({ said: 'thanks' });
  });

  it('names the path of a variable without a value, and suggests a default', async () => {
    const dir = await fixtureCopy();
    const source = await readFile(join(dir, 'turns.pipeline.yaml'), 'utf8');
    await writeFile(join(dir, 'turns.pipeline.yaml'), source.replace('mood: { path: case.mood, default: null }', 'mood: case.mood'));
    const runsDir = join(dir, 'runs');
    const result = await runInProcess(['run', 'turns-suite.json', '-p', 'turns.pipeline.yaml', 'model=perfect', '--runs-dir', runsDir], { cwd: dir });
    const plain = (await readRunLog(await onlyRunLog(runsDir))).cases.find((c) => c.caseId === 'plain')!;
    expect(result.stdout).toContain('COMPLETE');
    expect(plain.status).toBe('error');
    expect(plain.error!.message).toBe("Stage 'reply': vars.mood: case.mood has no value for this case.");
  });

  it('stops before any case with the YAML line of a mistake', async () => {
    const dir = await fixtureCopy();
    await writeFile(join(dir, 'broken.pipeline.yaml'), 'name: broken\ndescription: d\nstages:\n  - name: a\n    type: check\n    chekcs: []\n');
    const result = await runInProcess(['run', 'suite.json', '-p', 'broken.pipeline.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Error (E_YAML_PIPELINE): broken.pipeline.yaml: 2 problems:');
    expect(result.stderr).toContain("broken.pipeline.yaml:4:5: stages[0] (a).checks: checks is required");
    expect(result.stderr).toContain("broken.pipeline.yaml:6:5: stages[0] (a): unknown key 'chekcs' (did you mean 'checks'?)\n      chekcs: []\n      ^");
  });
});
