/** `tagliots pipelines` and `tagliots models`. */
import { afterAll, describe, it } from 'vitest';
import { copyFixtureProject, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

describe.concurrent('tagliots pipelines', () => {
  it('lists the project pipelines with their descriptions', async ({ expect }) => {
    const result = await runInProcess(['pipelines'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatchInlineSnapshot(`
      "Available pipelines:
        calc: A simple calculator pipeline
        dag: An example of a directed acyclic graph (DAG) pipeline.
        menu: Coffee-shop ordering bot: multi-turn carts scored by tree-repair cost
        qa: Short-answer questions with exact-match and similarity checks and an LLM judge
        agent: Customer-support agent with tools: order lookups, refunds within a policy, escalation
      "
    `);
  });

  it('--json', async ({ expect }) => {
    const result = await runInProcess(['pipelines', '--json'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { name: 'calc', description: 'A simple calculator pipeline' },
      { name: 'dag', description: 'An example of a directed acyclic graph (DAG) pipeline.' },
      { name: 'menu', description: 'Coffee-shop ordering bot: multi-turn carts scored by tree-repair cost' },
      { name: 'qa', description: 'Short-answer questions with exact-match and similarity checks and an LLM judge' },
      { name: 'agent', description: 'Customer-support agent with tools: order lookups, refunds within a policy, escalation' },
    ]);
  });

  it('finds the project config from a subfolder', async ({ expect }) => {
    const result = await runInProcess(['pipelines'], { cwd: `${REPO_ROOT}/samples/calc` });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('  calc: A simple calculator pipeline\n');
  });

  it("lists a fixture project's pipelines, in config order", async ({ expect }) => {
    const project = await copyFixtureProject('lab', await temp.make());
    const result = await runInProcess(['pipelines', '--json'], { cwd: project });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { name: string }[]).map((p) => p.name)).toEqual(['slow', 'non-json', 'cycle', 'unknown-input', 'duplicate-stage', 'empty', 'secret']);
  });

  it('exits 2 outside a project', async ({ expect }) => {
    const result = await runInProcess(['pipelines'], { cwd: await temp.make() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^Error \(E_PROJECT_NOT_FOUND\): No tagliots\.config\.ts/);
    expect(result.stdout).toBe('');
  });
});

describe.concurrent('tagliots models', () => {
  it('lists the mock models', async ({ expect }) => {
    const result = await runInProcess(['models'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Available models:\n/);
    for (const name of ['perfect', 'flakey', 'parrot']) expect(result.stdout).toMatch(new RegExp(`^  ${name} \\(mock\\): .+$`, 'm'));
    expect(result.stdout).toContain('parrot (mock): Echoes the last user message. No network.');
  });

  it('--json', async ({ expect }) => {
    const result = await runInProcess(['models', '--json'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    const models = JSON.parse(result.stdout) as { name: string; kind: string; description: string }[];
    expect(models.map((m) => m.name)).toEqual(['flakey', 'parrot', 'perfect', 'scripted']);
    for (const model of models) expect(model).toMatchObject({ kind: 'mock', description: expect.stringContaining('No network.') });
  });

  it('works outside a project', async ({ expect }) => {
    const result = await runInProcess(['models'], { cwd: await temp.make() });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('perfect (mock)');
  });
});
