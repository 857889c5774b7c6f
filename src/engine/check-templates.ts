/**
 * The template part of `check` for YAML pipelines: every prompt renders against the first cases
 * (undefined variables are errors), with stand-ins for the stage outputs a prompt reads, and the
 * rendered prompts of every case give the token and cost estimate of the suite.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isTagliotsError, messageOf } from '../errors.ts';
import type { ModelProfile } from '../model/profiles.ts';
import type { ChatMessage } from '../model/types.ts';
import { compileTemplate, type Template } from '../pipeline/template.ts';
import { judgeMessages, JudgeOutput, modelNameOf, type LoadedYamlPipeline } from '../pipeline/yaml/index.ts';
import { pathRoot, readVar, varPath } from '../pipeline/yaml/paths.ts';
import type { StageDef } from '../pipeline/yaml/schema.ts';
import { pricedRow, promptTokenCounters, type PromptCheck } from '../runner/estimate.ts';
import type { PreparedRun } from '../runner/setup.ts';
import type { Suite, SuiteCase } from '../suite/load.ts';
import type { Json } from '../util/json.ts';

/** A problem as check lists it: the error code and message, and its hint on the next line. */
export function describeProblem(error: unknown): string {
  if (isTagliotsError(error)) return `${error.code}: ${error.message}${error.hint ? `\n    Hint: ${error.hint.replace(/\n/g, '\n    ')}` : ''}`;
  return messageOf(error);
}

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

/**
 * Renders every prompt of the YAML pipeline against the cases of `suite` (problems are reported
 * for the first `sampleSize`), and estimates the suite's tokens and cost from the rendered prompts.
 * Without a suite, the templates are only compiled.
 */
export async function checkTemplates(
  yaml: LoadedYamlPipeline,
  prepared: PreparedRun,
  suite: Suite | undefined,
  sampleSize: number,
  profiles: ReadonlyMap<string, ModelProfile>,
): Promise<PromptCheck> {
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
            ? await compileTemplate(await readFile(resolve(yaml.dir, m.file), 'utf8'), m.file)
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
  if (!suite || prompts.length === 0) return { problems, estimate: undefined, notes };

  const totals = prompts.map(() => ({ calls: 0, input: 0, failed: 0 }));
  const counterFor = promptTokenCounters(profiles);
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
      totals[k]!.input += (await counterFor(p.model))(messages);
    }
    index++;
  }

  const rows = prompts.map((p, k) => {
    const t = totals[k]!;
    return pricedRow({ stage: p.stage.name, model: p.model, calls: t.calls, inputTokens: t.input, maxOutputTokens: p.maxTokens === undefined ? undefined : p.maxTokens * t.calls }, profiles);
  });
  notes.push(
    'Input tokens are counted on the rendered prompts (tiktoken for configured models, characters / 4 for mock models), once per case, without parse retries; stage outputs a prompt reads are stand-ins. Output tokens are an upper bound: params.max_tokens for every call ("?" when a stage sets no max_tokens).',
  );
  const failed = totals.reduce((n, t) => n + t.failed, 0);
  if (failed > 0 && suite.count > sampleSize) notes.push(`${failed} prompt${failed === 1 ? '' : 's'} of cases after the first ${sampleSize} did not render and are left out of the estimate; run check with --cases ${suite.count} to list them.`);
  return { problems, estimate: { cases: suite.count, rows, complete: true }, notes };
}

function renderStage(p: StagePrompts, item: SuiteCase, prepared: PreparedRun, stages: Record<string, unknown>, problems: string[] | undefined): ChatMessage[] | undefined {
  const where = `case ${item.id} (#${item.index}), stage '${p.stage.name}'`;
  // A conversation is checked at its first turn, as the run starts it.
  const turns = (item.case as { turns?: unknown }).turns;
  const first = Array.isArray(turns) && turns.length > 0 ? { turn: 0, turnCase: turns[0] as unknown, turns: [] } : {};
  const root = pathRoot({ case: item.case, stages, config: prepared.config, ...first });
  const vars: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(p.stage.vars ?? {})) {
    const value = readVar(root, spec);
    if (value === undefined) {
      problems?.push(`${where}: vars.${name}: ${varPath(spec)} has no value.`);
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
    problems?.push(`${where}: ${describeProblem(error)}`);
    return undefined;
  }
}
