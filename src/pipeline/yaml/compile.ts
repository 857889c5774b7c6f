/**
 * Compiles a validated YAML pipeline into a PipelineSpec: the same object a code pipeline is, so
 * the runner, `pipelines`, `check` and the logs treat both alike.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { internal, prompt } from '../../config/markers.ts';
import { PipelineError, isTagliotsError, messageOf } from '../../errors.ts';
import type { Model } from '../../model/types.ts';
import { isPlainObject, type Json } from '../../util/json.ts';
import {
  checkContains,
  checkEquals,
  checkJsonSchema,
  checkNumeric,
  checkRegex,
  checkSimilarity,
  combineChecks,
  show,
  type CheckResult,
} from '../checks.ts';
import { llm, type LlmMessage } from '../llm.ts';
import { isTool, type Tool } from '../tool.ts';
import { checkToolArguments, checkToolCalled, checkToolCalls, checkToolNotCalled, checkToolOrder, checkToolRounds } from '../tool-checks.ts';
import type { CaseResult, ColumnValue, ExpectedContext, PipelineSpec, SetupContext, StageContext, StageFn, StageNode } from '../types.ts';
import type { LoadedYamlPipeline, YamlProblem } from './load.ts';
import type { PathSegment } from './positions.ts';
import { yamlError } from './load.ts';
import { pathRoot, readPath, readVar, varPath, type VarSource } from './paths.ts';
import type { CheckItemDef, CheckStageDef, JudgeStageDef, LlmStageDef, StageDef } from './schema.ts';
import { applyStageOptions } from './wrap.ts';
import { judge, PERFECT_JUDGEMENT } from '../judge.ts';

type AnyContext = StageContext<any, any, any>;

export { JudgeOutput, PERFECT_JUDGEMENT } from '../judge.ts';

export interface CompileOptions {
  /** Imports a `type: function` module (TypeScript is bundled): src/project/import-module.ts. */
  readonly importModule?: (path: string) => Promise<Record<string, unknown>>;
}

const sources = new WeakMap<object, LoadedYamlPipeline>();

/** The YAML a pipeline was compiled from, or undefined for a code pipeline. */
export function yamlSourceOf(spec: object): LoadedYamlPipeline | undefined {
  return sources.get(spec);
}

