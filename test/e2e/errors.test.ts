/**
 * Every way `tagliots` can be used wrongly ends with a clear message on stderr (no stack trace),
 * exit code 2, nothing on stdout and no run log.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureProject, runLogs, tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT, runCli, type CliResult, type CliRunner } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const SUITES = 'test/fixtures/projects/calc-suites';

interface Failure {
  /** Patterns stderr must match, in this order. */
  readonly stderr: readonly (RegExp | string)[];
  readonly exitCode?: number;
}

function expectCleanFailure(result: CliResult, expected: Failure): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.exitCode, context).toBe(expected.exitCode ?? 2);
  expect(result.signal, context).toBeNull();
  expect(stackFrames(result.stderr), context).toEqual([]);
  expect(result.stderr, context).not.toMatch(/Unexpected error|a bug in tagliots/);
  expect(result.stdout, context).toBe('');
  let rest = result.stderr;
  for (const pattern of expected.stderr) {
    const match = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
    expect(match, `expected ${String(pattern)} in stderr (in order)\n${context}`).toBeGreaterThanOrEqual(0);
    rest = rest.slice(match);
  }
}

/**
 * Runs `tagliots run ...` in `cwd` with a fresh runs folder, and checks that no run log was written.
 * In this process unless `runner` says otherwise.
 */
async function runFailing(args: readonly string[], expected: Failure, cwd = REPO_ROOT, runner: CliRunner = runInProcess): Promise<CliResult> {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runner([...args, '--runs-dir', runsDir], { cwd });
  expectCleanFailure(result, expected);
  expect(await runLogs(runsDir)).toEqual([]);
  return result;
}

describe.concurrent('config overrides', () => {
  it('rejects an unknown config path and suggests the closest one', async () => {
    await runFailing(['run', 'suites/calc.json', 'infer.modl.name=perfect'], {
      stderr: ["Error (E_CONFIG_UNKNOWN_PATH): Unknown config path 'infer.modl.name' (from command line).", "Hint: Did you mean 'infer.model.name'?"],
    });
  });

  it('rejects a value of the wrong type, naming the path and the expected type', async () => {
    await runFailing(['run', 'suites/calc.json', 'infer.model.settings.temperature=hot'], {
      stderr: [
        "Error (E_CONFIG_TYPE): Config path 'infer.model.settings.temperature' expects a number, got 'hot' (from command line).",
        'Hint: e.g. infer.model.settings.temperature=0.7',
      ],
    });
  });

  it('rejects setting an internal() value', async () => {
    await runFailing(['run', 'suites/calc.json', 'prepare.templateSha256=abc'], {
      stderr: ["Error (E_CONFIG_INTERNAL): Config path 'prepare.templateSha256'", 'cannot be set (from command line)', "Hint: Remove 'prepare.templateSha256'"],
    });
  });

  it('lists every missing prompt() value together', async () => {
    await runFailing(['run', `${SUITES}/no-config.json`], {
      stderr: [
        'Error (E_CONFIG_REQUIRED): Missing required config values:\n',
        '  prepare.template: Template file for system message\n',
        '  infer.model.name: Model name to use for inference stage\n',
        'Hint: Supply them on the command line (tagliots run <suite> prepare.template=... infer.model.name=...)',
      ],
    });
  });

  it('rejects a key=value argument without "="', async () => {
    await runFailing(['run', 'suites/calc.json', 'infer.model.name'], {
      stderr: ["Error (E_OVERRIDE_SYNTAX): Invalid config override 'infer.model.name' (from command line): expected '=' between the key and the value.", 'Hint: Write overrides as key.path=value'],
    });
  });

  it('rejects a key=value argument with an empty key', async () => {
    await runFailing(['run', 'suites/calc.json', '=perfect'], {
      stderr: ["Error (E_OVERRIDE_SYNTAX): Invalid config override '=perfect' (from command line): the key is empty."],
    });
  });

  it('rejects a key:=value argument whose value is not JSON', async () => {
    await runFailing(['run', 'suites/calc.json', 'infer.model.settings:={oops'], {
      stderr: ["Error (E_OVERRIDE_SYNTAX): Invalid config override 'infer.model.settings:={oops' (from command line): the value after ':=' is not valid JSON"],
    });
  });

  it('reports a YAML syntax error in a --config patch with its position', async () => {
    const dir = await temp.make();
    const patch = join(dir, 'patch.yaml');
    await writeFile(patch, 'infer:\n  model:\n    name: [perfect\n');
    await runFailing(['run', 'suites/calc.json', '--config', patch], {
      stderr: [`Error (E_PATCH_PARSE): Cannot parse config patch file ${patch}:`, /patch\.yaml:\d+:\d+: /],
    });
  });

  it('reports a missing --config patch file', async () => {
    await runFailing(['run', 'suites/calc.json', '--config', 'no-such-patch.json'], {
      stderr: ["Error (E_PATCH_NOT_FOUND): Config patch file 'no-such-patch.json' not found"],
    });
  });
});

