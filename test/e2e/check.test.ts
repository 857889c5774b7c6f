/**
 * `tagliots check` end to end: a valid suite and pipeline (exit 0, the estimate), broken ones
 * (exit 2, every problem listed), and the cost estimate of a priced profile. No model is called.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
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

describe.concurrent('tagliots check', () => {
  it('renders a code pipeline up to its first model call and estimates the suite, calling nothing', async ({ expect }) => {
    const result = await runInProcess(['check', 'suites/calc.json'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('stages run up to the first model call for all 24 cases (prompts render)');
    const row = result.stdout.split('\n').find((line) => line.trimStart().startsWith('infer'))!;
    const [stage, model, calls, input, output] = row.trim().split(/\s+/);
    expect([stage, model, calls, output]).toEqual(['infer', 'perfect', '24', '19,200']);
    expect(Number(input!.replace(/,/g, ''))).toBeGreaterThan(24 * 30);
    expect(result.stdout).toContain('No problems found.');
  });

  it('passes the qa sample and estimates its tokens', async ({ expect }) => {
    const result = await runInProcess(['check', 'suites/qa.json'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout.replace(/\(\d+ pipelines\)/, '(N pipelines)')).toMatchInlineSnapshot(`
      "Checking pipeline 'qa' (samples/qa/qa.pipeline.yaml) with suite suites/qa.json (6 cases)
        ok  project config tagliots.config.ts loads (N pipelines)
        ok  suite suites/qa.json loads (6 cases)
        ok  pipeline file samples/qa/qa.pipeline.yaml validates
        ok  config resolves: infer.model="perfect", judge.model="perfect"
        ok  stages (linear): infer → exact → judge
        ok  setup: templates compile, output schemas compile, models exist (perfect: mock)
        ok  templates render for all 6 cases (undefined variables are errors)

      Estimate for 6 cases (no model was called):
        stage  model    calls  input tokens  output tokens (max)  cost (max)
        infer  perfect      6           285                  300  no pricing
        judge  perfect      6           784                1,200  no pricing
        total              12         1,069                1,500     unknown

      Note: Input tokens are counted on the rendered prompts (tiktoken for configured models, characters / 4 for mock models), once per case, without parse retries; stage outputs a prompt reads are stand-ins. Output tokens are an upper bound: params.max_tokens for every call ("?" when a stage sets no max_tokens).

      No problems found.
      "
    `);
  });

  it('lists every problem and exits 2: unknown model, template variable missing in a case', async ({ expect }) => {
    const dir = await fixtureCopy();
    await writeFile(join(dir, 'suite.json'), JSON.stringify([{ id: 'a', number: 4 }, { id: 'b', question: 'q', number: 1 }]));
    const result = await runInProcess(['check', 'suite.json', 'model=perfct'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('1 problem:');
    expect(result.stdout).toContain(
      "E_YAML_PIPELINE: Pipeline 'all-types' setup failed: all-types.pipeline.yaml:11:12: stages[0] (infer).model: config.model is 'perfct': Model 'perfct' not found.",
    );
    const fixed = await runInProcess(['check', 'suite.json', 'model=perfect'], { cwd: dir });
    expect(fixed.exitCode).toBe(2);
    expect(fixed.stdout).toContain("1. case a (#0), stage 'infer': vars.q: case.question has no value.");
  });

  it('renders every case of the suite by default, and says what it did not look at when --cases is smaller', async ({ expect }) => {
    const dir = await fixtureCopy();
    // 38 cases; 4 of them, after the third, lack the field the prompt reads.
    const cases = Array.from({ length: 38 }, (_, i) => (i % 9 === 8 ? { id: `c${i}`, number: i } : { id: `c${i}`, question: `${i}+0?`, number: i }));
    await writeFile(join(dir, 'suite.json'), JSON.stringify(cases));
    const all = await runInProcess(['check', 'suite.json', 'model=perfect'], { cwd: dir });
    expect(all.exitCode, all.stdout).toBe(2);
    expect(all.stdout).not.toContain('No problems found');
    expect(all.stdout).toContain('4 problems:');
    for (const id of ['c8', 'c17', 'c26', 'c35']) expect(all.stdout).toContain(`case ${id} (#${id.slice(1)}), stage 'infer': vars.q: case.question has no value.`);

    const some = await runInProcess(['check', 'suite.json', 'model=perfect', '--cases', '3'], { cwd: dir });
    expect(some.exitCode, some.stdout).toBe(0);
    expect(some.stdout).toContain('ok  templates render for the first 3 of 38 cases (undefined variables are errors)');
    expect(some.stdout).toContain('Note: 4 prompts of cases after the first 3 did not render and are left out of the estimate; run check with --cases 38 to list them.');
    expect(some.stdout).not.toContain('No problems found.');
    expect(some.stdout.trimEnd().split('\n').at(-1)).toBe('No problems found in the first 3 of 38 cases; the other 35 were not rendered (--cases 38 checks them all).');
  });

  it('runs every case of a code pipeline up to its first model call by default, listing each that fails', async ({ expect }) => {
    const suite = JSON.parse(await readFile(join(REPO_ROOT, 'suites/calc.json'), 'utf8')) as { cases: Record<string, unknown>[] };
    // The calc template reads case.base: the cases without one fail in prepare, before the model call.
    for (const i of [5, 11, 17, 23]) delete suite.cases[i]!['base'];
    const file = join(await temp.make(), 'calc.json');
    await writeFile(file, JSON.stringify(suite));
    const result = await runInProcess(['check', file], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stdout).toBe(2);
    for (const i of [5, 11, 17, 23]) expect(result.stdout).toContain(`case ${String(suite.cases[i]!['uuid'])}: stage 'prepare' failed before any model call`);
    expect(result.stdout).not.toContain('No problems found');
    expect(result.stdout).toMatch(/4 problems:/);
  });

  it('reports missing prompt() values and a broken pipeline file', async ({ expect }) => {
    const dir = await fixtureCopy();
    const missing = await runInProcess(['check', 'all-types.pipeline.yaml'], { cwd: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stdout).toContain('E_CONFIG_REQUIRED: Missing required config values:');
    await writeFile(join(dir, 'bad.pipeline.yaml'), 'name: bad\ndescription: d\nstages:\n  - { name: a, type: llm, model: perfect, messages: [{ role: user, file: nope.njk }] }\n');
    const broken = await runInProcess(['check', 'suite.json', '-p', 'bad.pipeline.yaml'], { cwd: dir });
    expect(broken.exitCode).toBe(2);
    expect(broken.stdout).toContain("bad.pipeline.yaml:4:74: stages[0] (a).messages[0].file: template file 'nope.njk' not found");
    expect(broken.stdout).toContain('      - { name: a, type: llm, model: perfect, messages: [{ role: user, file: nope.njk }] }');
  });

  it('estimates cost from a priced profile without calling it', async ({ expect }) => {
    const dir = await fixtureCopy();
    await writeFile(
      join(dir, 'tagliots.models.json'),
      JSON.stringify({ models: { mini: { type: 'openai', model: 'gpt-4o-mini', baseURL: 'http://127.0.0.1:9/v1', params: { max_tokens: 100 }, pricing: { inputPer1M: 0.15, outputPer1M: 0.6 } } } }),
    );
    const result = await runInProcess(['check', 'suite.json', 'model=mini'], { cwd: dir, env: { OPENAI_API_KEY: 'sk-test-not-used' } });
    expect(result.exitCode, result.stdout).toBe(0);
    const row = result.stdout.split('\n').find((line) => line.trimStart().startsWith('infer'))!;
    const [, model, calls, input, output, cost] = row.trim().split(/\s+/);
    expect([model, calls, output]).toEqual(['mini', '2', '200']);
    const expectedCost = (Number(input) * 0.15 + 200 * 0.6) / 1e6;
    expect(Number(cost!.slice(1))).toBeCloseTo(expectedCost, 5);
    expect(result.stdout).toMatch(/grade +perfect +2 +\d+ +\? +no pricing/);
  });
});
