/** A broken pipeline file fails only the commands that use it; the others warn in one line. */
import { afterAll, describe, it } from 'vitest';
import { tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const GOOD = `name: good
description: Answers with the expected value
config:
  model: { $prompt: "Model" }
expected: { path: case.answer }
stages:
  - name: infer
    type: llm
    model: config.model
    messages:
      - { role: user, template: "{{ case.question }}" }
  - name: exact
    type: check
    checks:
      - equals: { actual: stages.infer, expected: case.answer }
passed: { path: stages.exact.passed }
`;

async function project(): Promise<string> {
  return writeFiles(await temp.make(), {
    'tagliots.config.mjs': "export default { pipelines: ['good.pipeline.yaml', 'broken.pipeline.yaml'] };\n",
    'good.pipeline.yaml': GOOD,
    'broken.pipeline.yaml': 'name: broken\nstages: [\n',
    'suites/good.json': JSON.stringify({ pipeline: 'good', config: { model: 'perfect' }, cases: [{ id: 'a', question: 'Say x', answer: 'x' }] }),
    'suites/broken.json': JSON.stringify({ pipeline: 'broken', cases: [{ id: 'a' }] }),
  });
}

describe.concurrent('a pipeline file that cannot be loaded', () => {
  it('does not stop a run of another pipeline, which warns in one line', async ({ expect }) => {
    const cwd = await project();
    const result = await runInProcess(['run', 'suites/good.json'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('broken.pipeline.yaml'));
    expect(warnings).toEqual(['Warning: pipeline file broken.pipeline.yaml is skipped, it cannot be loaded (E_YAML_PIPELINE; `tagliots check broken.pipeline.yaml` shows why).']);
  });

  it('fails the command that asks for it, with the file\'s own error', async ({ expect }) => {
    const cwd = await project();
    const result = await runInProcess(['run', 'suites/broken.json'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('broken.pipeline.yaml');
    expect(result.stderr).not.toContain('Cannot find pipeline');
  });
});

describe.concurrent('model profiles that cannot be loaded', () => {
  async function withBadProfiles(files: Readonly<Record<string, string>>): Promise<string> {
    return writeFiles(await temp.make(), {
      'tagliots.config.mjs': "export default { pipelines: ['good.pipeline.yaml'], models: { remote: { type: 'openai', model: 'gpt-4o-mini', temperatur: 0 } } };\n",
      'good.pipeline.yaml': GOOD,
      'suites/good.json': JSON.stringify({ pipeline: 'good', config: { model: 'perfect' }, cases: [{ id: 'a', question: 'Say x', answer: 'x' }] }),
      ...files,
    });
  }

  it('do not stop a run with mock models, which warns in one line', async ({ expect }) => {
    const cwd = await withBadProfiles({ '.credentials.json': '{ "remote": ' });
    const result = await runInProcess(['run', 'suites/good.json'], { cwd });
    expect(result.exitCode, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('Warning: configured models'));
    expect(warnings).toHaveLength(1);
  });

  it('fail a run that uses a configured model, with the profiles\' own error', async ({ expect }) => {
    const cwd = await withBadProfiles({});
    const result = await runInProcess(['run', 'suites/good.json', 'model=remote'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('temperatur');
    expect(result.stderr).not.toContain('not found');
  });
});
