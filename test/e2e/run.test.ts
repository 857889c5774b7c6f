/**
 * `tagliots run` end to end: the CLI, in process, runs the sample pipelines from the repository
 * root, and the run logs it writes are read back with readRunLog.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseRecord, StageRecord } from '../../src/log/schema.ts';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import { copyFixtureProject, onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { hasAnsi, normalize, stackFrames } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT, type CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

interface Run {
  result: CliResult;
  runsDir: string;
  log: RunLog;
  /** stdout with run ids, times, durations and paths replaced. */
  output: string;
}

/** Runs `tagliots run <args>` with a fresh runs folder and reads the log it wrote. */
async function run(args: readonly string[], options: { cwd?: string; exitCode?: number } = {}): Promise<Run> {
  const cwd = options.cwd ?? REPO_ROOT;
  const runsDir = join(await temp.make(), 'runs');
  const result = await runInProcess(['run', ...args, '--runs-dir', runsDir], { cwd });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(options.exitCode ?? 0);
  const log = await readRunLog(await onlyRunLog(runsDir));
  return { result, runsDir, log, output: normalize(result.stdout, { paths: { RUNS: runsDir }, cwd }) };
}

async function suiteIds(path: string): Promise<string[]> {
  const suite = JSON.parse(await readFile(join(REPO_ROOT, path), 'utf8')) as { cases: { uuid?: string; id?: string }[] };
  return suite.cases.map((c) => String(c.uuid ?? c.id));
}

const byStage = (log: RunLog, stage: string) => log.cases.filter((c) => c.error?.stage === stage);

