/**
 * `tagliots check <pipeline|suite>`: validates a pipeline and a suite without running a case or
 * calling a model. The project config, the YAML pipeline file, the suite, the config (prompt()
 * values supplied, types), `stages()` setup (templates compile, models exist, schemas compile),
 * the stage graph and model keys; for YAML pipelines, the templates also render against the first
 * N cases (strict undefined), and tokens and cost are estimated for the whole suite.
 */
import { basename, resolve } from 'node:path';
import { loadPatchFile, parseOverrideArgs, patchToOverrides, type Override } from '../config/overrides.ts';
import { EXIT, isTagliotsError, messageOf } from '../errors.ts';
import { loadModelProfiles, type ModelProfile } from '../model/profiles.ts';
import { costOf, formatUsd } from '../model/pricing.ts';
import { countMessageTokens, encoderFor } from '../model/tokens.ts';
import type { ChatMessage } from '../model/types.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { compileTemplate, type Template } from '../pipeline/template.ts';
import { judgeMessages, JudgeOutput, modelNameOf, yamlSourceOf, type LoadedYamlPipeline } from '../pipeline/yaml/index.ts';
import { isPipelineFilePath } from '../pipeline/yaml/load.ts';
import { readPath } from '../pipeline/yaml/paths.ts';
import type { StageDef } from '../pipeline/yaml/schema.ts';
import { defaultProject, loadPipelineFile, loadProject, type Project } from '../project/load.ts';
import { prepareRun, type PreparedRun } from '../runner/setup.ts';
import { createCallRecorder, dryRunEstimate } from './check-dry-run.ts';
import { loadSuite, type Suite, type SuiteCase } from '../suite/load.ts';
import type { Io } from '../util/io.ts';
import type { Json } from '../util/json.ts';
import { selectPipeline } from './run.ts';
import { loadRunModels } from './models.ts';

export interface CheckCommandOptions {
  /** A pipeline file (`*.pipeline.yaml`), a pipeline name of the project, or a suite file. */
  readonly target: string;
  readonly overrides: readonly string[];
  readonly configFiles?: readonly string[];
  /** `-p`: the pipeline for a suite (a name or a pipeline file). */
  readonly pipeline?: string;
  /** Cases templates are rendered against. @default 3 */
  readonly cases?: number;
}

/** A problem found: what, and where when known. */
const describe = (error: unknown): string => {
  if (isTagliotsError(error)) return `${error.code}: ${error.message}${error.hint ? `\n    Hint: ${error.hint.replace(/\n/g, '\n    ')}` : ''}`;
  return messageOf(error);
};

