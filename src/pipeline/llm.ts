/**
 * `llm()`: a model-calling stage from message templates, with optional structured output and tools.
 *
 *   infer: await llm({
 *     model: setup.models.get(setup.config.infer.model),
 *     baseDir: import.meta.url,
 *     messages: [
 *       { role: 'system', file: 'prompts/system.njk' },
 *       { role: 'user', template: '{{ case.question }}' },
 *     ],
 *     output: z.object({ answer: z.number() }),
 *   }),
 *
 * Templates are compiled when `llm()` is awaited (in `stages()`), so a missing file or a syntax
 * error stops the run before any case. They render with `case`, `stages`, `config`, the turn
 * variables `turn`, `turnCase` and `turns` (templateVariables) and `vars`;
 * an undefined variable is an error. With `output`, the reply must be JSON matching the zod schema:
 * it is sent as a JSON-schema response format where the model supports it, else asked for in the
 * prompt; a reply that does not match is sent back with the validation errors, up to
 * `parseRetries` times, and every attempt is logged in the stage record's `llm`. With `tools`, the
 * stage runs a tool loop (tool-loop.ts) and returns the answer with the tool calls that led to it.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { PipelineError } from '../errors.ts';
import type { CallOptions, ChatMessage, LlmCallInfo, Model, ToolChoice } from '../model/types.ts';
import type { Json } from '../util/json.ts';
import { compileTemplate, loadTemplate, templateVariables, type Template } from './template.ts';
import { isTool, type Tool } from './tool.ts';
import { converse, type AnswerParser, type ConversationLog, type ToolLoopLimits, type ToolLoopResult } from './tool-loop.ts';
import type { StageContext } from './types.ts';
import { assertZod4Schema } from './zod-schema.ts';

export { LlmOutputError } from './tool-loop.ts';

/** The context of any stage: what an `llm()` stage accepts when nothing narrows it. */
type AnyContext = StageContext<any, any, any>;

/** One message of the prompt: an inline nunjucks template, or a template file. */
export type LlmMessage =
  | { readonly role: ChatMessage['role']; readonly template: string; readonly file?: never }
  | { readonly role: ChatMessage['role']; readonly file: string; readonly template?: never };

/**
 * What `llm()` takes. `TContext` is the stage context its callbacks receive: inferred from where
 * the stage is used (a pipeline's `stages()`), so `ctx.case`, `ctx.stages` and `ctx.config` carry
 * the pipeline's types there and a misspelt field is a compile error.
 */
export interface LlmOptions<TOutput, TContext extends AnyContext = AnyContext> {
  /**
   * The model: a `Model` from `setup.models.get(name)` (an unknown name then stops the run at
   * setup), a model name, or a function of the stage context returning a name.
   */
  readonly model: Model | string | ((ctx: TContext) => string);
  /** Message templates, or a function returning ready messages (nothing is rendered then). */
  readonly messages: readonly LlmMessage[] | ((ctx: TContext) => readonly ChatMessage[]);
  /** What template `file`s are relative to: the pipeline's `import.meta.url`, or a folder. */
  readonly baseDir?: string | URL;
  /** Template variables besides `case`, `stages`, `config`, `turn`, `turnCase` and `turns`. */
  readonly vars?: (ctx: TContext) => Record<string, unknown>;
  /** Generation parameters for this stage; they override the profile's. */
  readonly params?: Readonly<Record<string, Json>> | ((ctx: TContext) => Readonly<Record<string, Json>> | undefined);
  /** A zod schema: the reply must be JSON matching it, and the stage returns the parsed value. */
  readonly output?: z.ZodType<TOutput>;
  /** How many times a reply that does not match `output` is sent back for another try. @default 2 */
  readonly parseRetries?: number;
  /** Stream the reply (configured models; the text is the same). */
  readonly stream?: boolean;
  /**
   * Tools the model may call, made with `tool()`. The stage then runs a tool loop and returns a
   * {@link ToolLoopResult}: the answer, the tool calls, the rounds and how the loop ended.
   */
  readonly tools?: readonly Tool[];
  /** With tools: the most rounds of tool calls; asking for more ends the loop (`max_rounds`). @default 8 */
  readonly maxToolRounds?: number;
  /** With tools: how often one call (same tool, same arguments) may be made; asking again ends the loop (`repeated_call`). @default 2 */
  readonly maxIdenticalCalls?: number;
  /** With tools: no further model call once the loop's calls cost this many US dollars (`budget`). */
  readonly maxCostUsd?: number | ((ctx: TContext) => number | undefined);
  /** With tools: which tools the first round may call (`auto`, `none`, `required`, `{ name }`); later rounds are `auto`. */
  readonly toolChoice?: ToolChoice;
  /** With tools: whether the model may ask for several calls at once (they then run concurrently). */
  readonly parallelToolCalls?: boolean;
}

/** A stage that calls a model and returns its answer. */
export type LlmStage<TOutput, TContext extends AnyContext = AnyContext> = (ctx: TContext) => Promise<TOutput>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function baseFolder(baseDir: string | URL | undefined): string | undefined {
  if (baseDir === undefined) return undefined;
  if (baseDir instanceof URL || baseDir.startsWith('file:')) return dirname(fileURLToPath(baseDir));
  return resolve(baseDir);
}

