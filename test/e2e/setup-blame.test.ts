/**
 * Errors of a pipeline's setup name what the user got wrong: a model name that is not a string
 * names the config path that holds it, not the pipeline line that looked the model up.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

describe.concurrent('setup errors', () => {
  it('infer.model.name:=42 names the config path and its value, not a line of the pipeline', async () => {
    const runsDir = join(await temp.make(), 'runs');
    const result = await runInProcess(['run', 'suites/calc.json', 'infer.model.name:=42', '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("Error (E_MODEL_NAME): Pipeline 'calc' setup failed: A model name must be a string, but config 'infer.model.name' is 42 (a number).");
    expect(result.stderr).toContain(`Hint: Set it to a model name, e.g. infer.model.name=perfect, or with := a JSON string: infer.model.name:='"perfect"'.`);
    expect(result.stderr).not.toContain('toLowerCase');
    expect(result.stderr).not.toContain('Thrown at');
  });
});