export async function checkCommand(options: CheckCommandOptions, io: Io): Promise<number> {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const problems: string[] = [];
  const passed: string[] = [];
  const notes: string[] = [];
  const attempt = async <T>(what: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await what();
    } catch (error) {
      problems.push(describe(error));
      return undefined;
    }
  };
  const sampleSize = options.cases ?? 3;

  const cliOverrides = (await attempt(() => parseOverrideArgs(options.overrides, 'command line'))) ?? [];
  const pipelineFile = isPipelineFilePath(options.target) ? options.target : undefined;
  let project = await attempt(() => loadProject(io.cwd));
  if (project) passed.push(`project config ${basename(project.configPath ?? '')} loads (${project.pipelines.size} pipeline${project.pipelines.size === 1 ? '' : 's'})`);
  project ??= defaultProject(io.cwd);

  // What to check: a pipeline file, a pipeline of the project, or a suite (and its pipeline).
  let spec: PipelineSpec | undefined;
  let suite: Suite | undefined;
  let shownPipeline = '';
  if (pipelineFile !== undefined) {
    spec = await attempt(() => loadPipelineFile(pipelineFile, io.cwd));
    shownPipeline = pipelineFile;
  } else if (project.pipelines.has(options.target) && options.pipeline === undefined) {
    spec = project.pipelines.get(options.target);
  } else {
    suite = await attempt(() => loadSuite(options.target, { cwd: io.cwd }));
    if (suite) {
      passed.push(`suite ${options.target} loads (${suite.count} case${suite.count === 1 ? '' : 's'})`);
      const chosen = options.pipeline;
      spec = await attempt(() =>
        chosen !== undefined && isPipelineFilePath(chosen) ? loadPipelineFile(chosen, io.cwd) : selectPipeline(project, chosen ?? suite!.pipeline, options.target),
      );
      if (chosen !== undefined && isPipelineFilePath(chosen)) shownPipeline = chosen;
    }
  }
  const yaml = spec ? yamlSourceOf(spec) : undefined;
  if (yaml) passed.push(`pipeline file ${yaml.display} validates`);

  out(`Checking ${spec ? `pipeline '${spec.name}'${shownPipeline || yaml ? ` (${yaml?.display ?? shownPipeline})` : ''}` : options.target}${suite ? ` with suite ${options.target} (${suite.count} cases)` : ''}`);

  let prepared: PreparedRun | undefined;
  let profiles: ReadonlyMap<string, ModelProfile> = new Map();
  let runModels: Awaited<ReturnType<typeof loadRunModels>> | undefined;
  const overrides: Override[] = [];
  if (spec) {
    const defaults = spec.config ?? {};
    await attempt(async () => {
      if (suite?.config !== undefined) overrides.push(...patchToOverrides(suite.config, defaults, `suite ${options.target}`));
      for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, io.cwd)));
    });
    overrides.push(...cliOverrides);
    runModels = await attempt(() => loadRunModels(project, io, 'off'));
    profiles =
      (await attempt(async () => (await loadModelProfiles({ cwd: io.cwd, env: io.env, projectModels: project.models, projectLabel: basename(project.configPath ?? 'tagliots.config.ts') })).profiles)) ??
      new Map();
    const loaded = runModels;
    if (loaded) {
      const { models } = loaded;
      prepared = await attempt(() => prepareRun({ spec: spec!, overrides, runId: 'check', cwd: io.cwd, projectRoot: project.root, models }));
      if (prepared) {
        passed.push(`config resolves${prepared.deltas.length > 0 ? `: ${prepared.deltas.map((d) => `${d.path}=${JSON.stringify(d.to)}`).join(', ')}` : ''}`);
        const graph = prepared.graph;
        passed.push(`stages (${graph.linear ? 'linear' : 'graph'}): ${graph.linear ? graph.nodes.map((n) => n.name).join(' → ') : graph.nodes.map((n) => (n.inputs.length > 0 ? `${n.inputs.join('+')} → ${n.name}` : n.name)).join(', ')}`);
        passed.push(`setup: templates compile, output schemas compile, models exist${prepared.modelsUsed.length > 0 ? ` (${[...new Set(prepared.modelsUsed)].map((name) => `${name}: ${prepared!.models.list().find((m) => m.name === name)?.kind ?? '?'}`).join(', ')})` : ''}`);
        await attempt(() => loaded.check(prepared!.modelsUsed));
      }
    }
  }

  // YAML pipelines: render every prompt against the first cases, estimate the whole suite.
  let estimate: string[] = [];
  if (yaml && prepared) {
    const rendered = await renderPrompts(yaml, prepared, suite, sampleSize, profiles);
    problems.push(...rendered.problems);
    if (rendered.problems.length === 0 && suite) passed.push(`templates render for the first ${Math.min(sampleSize, suite.count)} case${Math.min(sampleSize, suite.count) === 1 ? '' : 's'} (undefined variables are errors)`);
    if (!suite) notes.push('No suite: templates were compiled but not rendered. Check a suite (tagliots check suite.json -p pipeline.yaml) to render them.');
    estimate = rendered.estimate;
    notes.push(...rendered.notes);
  } else if (spec && prepared && suite && runModels) {
    // Code pipelines: run the stages of each case up to its first model call, recording that call.
    const recorder = createCallRecorder();
    const { models } = runModels;
    const dry = await attempt(() =>
      prepareRun({ spec: spec!, overrides, runId: 'check', cwd: io.cwd, projectRoot: project.root, models, interceptModels: recorder.intercept }),
    );
    if (dry) {
      const result = await dryRunEstimate(dry, recorder, suite, sampleSize, profiles);
      problems.push(...result.problems);
      if (result.problems.length === 0) {
        const n = Math.min(sampleSize, suite.count);
        passed.push(`stages run up to the first model call for the first ${n} case${n === 1 ? '' : 's'} (prompts render)`);
      }
      estimate = result.estimate;
      notes.push(...result.notes);
    }
  }

  for (const line of passed) out(`  ok  ${line}`);
  if (estimate.length > 0) {
    out();
    for (const line of estimate) out(line);
  }
  for (const note of notes) out(`\nNote: ${note}`);
  out();
  if (problems.length === 0) {
    out('No problems found.');
    return EXIT.ok;
  }
  out(`${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
  problems.forEach((problem, i) => out(`  ${i + 1}. ${problem.replace(/\n/g, '\n     ')}`));
  return EXIT.usage;
}

// ---------------------------------------------------------------------------------------------
// Rendering and estimating

/** A value standing for a stage output that check cannot compute: any field of it is defined. */
function placeholder(label: string): unknown {
  return new Proxy(Object.create(null) as object, {
    get(_, property) {
      if (property === Symbol.toPrimitive || property === 'toString' || property === 'toJSON') return () => `<${label}>`;
      if (typeof property === 'symbol') return undefined;
      return placeholder(`${label}.${property}`);
    },
  });
}

/** A value of the shape a JSON Schema describes, for rendering templates that read a stage's output. */
function sampleOf(schema: unknown, label: string): unknown {
  if (typeof schema !== 'object' || schema === null) return `<${label}>`;
  const s = schema as Record<string, unknown>;
  const type = Array.isArray(s['type']) ? s['type'][0] : s['type'];
  if (type === 'object' || (type === undefined && typeof s['properties'] === 'object')) {
    const props = (s['properties'] ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(props).map(([key, value]) => [key, sampleOf(value, `${label}.${key}`)]));
  }
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return true;
  if (type === 'array') return [];
  if (type === 'null') return null;
  return `<${label}>`;
}

function stageStandIn(stage: StageDef, yaml: LoadedYamlPipeline, index: number): unknown {
  switch (stage.type) {
    case 'llm': {
      const schema = yaml.schemas.get(['stages', index, 'output'].join('.'));
      return schema ? sampleOf(schema.json, `stages.${stage.name}`) : `<output of ${stage.name}>`;
    }
    case 'check':
      return { passed: true, checks: [] };
    case 'judge':
      return { score: 1, reason: `<reason of ${stage.name}>`, ...(stage.threshold !== undefined && { passed: true }) };
    case 'function':
      return placeholder(`stages.${stage.name}`);
  }
}

interface StagePrompts {
  readonly stage: StageDef & { type: 'llm' | 'judge' };
  readonly templates: { role: string; template: Template }[];
  readonly model: string;
  readonly maxTokens: number | undefined;
  readonly jsonInstruction: string | undefined;
}

async function renderPrompts(
  yaml: LoadedYamlPipeline,
  prepared: PreparedRun,
  suite: Suite | undefined,
  sampleSize: number,
  profiles: ReadonlyMap<string, ModelProfile>,
): Promise<{ problems: string[]; estimate: string[]; notes: string[] }> {
  const problems: string[] = [];
  const notes: string[] = [];
  const stageOutputs = Object.fromEntries(yaml.def.stages.map((stage, i) => [stage.name, stageStandIn(stage, yaml, i)]));
  const prompts: StagePrompts[] = [];
  for (const [i, stage] of yaml.def.stages.entries()) {
    if (stage.type !== 'llm' && stage.type !== 'judge') continue;
    const messages = stage.type === 'llm' ? stage.messages : judgeMessages(stage);
    const templates = await Promise.all(
      messages.map(async (m) => ({
        role: m.role,
        template:
          m.file !== undefined
            ? await compileTemplate(await (await import('node:fs/promises')).readFile(resolve(yaml.dir, m.file), 'utf8'), m.file)
            : await compileTemplate(m.template!, `stage '${stage.name}' ${m.role} message`),
      })),
    );
    const model = String(modelNameOf(stage.model, prepared.config));
    const profile = profiles.get(model);
    const params = { ...profile?.params, ...stage.params } as Record<string, Json>;
    const maxTokens = typeof params['max_tokens'] === 'number' ? params['max_tokens'] : undefined;
    const schema = stage.type === 'judge' ? (await import('zod')).z.toJSONSchema(JudgeOutput) : yaml.schemas.get(['stages', i, 'output'].join('.'))?.json;
    const structured = prepared.models.has(model) && prepared.models.get(model).structuredOutput === true;
    prompts.push({ stage, templates, model, maxTokens, jsonInstruction: schema && !structured ? `\n\nReply with JSON only, no other text, matching this JSON Schema:\n${JSON.stringify(schema)}` : undefined });
  }
  if (!suite || prompts.length === 0) return { problems, estimate: [], notes };

  const totals = prompts.map(() => ({ calls: 0, input: 0, failed: 0 }));
  const counters = new Map<string, (messages: ChatMessage[]) => number>();
  for (const p of prompts) {
    if (counters.has(p.model)) continue;
    const profile = profiles.get(p.model);
    if (profile) {
      const encoder = await encoderFor(profile.model, profile.encoding);
      counters.set(p.model, (messages) => countMessageTokens(encoder, messages));
    } else {
      counters.set(p.model, (messages) => Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4));
    }
  }
  let index = 0;
  for await (const item of suite.cases()) {
    const inSample = index < sampleSize;
    for (const [k, p] of prompts.entries()) {
      const messages = renderStage(p, item, prepared, stageOutputs, inSample ? problems : undefined);
      if (!messages) {
        totals[k]!.failed++;
        continue;
      }
      totals[k]!.calls++;
      totals[k]!.input += counters.get(p.model)!(messages);
    }
    index++;
  }

  const rows = prompts.map((p, k) => {
    const t = totals[k]!;
    const pricing = profiles.get(p.model)?.pricing;
    const output = p.maxTokens === undefined ? undefined : p.maxTokens * t.calls;
    const cost = pricing ? costOf({ inputTokens: t.input, outputTokens: output ?? 0 }, pricing) : undefined;
    return { stage: p.stage.name, model: p.model, calls: t.calls, input: t.input, output, cost, priced: pricing !== undefined };
  });
  const fmt = (n: number) => n.toLocaleString('en-US');
  const table = [
    ['stage', 'model', 'calls', 'input tokens', 'output tokens (max)', 'cost (max)'],
    ...rows.map((r) => [r.stage, r.model, fmt(r.calls), fmt(r.input), r.output === undefined ? '?' : fmt(r.output), r.cost === undefined ? (r.priced ? '?' : 'no pricing') : formatUsd(r.cost)]),
  ];
  const totalCost = rows.every((r) => r.cost !== undefined) ? formatUsd(rows.reduce((sum, r) => sum + (r.cost ?? 0), 0)) : rows.some((r) => r.cost !== undefined) ? `${formatUsd(rows.reduce((sum, r) => sum + (r.cost ?? 0), 0))} (priced models only)` : 'unknown';
  table.push([
    'total',
    '',
    fmt(rows.reduce((n, r) => n + r.calls, 0)),
    fmt(rows.reduce((n, r) => n + r.input, 0)),
    rows.every((r) => r.output !== undefined) ? fmt(rows.reduce((n, r) => n + (r.output ?? 0), 0)) : '?',
    totalCost,
  ]);
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const estimate = [
    `Estimate for ${suite.count} case${suite.count === 1 ? '' : 's'} (no model was called):`,
    ...table.map((row) => `  ${row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd()),
  ];
  notes.push(
    'Input tokens are counted on the rendered prompts (tiktoken for configured models, characters / 4 for mock models), once per case, without parse retries; stage outputs a prompt reads are stand-ins. Output tokens are an upper bound: params.max_tokens for every call ("?" when a stage sets no max_tokens).',
  );
  const failed = totals.reduce((n, t) => n + t.failed, 0);
  if (failed > 0 && suite.count > sampleSize) notes.push(`${failed} prompt${failed === 1 ? '' : 's'} of cases after the first ${sampleSize} did not render and are left out of the estimate; run check with --cases ${suite.count} to list them.`);
  return { problems, estimate, notes };
}

function renderStage(p: StagePrompts, item: SuiteCase, prepared: PreparedRun, stages: Record<string, unknown>, problems: string[] | undefined): ChatMessage[] | undefined {
  const where = `case ${item.id} (#${item.index}), stage '${p.stage.name}'`;
  const root = { case: item.case, stages, config: prepared.config };
  const vars: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(p.stage.vars ?? {})) {
    const value = readPath(root, path);
    if (value === undefined) {
      problems?.push(`${where}: vars.${name}: ${path} has no value.`);
      return undefined;
    }
    vars[name] = value;
  }
  try {
    const messages = p.templates.map(({ role, template }) => ({ role, content: template.render({ ...vars, ...root }) }));
    if (p.jsonInstruction !== undefined) {
      const system = messages.findIndex((m) => m.role === 'system');
      if (system === -1) messages.unshift({ role: 'system', content: p.jsonInstruction.trimStart() });
      else messages[system] = { ...messages[system]!, content: messages[system]!.content + p.jsonInstruction };
    }
    return messages;
  } catch (error) {
    problems?.push(`${where}: ${describe(error)}`);
    return undefined;
  }
}

export type { Project };