describe.concurrent('run suites/calc.json', () => {
  it('runs every case, prints the configuration, the summary and the totals, and writes a complete log', async ({ expect }) => {
    const { result, log, output } = await run(['suites/calc.json']);
    expect(result.stderr).toBe('');
    expect(hasAnsi(result.stdout)).toBe(false);
    expect(output).toMatchInlineSnapshot(`
      "Run configuration
        id: <RUN_ID>
        suite: suites/calc.json (24 cases)
        pipeline: calc
          prepare.template: PROMPT => samples/calc/template.txt
          infer.model.name: PROMPT => perfect
        concurrency: 8
        git: <GIT>
        log: <RUNS>/<RUN_ID>.jsonl

      Summary for <RUN_ID>
      ┌─────┬──────────┬────────┬───────┬──────────────┬──────────────┬────────────┬────────────┐
      │ id  │ status   │ passed │ score │ keywords     │ user         │ answer     │ got        │
      ├─────┼──────────┼────────┼───────┼──────────────┼──────────────┼────────────┼────────────┤
      │ 470 │ COMPLETE │ yes    │ 1     │ addition, n… │ 1+1          │ 2          │ 2          │
      │ b52 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ 10-7         │ 3          │ 3          │
      │ e94 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ 6*7          │ 42         │ 42         │
      │ 89f │ COMPLETE │ yes    │ 1     │ division, n… │ 144/12       │ 12         │ 12         │
      │ d57 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ 2+3*4        │ 14         │ 14         │
      │ eb8 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ (2+3)*4      │ 20         │ 20         │
      │ c4c │ COMPLETE │ yes    │ 1     │ decimals, n… │ 0.5+0.25     │ 0.75       │ 0.75       │
      │ cae │ COMPLETE │ yes    │ 1     │ flakey-fail… │ 3-10         │ -7         │ -7         │
      │ fe4 │ COMPLETE │ yes    │ 1     │ exponent, f… │ 2^10         │ 1024       │ 1024       │
      │ 008 │ COMPLETE │ yes    │ 1     │ division, t… │ one hundred… │ 51         │ 51         │
      │ 9ca │ COMPLETE │ yes    │ 1     │ addition, f… │ seven plus … │ 15         │ 15         │
      │ 2dd │ COMPLETE │ yes    │ 1     │ flakey-fail… │ twelve time… │ 144        │ 144        │
      │ 232 │ COMPLETE │ yes    │ 1     │ subtraction… │ a thousand … │ 999        │ 999        │
      │ 047 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ 25% of 80    │ 20         │ 20         │
      │ fd9 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ square root… │ 9          │ 9          │
      │ b6b │ COMPLETE │ yes    │ 1     │ addition, h… │ ff + a       │ 265        │ 265        │
      │ eea │ COMPLETE │ yes    │ 1     │ division, f… │ a1 / 4       │ 40.25      │ 40.25      │
      │ 014 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ 10 * 10      │ 256        │ 256        │
      │ ac9 │ COMPLETE │ yes    │ 1     │ hexadecimal… │ 100 - 1      │ 255        │ 255        │
      │ a14 │ COMPLETE │ yes    │ 1     │ flakey-fail… │ dead         │ 57005      │ 57005      │
      │ f44 │ COMPLETE │ yes    │ 1     │ addition, f… │ 7f + 1       │ 128        │ 128        │
      │ dda │ COMPLETE │ yes    │ 1     │ large, numb… │ 123456789 +… │ 1111111110 │ 1111111110 │
      │ ed1 │ COMPLETE │ yes    │ 1     │ decimals, d… │ 1/8          │ 0.125      │ 0.125      │
      │ 34f │ COMPLETE │ yes    │ 1     │ flakey-fail… │ twice ff     │ 510        │ 510        │
      └─────┴──────────┴────────┴───────┴──────────────┴──────────────┴────────────┴────────────┘

      Total: 24
      Complete: 24/24 (100.00%)
      Error: 0/24 (0.00%)
      Passed: 24/24 (100.00%)
      Failed: 0/24 (0.00%)
      Mean score: 1
      Tokens: 1,019 in, 29 out (24 model calls)
      Duration: <DURATION>

      Results written to <RUNS>/<RUN_ID>.jsonl
      "
    `);

    // The log, read back.
    expect(log.incomplete).toBe(false);
    expect(log.warnings).toEqual([]);
    expect(log.header.pipeline.name).toBe('calc');
    expect(log.header.pipeline.stages.map((s) => s.name)).toEqual(['prepare', 'infer', 'extract', 'assess']);
    expect(log.header.suite).toMatchObject({ path: 'suites/calc.json', format: 'json', count: 24 });
    expect(log.header.command).toEqual(['run', 'suites/calc.json', '--runs-dir', expect.any(String)]);
    expect(log.header.cwd).toBe(REPO_ROOT);
    expect(log.header.concurrency).toBe(8);
    expect(log.header.git).toMatchObject({ sha: expect.stringMatching(/^[0-9a-f]{40}$/), dirty: expect.any(Boolean), changes: expect.any(Array) });
    expect(log.header.deltas).toEqual([
      { path: 'prepare.template', from: null, to: 'samples/calc/template.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: 'perfect', prompt: true },
    ]);
    expect((log.header.config as { prepare: { templateSha256: string } }).prepare.templateSha256).toMatch(/^[0-9a-f]{64}$/);

    expect(log.cases).toHaveLength(24);
    expect(new Set(log.cases.map((c) => c.caseId))).toEqual(new Set(await suiteIds('suites/calc.json')));
    expect([...log.cases.map((c) => c.index)].sort((a, b) => a - b)).toEqual([...Array(24).keys()]);
    for (const c of log.cases) {
      expect(c).toMatchObject({ status: 'complete', passed: true, score: 1, error: null });
      expect(Object.keys(c.stageRecords)).toEqual(['prepare', 'infer', 'extract', 'assess']);
      expect(c.stages['extract']).toBe(c.case['answer']);
      expect(c.usage?.calls).toBe(1);
    }
    expect(log.end).toMatchObject({
      type: 'run.end',
      status: 'completed',
      counts: { total: 24, complete: 24, error: 0, cancelled: 0, passed: 24, failed: 0, notRun: 0 },
    });
  });

  it('records model and parsing failures per case, with their stage, and exits 0', async ({ expect }) => {
    const { result, log } = await run(['suites/calc.json', 'infer.model.name=flakey']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('infer: Flakey model failed');
    expect(result.stdout).toContain('extract: could not convert');
    expect(result.stdout).toContain('Complete: 8/24 (33.33%)');
    expect(result.stdout).toContain('Error: 16/24 (66.67%)');

    // flakey cycles by case position: right, "hello world" (extract fails), error (infer fails).
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 24, complete: 8, error: 16, passed: 8, notRun: 0 } });
    const infer = byStage(log, 'infer');
    const extract = byStage(log, 'extract');
    expect(infer.map((c) => c.index % 3)).toEqual(infer.map(() => 2));
    expect(extract.map((c) => c.index % 3)).toEqual(extract.map(() => 1));
    expect(infer).toHaveLength(8);
    expect(extract).toHaveLength(8);
    for (const c of infer) {
      expect(c.status).toBe('error');
      expect(c.error).toMatchObject({ name: 'Error', message: 'Flakey model failed', stage: 'infer' });
      expect(c.stageRecords['infer']?.status).toBe('error');
      expect(c.stageRecords['extract']).toMatchObject({ status: 'skipped', reason: "input 'infer' failed" });
    }
    for (const c of extract) {
      expect(c.error).toMatchObject({
        message: "could not convert string to number: 'hello world'",
        stage: 'extract',
        context: ['Extracting numerical answer from LLM response.'],
      });
      expect(c.stages['infer']).toBe('hello world');
      expect(c.stageRecords['assess']?.status).toBe('skipped');
      // That the stack names the pipeline's own source file needs Node's source maps in a process
      // of its own: test/process/built-cli.test.ts.
    }
  });

  it('exits 1 with --strict when cases errored', async ({ expect }) => {
    const { result, log } = await run(['suites/calc.json', 'infer.model.name=flakey', '--strict'], { exitCode: 1 });
    expect(result.stderr).toBe('--strict: 16 cases errored.\n');
    expect(result.stdout).toContain('Results written to ');
    expect(log.end?.status).toBe('completed');
  });

  it('exits 0 with --strict when no case errored', async ({ expect }) => {
    const { log } = await run(['suites/calc.json', '--strict', '-c', '3']);
    expect(log.header.concurrency).toBe(3);
    expect(log.end?.counts.error).toBe(0);
  });
});