describe.concurrent('suites', () => {
  it('reports malformed JSON with file:line:column', async () => {
    await runFailing(['run', `${SUITES}/malformed.json`], {
      stderr: [`Error (E_SUITE_PARSE): ${SUITES}/malformed.json:5:48: invalid JSON:`, '"base": 10 "answer": 6', '^', 'Hint: fix the JSON at that position'],
    });
  });

  it('reports a YAML parse error with file:line:column', async () => {
    await runFailing(['run', `${SUITES}/broken.yaml`], {
      stderr: [new RegExp(`Error \\(E_SUITE_PARSE\\): ${SUITES}/broken\\.yaml:\\d+:\\d+: invalid YAML: `), 'Hint: fix the YAML at that position'],
    });
  });

  it('refuses a suite that is not UTF-8, and a key repeated in a case, rather than changing them silently', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, 'latin1.jsonl'), Buffer.from('{"id": "a", "user": "1+1"}\n{"id": "b", "user": "café"}\n', 'latin1'));
    await runFailing(['run', join(dir, 'latin1.jsonl')], {
      stderr: [`Error (E_SUITE_ENCODING): ${join(dir, 'latin1.jsonl')}:2:25: invalid UTF-8 (byte 0xE9)`, '^', 'Hint: save the file as UTF-8'],
    });
    await writeFile(join(dir, 'twice.json'), '[\n  {"id": "a", "user": "1+1", "user": "2+2"}\n]\n');
    await runFailing(['run', join(dir, 'twice.json')], {
      stderr: [`Error (E_SUITE_PARSE): ${join(dir, 'twice.json')}:2:30: invalid JSON: duplicate key 'user' (first at column 15)`, '^', 'Hint: remove or rename one of the two'],
    });
  });

  it('reports duplicate case ids naming both positions', async () => {
    await runFailing(['run', `${SUITES}/duplicate-ids.json`], {
      stderr: ["Error (E_SUITE_ID_DUPLICATE): ", "case 0 (line 4) and case 2 (line 6) both have id 'd-1'", 'Hint: case ids must be unique'],
    });
  });

  it('reports cases without ids and suggests tagliots add-ids', async () => {
    await runFailing(['run', `${SUITES}/missing-ids.json`], {
      stderr: ['Error (E_SUITE_ID_MISSING): ', '2 of 3 cases have no id: case 1 (line 5), case 2 (line 6)', `Hint: run 'tagliots add-ids ${SUITES}/missing-ids.json'`],
    });
  });

  it('rejects an unknown suite extension', async () => {
    await runFailing(['run', `${SUITES}/cases.txt`], {
      stderr: [`Error (E_SUITE_FORMAT): ${SUITES}/cases.txt: unsupported suite format '.txt'`, 'Hint: a suite is a .json, .yaml, .yml or .jsonl file'],
    });
  });

  it('reports a missing suite file, suggesting a similar name', async () => {
    await runFailing(['run', 'suites/calk.json'], {
      stderr: ['Error (E_SUITE_NOT_FOUND): suites/calk.json: no such file', "Hint: did you mean 'suites/calc.json'?"],
    });
  });

  it('reports a missing suite file', async () => {
    await runFailing(['run', 'suites/nothing-like-it.json'], {
      stderr: ['Error (E_SUITE_NOT_FOUND): suites/nothing-like-it.json: no such file', 'Hint: check the path'],
    });
  });
});

