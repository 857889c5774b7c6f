/**
 * The zod schema of a `*.pipeline.yaml` file. Stages are validated in two steps: the `type` first
 * (so a misspelt type gets a suggestion), then the schema of that type, so every issue path is one
 * the YAML document can locate.
 */
import { z } from 'zod';

export const STAGE_NAME = /^[A-Za-z_][\w-]*$/;
const PIPELINE_NAME = /^[A-Za-z0-9][\w.-]*$/;

/**
 * A dotted path into the stage context: `case.question`, `stages.infer.answer`, `config.model`,
 * and in a multi-turn case `turnCase.user` (the current turn's fields), `turns.0.stages.extract`
 * (an earlier turn) or `turn` (the turn's index).
 */
export const DOTTED_PATH_RULE = "must be a dotted path starting with 'case', 'stages', 'config', 'turnCase', 'turns' or 'turn' (e.g. case.answer)";
export const DottedPath = z.string().regex(/^(case|stages|config|turnCase|turns|turn)(\.[^.\s]+)*$/, DOTTED_PATH_RULE);

/**
 * A template variable: a dotted path, or `{ path, default }` for a value that may be missing (the
 * default is used then, so a template can guard an optional field).
 */
export const VarSpec = z.union([DottedPath, z.strictObject({ path: DottedPath, default: z.json() })]);
export type VarSpecDef = z.infer<typeof VarSpec>;

const nonNegativeInt = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();
const JsonRecord = z.record(z.string(), z.json());

/** A message of an llm stage: an inline template or a template file (relative to the YAML file). */
const Message = z
  .strictObject({
    role: z.string().min(1),
    template: z.string().optional(),
    file: z.string().min(1).optional(),
  })
  .superRefine((message, ctx) => {
    if ((message.template === undefined) === (message.file === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'a message needs either template (inline text) or file (a template file), not both' });
    }
  });

const Common = {
  name: z.string().regex(STAGE_NAME, 'a stage name is letters, digits, _ and -, starting with a letter or _'),
  type: z.string(),
  description: z.string().optional(),
  inputs: z.array(z.string()).optional(),
  retry: z.union([positiveInt, z.strictObject({ attempts: positiveInt, delay_ms: z.number().nonnegative().optional() })]).optional(),
  timeout_ms: z.number().positive().optional(),
  when: z.strictObject({ path: DottedPath, equals: z.json().optional() }).optional(),
};

/** `model: config.infer.model` (a config path) or `model: gpt-4o-mini` (a model name). */
const ModelRef = z.string().min(1);

export const LlmStage = z.strictObject({
  ...Common,
  model: ModelRef,
  messages: z.array(Message).min(1),
  vars: z.record(z.string(), VarSpec).optional(),
  /** Inline JSON Schema, or a path to a .json/.yaml schema file. */
  output: z.union([z.string().min(1), JsonRecord]).optional(),
  parse_retries: nonNegativeInt.optional(),
  params: JsonRecord.optional(),
  /** What the `perfect` mock answers for this stage (default: the top-level `expected`). */
  expected: z.strictObject({ path: DottedPath }).optional(),
  /** Tools the model may call: exports of TS/JS modules made with tool(), relative to the YAML file. */
  tools: z.array(z.strictObject({ module: z.string().min(1), export: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'must be the name of an export') })).optional(),
  max_tool_rounds: nonNegativeInt.optional(),
  max_identical_calls: positiveInt.optional(),
  max_cost_usd: z.number().nonnegative().optional(),
  tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.strictObject({ name: z.string().min(1) })]).optional(),
  parallel_tool_calls: z.boolean().optional(),
});

/** `expected: case.answer` (a path) or `value: 42` (a literal). */
const compared = { actual: DottedPath, expected: DottedPath.optional(), value: z.json().optional() };
const text = { ignore_case: z.boolean().optional(), trim: z.boolean().optional() };