describe.concurrent('config overrides', () => {
  it('prepare.template changes the rendered system prompt; temperature is stored as a number', async ({ expect }) => {
    const [plain, changed] = await Promise.all([
      run(['suites/calc.json', '-c', '4']),
      run(['suites/calc.json', 'prepare.template=samples/calc/template2.txt', 'infer.model.settings.temperature=0.2']),
    ]);
    expect(changed.output).toContain('  pipeline: calc\n    prepare.template: PROMPT => samples/calc/template2.txt\n    infer.model.name: PROMPT => perfect\n    infer.model.settings.temperature: 0.7 => 0.2\n');

    const config = changed.log.header.config as { prepare: { template: string; templateSha256: string }; infer: { model: { settings: Record<string, unknown> } } };
    expect(config.prepare.template).toBe('samples/calc/template2.txt');
    expect(config.infer.model.settings['temperature']).toBe(0.2);
    expect(changed.log.header.deltas).toContainEqual({ path: 'infer.model.settings.temperature', from: 0.7, to: 0.2 });
    expect(config.prepare.templateSha256).not.toBe((plain.log.header.config as typeof config).prepare.templateSha256);

    const systemPrompt = (c: CaseRecord) => (c.stages['prepare'] as { role: string; content: string }[])[0]!;
    for (const c of changed.log.cases) {
      expect(systemPrompt(c).role).toBe('system');
      expect(systemPrompt(c).content).toMatch(/^You are a careful calculator\./);
      expect(systemPrompt(c).content).toContain(`written in base ${String(c.case['base'])}`);
    }
    for (const c of plain.log.cases) expect(systemPrompt(c).content).toMatch(/^You are a desktop calculator/);
    const hex = changed.log.cases.find((c) => c.case['base'] === 16)!;
    expect(systemPrompt(hex).content).toContain('(hexadecimal digits 0-9 and a-f)');
  });

  it('--config patch.yaml and patch.json apply; later sources win (suite < --config < key=value)', async ({ expect }) => {
    const dir = await temp.make();
    const yaml = join(dir, 'patch.yaml');
    const json = join(dir, 'patch.json');
    await writeFile(yaml, '# the first patch\ninfer:\n  model:\n    name: parrot\n    settings:\n      temperature: 0.1\n      max_tokens: 100\n');
    await writeFile(json, JSON.stringify({ 'infer.model.settings.temperature': 0.3, infer: { model: { settings: { top_p: 0.5 } } } }));

    const [yamlOnly, both, all] = await Promise.all([
      run(['suites/calc.json', '--config', yaml]),
      run(['suites/calc.json', '--config', yaml, '--config', json]),
      run(['suites/calc.json', '--config', yaml, '--config', json, 'infer.model.name=flakey', 'infer.model.settings.top_p=0.25']),
    ]);
    type Config = { prepare: { template: string }; infer: { model: { name: string; settings: Record<string, number> } } };
    const configOf = (r: Run) => r.log.header.config as Config;

    // The suite names perfect; the YAML patch wins over it.
    expect(configOf(yamlOnly).infer.model).toEqual({ name: 'parrot', settings: { max_tokens: 100, temperature: 0.1, top_p: 0.95, frequency_penalty: 0, presence_penalty: 0 } });
    expect(configOf(yamlOnly).prepare.template).toBe('samples/calc/template.txt');
    // parrot echoes "1+1" back: extract fails, which shows the model really was switched.
    expect(yamlOnly.log.cases.every((c) => c.error?.stage === 'extract' || c.status === 'complete')).toBe(true);
    expect(yamlOnly.log.cases.find((c) => c.case['user'] === '1+1')?.stages['infer']).toBe('1+1');

    // The later patch wins over the earlier one, key by key.
    expect(configOf(both).infer.model).toEqual({ name: 'parrot', settings: { max_tokens: 100, temperature: 0.3, top_p: 0.5, frequency_penalty: 0, presence_penalty: 0 } });

    // key=value wins over both patches.
    expect(configOf(all).infer.model).toEqual({ name: 'flakey', settings: { max_tokens: 100, temperature: 0.3, top_p: 0.25, frequency_penalty: 0, presence_penalty: 0 } });
    expect(all.log.header.deltas).toEqual([
      { path: 'prepare.template', from: null, to: 'samples/calc/template.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: 'flakey', prompt: true },
      { path: 'infer.model.settings.max_tokens', from: 800, to: 100 },
      { path: 'infer.model.settings.temperature', from: 0.7, to: 0.3 },
      { path: 'infer.model.settings.top_p', from: 0.95, to: 0.25 },
    ]);
    expect(all.log.end?.counts.error).toBe(16);
  });

  it('key:=json sets an exact JSON value', async ({ expect }) => {
    const { log } = await run(['suites/calc.json', 'infer.model.settings:={"max_tokens":5,"temperature":0,"top_p":1,"frequency_penalty":0,"presence_penalty":0}']);
    expect((log.header.config as { infer: { model: { settings: unknown } } }).infer.model.settings).toEqual({ max_tokens: 5, temperature: 0, top_p: 1, frequency_penalty: 0, presence_penalty: 0 });
  });
});

describe.concurrent('run suites/dag.json', () => {
  it('passes every case; B and C overlap and D starts after both', async ({ expect }) => {
    const { result, log, output } = await run(['suites/dag.json']);
    expect(result.stderr).toBe('');
    expect(output).toContain('Passed: 3/3 (100.00%)');
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 3, complete: 3, passed: 3 } });
    expect(log.header.pipeline.stages).toEqual([
      { name: 'A', inputs: [] },
      { name: 'B', inputs: ['A'] },
      { name: 'C', inputs: ['A'] },
      { name: 'D', inputs: ['B', 'C'] },
      { name: 'E', inputs: [] },
      { name: 'F', inputs: ['D', 'E'] },
    ]);
    expect(log.cases.map((c) => c.caseId).sort()).toEqual(['dag-1', 'dag-2', 'dag-3']);
    for (const c of log.cases) {
      expect(c.status).toBe('complete');
      expect(c.passed).toBe(true);
      const s = c.stageRecords as Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', Required<StageRecord>>;
      for (const record of Object.values(s)) expect(record.status).toBe('ok');
      // B and C both wait for A only, so they run at the same time.
      expect(s.B.startMs).toBeGreaterThanOrEqual(s.A.endMs);
      expect(s.C.startMs).toBeGreaterThanOrEqual(s.A.endMs);
      expect(s.B.startMs).toBeLessThan(s.C.endMs);
      expect(s.C.startMs).toBeLessThan(s.B.endMs);
      // D waits for both; F for D and E.
      expect(s.D.startMs).toBeGreaterThanOrEqual(Math.max(s.B.endMs, s.C.endMs));
      expect(s.F.startMs).toBeGreaterThanOrEqual(Math.max(s.D.endMs, s.E.endMs));
      // E has no inputs: it starts with A, not after it.
      expect(s.E.startMs).toBeLessThan(s.A.endMs);
      expect(c.columns?.['order']).toMatch(/^[AE] [AE] B C D F$/);
    }
  });
});

