/**
 * The package as a registry would receive it: `npm pack` (in a copy of the repository, so the
 * build it runs does not touch this one's dist/), then a fresh project that installs the tarball,
 * `tagliots init`s itself, adds a pipeline using the library's API, type-checks everything under
 * strict compiler options on TypeScript 5.9 and the current major, and runs it. Needs the npm
 * registry for tagliots' own dependencies: skipped, with a message, when it is unreachable.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const exec = promisify(execFile);
const temp = tempDirs();
afterAll(() => temp.cleanup());

/** The environment of every npm call: no colours, no update notice, no funding lines. */
const NPM_ENV = { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const MINUTES = 60_000;

async function npm(args: readonly string[], cwd: string, timeout = 8 * MINUTES): Promise<{ stdout: string; stderr: string }> {
  return exec('npm', [...args], { cwd, env: NPM_ENV, timeout, maxBuffer: 64 * 1024 * 1024 });
}

/** Runs a command; resolves with its output and exit code instead of throwing. */
async function attempt(file: string, args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(file, [...args], { cwd, env: NPM_ENV, timeout: 5 * MINUTES, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const online = (await attempt('npm', ['ping'], REPO_ROOT)).code === 0;
if (!online) console.warn('test/process/package.test.ts: skipped, the npm registry is unreachable (`npm ping` failed).');

/** The compiler options the consumer's own code is held to, and tagliots' declarations with it. */
const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    allowImportingTsExtensions: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  },
  include: ['tagliots.config.ts', 'pipelines', 'scripts'],
};

/** A pipeline using the library's typed API: definePipeline, llm() with typed callbacks, scorers and judge(). */
const CONSUMER_PIPELINE = `import { z } from 'zod';
import { checkContains, checkJsonSchema, checkNumeric, combineChecks, definePipeline, judge, llm, PERFECT_JUDGEMENT, prompt, type ChecksOutput, type Judgement } from 'tagliots';

interface MathCase {
  readonly id: string;
  readonly question: string;
  readonly answer: number;
}
interface MathStages {
  readonly solve: { readonly value: number; readonly working: string };
  readonly grade: Judgement;
  readonly check: ChecksOutput;
}
const config = { model: prompt('Model'), judge: { model: prompt('Judge model') }, params: { temperature: 0 } };

export default definePipeline<MathCase, MathStages, typeof config>({
  name: 'math',
  description: 'Solves arithmetic and is graded',
  config,
  stages: async ({ config, models }) => ({
    solve: await llm({
      model: models.get(config.model),
      messages: (ctx) => [{ role: 'user', content: ctx.case.question }],
      params: (ctx) => ctx.config.params,
      output: z.object({ value: z.number(), working: z.string() }),
    }),
    grade: await judge({
      model: models.get(config.judge.model),
      rubric: 'Question: {{ case.question }}. Answer: {{ stages.solve.value }}. Score 1 when right.',
      vars: (ctx) => ({ expected: ctx.case.answer }),
      threshold: 0.5,
    }),
    check: (ctx) =>
      combineChecks([
        checkNumeric(ctx.stages.solve?.value, ctx.case.answer, { absolute: 0.001, relative: 0.01 }),
        checkJsonSchema(ctx.stages.solve, { type: 'object', required: ['value'] }),
        checkContains(ctx.stages.solve?.working ?? '', ''),
      ]),
  }),
  expected: (ctx) => ((ctx as { stage?: string }).stage === 'grade' ? { ...PERFECT_JUDGEMENT } : { value: ctx.case.answer, working: 'mock' }),
  passed: ({ stages }) => stages.check?.passed === true && stages.grade?.passed === true,
  score: ({ stages }) => stages.grade?.score ?? null,
});
`;

/** What must not compile: a misspelt config field inside an llm() callback. */
const TYPO_PIPELINE = `import { definePipeline, llm, prompt } from 'tagliots';
const config = { model: prompt('Model'), params: { temperature: 0 } };
export default definePipeline<{ readonly q: string }, { readonly a: string }, typeof config>({
  name: 'typo',
  description: 'misspelt params',
  config,
  stages: async ({ config, models }) => ({
    a: await llm({
      model: models.get(config.model),
      messages: (ctx) => [{ role: 'user', content: ctx.case.q }],
      params: (ctx) => ctx.config.parms,
    }),
  }),
});
`;

/** The engine from a script: runSuite over the math suite, type-checked. */
const API_SCRIPT = `import { runSuite, summarizeRun, type RunSuiteResult } from 'tagliots';

const result: RunSuiteResult = await runSuite({ suite: 'suites/math.json', overrides: ['model=perfect'] });
const summary = await summarizeRun(result.logPath);
console.log(result.status, result.counts, summary);
`;

const MATH_SUITE = {
  pipeline: 'math',
  config: { model: 'perfect', 'judge.model': 'perfect' },
  cases: [
    { id: 'add', question: 'What is 2 + 3?', answer: 5 },
    { id: 'mul', question: 'What is 6 * 7?', answer: 42 },
  ],
};

describe.skipIf(!online)('the packed package in a fresh project', { timeout: 20 * MINUTES }, () => {
  let tarball = '';
  let packed: { size: number; unpackedSize: number; entryCount: number; files: { path: string }[] };
  let project = '';

  beforeAll(async () => {
    // A copy of what the build reads, with this repository's node_modules: packing builds dist/ there.
    const stage = await temp.make('tagliots-pack-');
    for (const entry of ['package.json', 'package-lock.json', 'bin', 'src', 'scripts', 'schema', 'docs', 'README.md', 'CHANGELOG.md', 'tsconfig.json', 'tsconfig.build.json']) {
      await cp(join(REPO_ROOT, entry), join(stage, entry), { recursive: true });
    }
    await symlink(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
    const out = await temp.make('tagliots-tarball-');
    const { stdout } = await npm(['pack', '--json', '--pack-destination', out], stage);
    packed = (JSON.parse(stdout.slice(stdout.indexOf('['))) as (typeof packed & { filename: string })[])[0]!;
    tarball = join(out, (packed as unknown as { filename: string }).filename);
    console.info(`tagliots tarball: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);

    project = await temp.make('tagliots-consumer-');
    await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
    await npm(['install', '--no-audit', '--no-fund', tarball, 'typescript@5.9', 'zod@4', '@types/node@20'], project);
  }, 20 * MINUTES);

  it('holds built JavaScript, declarations, the JSON Schema and docs; no tests, sources or source maps', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/tagliots.js', 'dist/index.js', 'dist/cli.js', 'dist/types/index.d.ts', 'schema/run-log.schema.json', 'docs/project-setup.md']));
    expect(paths.filter((path) => path.startsWith('src/') || path.includes('.test.') || path.endsWith('.map') || path.startsWith('test/'))).toEqual([]);
    expect(packed.size).toBeLessThan(1_500_000);
  });

  it('init, then the example and a consumer pipeline type-check under strict options and run', async () => {
    const init = await attempt('npx', ['tagliots', 'init', '--force'], project);
    expect(init.code, init.output).toBe(0);
    await mkdir(join(project, 'scripts'), { recursive: true });
    await writeFile(join(project, 'pipelines/math.ts'), CONSUMER_PIPELINE);
    await writeFile(join(project, 'scripts/api.ts'), API_SCRIPT);
    await writeFile(join(project, 'suites/math.json'), `${JSON.stringify(MATH_SUITE, null, 2)}\n`);
    const config = (await readFile(join(project, 'tagliots.config.ts'), 'utf8'))
      .replace("import example from './pipelines/example.ts';", "import example from './pipelines/example.ts';\nimport math from './pipelines/math.ts';")
      .replace('pipelines: [example]', 'pipelines: [example, math]');
    await writeFile(join(project, 'tagliots.config.ts'), config);

    await writeFile(join(project, 'tsconfig.strict.json'), JSON.stringify(STRICT_TSCONFIG, null, 2));
    // The misspelt field, checked on its own so that the checks below can run at the same time.
    await mkdir(join(project, 'typo'), { recursive: true });
    await writeFile(join(project, 'typo/typo.ts'), TYPO_PIPELINE);
    await writeFile(join(project, 'tsconfig.typo.json'), JSON.stringify({ ...STRICT_TSCONFIG, include: ['typo'] }, null, 2));

    // Independent checks run together: the project's own tsconfig (written by init), the strict
    // one on TypeScript 5.9 and on the current major (from npx's cache, beside the project's), the
    // typo, and both suites.
    const latest = (await npm(['view', 'typescript', 'version'], project)).stdout.trim();
    const [own, strict, current, typo, example, math] = await Promise.all([
      attempt('npx', ['tsc', '--noEmit'], project),
      attempt('npx', ['tsc', '--noEmit', '-p', 'tsconfig.strict.json'], project),
      attempt('npx', ['--yes', '-p', `typescript@${latest}`, 'tsc', '--noEmit', '-p', 'tsconfig.strict.json'], project),
      attempt('npx', ['tsc', '--noEmit', '-p', 'tsconfig.typo.json'], project),
      attempt('npx', ['tagliots', 'run', 'suites/example.json'], project),
      attempt('npx', ['tagliots', 'run', 'suites/math.json'], project),
    ]);
    const shown = (result: { code: number; output: string }) => `exit ${result.code}${result.output.trim() === '' ? ', no output' : `\n${result.output}`}`;
    console.info(`consumer tsc (TypeScript 5.9, strict, skipLibCheck false): ${shown(strict)}`);
    const version = await attempt('npx', ['--yes', '-p', `typescript@${latest}`, 'tsc', '--version'], project);
    console.info(`consumer tsc (${version.output.trim()}, strict, skipLibCheck false): ${shown(current)}`);
    expect(version.output).toContain(latest);
    expect(own.code, own.output).toBe(0);
    expect(strict.code, strict.output).toBe(0);
    expect(current.code, current.output).toBe(0);
    // A misspelt field inside an llm() callback is a compile error.
    expect(typo.code).not.toBe(0);
    expect(typo.output).toMatch(/typo\/typo\.ts.*error TS2551: Property 'parms' does not exist/);
    expect(example.code, example.output).toBe(0);
    expect(math.code, math.output).toBe(0);
    expect(math.output).toMatch(/2 passed|passed\s+2|2\/2/);
    const gate = await attempt('npx', ['tagliots', 'gate', 'latest'], project);
    expect(gate.code, gate.output).toBe(0);
  });
});
