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
  type CheckResult,
} from '../checks.ts';
import { llm, type LlmMessage } from '../llm.ts';
import type { CaseResult, ColumnValue, ExpectedContext, PipelineSpec, SetupContext, StageContext, StageFn, StageNode } from '../types.ts';
import type { LoadedYamlPipeline, YamlProblem } from './load.ts';
import { yamlError } from './load.ts';
import { pathRoot, readPath } from './paths.ts';
import type { CheckItemDef, CheckStageDef, JudgeStageDef, LlmStageDef, StageDef } from './schema.ts';
import { applyStageOptions } from './wrap.ts';

type AnyContext = StageContext<any, any, any>;

/** The fixed output of a judge stage's model. */
export const JudgeOutput = z.object({ score: z.number().min(0).max(1), reason: z.string() });

/** What the `perfect` mock answers for a judge stage: full marks. */
export const PERFECT_JUDGEMENT = { score: 1, reason: 'perfect mock: full marks' } as const;

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
            fn = await llmStage(stage, i, models.get(stage.name)!, loaded);
            break;
          case 'judge':
            fn = await judgeStage(stage, models.get(stage.name)!, dir);
            break;
          case 'check':
            fn = checkStage(stage, i, loaded);
            break;
          case 'function':
            fn = await functionStage(stage.module, i, loaded, options, fail);
            break;
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

/** Template variables from `vars: { name: dotted.path }`; a path with no value is an error naming it. */
function varsFn(vars: Readonly<Record<string, string>> | undefined, stageName: string) {
  if (vars === undefined) return undefined;
  return (ctx: AnyContext): Record<string, unknown> => {
    const root = pathRoot(ctx);
    const out: Record<string, unknown> = {};
    for (const [name, path] of Object.entries(vars)) {
      const value = readPath(root, path);
      if (value === undefined) throw new PipelineError('E_YAML_VARS', `Stage '${stageName}': vars.${name}: ${path} has no value for this case.`);
      out[name] = value;
    }
    return out;
  };
}

async function llmStage(stage: LlmStageDef, i: number, model: Model, loaded: LoadedYamlPipeline): Promise<StageFn<any, any, any>> {
  const messages: LlmMessage[] = stage.messages.map((m) => (m.file !== undefined ? { role: m.role, file: m.file } : { role: m.role, template: m.template! }));
  const output = loaded.schemas.get(['stages', i, 'output'].join('.'))?.zod;
  const vars = varsFn(stage.vars, stage.name);
  return llm<unknown>({
    model,
    messages,
    baseDir: loaded.dir,
    ...(vars && { vars }),
    ...(stage.params && { params: stage.params as Record<string, Json> }),
    ...(output && { output }),
    ...(stage.parse_retries !== undefined && { parseRetries: stage.parse_retries }),
  });
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
  const call = await llm({
    model,
    messages: judgeMessages(stage),
    baseDir: dir,
    ...(vars && { vars }),
    ...(stage.params && { params: stage.params as Record<string, Json> }),
    output: JudgeOutput,
    ...(stage.parse_retries !== undefined && { parseRetries: stage.parse_retries }),
  });
  return async (ctx) => {
    const { score, reason } = await call(ctx);
    return { score, reason, ...(stage.threshold !== undefined && { passed: score >= stage.threshold }) };
  };
}

function checkStage(stage: CheckStageDef, i: number, loaded: LoadedYamlPipeline): StageFn<any, any, any> {
  const schemas = stage.checks.map((check, c) => loaded.schemas.get(['stages', i, 'checks', c, 'jsonSchema', 'schema'].join('.'))?.zod);
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
  else throw new Error('a check without a type');
  return check.name !== undefined ? { ...result, name: check.name } : result;
}

async function functionStage(
  reference: string,
  i: number,
  loaded: LoadedYamlPipeline,
  options: CompileOptions,
  fail: (problems: YamlProblem[]) => PipelineError,
): Promise<StageFn<any, any, any>> {
  const hash = reference.lastIndexOf('#');
  const file = reference.slice(0, hash);
  const exportName = reference.slice(hash + 1);
  const path = isAbsolute(file) ? file : resolve(loaded.dir, file);
  let module: Record<string, unknown>;
  try {
    module = options.importModule ? await options.importModule(path) : ((await import(pathToFileURL(path).href)) as Record<string, unknown>);
  } catch (error) {
    throw fail([{ path: ['stages', i, 'module'], message: `cannot load ${file}: ${messageOf(error)}` }]);
  }
  const fn = module[exportName];
  if (typeof fn !== 'function') {
    const exported = Object.keys(module).filter((key) => typeof module[key] === 'function');
    throw fail([
      {
        path: ['stages', i, 'module'],
        message: `${file} has no exported function '${exportName}'${fn !== undefined ? ` (it is a ${typeof fn})` : ''}; it exports ${exported.length > 0 ? exported.join(', ') : 'no functions'}`,
      },
    ]);
  }
  return fn as StageFn<any, any, any>;
}

export type { StageDef };
