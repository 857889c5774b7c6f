import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isOutcome, toOutcome } from '../outcome.ts';
import { importModule } from '../../project/import-module.ts';
import { prepareRun } from '../../runner/setup.ts';
import { createModelRegistry } from '../../model/registry.ts';
import { loadYamlPipeline, parseYamlPipeline, yamlSourceOf } from './index.ts';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/yaml', import.meta.url));
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Parses `text` as if it were `<tmp>/p.pipeline.yaml`, with `files` next to it. */
async function parse(text: string, files: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tagliots-yaml-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(resolve(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return parseYamlPipeline(text, join(dir, 'p.pipeline.yaml'), 'p.pipeline.yaml');
}

async function errorOf(text: string, files: Record<string, string> = {}): Promise<string> {
  try {
    await parse(text, files);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('E_YAML_PIPELINE');
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

const base = (stages: string) => `name: p\ndescription: d\nstages:\n${stages}`;

function context(stages: Record<string, unknown>, c: Record<string, unknown>, config: unknown, stage: string) {
  const registry = createModelRegistry({ expected: () => ({ answer: '4' }) });
  return {
    case: c,
    caseId: String(c['id']),
    caseIndex: 0,
    repeat: 0,
    runId: 'r',
    stage,
    stages,
    config,
    signal: new AbortController().signal,
    models: registry,
    recordUsage() {},
  } as any;
}

describe('YAML pipelines: compiling', () => {
  it('compiles every stage type into a DAG that runs', async () => {
    // A copy: bundling stages.ts writes a cache next to it.
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-yaml-'));
    dirs.push(dir);
    await cp(FIXTURES, dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
    const spec = await loadYamlPipeline(join(dir, 'all-types.pipeline.yaml'), { importModule });
    expect(yamlSourceOf(spec)?.def.name).toBe('all-types');
    const prepared = await prepareRun({ spec, overrides: [{ path: 'model', value: 'perfect', raw: false, source: 'test' }], runId: 'r', cwd: dir });
    expect(prepared.graph.linear).toBe(false);
    expect(prepared.graph.nodes.map((n) => [n.name, n.inputs])).toEqual([
      ['infer', []],
      ['extract', ['infer']],
      ['assess', ['extract']],
      ['grade', ['infer']],
    ]);
    const node = (name: string) => prepared.graph.nodes.find((n) => n.name === name)!.stage;
    const c = { id: 'a', question: '2+2?', number: 4, reply: { answer: '4' }, judge: true };
    const stages: Record<string, unknown> = {};
    stages['infer'] = await node('infer')(context(stages, c, prepared.config, 'infer'));
    expect(stages['infer']).toEqual({ answer: '4' });
    stages['extract'] = await node('extract')(context(stages, c, prepared.config, 'extract'));
    expect(stages['extract']).toBe(4);
    const assess = (await node('assess')(context(stages, c, prepared.config, 'assess'))) as { passed: boolean; checks: { type: string; name?: string; passed: boolean }[] };
    expect(assess.passed).toBe(true);
    expect(assess.checks.map((check) => [check.type, check.name, check.passed])).toEqual([
      ['numeric', 'close', true],
      ['regex', undefined, true],
      ['jsonSchema', undefined, true],
    ]);
    expect(toOutcome(await node('grade')(context(stages, c, prepared.config, 'grade')))).toMatchObject({ status: 'ok', value: { score: 1, reason: 'perfect mock: full marks', passed: true } });
    // `when` false: the stage is skipped.
    const skipped = await node('grade')(context(stages, { ...c, judge: false }, prepared.config, 'grade'));
    expect(isOutcome(skipped) && skipped.status).toBe('skip');
    expect(spec.passed?.({ case: c, caseId: 'a', stages: { assess }, config: prepared.config, status: 'complete', error: null } as any)).toBe(true);
    expect(spec.columns?.['got']?.({ case: c, caseId: 'a', stages, config: prepared.config, status: 'complete', error: null } as any)).toBe(4);
  });

  it('makes a linear pipeline without inputs, turns $prompt into prompt(), and fills $internal with a sha256', async () => {
    const loaded = await parse(
      `name: lin\ndescription: d\nconfig:\n  m: { $prompt: "Model" }\n  sha: { $internal: "hash", sha256: t.njk }\nstages:\n  - { name: a, type: llm, model: config.m, messages: [{ role: user, file: t.njk }] }\n  - { name: b, type: check, checks: [{ contains: { actual: stages.a, value: "hi" } }] }\n`,
      { 't.njk': 'say hi to {{ case.name }}' },
    );
    const { compileYamlPipeline } = await import('./compile.ts');
    const spec = compileYamlPipeline(loaded);
    const prepared = await prepareRun({ spec, overrides: [{ path: 'm', value: 'parrot', raw: false, source: 'test' }], runId: 'r', cwd: loaded.dir });
    expect(prepared.graph.linear).toBe(true);
    expect((prepared.config as { sha: string }).sha).toMatch(/^[0-9a-f]{64}$/);
    const c = { id: 'x', name: 'Ann' };
    const stages: Record<string, unknown> = {};
    stages['a'] = await prepared.graph.nodes[0]!.stage(context(stages, c, prepared.config, 'a'));
    expect(stages['a']).toBe('say hi to Ann');
    expect(await prepared.graph.nodes[1]!.stage(context(stages, c, prepared.config, 'b'))).toMatchObject({ passed: true });
  });

  it('retries a failing stage and times out a slow one', async () => {
    const loaded = await parse(base('  - { name: a, type: function, module: ./s.mjs#flaky, retry: 3 }\n  - { name: b, type: function, module: ./s.mjs#slow, timeout_ms: 20 }\n'), {
      's.mjs': 'let n = 0;\nexport const flaky = () => { if (++n < 3) throw new Error("no"); return n; };\nexport const slow = (ctx) => new Promise((r) => setTimeout(r, 1000));\n',
    });
    const { compileYamlPipeline } = await import('./compile.ts');
    const prepared = await prepareRun({ spec: compileYamlPipeline(loaded), overrides: [], runId: 'r', cwd: loaded.dir });
    expect(toOutcome(await prepared.graph.nodes[0]!.stage(context({}, { id: 'x' }, {}, 'a')))).toMatchObject({ status: 'ok', value: 3 });
    expect(toOutcome(await prepared.graph.nodes[1]!.stage(context({}, { id: 'x' }, {}, 'b')))).toMatchObject({ status: 'fail', timeout: true });
  });
});

describe('YAML pipelines: errors point at the line', () => {
  it('an unknown key, with a suggestion', async () => {
    const message = await errorOf(base('  - name: a\n    type: llm\n    modle: perfect\n    model: perfect\n    messages: [{ role: user, template: hi }]\n'));
    expect(message).toBe("p.pipeline.yaml:6:5: stages[0] (a): unknown key 'modle' (did you mean 'model'?)\n      modle: perfect\n      ^");
  });

  it('an unknown stage type, with a suggestion', async () => {
    expect(await errorOf(base('  - { name: a, type: chek }\n'))).toContain(`p.pipeline.yaml:4:22: stages[0] (a).type: unknown stage type "chek" (did you mean 'check'?)`);
  });

  it('a value of the wrong type', async () => {
    const message = await errorOf(base('  - name: a\n    type: check\n    checks:\n      - numeric: { actual: stages.x, value: 1, tolerance: "a lot" }\n'));
    expect(message).toContain('p.pipeline.yaml:7:59: stages[0] (a).checks[0].numeric.tolerance: must be a number (got a string)');
  });

  it('a missing field, and every problem at once', async () => {
    const message = await errorOf('name: p\nstages:\n  - name: a\n    type: llm\n    messages: [{ role: user, template: hi }]\n  - { name: b, type: judge, model: m, rubric: x, threshold: 2 }\n');
    expect(message).toContain('p.pipeline.yaml: 3 problems:');
    expect(message).toContain('p.pipeline.yaml:1:1: description: description is required');
    expect(message).toContain('p.pipeline.yaml:3:5: stages[0] (a).model: model is required');
    expect(message).toContain('p.pipeline.yaml:6:61: stages[1] (b).threshold: Too big: expected number to be <=1');
  });

  it('a bad module reference', async () => {
    expect(await errorOf(base('  - { name: a, type: function, module: stages.ts }\n'))).toContain(
      'p.pipeline.yaml:4:40: stages[0] (a).module: must be a module path and an export, e.g. ./stages.ts#extractAnswer',
    );
    expect(await errorOf(base('  - { name: a, type: function, module: ./nope.ts#f }\n'))).toMatch(/^p\.pipeline\.yaml:4:40: stages\[0\] \(a\)\.module: module '\.\/nope\.ts' not found/);
  });

  it('a missing export, at setup', async () => {
    const loaded = await parse(base('  - { name: a, type: function, module: ./s.mjs#nope }\n'), { 's.mjs': 'export const f = () => 1;\n' });
    const { compileYamlPipeline } = await import('./compile.ts');
    await expect(prepareRun({ spec: compileYamlPipeline(loaded), overrides: [], runId: 'r', cwd: loaded.dir })).rejects.toThrow(
      "p.pipeline.yaml:4:40: stages[0] (a).module: ./s.mjs has no exported function 'nope'; it exports f",
    );
  });

  it('a template file that does not exist, and a template that does not compile', async () => {
    const message = await errorOf(base('  - name: a\n    type: llm\n    model: perfect\n    messages:\n      - { role: system, file: prompts/sys.njk }\n      - { role: user, template: "{{ case.q " }\n'));
    expect(message).toContain("p.pipeline.yaml:8:31: stages[0] (a).messages[0].file: template file 'prompts/sys.njk' not found");
    expect(message).toContain("p.pipeline.yaml:9:33: stages[0] (a).messages[1].template: Template 'inline' does not compile");
  });

  it('unknown inputs and duplicate names', async () => {
    const message = await errorOf(base('  - { name: prepare, type: function, module: ./s.mjs#f }\n  - { name: infer, type: function, module: ./s.mjs#f, inputs: [prepar] }\n  - { name: infer, type: function, module: ./s.mjs#f }\n'), { 's.mjs': '' });
    expect(message).toContain("stages[1] (infer).inputs[0]: unknown input 'prepar' (did you mean 'prepare'?)");
    expect(message).toContain("p.pipeline.yaml:6:13: stages[2] (infer).name: duplicate stage name 'infer' (also stages[1])");
  });

  it('YAML syntax errors', async () => {
    expect(await errorOf('name: p\ndescription: [d\n')).toMatch(/^p\.pipeline\.yaml:\d+:\d+: invalid YAML/);
  });

  it('a path outside the stage context, and a variable spec that is neither a path nor { path, default }', async () => {
    const llm = (vars: string) => base(`  - name: a\n    type: llm\n    model: perfect\n    messages: [{ role: user, template: hi }]\n    vars: ${vars}\n`);
    expect(await errorOf(llm('{ q: question }'))).toContain("must be a dotted path starting with 'case', 'stages', 'config', 'turnCase', 'turns' or 'turn'");
    expect(await errorOf(llm('{ q: { path: case.q, fallback: 1 } }'))).toContain(
      "p.pipeline.yaml:8:16: stages[0] (a).vars.q: must be a dotted path starting with 'case', 'stages', 'config', 'turnCase', 'turns' or 'turn' (e.g. case.answer), or { path, default } for a value that may be missing",
    );
  });

  it('accepts turn paths and { path, default } variables', async () => {
    const loaded = await parse(
      base(
        '  - name: a\n    type: llm\n    model: perfect\n    messages: [{ role: user, template: "{{ q }}{{ n }}" }]\n' +
          '    vars: { q: turnCase.user, n: { path: case.note, default: "" } }\n' +
          '  - name: b\n    type: check\n    checks: [{ equals: { actual: turns.0.stages.a, expected: turn } }]\n',
      ),
    );
    expect(loaded.def.stages.map((stage) => stage.name)).toEqual(['a', 'b']);
    expect(loaded.def.stages[0]).toMatchObject({ vars: { q: 'turnCase.user', n: { path: 'case.note', default: '' } } });
  });

  it('a bad config marker', async () => {
    expect(await errorOf('name: p\ndescription: d\nconfig:\n  m: { $promt: x }\nstages:\n  - { name: a, type: check, checks: [{ equals: { actual: case.a, value: 1 } }] }\n')).toContain(
      "p.pipeline.yaml:4:6: config.m: a config marker is { $prompt: \"description\" } or { $internal: \"description\", sha256: <file> } (did you mean '$prompt'?)",
    );
  });
});

describe('YAML pipelines: tools', () => {
  const agentYaml = `name: agent
description: d
expected: { path: case.expected }
stages:
  - name: agent
    type: llm
    model: perfect
    messages: [{ role: user, template: "{{ case.question }}" }]
    tools:
      - { module: ./tools.mjs, export: lookupOrder }
    max_tool_rounds: 3
    tool_choice: auto
  - name: tools
    type: check
    checks:
      - toolCalled: { actual: stages.agent, name: lookup_order, times: 1 }
      - toolNotCalled: { actual: stages.agent, name: refund }
      - toolArguments: { actual: stages.agent, name: lookup_order, value: { orderId: A1 } }
      - toolArguments: { actual: stages.agent, name: lookup_order, schema: order.schema.json }
      - toolOrder: { actual: stages.agent, value: [lookup_order] }
      - toolRounds: { actual: stages.agent, max: 2 }
      - toolCalls: { actual: stages.agent, expected: case.expected.toolCalls, metric: f1, threshold: 1 }
      - equals: { actual: stages.agent.answer, expected: case.expected.answer }
`;
  const files = { 'tools.mjs': '', 'order.schema.json': JSON.stringify({ type: 'object', properties: { orderId: { type: 'string', pattern: '^A' } }, required: ['orderId'] }) };

  it('runs an llm stage with tools from a module, and tool checks over its output', async () => {
    const { tool } = await import('../tool.ts');
    const { z } = await import('zod');
    const lookupOrder = tool({ name: 'lookup_order', description: 'Looks an order up.', parameters: z.object({ orderId: z.string() }), run: ({ orderId }) => ({ orderId, status: 'shipped' }) });
    const loaded = await parse(agentYaml, files);
    const { compileYamlPipeline } = await import('./compile.ts');
    const spec = compileYamlPipeline(loaded, { importModule: async () => ({ lookupOrder, other: 1 }) });
    const prepared = await prepareRun({ spec, overrides: [], runId: 'r', cwd: loaded.dir });
    const node = (name: string) => prepared.graph.nodes.find((n) => n.name === name)!.stage;
    const c = { id: 'a', question: 'Where is A1?', expected: { toolCalls: [{ name: 'lookup_order', arguments: { orderId: 'A1' } }], answer: 'Shipped.' } };
    const stages: Record<string, unknown> = {};
    const ctx = (stage: string) => ({ ...context(stages, c, prepared.config, stage), models: prepared.models });
    stages['agent'] = await node('agent')(ctx('agent'));
    expect(stages['agent']).toMatchObject({ answer: 'Shipped.', outcome: 'answer', rounds: 2, toolCalls: [{ name: 'lookup_order', status: 'ok', result: { orderId: 'A1', status: 'shipped' } }] });
    const checks = (await node('tools')(ctx('tools'))) as { passed: boolean; checks: { type: string; passed: boolean; detail: string }[] };
    expect(checks.checks.filter((check) => !check.passed)).toEqual([]);
    expect(checks.checks.map((check) => check.type)).toEqual(['toolCalled', 'toolNotCalled', 'toolArguments', 'toolArguments', 'toolOrder', 'toolRounds', 'toolCalls', 'equals']);
  });

  it('points at the line of a tool that is not exported, or not made with tool()', async () => {
    const loaded = await parse(agentYaml, files);
    const { compileYamlPipeline } = await import('./compile.ts');
    const spec = compileYamlPipeline(loaded, { importModule: async () => ({ lookupOrder: () => null, refund: 'x' }) });
    await expect(prepareRun({ spec, overrides: [], runId: 'r', cwd: loaded.dir })).rejects.toThrow(
      "p.pipeline.yaml:10:40: stages[0] (agent).tools[0].export: ./tools.mjs has no exported tool 'lookupOrder' (it is not made with tool()); it exports no tools",
    );
  });

  it('reports a missing tools module, a tool check without its comparand, and a bad tool_choice', async () => {
    expect(await errorOf(agentYaml.replace('./tools.mjs', './nope.mjs'), files)).toMatch(/^p\.pipeline\.yaml:10:19: stages\[0\] \(agent\)\.tools\[0\]\.module: module '\.\/nope\.mjs' not found/);
    const message = await errorOf(
      agentYaml
        .replace('tool_choice: auto', 'tool_choice: always')
        .replace('toolOrder: { actual: stages.agent, value: [lookup_order] }', 'toolOrder: { actual: stages.agent }')
        .replace('toolArguments: { actual: stages.agent, name: lookup_order, value: { orderId: A1 } }', 'toolArguments: { actual: stages.agent, name: lookup_order, value: 1, expected: case.x }'),
      files,
    );
    expect(message).toContain('stages[0] (agent).tool_choice: must be auto, none, required or { name: <a tool> }');
    expect(message).toContain('stages[1] (tools).checks[2].toolArguments: needs one of expected (a dotted path), value (a literal) or schema (a JSON Schema)');
    expect(message).toContain('stages[1] (tools).checks[4].toolOrder: needs either expected (a dotted path) or value (a literal), not both');
  });
});
