import { PipelineError } from '../errors.ts';
import type { Json } from '../util/json.ts';
import type {
  AnyStages,
  Case,
  CaseResult,
  ColumnValue,
  ConfigShape,
  ExpectedContext,
  FormatSectionValue,
  PipelineSpec,
  SetupContext,
  Stages,
} from './types.ts';

/**
 * Defines a pipeline in object form. Without type arguments the config type is inferred; pass
 * `<MyCase, MyStages, typeof config>` to type `ctx.case` and `ctx.stages` as well.
 * @example
 * export default definePipeline({
 *   name: 'echo',
 *   description: 'Echoes the input',
 *   config: { model: prompt('Model name') },
 *   stages: ({ config, models }) => {
 *     const model = models.get(config.model);
 *     return { infer: async (ctx) => (await model.complete({ messages: [{ role: 'user', content: String(ctx.case.input) }] }, ctx)).text };
 *   },
 *   passed: ({ stages, case: c }) => stages.infer === c.expected,
 * });
 */
export function definePipeline<TCase = Case, TStages = AnyStages, const TConfig extends ConfigShape = ConfigShape>(
  spec: PipelineSpec<TCase, TStages, TConfig>,
): PipelineSpec<TCase, TStages, TConfig> {
  return spec;
}

/**
 * Base class for the class form of a pipeline (GoTaglio's seed API). Set `static name`,
 * `static description` and `static config`, implement `stages()`, and optionally `expected()`,
 * `passed()`, `score()`, `columns` and `format`.
 * @example
 * export class CalcPipeline extends Pipeline<CalcCase, CalcStages, typeof defaults> {
 *   static override readonly name = 'calc';
 *   static readonly description = 'A simple calculator pipeline';
 *   static readonly config = defaults;
 *   stages(setup: SetupContext<typeof defaults>) { ... }
 * }
 */
export abstract class Pipeline<TCase = Case, TStages = AnyStages, TConfig extends ConfigShape = ConfigShape> {
  static readonly description: string = '';
  static readonly config: ConfigShape = {};

  abstract stages(setup: SetupContext<TConfig>): Stages<TCase, TStages, TConfig> | Promise<Stages<TCase, TStages, TConfig>>;
  expected?(ctx: ExpectedContext<TCase, TStages, TConfig>): Json | undefined;
  passed?(result: CaseResult<TCase, TStages, TConfig>): boolean;
  score?(result: CaseResult<TCase, TStages, TConfig>): number | null;
  readonly columns?: Readonly<Record<string, (result: CaseResult<TCase, TStages, TConfig>) => ColumnValue>>;
  /** Sections of the case report, evaluated at run time and stored in the log: see PipelineSpec.format. */
  readonly format?: Readonly<Record<string, (result: CaseResult<TCase, TStages, TConfig>) => FormatSectionValue>>;
}

/** Anything a project config may list as a pipeline. */
export type PipelineLike = PipelineSpec<any, any, any> | (abstract new () => { stages(setup: never): unknown });

type PipelineClass = new () => Pipeline<any, any, any>;

function isPipelineClass(value: unknown): value is PipelineClass {
  return typeof value === 'function' && typeof (value as { prototype?: { stages?: unknown } }).prototype?.stages === 'function';
}

/** Turns either form into a PipelineSpec, checking the parts a user can get wrong. */
export function toPipelineSpec(value: unknown, where: string): PipelineSpec {
  if (isPipelineClass(value)) {
    const Cls = value as PipelineClass & { description?: unknown; config?: unknown };
    const instance = new Cls();
    return checkSpec(
      {
        name: Cls.name,
        description: typeof Cls.description === 'string' ? Cls.description : '',
        config: (Cls.config ?? {}) as ConfigShape,
        stages: (setup) => instance.stages(setup),
        expected: instance.expected?.bind(instance),
        passed: instance.passed?.bind(instance),
        score: instance.score?.bind(instance),
        columns: instance.columns,
        format: instance.format,
      },
      where,
    );
  }
  if (typeof value === 'object' && value !== null) return checkSpec(value as PipelineSpec, where);
  throw new PipelineError('E_PIPELINE_SHAPE', `${where} is not a pipeline (got ${value === null ? 'null' : typeof value}).`, {
    hint: 'List pipelines made with definePipeline({...}) or classes that extend Pipeline.',
  });
}

const NAME_PATTERN = /^[A-Za-z0-9][\w.-]*$/;

function checkSpec(spec: PipelineSpec, where: string): PipelineSpec {
  const problems: string[] = [];
  if (typeof spec.name !== 'string' || !NAME_PATTERN.test(spec.name)) {
    problems.push(`name must be a word of letters, digits, '.', '_' or '-' (got ${JSON.stringify(spec.name)})`);
  }
  if (typeof spec.description !== 'string') problems.push('description must be a string');
  if (typeof spec.stages !== 'function') problems.push('stages must be a function returning the stages');
  for (const key of ['expected', 'passed', 'score'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'function') problems.push(`${key} must be a function`);
  }
  if (spec.config !== undefined && (typeof spec.config !== 'object' || spec.config === null || Array.isArray(spec.config))) {
    problems.push('config must be an object');
  }
  for (const [key, what] of [
    ['columns', 'column'],
    ['format', 'format section'],
  ] as const) {
    const hooks: unknown = spec[key];
    if (hooks === undefined) continue;
    if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) {
      problems.push(`${key} must be an object of functions, by name`);
      continue;
    }
    for (const [name, fn] of Object.entries(hooks)) {
      if (typeof fn !== 'function') problems.push(`${what} '${name}' must be a function`);
    }
  }
  if (problems.length > 0) {
    throw new PipelineError('E_PIPELINE_SHAPE', `${where}: invalid pipeline${typeof spec.name === 'string' ? ` '${spec.name}'` : ''}:\n  ${problems.join('\n  ')}`);
  }
  return spec;
}
