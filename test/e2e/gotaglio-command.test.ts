/**
 * GoTaglio's command shape, `run <pipeline> <cases> [key=value ...]`: the first argument names the
 * pipeline when it is not a suite file; any other argument that is not an override is an error
 * whose hint is the command line with -p.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../../src/log/reader.ts';
import { onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

async function run(args: readonly string[]) {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runInProcess(['run', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  return { result, runsDir };
}

describe.concurrent('tagliots run <pipeline> <suite> [key=value ...]', () => {
  it('runs the pipeline named first, with the overrides after the suite', async () => {
    const { result, runsDir } = await run(['calc', 'suites/calc.json', 'infer.model.name=flakey', '-c', '2']);
    expect(result.exitCode, result.stderr).not.toBe(2);
    const log = await readRunLog(await onlyRunLog(runsDir));
    expect(log.header.pipeline.name).toBe('calc');
    expect(log.header.config).toMatchObject({ infer: { model: { name: 'flakey' } } });
  });

  it('takes a pipeline file first too', async () => {
    const { result, runsDir } = await run(['samples/qa/qa.pipeline.yaml', 'suites/qa.json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await readRunLog(await onlyRunLog(runsDir))).header.pipeline.name).toBe('qa');
  });

  it('hints the -p form when a second suite follows the first', async () => {
    const { result } = await run(['suites/calc.json', 'samples/menu/data/cases.yaml', 'infer.model.name=perfect']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      "Error (E_OVERRIDE_SYNTAX): Invalid config override 'samples/menu/data/cases.yaml' (from command line): expected '=' between the key and the value.\n" +
        'Hint: tagliots run takes one suite, then key.path=value overrides; name the pipeline with -p, as in: tagliots run -p <pipeline> suites/calc.json infer.model.name=perfect\n',
    );
  });

  it('hints the -p form when the pipeline is named both with -p and first', async () => {
    const { result } = await run(['-p', 'menu', 'menu', 'samples/menu/data/cases.yaml', "infer.stop:=[\"END\"]"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`as in: tagliots run -p menu samples/menu/data/cases.yaml 'infer.stop:=["END"]'\n`);
  });
});
