/**
 * The examples of docs/api.md, run as a user runs them: every ```js block is saved as an `.mjs`
 * file in a project that has `tagliots` installed (node_modules/tagliots is a link to this
 * repository, so `import … from 'tagliots'` loads the built dist/) and two runs of the calculator
 * sample in its runs/ folder: `suites/calc.json` with the `perfect` model, then with `flakey`
 * (the latest). Each block runs on its own, in a fresh copy of that project, and must exit with 0;
 * a ```text block right after it is what it must print.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLogs, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT, type CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
/** The project every example starts from (copied for each). */
let project: string;

/** A ```js block of the page, and the ```text block that follows it, if any. */
interface Example {
  readonly line: number;
  readonly code: string;
  readonly prints: string | undefined;
}

/** The ```js blocks of a Markdown page, each with the ```text block right after it (blank lines between at most). */
function examplesOf(markdown: string): Example[] {
  const fence = /^```(\w*)\n([\s\S]*?)^```\n/gm;
  const blocks: { lang: string; body: string; start: number; end: number }[] = [];
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) blocks.push({ lang: m[1]!, body: m[2]!, start: m.index, end: m.index + m[0].length });
  return blocks.flatMap((block, i) => {
    if (block.lang !== 'js') return [];
    const next = blocks[i + 1];
    const adjacent = next?.lang === 'text' && markdown.slice(block.end, next.start).trim() === '';
    return [{ line: markdown.slice(0, block.start).split('\n').length, code: block.body, prints: adjacent ? next.body : undefined }];
  });
}

const page = await readFile(join(REPO_ROOT, 'docs', 'api.md'), 'utf8');
const examples = examplesOf(page);

beforeAll(async () => {
  project = join(await temp.make('tagliots-api-'), 'project');
  await mkdir(join(project, 'node_modules'), { recursive: true });
  await symlink(REPO_ROOT, join(project, 'node_modules', 'tagliots'), 'dir');
  await cp(join(REPO_ROOT, 'samples', 'calc'), join(project, 'samples', 'calc'), { recursive: true });
  await cp(join(REPO_ROOT, 'suites', 'calc.json'), join(project, 'suites', 'calc.json'));
  await writeFile(
    join(project, 'tagliots.config.ts'),
    `import { defineConfig } from 'tagliots';\nimport { CalcPipeline } from './samples/calc/pipeline.ts';\n\nexport default defineConfig({ pipelines: [CalcPipeline], runsDir: 'runs' });\n`,
  );
  for (const model of ['perfect', 'flakey']) {
    const result = await runInProcess(['run', 'suites/calc.json', `infer.model.name=${model}`], { cwd: project });
    expect(result.exitCode, result.stderr).toBe(0);
  }
  expect(await runLogs(join(project, 'runs'))).toHaveLength(2);
}, 120_000);
afterAll(() => temp.cleanup());

/** Runs `code` as an ES module with `node`, in a fresh copy of the project. */
async function runModule(code: string): Promise<CliResult & { dir: string }> {
  const dir = await temp.make('tagliots-api-example-');
  await cp(project, dir, { recursive: true, verbatimSymlinks: true });
  await writeFile(join(dir, 'example.mjs'), code);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['example.mjs'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (exitCode, signal) => resolve({ stdout, stderr, exitCode, signal, timedOut: false, dir }));
  });
}

describe('docs/api.md', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  // Each example runs in its own copy of the project and its own process: side by side.
  for (const example of examples) {
    it.concurrent(`runs the example at line ${example.line}`, async ({ expect }) => {
      const result = await runModule(example.code);
      expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
      if (example.prints !== undefined) expect(result.stdout).toBe(example.prints);
    }, 60_000);
  }
});

describe('summarizeRun', () => {
  it('returns what `tagliots summarize --json` prints', async () => {
    const selection = { filter: 'hexadecimal' };
    const api = await runModule(
      `import { summarizeRun } from 'tagliots';\nconsole.log(JSON.stringify(await summarizeRun('latest', { selection: ${JSON.stringify(selection)}, byKeyword: true, maxRows: 5 }), null, 2));\n`,
    );
    expect(api.exitCode, api.stderr).toBe(0);
    const cli = await runInProcess(['summarize', 'latest', '--filter', selection.filter, '--by', 'keyword', '--rows', '5', '--json'], { cwd: api.dir });
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(api.stdout).toBe(cli.stdout);
    expect(JSON.parse(api.stdout)).toMatchObject({ status: 'completed', selection, selectedCases: 7, counts: { total: 7 } });
  }, 60_000);
});