/** `{ $prompt: d }` → prompt(d), `{ $internal: d, sha256 }` → internal(d); the rest as is. */
function toConfig(node: unknown, path: string, internals: Map<string, string>): unknown {
  if (!isPlainObject(node)) return node;
  if (typeof node['$prompt'] === 'string') return prompt(node['$prompt']);
  if (typeof node['$internal'] === 'string') {
    internals.set(path, String(node['sha256']));
    return internal(node['$internal']);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = toConfig(value, path === '' ? key : `${path}.${key}`, internals);
  return out;
}

/** A config path (`config.infer.model`) or a model name (`perfect`). */
export function modelNameOf(ref: string, config: unknown): unknown {
  return ref.startsWith('config.') ? readPath({ config }, ref) : ref;
}

export function compileYamlPipeline(loaded: LoadedYamlPipeline, options: CompileOptions = {}): PipelineSpec {
  const { def, dir, locator } = loaded;
  const internals = new Map<string, string>();
  const config = toConfig(def.config ?? {}, '', internals) as Record<string, unknown>;
  const byName = new Map(def.stages.map((stage) => [stage.name, stage]));
  const dag = def.stages.some((stage) => stage.inputs !== undefined);
  const fail = (problems: YamlProblem[]) => yamlError(locator, problems, def.stages.map((s) => s.name));

  const expectedNeeded = def.expected !== undefined || def.stages.some((stage) => stage.type === 'judge' || (stage.type === 'llm' && stage.expected !== undefined));

  const spec: PipelineSpec = {
    name: def.name,
    description: def.description,
    config,
    async stages(setup: SetupContext<any>) {
      for (const [path, file] of internals) setup.setInternal(path, sha256File(resolve(dir, file)));

      // Look every model up first, so all unknown models are reported together, at their lines.
      const models = new Map<string, Model>();
      const problems: YamlProblem[] = [];
      def.stages.forEach((stage, i) => {
        if (stage.type !== 'llm' && stage.type !== 'judge') return;
        const name = modelNameOf(stage.model, setup.config);
        if (typeof name !== 'string' || name === '') {
          problems.push({ path: ['stages', i, 'model'], message: `${stage.model} must be a model name (got ${JSON.stringify(name ?? null)})` });
          return;
        }
        try {
          models.set(stage.name, setup.models.get(name));
        } catch (error) {
          const via = stage.model === name ? '' : `${stage.model} is '${name}': `;
          problems.push({ path: ['stages', i, 'model'], message: `${via}${messageOf(error)}${isTagliotsError(error) && error.hint ? ` ${error.hint}` : ''}` });
        }
      });
      if (problems.length > 0) throw fail(problems);

      const built: StageNode<any, any, any>[] = [];
      for (const [i, stage] of def.stages.entries()) {
        let fn: StageFn<any, any, any>;
        switch (stage.type) {
          case 'llm':
            fn = await llmStage(stage, i, models.get(stage.name)!, loaded, await stageTools(stage, i, loaded, options, fail));
            break;
          case 'judge':
            fn = await judgeStage(stage, models.get(stage.name)!, dir);
            break;
          case 'check':
            fn = checkStage(stage, i, loaded);
            break;
          case 'function': {
            const hash = stage.module.lastIndexOf('#');
            fn = (await importExport(stage.module.slice(0, hash), stage.module.slice(hash + 1), ['stages', i, 'module'], 'function', loaded, options, fail)) as StageFn<any, any, any>;
            break;
          }
        }
        built.push({ name: stage.name, stage: applyStageOptions(fn, stage, stage.name), ...(dag && { inputs: stage.inputs ?? [] }) });
      }
      return dag ? built : Object.fromEntries(built.map((node) => [node.name, node.stage]));
    },
    ...(expectedNeeded && {
      expected(ctx: ExpectedContext<any, any, any>): Json | undefined {
        const stageName = (ctx as { stage?: unknown }).stage;
        const stage = typeof stageName === 'string' ? byName.get(stageName) : undefined;
        if (stage?.type === 'judge') return { ...PERFECT_JUDGEMENT };
        const path = (stage?.type === 'llm' ? stage.expected?.path : undefined) ?? def.expected?.path;
        return path === undefined ? undefined : (readPath(pathRoot(ctx), path) as Json | undefined);
      },
    }),
    ...(def.passed !== undefined && { passed: passedFn(def.passed) }),
    ...(def.score !== undefined && {
      score(result: CaseResult<any, any, any>): number | null {
        const value = readPath(pathRoot(result), def.score!.path);
        return typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'boolean' ? Number(value) : null;
      },
    }),
    ...(def.columns !== undefined && {
      columns: Object.fromEntries(Object.entries(def.columns).map(([name, path]) => [name, (result: CaseResult<any, any, any>) => columnValue(readPath(pathRoot(result), path))])),
    }),
  };
  sources.set(spec, loaded);
  return spec;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function columnValue(value: unknown): ColumnValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * `{ path }`: the value must be true. `{ all }` / `{ any }`: over the paths that have a value (a
 * stage skipped by `when` has none); with no value at all, the case has not passed.
 */
function passedFn(passed: NonNullable<LoadedYamlPipeline['def']['passed']>) {
  return (result: CaseResult<any, any, any>): boolean => {
    const root = pathRoot(result);
    if ('path' in passed) return readPath(root, passed.path) === true;
    const values = ('all' in passed ? passed.all : passed.any).map((path) => readPath(root, path)).filter((value) => value !== undefined);
    if (values.length === 0) return false;
    return 'all' in passed ? values.every((value) => value === true) : values.some((value) => value === true);
  };
}

/**
 * Template variables from `vars: { name: dotted.path }` or `{ name: { path, default } }`; a path
 * with no value and no default is an error naming it.
 */
function varsFn(vars: Readonly<Record<string, VarSource>> | undefined, stageName: string) {
  if (vars === undefined) return undefined;
  return (ctx: AnyContext): Record<string, unknown> => {
    const root = pathRoot(ctx);
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(vars)) {
      const value = readVar(root, spec);
      if (value === undefined) {
        throw new PipelineError('E_YAML_VARS', `Stage '${stageName}': vars.${name}: ${varPath(spec)} has no value for this case.`, {
          hint: `If the value is optional, give a default: vars: { ${name}: { path: ${varPath(spec)}, default: null } }, and guard it in the template with {% if ${name} %}.`,
        });
      }
      out[name] = value;
    }
    return out;
  };
}

async function llmStage(stage: LlmStageDef, i: number, model: Model, loaded: LoadedYamlPipeline, tools: Tool[] | undefined): Promise<StageFn<any, any, any>> {
  const messages: LlmMessage[] = stage.messages.map((m) => (m.file !== undefined ? { role: m.role, file: m.file } : { role: m.role, template: m.template! }));
  const output = loaded.schemas.get(['stages', i, 'output'].join('.'))?.zod;
  const vars = varsFn(stage.vars, stage.name);
  try {
    return await llm<unknown>({
      model,
      messages,
      baseDir: loaded.dir,
      ...(vars && { vars }),
      ...(stage.params && { params: stage.params as Record<string, Json> }),
      ...(output && { output }),
      ...(stage.parse_retries !== undefined && { parseRetries: stage.parse_retries }),
      ...(tools && { tools }),
      ...(stage.max_tool_rounds !== undefined && { maxToolRounds: stage.max_tool_rounds }),
      ...(stage.max_identical_calls !== undefined && { maxIdenticalCalls: stage.max_identical_calls }),
      ...(stage.max_cost_usd !== undefined && { maxCostUsd: stage.max_cost_usd }),
      ...(stage.tool_choice !== undefined && { toolChoice: stage.tool_choice }),
      ...(stage.parallel_tool_calls !== undefined && { parallelToolCalls: stage.parallel_tool_calls }),
    });
  } catch (error) {
    // Mistakes in the tools (two of one name, a tool_choice naming none of them) point at the stage's tools.
    if (tools && error instanceof PipelineError && error.code === 'E_LLM_OPTIONS') {
      throw yamlError(loaded.locator, [{ path: ['stages', i, stage.tool_choice !== undefined && /toolChoice/.test(error.message) ? 'tool_choice' : 'tools'], message: error.message }]);
    }
    throw error;
  }
}

/** The tools of an llm stage: each `{ module, export }` imported, and checked to be a tool(). */
async function stageTools(
  stage: LlmStageDef,
  i: number,
  loaded: LoadedYamlPipeline,
  options: CompileOptions,
  fail: (problems: YamlProblem[]) => PipelineError,
): Promise<Tool[] | undefined> {
  if (stage.tools === undefined) return undefined;
  const tools: Tool[] = [];
  for (const [t, entry] of stage.tools.entries()) {
    tools.push((await importExport(entry.module, entry.export, ['stages', i, 'tools', t, 'export'], 'tool', loaded, options, fail)) as Tool);
  }
  return tools;
}

/** The messages of a judge: the optional system template, then the rubric as the user message. */
export function judgeMessages(stage: JudgeStageDef): LlmMessage[] {
  return [
    ...(stage.system !== undefined ? [{ role: 'system', template: stage.system } as LlmMessage] : []),
    stage.rubric_file !== undefined ? { role: 'user', file: stage.rubric_file } : { role: 'user', template: stage.rubric! },
  ];
}

async function judgeStage(stage: JudgeStageDef, model: Model, dir: string): Promise<StageFn<any, any, any>> {
  const vars = varsFn(stage.vars, stage.name);
  return judge({
    model,
    rubric: stage.rubric_file !== undefined ? { file: stage.rubric_file } : stage.rubric!,
    ...(stage.system !== undefined && { system: stage.system }),
    baseDir: dir,
    ...(vars && { vars }),
    ...(stage.params && { params: stage.params as Record<string, Json> }),
    ...(stage.parse_retries !== undefined && { parseRetries: stage.parse_retries }),
    ...(stage.threshold !== undefined && { threshold: stage.threshold }),
  });
}

function checkStage(stage: CheckStageDef, i: number, loaded: LoadedYamlPipeline): StageFn<any, any, any> {
  const schemas = stage.checks.map((check, c) => loaded.schemas.get(['stages', i, 'checks', c, check.toolArguments ? 'toolArguments' : 'jsonSchema', 'schema'].join('.'))?.zod);
  return (ctx) => {
    const root = pathRoot(ctx);
    const results = stage.checks.map((check, c) => runCheck(check, root, schemas[c]));
    return combineChecks(results);
  };
}

/** One check of a check stage, over the stage context (`root`: `{ case, stages, config }`). */
export function runCheck(check: CheckItemDef, root: Record<string, unknown>, schema?: z.ZodType): CheckResult {
  const expectedOf = (body: { expected?: string | undefined; value?: unknown }) => (body.expected !== undefined ? readPath(root, body.expected) : body.value);
  const text = (body: { ignore_case?: boolean | undefined; trim?: boolean | undefined }) => ({
    ...(body.ignore_case !== undefined && { ignoreCase: body.ignore_case }),
    ...(body.trim !== undefined && { trim: body.trim }),
  });
  let result: CheckResult;
  if (check.equals) result = checkEquals(readPath(root, check.equals.actual), expectedOf(check.equals), text(check.equals));
  else if (check.contains) result = checkContains(readPath(root, check.contains.actual), expectedOf(check.contains), text(check.contains));
  else if (check.regex) result = checkRegex(readPath(root, check.regex.actual), check.regex.pattern, check.regex.flags ?? '');
  else if (check.jsonSchema) result = checkJsonSchema(readPath(root, check.jsonSchema.actual), schema ?? (check.jsonSchema.schema as Record<string, Json>));
  else if (check.numeric) result = checkNumeric(readPath(root, check.numeric.actual), expectedOf(check.numeric), check.numeric.tolerance ?? 0);
  else if (check.similarity) result = checkSimilarity(readPath(root, check.similarity.actual), expectedOf(check.similarity), check.similarity.threshold, text(check.similarity));
  else if (check.toolCalled) {
    const { actual, name, times, min, max } = check.toolCalled;
    result = checkToolCalled(readPath(root, actual), name, { ...(times !== undefined && { times }), ...(min !== undefined && { min }), ...(max !== undefined && { max }) });
  } else if (check.toolNotCalled) result = checkToolNotCalled(readPath(root, check.toolNotCalled.actual), check.toolNotCalled.name);
  else if (check.toolArguments) {
    const body = check.toolArguments;
    const bySchema = body.schema !== undefined;
    result = checkToolArguments(readPath(root, body.actual), body.name, bySchema ? (schema ?? body.schema) : expectedOf(body), {
      ...(bySchema ? { match: 'schema' as const } : body.match !== undefined && { match: body.match }),
      ...(body.every !== undefined && { every: body.every }),
    });
  } else if (check.toolOrder) {
    const order = expectedOf(check.toolOrder);
    result = Array.isArray(order) && order.every((name) => typeof name === 'string')
      ? checkToolOrder(readPath(root, check.toolOrder.actual), order, { ...(check.toolOrder.strict !== undefined && { strict: check.toolOrder.strict }) })
      : { type: 'toolOrder', passed: false, detail: `expected ${show(order)} is not a list of tool names` };
  } else if (check.toolRounds) {
    const { actual, min, max } = check.toolRounds;
    result = checkToolRounds(readPath(root, actual), { ...(min !== undefined && { min }), ...(max !== undefined && { max }) });
  } else if (check.toolCalls) {
    const { actual, metric, threshold, arguments: match } = check.toolCalls;
    result = checkToolCalls(readPath(root, actual), expectedOf(check.toolCalls), {
      ...(metric !== undefined && { metric }),
      ...(threshold !== undefined && { threshold }),
      ...(match !== undefined && { arguments: match }),
    });
  } else throw new Error('a check without a type');
  return check.name !== undefined ? { ...result, name: check.name } : result;
}

/** What a module export must be: a stage function, or a tool made with tool(). */
const EXPORT_KINDS = {
  function: { is: (value: unknown) => typeof value === 'function', plural: 'functions', other: (value: unknown) => `it is a ${typeof value}` },
  tool: { is: isTool, plural: 'tools', other: () => 'it is not made with tool()' },
} as const;

/**
 * An export of a TS or JS module named by the pipeline file (relative to it), of the kind asked
 * for; a module that does not load or lacks the export is a problem at `at`.
 */
async function importExport(
  file: string,
  exportName: string,
  at: PathSegment[],
  kind: keyof typeof EXPORT_KINDS,
  loaded: LoadedYamlPipeline,
  options: CompileOptions,
  fail: (problems: YamlProblem[]) => PipelineError,
): Promise<unknown> {
  const path = isAbsolute(file) ? file : resolve(loaded.dir, file);
  let module: Record<string, unknown>;
  try {
    module = options.importModule ? await options.importModule(path) : ((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (error) {
    throw fail([{ path: at, message: `cannot load ${file}: ${messageOf(error)}` }]);
  }
  const { is, plural, other } = EXPORT_KINDS[kind];
  const value = module[exportName];
  if (!is(value)) {
    const exported = Object.keys(module).filter((key) => is(module[key]));
    throw fail([
      {
        path: at,
        message: `${file} has no exported ${kind} '${exportName}'${value !== undefined ? ` (${other(value)})` : ''}; it exports ${exported.length > 0 ? exported.join(', ') : `no ${plural}`}`,
      },
    ]);
  }
  return value;
}

export type { StageDef };