describe.concurrent('pipelines, models and templates', () => {
  it('rejects an unknown pipeline, listing the available ones', async () => {
    await runFailing(['run', 'suites/calc.json', '-p', 'nope'], {
      stderr: ["Error (E_PIPELINE_UNKNOWN): Cannot find pipeline 'nope'. Available pipelines: calc, dag, menu, qa, and agent.", 'Hint: Run `tagliots pipelines` to list them.'],
    });
  });

  it('suggests the closest pipeline name', async () => {
    await runFailing(['run', 'suites/calc.json', '-p', 'calk'], {
      stderr: ["Error (E_PIPELINE_UNKNOWN): Cannot find pipeline 'calk'.", "Hint: Did you mean 'calc'?"],
    });
  });

  it('rejects an unknown model name, listing the models', async () => {
    await runFailing(['run', 'suites/calc.json', 'infer.model.name=gpt9'], {
      stderr: ["Error (E_MODEL_UNKNOWN): Pipeline 'calc' setup failed: Model 'gpt9' not found. Available models include flakey, parrot, perfect, and scripted."],
    });
  });

  it('reports a missing template file', async () => {
    // Spawned: the error comes from the library the pipeline imports (dist/), which in a test's
    // process is another copy than the runner's (src/); in the built CLI they are one.
    await runFailing(['run', 'suites/calc.json', 'prepare.template=samples/calc/no-such-template.txt'], {
      stderr: ["Error (E_TEMPLATE_NOT_FOUND): Pipeline 'calc' setup failed: Cannot read template 'samples/calc/no-such-template.txt'"],
    }, REPO_ROOT, runCli);
  });
});

describe.concurrent('project config', () => {
  it('reports a missing project config (run from an empty folder)', async () => {
    const empty = await temp.make();
    await runFailing(['run', 'suite.json'], { stderr: [`Error (E_PROJECT_NOT_FOUND): No tagliots.config.ts`, `in ${empty} or any parent folder.`, 'Hint: Create tagliots.config.ts:'] }, empty);
  });

  it('reports a syntax error in tagliots.config.ts with file:line:column', async () => {
    const project = await copyFixtureProject('lab', await temp.make());
    await writeFiles(project, {
      'tagliots.config.ts': [
        "import { defineConfig } from 'tagliots';",
        "import slow from './pipelines/slow.ts';",
        '',
        'export default defineConfig({',
        '  pipelines: [slow,',
        "  runsDir: 'runs',",
        '});',
        '',
      ].join('\n'),
    });
    await runFailing(['run', 'suites/tiny.json', '-p', 'slow'], {
      stderr: [`Error (E_PROJECT_BUILD): Cannot load ${join(project, 'tagliots.config.ts')}:`, 'tagliots.config.ts:6:10: Expected "]" but found ":"', "runsDir: 'runs',", 'Hint: Fix the syntax'],
    }, project);
  });

  it('reports a syntax error in a module the config imports, naming that file', async () => {
    const project = await copyFixtureProject('lab', await temp.make());
    await writeFiles(project, { 'pipelines/slow.ts': "import { definePipeline } from 'tagliots';\nexport default definePipeline({ name: 'slow', description: 'x', stages: () => ({ a: () => 1 }) ;\n" });
    await runFailing(['run', 'suites/tiny.json', '-p', 'slow'], {
      stderr: ['Error (E_PROJECT_BUILD): Cannot load ', /pipelines\/slow\.ts:2:\d+: Expected/],
    }, project);
  });

  it('reports an error thrown while loading the config, pointing at the line that threw', async () => {
    const project = await copyFixtureProject('lab', await temp.make());
    await writeFiles(project, {
      'tagliots.config.ts': [
        "import { defineConfig } from 'tagliots';",
        "import slow from './pipelines/slow.ts';",
        '',
        'const pipelines = [slow];',
        "if (pipelines.length > 0) throw new Error('config exploded');",
        'export default defineConfig({ pipelines });',
        '',
      ].join('\n'),
    });
    // Spawned: the line comes from Node's source maps, which the test runner replaces in its own process.
    await runFailing(['run', 'suites/tiny.json'], {
      // The hint names the user's file and line, not a frame inside tagliots or its cache.
      stderr: ['Error (E_PROJECT_LOAD): Loading tagliots.config.ts failed: config exploded', 'Hint: Thrown at ', `(${join(project, 'tagliots.config.ts')}:5:33)`],
    }, project, runCli);
  });

  it('reports an unknown key in the project config', async () => {
    const project = await copyFixtureProject('lab', await temp.make());
    await writeFiles(project, {
      'tagliots.config.ts': "import { defineConfig } from 'tagliots';\nexport default { pipelines: [], colour: true } as Parameters<typeof defineConfig>[0];\n",
    });
    await runFailing(['run', 'suites/tiny.json'], { stderr: ["Error (E_PROJECT_SHAPE): tagliots.config.ts: unknown config key 'colour'."] }, project);
  });

  for (const [pipeline, message] of [
    ['cycle', /Error \(E_DAG_CYCLE\): Pipeline 'cycle': cycle detected: (?:\w+ -> )*B -> C -> D -> B\./],
    ['unknown-input', "Error (E_DAG_UNKNOWN_INPUT): Pipeline 'unknown-input': stage 'score' cannot find input 'extrct'.\nHint: Did you mean 'extract'?"],
    ['duplicate-stage', "Error (E_DAG_DUPLICATE): Pipeline 'duplicate-stage': duplicate stage name 'infer'."],
    ['empty', "Error (E_DAG_EMPTY): Pipeline 'empty': stages() returned no stages (empty pipeline)."],
  ] as const satisfies readonly (readonly [string, string | RegExp])[]) {
    it(`stops before any case when the stage graph is invalid: ${pipeline}`, async () => {
      const project = await copyFixtureProject('lab', await temp.make());
      await runFailing(['run', 'suites/tiny.json', '-p', pipeline], { stderr: [message] }, project);
    });
  }
});