export const CheckItem = z
  .strictObject({
    name: z.string().optional(),
    equals: z.strictObject({ ...compared, ...text }).optional(),
    contains: z.strictObject({ ...compared, ...text }).optional(),
    regex: z.strictObject({ actual: DottedPath, pattern: z.string(), flags: z.string().regex(/^[dgimsuvy]*$/, 'must be regular expression flags such as i or m').optional() }).optional(),
    jsonSchema: z.strictObject({ actual: DottedPath, schema: z.union([z.string().min(1), JsonRecord]) }).optional(),
    numeric: z.strictObject({ ...compared, tolerance: z.number().nonnegative().optional() }).optional(),
    similarity: z.strictObject({ ...compared, ...text, threshold: z.number().min(0).max(1) }).optional(),
    toolCalled: z.strictObject({ actual: DottedPath, name: z.string().min(1), times: nonNegativeInt.optional(), min: nonNegativeInt.optional(), max: nonNegativeInt.optional() }).optional(),
    toolNotCalled: z.strictObject({ actual: DottedPath, name: z.string().min(1).optional() }).optional(),
    toolArguments: z
      .strictObject({
        actual: DottedPath,
        name: z.string().min(1),
        expected: DottedPath.optional(),
        value: z.json().optional(),
        /** Inline JSON Schema, or a path to a .json/.yaml schema file. */
        schema: z.union([z.string().min(1), JsonRecord]).optional(),
        match: z.enum(['exact', 'subset']).optional(),
        every: z.boolean().optional(),
      })
      .optional(),
    toolOrder: z.strictObject({ ...compared, strict: z.boolean().optional() }).optional(),
    toolRounds: z.strictObject({ actual: DottedPath, min: nonNegativeInt.optional(), max: nonNegativeInt.optional() }).optional(),
    toolCalls: z
      .strictObject({
        ...compared,
        metric: z.enum(['f1', 'precision', 'recall']).optional(),
        threshold: z.number().min(0).max(1).optional(),
        arguments: z.enum(['exact', 'subset', 'ignore']).optional(),
      })
      .optional(),
  })
  .superRefine((item, ctx) => {
    const kinds = CHECK_TYPES.filter((kind) => item[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: kinds.length === 0 ? `a check needs one of ${CHECK_TYPES.join(', ')}` : `a check has one type, not ${kinds.join(' and ')}`,
      });
      return;
    }
    const kind = kinds[0]!;
    const body = item[kind] as { expected?: unknown; value?: unknown; schema?: unknown } | undefined;
    if (body && kind === 'toolArguments') {
      if ([body.expected, body.value, body.schema].filter((given) => given !== undefined).length !== 1) {
        ctx.addIssue({ code: 'custom', path: [kind], message: 'needs one of expected (a dotted path), value (a literal) or schema (a JSON Schema)' });
      }
    } else if (body && COMPARED_CHECKS.has(kind)) {
      if ((body.expected === undefined) === (body.value === undefined)) {
        ctx.addIssue({ code: 'custom', path: [kind], message: 'needs either expected (a dotted path) or value (a literal), not both' });
      }
    }
    if (kinds[0] === 'regex' && item.regex) {
      try {
        new RegExp(item.regex.pattern, item.regex.flags ?? '');
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['regex', 'pattern'], message: `is not a valid regular expression: ${(error as Error).message}` });
      }
    }
  });

export const CHECK_TYPES = ['equals', 'contains', 'regex', 'jsonSchema', 'numeric', 'similarity', 'toolCalled', 'toolNotCalled', 'toolArguments', 'toolOrder', 'toolRounds', 'toolCalls'] as const;

/** Checks that compare `actual` with `expected` (a dotted path) or `value` (a literal). */
const COMPARED_CHECKS: ReadonlySet<string> = new Set(['equals', 'contains', 'numeric', 'similarity', 'toolOrder', 'toolCalls']);

export const CheckStage = z.strictObject({ ...Common, checks: z.array(CheckItem).min(1) });

export const JudgeStage = z.strictObject({
  ...Common,
  model: ModelRef,
  /** Inline rubric template (sent as the user message). */
  rubric: z.string().optional(),
  /** A rubric template file, relative to the YAML file. */
  rubric_file: z.string().min(1).optional(),
  /** An optional system message template. */
  system: z.string().optional(),
  vars: z.record(z.string(), VarSpec).optional(),
  params: JsonRecord.optional(),
  parse_retries: nonNegativeInt.optional(),
  /** score >= threshold → passed. */
  threshold: z.number().min(0).max(1).optional(),
});

export const FunctionStage = z.strictObject({
  ...Common,
  module: z.string().regex(/^[^#]+#[A-Za-z_$][\w$]*$/, 'must be a module path and an export, e.g. ./stages.ts#extractAnswer'),
});

export const STAGE_SCHEMAS = { llm: LlmStage, check: CheckStage, judge: JudgeStage, function: FunctionStage } as const;
export type StageType = keyof typeof STAGE_SCHEMAS;
export const STAGE_TYPES = Object.keys(STAGE_SCHEMAS) as StageType[];

export type LlmStageDef = z.infer<typeof LlmStage>;
export type CheckStageDef = z.infer<typeof CheckStage>;
export type CheckItemDef = z.infer<typeof CheckItem>;
export type JudgeStageDef = z.infer<typeof JudgeStage>;
export type FunctionStageDef = z.infer<typeof FunctionStage>;
export type StageDef =
  | (LlmStageDef & { type: 'llm' })
  | (CheckStageDef & { type: 'check' })
  | (JudgeStageDef & { type: 'judge' })
  | (FunctionStageDef & { type: 'function' });

const PassedSpec = z.union([
  z.strictObject({ path: DottedPath }),
  z.strictObject({ all: z.array(DottedPath).min(1) }),
  z.strictObject({ any: z.array(DottedPath).min(1) }),
]);

/** The top level of the file. `stages` items are checked per type afterwards. */
export const PipelineFile = z.strictObject({
  name: z.string().regex(PIPELINE_NAME, "must be a word of letters, digits, '.', '_' or '-'"),
  description: z.string(),
  config: z.record(z.string(), z.json()).optional(),
  stages: z.array(z.record(z.string(), z.unknown())).min(1),
  expected: z.strictObject({ path: DottedPath }).optional(),
  passed: PassedSpec.optional(),
  score: z.strictObject({ path: DottedPath }).optional(),
  columns: z.record(z.string(), DottedPath).optional(),
});

export type PipelineFileDef = Omit<z.infer<typeof PipelineFile>, 'stages'> & { stages: StageDef[] };
export type PassedDef = z.infer<typeof PassedSpec>;
