/**
 * The built CLI as users run it (`node bin/tagliots.js`, a child process): its help and version,
 * the exit codes the process ends with, and one run of each sample from the bundle. Everything
 * else about the commands is tested in process (test/e2e/), which is many times faster.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

/** Runs `tagliots run <args>` from the repository root into a fresh runs folder; reads the log back. */
async function runSample(args: readonly string[]): Promise<{ result: CliResult; log: RunLog }> {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runCli(['run', ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  return { result, log: await readRunLog(await onlyRunLog(runsDir)) };
}

describe.concurrent('the built CLI', () => {
  it('--help lists the commands; --version prints the package version; both exit 0', async () => {
    const help = await runCli(['--help'], { cwd: REPO_ROOT });
    expect([help.exitCode, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: tagliots \[options\] \[command\]/);
    for (const command of ['run [options] <suite> [overrides...]', 'report [options] <run>', 'help [command]']) expect(help.stdout).toContain(command);
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'], { cwd: REPO_ROOT })).toMatchObject({ exitCode: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a usage error ends the process with exit code 2 and a message, no stack trace', async () => {
    const result = await runCli(['rnu', 'suites/calc.json'], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: unknown command 'rnu'");
    expect(stackFrames(result.stderr)).toEqual([]);
  });

  it('a malformed suite: the JSON locator bundled from jsonc-parser names file:line:column (exit code 2)', async () => {
    const suite = 'test/fixtures/projects/calc-suites/malformed.json';
    const result = await runCli(['run', suite, '--runs-dir', join(await temp.make(), 'runs')], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Error (E_SUITE_PARSE): ${suite}:5:48: invalid JSON: unexpected '"': expected ',' or '}' after a property value\n`);
    expect(stackFrames(result.stderr)).toEqual([]);
  });
});

describe.concurrent('one run of each sample, from the bundle', () => {
  it('calc with the flakey mock and --strict: exit code 1; stage errors point at the pipeline source (Node source maps)', async () => {
    const { result, log } = await runSample(['suites/calc.json', 'infer.model.name=flakey', '--strict']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toBe('--strict: 16 cases errored.\n');
    expect(result.stdout).toContain('Complete: 8/24 (33.33%)');
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 24, complete: 8, error: 16, passed: 8 } });
    const extract = log.cases.filter((c) => c.error?.stage === 'extract');
    expect(extract).toHaveLength(8);
    for (const c of extract) {
      // The stack names the pipeline's own source file (mapped from the cached bundle). The test
      // runner replaces Node's source-mapped stacks in its own process: this needs a process.
      expect(c.error?.stack).toContain(`${join(REPO_ROOT, 'samples/calc/pipeline.ts')}:`);
      expect(c.error?.stack).not.toContain('.cache/tagliots');
    }
  });

  it('dag', async () => {
    const { result, log } = await runSample(['suites/dag.json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Passed: 3/3 (100.00%)');
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 3, passed: 3 } });
  });

  it('menu (multi-turn)', async () => {
    const { result, log } = await runSample(['suites/menu.json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Turns: 28 in 12 multi-turn cases (28 complete, 0 error, 0 skipped)');
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 12, passed: 12 } });
  });

  it('qa (a YAML pipeline)', async () => {
    const { result, log } = await runSample(['suites/qa.json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Passed: 6/6 (100.00%)');
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 6, passed: 6 } });
  });
});