/** Text of a reply without a Markdown code fence around it. */
export function stripFence(text: string): string {
  const match = /^\s*```[\w-]*\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return (match ? match[1]! : text).trim();
}

/** Parses `text` as JSON matching `schema`: the value, or the problems (one line each). */
export function parseOutput<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; issues: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(stripFence(text));
  } catch {
    return { ok: false, issues: ['the reply is not valid JSON'] };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`) };
}

/**
 * Builds a stage that calls a model. Await it in `stages()`.
 * @returns a stage function: its output is the reply text, or the parsed value with `output`; with
 * `tools`, a {@link ToolLoopResult} holding that answer.
 */
export async function llm<TOutput = string, TContext extends AnyContext = AnyContext>(
  options: LlmOptions<TOutput, TContext> & { readonly tools: readonly Tool[] },
): Promise<LlmStage<ToolLoopResult<TOutput>, TContext>>;
export async function llm<TOutput = string, TContext extends AnyContext = AnyContext>(options: LlmOptions<TOutput, TContext>): Promise<LlmStage<TOutput, TContext>>;
export async function llm<TOutput = string, TContext extends AnyContext = AnyContext>(
  options: LlmOptions<TOutput, TContext>,
): Promise<LlmStage<TOutput | ToolLoopResult<TOutput>, TContext>> {
  const parseRetries = options.parseRetries ?? 2;
  if (!Number.isInteger(parseRetries) || parseRetries < 0) {
    throw new PipelineError('E_LLM_OPTIONS', `llm(): parseRetries must be a whole number of at least 0 (got ${String(options.parseRetries)}).`);
  }
  const tools = options.tools === undefined ? undefined : toolSet(options);

  // Templates, compiled now so that mistakes stop the run at setup.
  let templates: { role: string; template: Template }[] | undefined;
  if (typeof options.messages !== 'function') {
    if (options.messages.length === 0) throw new PipelineError('E_LLM_OPTIONS', 'llm(): messages is empty.');
    const base = baseFolder(options.baseDir);
    templates = [];
    for (const [i, message] of options.messages.entries()) {
      if (typeof message.template === 'string') {
        templates.push({ role: message.role, template: await compileTemplate(message.template, `${message.role} message (inline)`) });
      } else if (typeof message.file === 'string') {
        if (!isAbsolute(message.file) && base === undefined) {
          throw new PipelineError('E_LLM_OPTIONS', `llm(): template file '${message.file}' is relative, but no baseDir was given.`, {
            hint: 'Pass baseDir: import.meta.url to read it from the pipeline\'s folder.',
          });
        }
        templates.push({ role: message.role, template: await loadTemplate(base === undefined ? message.file : resolve(base, message.file)) });
      } else {
        throw new PipelineError('E_LLM_OPTIONS', `llm(): messages[${i}] needs a template (inline text) or a file.`);
      }
    }
  }

  // The output schema as JSON Schema: for the response format, the prompt and the log.
  let output: { schema: z.ZodType<TOutput>; jsonSchema: Record<string, Json>; sha256: string } | undefined;
  if (options.output) {
    assertZod4Schema(options.output, 'llm(): output');
    const { z: zod } = await import('zod');
    let jsonSchema: Record<string, Json>;
    try {
      jsonSchema = zod.toJSONSchema(options.output, { unrepresentable: 'any' }) as Record<string, Json>;
    } catch (error) {
      throw new PipelineError('E_LLM_OPTIONS', `llm(): the output schema cannot be turned into JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
    }
    output = { schema: options.output, jsonSchema, sha256: sha256(JSON.stringify(jsonSchema)) };
  }

  const fixedModel = typeof options.model === 'object' ? options.model : undefined;

  return async (ctx: TContext): Promise<TOutput | ToolLoopResult<TOutput>> => {
    const model = fixedModel ?? ctx.models.get(typeof options.model === 'function' ? options.model(ctx) : (options.model as string));
    let messages: ChatMessage[];
    if (templates) {
      const variables = { ...options.vars?.(ctx), ...templateVariables(ctx) };
      messages = templates.map(({ role, template }) => ({ role, content: template.render(variables) }));
    } else {
      messages = [...(options.messages as (ctx: TContext) => readonly ChatMessage[])(ctx)];
    }
    const params = typeof options.params === 'function' ? options.params(ctx) : options.params;

    const structured = output !== undefined && model.structuredOutput === true;
    if (output && !structured) messages = withJsonInstruction(messages, output.jsonSchema);
    const loop = tools ? nextLoop(ctx) : undefined;
    const log: ConversationLog = { parseAttempts: [], rounds: [], outcome: undefined };
    const record = () => {
      if (!templates && !output && !tools) return;
      const info: LlmCallInfo = {
        model: model.name,
        templates: templates?.map(({ role, template }) => ({ role, source: template.path, sha256: template.sha256 })) ?? [],
        messages,
        ...(output && { output: { schemaSha256: output.sha256, mode: structured ? 'json_schema' : 'json_prompt' }, parseAttempts: log.parseAttempts }),
        ...(tools && {
          loop,
          tools: [...tools.byName.values()].map(({ name, sha256: hash }) => ({ name, sha256: hash })),
          rounds: log.rounds,
          ...(log.outcome && { outcome: log.outcome }),
        }),
      };
      (ctx as unknown as CallOptions).recordLlm?.(info);
    };

    try {
      const schema = output?.schema;
      const parser: AnswerParser<TOutput> | undefined = schema && { parse: (text) => parseOutput(schema, text), retries: parseRetries };
      const maxCostUsd = typeof options.maxCostUsd === 'function' ? options.maxCostUsd(ctx) : options.maxCostUsd;
      const result = await converse(
        {
          model,
          messages,
          request: {
            ...(params && { params }),
            ...(options.stream !== undefined && { stream: options.stream }),
            ...(structured && { responseFormat: { name: 'output', schema: output!.jsonSchema } }),
          },
          parser,
          tools: tools && { byName: tools.byName, limits: { ...tools.limits, maxCostUsd }, loop: loop! },
        },
        ctx,
        log,
      );
      if (!tools) return result.answer as TOutput;
      return { answer: result.answer, outcome: result.outcome, rounds: log.rounds.length, toolCalls: result.toolCalls, messages: result.messages };
    } finally {
      record();
    }
  };
}

/** The tools of an `llm()` stage by name, and the loop's limits, checked at setup. */
function toolSet(options: LlmOptions<unknown, never>): { byName: Map<string, Tool>; limits: Omit<ToolLoopLimits, 'maxCostUsd'> } {
  const bad = (message: string, hint?: string) => new PipelineError('E_LLM_OPTIONS', `llm(): ${message}`, hint === undefined ? {} : { hint });
  const byName = new Map<string, Tool>();
  for (const [i, item] of (options.tools ?? []).entries()) {
    if (!isTool(item)) throw bad(`tools[${i}] is not a tool.`, 'Make tools with tool({ name, description, parameters, run }).');
    if (byName.has(item.name)) throw bad(`two tools are called '${item.name}'.`);
    byName.set(item.name, item);
  }
  const maxToolRounds = options.maxToolRounds ?? 8;
  if (!Number.isInteger(maxToolRounds) || maxToolRounds < 0) throw bad(`maxToolRounds must be a whole number of at least 0 (got ${String(options.maxToolRounds)}).`);
  const maxIdenticalCalls = options.maxIdenticalCalls ?? 2;
  if (!Number.isInteger(maxIdenticalCalls) || maxIdenticalCalls < 1) throw bad(`maxIdenticalCalls must be a whole number of at least 1 (got ${String(options.maxIdenticalCalls)}).`);
  const cost = options.maxCostUsd;
  if (cost !== undefined && typeof cost !== 'function' && !(typeof cost === 'number' && cost >= 0)) throw bad(`maxCostUsd must be a number of dollars of at least 0 (got ${String(cost)}).`);
  const choice = options.toolChoice;
  if (choice !== undefined) {
    if (typeof choice === 'object' && choice !== null) {
      if (!byName.has(choice.name)) throw bad(`toolChoice names '${choice.name}', which is not one of the tools (${[...byName.keys()].join(', ') || 'none'}).`);
    } else if (choice !== 'auto' && choice !== 'none' && choice !== 'required') {
      throw bad(`toolChoice must be 'auto', 'none', 'required' or { name } (got ${JSON.stringify(choice)}).`);
    }
  }
  return { byName, limits: { maxToolRounds, maxIdenticalCalls, toolChoice: choice, parallelToolCalls: options.parallelToolCalls } };
}

/** Tool loops per case, repetition, turn and stage: the n-th loop of a stage is `loop: n` in its record and calls. */
const loopsByCase = new WeakMap<object, Map<string, number>>();

function nextLoop(ctx: AnyContext): number {
  const key = typeof ctx.case === 'object' && ctx.case !== null ? (ctx.case as object) : undefined;
  if (!key) return 1;
  let loops = loopsByCase.get(key);
  if (!loops) loopsByCase.set(key, (loops = new Map()));
  const slot = `${ctx.repeat}:${ctx.turn ?? ''}:${ctx.stage}`;
  const loop = (loops.get(slot) ?? 0) + 1;
  loops.set(slot, loop);
  return loop;
}

/** The messages with an instruction to answer in JSON matching the schema, added to the system message. */
function withJsonInstruction(messages: readonly ChatMessage[], schema: Record<string, Json>): ChatMessage[] {
  const instruction = `Reply with JSON only, no other text, matching this JSON Schema:\n${JSON.stringify(schema)}`;
  const index = messages.findIndex((message) => message.role === 'system');
  if (index === -1) return [{ role: 'system', content: instruction }, ...messages];
  return messages.map((message, i) => (i === index ? { ...message, content: `${message.content}\n\n${instruction}` } : message));
}
