/**
 * `tool()`: a function a model may call from an `llm()` stage, with its arguments described by a
 * zod schema.
 *
 *   const lookupOrder = tool({
 *     name: 'lookup_order',
 *     description: 'Looks an order up by its id.',
 *     parameters: z.object({ orderId: z.string() }),
 *     run: async ({ orderId }, ctx) => store.order(orderId),
 *   });
 *
 * The schema is turned into JSON Schema once, here, so a schema that cannot be sent to a model
 * stops the project from loading rather than a case from running.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PipelineError } from '../errors.ts';
import type { ToolDefinition } from '../model/types.ts';
import type { Json } from '../util/json.ts';
import type { StageContext } from './types.ts';
import { isZod3Schema, ZOD_4_HINT } from './zod-schema.ts';

/** What the OpenAI API accepts as a function name. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const TOOL_BRAND = Symbol.for('tagliots.tool');

/** What a tool's `run` receives besides its arguments: the stage context, with the call it serves. */
export type ToolContext<TCase = any, TStages = any, TConfig = any> = StageContext<TCase, TStages, TConfig> & {
  /**
   * Aborted when the stage is (Ctrl-C, a sibling stage failed) or the tool's `timeoutMs` has
   * passed. Pass it to anything that waits.
   */
  readonly signal: AbortSignal;
  /** The call being served: the id the model gave it, and the round of the loop (from 1). */
  readonly toolCall: { readonly id: string; readonly name: string; readonly round: number };
};

export interface ToolOptions<TArgs, TResult> {
  /** What the model calls it: letters, digits, `_` and `-`, at most 64. */
  readonly name: string;
  /** What the tool does and when to use it: the model reads this. */
  readonly description: string;
  /** The arguments, a zod object schema. A call whose arguments do not match it never runs: the model is told why. */
  readonly parameters: z.ZodType<TArgs>;
  /**
   * Runs the call. Returns a JSON value (a string is sent as it is, anything else as JSON). A thrown
   * error is not a stage failure: its message goes back to the model as the call's result.
   */
  readonly run: (args: TArgs, ctx: ToolContext) => TResult | Promise<TResult>;
  /** Most milliseconds a call may take; a slower one is aborted and reported to the model as an error. */
  readonly timeoutMs?: number;
}

/** A tool, as `tool()` returns it. Give it to `llm({ tools: [...] })`. */
export interface Tool<TArgs = any, TResult = unknown> {
  readonly name: string;
  readonly description: string;
  readonly parameters: z.ZodType<TArgs>;
  /** What the model is sent: the name, the description and the parameters as JSON Schema. */
  readonly definition: ToolDefinition;
  /** sha256 of the definition, recorded in the run log so changed tools show. */
  readonly sha256: string;
  readonly timeoutMs: number | undefined;
  run(args: TArgs, ctx: ToolContext): TResult | Promise<TResult>;
}

const fail = (name: unknown, message: string, hint?: string): PipelineError =>
  new PipelineError('E_TOOL_DEFINITION', `tool(${typeof name === 'string' ? `'${name}'` : ''}): ${message}`, hint === undefined ? {} : { hint });

/**
 * Defines a tool. Checks the definition at once: the name, the description, and that the
 * parameters are a zod object schema that JSON Schema can express.
 */
export function tool<TArgs, TResult>(options: ToolOptions<TArgs, TResult>): Tool<TArgs, TResult> {
  const { name, description, parameters, run, timeoutMs } = options;
  if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
    throw fail(name, `the name must be 1 to 64 letters, digits, '_' or '-' (got ${JSON.stringify(name)}).`);
  }
  if (typeof description !== 'string' || description.trim() === '') throw fail(name, 'a description is required: the model reads it to decide when to call the tool.');
  if (isZod3Schema(parameters)) throw fail(name, 'parameters were made with zod 3, which tagliots cannot read.', ZOD_4_HINT);
  if (!(parameters instanceof z.ZodType)) {
    throw fail(name, 'parameters must be a zod schema.', "Describe the arguments with zod: parameters: z.object({ orderId: z.string() }).");
  }
  if (typeof run !== 'function') throw fail(name, 'run must be a function (args, ctx) => result.');
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) throw fail(name, `timeoutMs must be a positive number (got ${String(timeoutMs)}).`);

  let schema: Record<string, Json>;
  try {
    schema = z.toJSONSchema(parameters, { io: 'input' }) as Record<string, Json>;
  } catch (error) {
    throw fail(name, `the parameters cannot be expressed as JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (schema['type'] !== 'object') {
    throw fail(name, `parameters must be an object schema (got ${JSON.stringify(schema['type'] ?? 'a schema without a type')}).`, 'Models pass tool arguments as a JSON object: use z.object({ ... }).');
  }
  const { $schema: _dialect, ...jsonSchema } = schema;
  const definition: ToolDefinition = { name, description, parameters: jsonSchema };
  const sha256 = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  return Object.freeze({ [TOOL_BRAND]: true, name, description, parameters, definition, sha256, timeoutMs, run }) as Tool<TArgs, TResult>;
}

/** Whether a value was made by `tool()` (of any copy of tagliots in the process). */
export function isTool(value: unknown): value is Tool {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TOOL_BRAND] === true;
}