describe.concurrent('a stage that returns a value that is not JSON', () => {
  it('records a case error naming the stage, and the run still completes', async ({ expect }) => {
    const project = await copyFixtureProject('lab', await temp.make());
    const { result, log } = await run(['suites/non-json.json'], { cwd: project });
    expect(stackFrames(result.stderr)).toEqual([]);
    expect(result.stdout).toContain("convert: Stage 'convert' returned a val");
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 4, complete: 2, error: 2, passed: 2 } });
    for (const c of log.cases) {
      if (c.case['kind'] === 'map') {
        expect(c.status).toBe('error');
        expect(c.error).toMatchObject({ name: 'TypeError', stage: 'convert' });
        expect(c.error?.message).toMatch(/^Stage 'convert' returned a value that is not JSON: output is a Map\b/);
        expect(c.stageRecords['convert']?.status).toBe('error');
        expect(c.stageRecords['report']).toMatchObject({ status: 'skipped' });
        expect(c.stages).toEqual({ load: c.case['value'] });
      } else {
        expect(c).toMatchObject({ status: 'complete', passed: true, stages: { report: `converted {"value":${String(c.case['value'])}}` } });
      }
    }
  });
});

describe.concurrent('secrets and paths', () => {
  it('never writes a secret given as a config override to the log or the terminal', async ({ expect }) => {
    const project = await copyFixtureProject('lab', await temp.make());
    const secret = 'sk-test-DO-NOT-LOG-4242';
    const { result, runsDir, log } = await run(['suites/tiny.json', '-p', 'secret', `service.api_key=${secret}`], { cwd: project });
    expect(log.end).toMatchObject({ status: 'completed', counts: { passed: 2 } });
    const text = await readFile(await onlyRunLog(runsDir), 'utf8');
    for (const output of [result.stdout, result.stderr, text]) expect(output).not.toContain('DO-NOT-LOG');
    expect(log.header.config).toMatchObject({ service: { api_key: '***', max_tokens: 10 } });
    expect(log.header.command).toContain('service.api_key=***');
  });

  it("resolves the suite's relative template path from a subfolder of the project", async ({ expect }) => {
    const { log } = await run(['../suites/calc.json'], { cwd: join(REPO_ROOT, 'samples') });
    expect(log.end).toMatchObject({ status: 'completed', counts: { passed: 24 } });
  });
});
