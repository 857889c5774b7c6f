/**
 * NO_COLOR=1 turns colour off everywhere, even with FORCE_COLOR set; a control run with
 * FORCE_COLOR alone shows that the check would see colour if there were any.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFixtureProject, tempDirs, waitForCaseLines } from '../helpers/fixtures.ts';
import { hasAnsi } from '../helpers/normalize.ts';
import { runInProcess, startInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const NO_COLOR = { NO_COLOR: '1', FORCE_COLOR: '1' };

describe.concurrent('NO_COLOR=1', () => {
  const commands: [string, (runsDir: string) => string[]][] = [
    ['run (all passing)', (runsDir) => ['run', 'suites/calc.json', '--runs-dir', runsDir]],
    ['run with errored cases and --strict', (runsDir) => ['run', 'suites/calc.json', 'infer.model.name=flakey', '--strict', '--runs-dir', runsDir]],
    ['a config error', (runsDir) => ['run', 'suites/calc.json', 'infer.model.settings.temperature=hot', '--runs-dir', runsDir]],
    ['a usage error', (runsDir) => ['run', 'suites/calc.json', '-c', '0', '--runs-dir', runsDir]],
    ['help', () => ['help', 'run']],
    ['pipelines', () => ['pipelines']],
    ['models', () => ['models']],
  ];
  for (const [name, args] of commands) {
    it(`no ANSI escapes: ${name}`, async () => {
      const runsDir = join(await temp.make(), 'runs');
      const result = await runInProcess(args(runsDir), { cwd: REPO_ROOT, env: { ...NO_COLOR, TAGLIOTS_PROGRESS_INTERVAL_MS: '1' } });
      expect(result.stdout + result.stderr).not.toBe('');
      expect(hasAnsi(result.stdout), result.stdout).toBe(false);
      expect(hasAnsi(result.stderr), result.stderr).toBe(false);
    });
  }

  it('no ANSI escapes: an interrupted run with cancelled cases and progress lines', async () => {
    const dir = await temp.make();
    const project = await copyFixtureProject('lab', dir);
    const runsDir = join(dir, 'runs');
    const cli = startInProcess(['run', 'suites/slow.json', '--grace', '0', '--runs-dir', runsDir], {
      cwd: project,
      env: { ...NO_COLOR, TAGLIOTS_PROGRESS_INTERVAL_MS: '20' },
    });
    await waitForCaseLines(runsDir, 2, cli);
    cli.interrupt();
    const result = await cli.result;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toContain('Run interrupted');
    expect(result.stderr).toContain('progress: ');
    expect(hasAnsi(result.stdout), result.stdout).toBe(false);
    expect(hasAnsi(result.stderr), result.stderr).toBe(false);
  });

  it('control: FORCE_COLOR=1 without NO_COLOR does colour the output', async () => {
    const runsDir = join(await temp.make(), 'runs');
    const result = await runInProcess(['run', 'suites/calc.json', 'infer.model.name=flakey', '--runs-dir', runsDir], {
      cwd: REPO_ROOT,
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(hasAnsi(result.stdout)).toBe(true);
  });
});