describe.concurrent('command line', () => {
  it('rejects -c 0', async () => {
    await runFailing(['run', 'suites/calc.json', '-c', '0'], {
      stderr: ["error: option '-c, --concurrency <n>' argument '0' is invalid. --concurrency must be a whole number of at least 1 (got '0')."],
    });
  });

  it('rejects -c abc', async () => {
    await runFailing(['run', 'suites/calc.json', '-c', 'abc'], { stderr: ["argument 'abc' is invalid. --concurrency must be a whole number of at least 1 (got 'abc')."] });
  });

  it('rejects a negative --grace', async () => {
    await runFailing(['run', 'suites/calc.json', '--grace', '-1'], { stderr: ["expected a number of seconds (got '-1')"] });
  });

  it('rejects an unknown flag', async () => {
    await runFailing(['run', 'suites/calc.json', '--bogus'], { stderr: ["error: unknown option '--bogus'"] });
  });

  it('rejects a run without a suite', async () => {
    await runFailing(['run'], { stderr: ["error: missing required argument 'suite'"] });
  });

  it('rejects an unknown command, suggesting the closest', async () => {
    const result = await runInProcess(['rnu', 'suites/calc.json'], { cwd: REPO_ROOT });
    expectCleanFailure(result, { stderr: ["error: unknown command 'rnu'", '(Did you mean run?)'] });
  });

  it('help for an unknown command says it is unknown, suggesting the closest, with exit code 2', async () => {
    const result = await runInProcess(['help', 'nope'], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("error: unknown command 'nope'\n");
    const typo = await runInProcess(['help', 'rnu'], { cwd: REPO_ROOT });
    expectCleanFailure(typo, { stderr: ["error: unknown command 'rnu'", '(Did you mean run?)'] });
  });

  it('rejects an unknown command', async () => {
    const result = await runInProcess(['frobnicate'], { cwd: REPO_ROOT });
    expectCleanFailure(result, { stderr: ["error: unknown command 'frobnicate'"] });
  });
});

describe.concurrent('help and version exit 0', () => {
  let version = '';
  beforeAll(async () => {
    version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  });

  it('--help', async () => {
    const result = await runInProcess(['--help'], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: tagliots \[options\] \[command\]/);
    for (const command of ['run [options] <suite> [overrides...]', 'pipelines', 'models', 'help [command]']) expect(result.stdout).toContain(command);
  });

  it('help run', async () => {
    const result = await runInProcess(['help', 'run'], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: tagliots run \[options\] <suite> \[overrides\.\.\.\]/);
    for (const text of ['--pipeline <name>', '--concurrency <n>', '--config <file>', '--runs-dir <dir>', '--grace <seconds>', '--strict', 'Examples:', 'Exit codes:']) {
      expect(result.stdout).toContain(text);
    }
  });

  it('run --help', async () => {
    const result = await runInProcess(['run', '--help'], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tagliots run /);
  });

  it('--version and -v', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await runInProcess([flag], { cwd: REPO_ROOT });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
      expect(result.stderr).toBe('');
    }
  });

  it('no arguments prints the help', async () => {
    const result = await runInProcess([], { cwd: REPO_ROOT });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tagliots \[options\] \[command\]/);
    expect(result.stderr).toBe('');
  });

  it('help and version work outside a project', async () => {
    const empty = await temp.make();
    for (const args of [['--help'], ['--version'], ['help', 'run']]) {
      const result = await runInProcess(args, { cwd: empty });
      expect(result.exitCode, result.stderr).toBe(0);
    }
  });
});
