/**
 * The conversation an `llm()` stage has with its model: call the model; when the reply asks for
 * tools, check each call's arguments against the tool's schema, run the tools (parallel calls
 * concurrently), send the results and call again; when it answers, parse the answer (a reply that
 * does not match the output schema is sent back with the problems). It ends with an answer, or
 * at a limit: rounds of tool calls, a call repeated too often, the loop's cost budget. Each limit
 * is an outcome of its own, recorded with every round and tool call in the stage record.
 */
import { BudgetReachedError, TagliotsError } from '../errors.ts';
import type {
  CallOptions,
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  LlmRoundInfo,
  Model,
  ModelCallRecord,
  ModelToolCall,
  ToolCallError,
  ToolCallRecord,
  ToolCallResult,
  ToolChoice,
  ToolLoopOutcome,
} from '../model/types.ts';
import { nowMs, roundMs } from '../util/clock.ts';
import { findNonJson, stableStringify, type Json } from '../util/json.ts';
import { deriveContext } from './stage.ts';
import type { Tool, ToolContext } from './tool.ts';
import type { StageContext } from './types.ts';

type AnyContext = StageContext<any, any, any>;

/** What an `llm()` stage with tools returns: the answer, and how the model got there. */
export interface ToolLoopResult<TAnswer = string> {
  /** The reply text, or the parsed value with `output`; null when the loop stopped at a limit. */
  readonly answer: TAnswer | null;
  /** `answer`, or the limit that stopped the loop: `max_rounds`, `repeated_call`, `budget`. */
  readonly outcome: Exclude<ToolLoopOutcome, 'cancelled' | 'error'>;
  /** Model calls made. */
  readonly rounds: number;
  /** Every tool call the model asked for, in order, with its result or error. */
  readonly toolCalls: readonly ToolCallResult[];
  /** What the loop added to the conversation: the assistant's tool calls, the tool results, the answer. */
  readonly messages: readonly ChatMessage[];
}

/** The limits and choices of a tool loop (`llm()` options). */
export interface ToolLoopLimits {
  readonly maxToolRounds: number;
  readonly maxIdenticalCalls: number;
  readonly maxCostUsd: number | undefined;
  readonly toolChoice: ToolChoice | undefined;
  readonly parallelToolCalls: boolean | undefined;
}

/** The reply did not match the output schema, after every retry. */
export class LlmOutputError extends TagliotsError {
  constructor(
    message: string,
    /** The last reply, as the model sent it. */
    readonly text: string,
    /** What did not match, one line per issue. */
    readonly issues: readonly string[],
  ) {
    super('E_LLM_OUTPUT', message, { exitCode: 1 });
  }
}

/** How an answer is read: parsed against an output schema (with retries), or taken as text. */
export interface AnswerParser<T> {
  parse(text: string): { ok: true; value: T } | { ok: false; issues: string[] };
  /** How many times a reply that does not parse is sent back. */
  readonly retries: number;
}

export interface ParseAttempt {
  readonly attempt: number;
  readonly ok: boolean;
  readonly issues?: string[];
  readonly text?: string;
}

/** What the loop has done so far; the stage record is made from it, whatever way the loop ends. */
export interface ConversationLog {
  readonly parseAttempts: ParseAttempt[];
  /** The rounds of a tool loop; a call without tools records none. */
  readonly rounds: LlmRoundInfo[];
  outcome: ToolLoopOutcome | undefined;
}

export interface ConversationSpec<T> {
  readonly model: Model;
  readonly messages: readonly ChatMessage[];
  /** Request fields besides the messages and tools. */
  readonly request: Pick<CompletionRequest, 'params' | 'stream' | 'responseFormat'>;
  /** Without an answer parser, the answer is the reply text. */
  readonly parser: AnswerParser<T> | undefined;
  /** With tools: the tools and the loop's limits. */
  readonly tools: { readonly byName: ReadonlyMap<string, Tool>; readonly limits: ToolLoopLimits; readonly loop: number } | undefined;
}

interface Answer<T> {
  readonly answer: T | null;
  readonly outcome: ToolLoopResult['outcome'];
  readonly toolCalls: ToolCallResult[];
  readonly messages: ChatMessage[];
}

/** Runs the conversation; `log` holds every round and parse attempt, also when it throws. */
export async function converse<T>(spec: ConversationSpec<T>, ctx: AnyContext, log: ConversationLog): Promise<Answer<T>> {
  const { model, parser, tools } = spec;
  const conversation = [...spec.messages];
  const added: ChatMessage[] = [];
  const toolCalls: ToolCallResult[] = [];
  const callsMade = new Map<string, number>();
  let toolRounds = 0;
  let costUsd = 0;
  const finish = (outcome: ToolLoopResult['outcome'], answer: T | null): Answer<T> => {
    log.outcome = outcome;
    return { answer, outcome, toolCalls, messages: added };
  };

  // What every round asks besides its messages and tools: made once, not per round (a plain
  // llm() call is a one-round conversation, on every case of a run).
  const base: Omit<CompletionRequest, 'messages'> = parser
    ? { ...spec.request, cacheable: (text: string, calls?: readonly ModelToolCall[]) => (tools !== undefined && (calls?.length ?? 0) > 0) || parser.parse(text).ok }
    : spec.request;
  for (let round = 1; ; round++) {
    const budget = tools?.limits.maxCostUsd;
    if (round > 1 && budget !== undefined && costUsd >= budget) return finish('budget', null);

    const request: CompletionRequest = tools ? { ...base, messages: conversation, ...toolRequest(tools, round) } : { ...base, messages: conversation };
    const startMs = tools ? nowMs() : 0;
    let reply: CompletionResult;
    try {
      reply = await model.complete(request, tools ? callOptionsFor(ctx, tools.loop, round) : ctx);
    } catch (error) {
      if (tools) {
        log.rounds.push({ round, startMs, durationMs: roundMs(nowMs() - startMs), text: '', toolCalls: [], error: error instanceof Error ? error.message : String(error) });
        log.outcome = ctx.signal?.aborted || error instanceof BudgetReachedError ? 'cancelled' : 'error';
      }
      throw error;
    }
    costUsd += reply.costUsd ?? 0;
    const calls = tools ? (reply.toolCalls ?? []) : [];
    const records: ToolCallRecord[] = [];
    // Only a tool loop records its rounds (a plain llm() call is one, on every case of a run).
    if (tools) {
      log.rounds.push({
        round,
        startMs,
        durationMs: roundMs(nowMs() - startMs),
        ...(reply.usage && { usage: reply.usage }),
        ...(reply.costUsd !== undefined && { costUsd: reply.costUsd }),
        ...(reply.cache && { cache: reply.cache }),
        ...(reply.finishReason && { finishReason: reply.finishReason }),
        text: reply.text,
        toolCalls: records,
      });
    }

    if (tools && calls.length > 0) {
      const asked: ChatMessage = { role: 'assistant', content: reply.text, toolCalls: calls };
      conversation.push(asked);
      added.push(asked);
      const skip = (reason: (call: ModelToolCall) => string) => {
        for (const call of calls) records.push({ round, id: call.id, name: call.name, arguments: argumentsOf(call.arguments).value, status: 'skipped', reason: reason(call) });
        toolCalls.push(...records.map(withoutTiming));
      };
      if (toolRounds >= tools.limits.maxToolRounds) {
        skip(() => `not run: the model asked for tools after ${toolRounds} round${toolRounds === 1 ? '' : 's'} of them (maxToolRounds)`);
        return finish('max_rounds', null);
      }
      const repeated = repeatedCall(calls, callsMade, tools.limits.maxIdenticalCalls);
      if (repeated) {
        skip((call) =>
          call === repeated
            ? `not run: the same call was made ${tools.limits.maxIdenticalCalls} time${tools.limits.maxIdenticalCalls === 1 ? '' : 's'} already (maxIdenticalCalls)`
            : 'not run: the loop stopped at a repeated call',
        );
        return finish('repeated_call', null);
      }
      toolRounds++;
      try {
        await runCalls(calls, round, tools, ctx, records);
      } catch (error) {
        // Only an aborted stage gets here: a failed call is a record the model is told about.
        log.outcome = 'cancelled';
        throw error;
      }
      for (const record of records) {
        toolCalls.push(withoutTiming(record));
        const result: ChatMessage = { role: 'tool', toolCallId: record.id, content: resultText(record) };
        conversation.push(result);
        added.push(result);
      }
      continue;
    }

    // An answer.
    const answered: ChatMessage = { role: 'assistant', content: reply.text };
    if (!parser) {
      added.push(answered);
      return finish('answer', reply.text as T);
    }
    const attempt = log.parseAttempts.length + 1;
    const parsed = parser.parse(reply.text);
    if (parsed.ok) {
      log.parseAttempts.push({ attempt, ok: true });
      added.push(answered);
      return finish('answer', parsed.value);
    }
    log.parseAttempts.push({ attempt, ok: false, issues: parsed.issues, text: reply.text });
    if (attempt > parser.retries) {
      if (tools) log.outcome = 'error';
      const shown = reply.text.length > 2000 ? `${reply.text.slice(0, 2000)}…` : reply.text;
      throw new LlmOutputError(
        `The reply of '${model.name}' did not match the output schema after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${parsed.issues.join('; ')}. Last reply: ${JSON.stringify(shown)}`,
        reply.text,
        parsed.issues,
      );
    }
    const correction: ChatMessage = {
      role: 'user',
      content: `Your reply did not match the required JSON format:\n${parsed.issues.map((issue) => `- ${issue}`).join('\n')}\nReply again with only the corrected JSON.`,
    };
    conversation.push(answered, correction);
    added.push(answered, correction);
  }
}

/** The tool fields of a round's request: `toolChoice` forces the first round only, so the model can then answer. */
function toolRequest(tools: NonNullable<ConversationSpec<unknown>['tools']>, round: number): Partial<CompletionRequest> {
  const { toolChoice, parallelToolCalls } = tools.limits;
  const choice = round === 1 || toolChoice === 'none' || toolChoice === 'auto' ? toolChoice : undefined;
  return {
    tools: [...tools.byName.values()].map((tool) => tool.definition),
    ...(choice !== undefined && { toolChoice: choice }),
    ...(parallelToolCalls !== undefined && { parallelToolCalls }),
  };
}

/** The stage context for a round's model call: its call record names the loop and the round. */
function callOptionsFor(ctx: AnyContext, loop: number, round: number): CallOptions {
  const options = ctx as unknown as CallOptions;
  return deriveContext(options, { recordCall: (call: ModelCallRecord) => options.recordCall?.({ ...call, loop, round }) });
}

/** The arguments as JSON, or the text as it came when it is not JSON. */
function argumentsOf(text: string): { ok: true; value: Json } | { ok: false; value: string; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (error) {
    return { ok: false, value: text, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The first call of the round that would be made more than `max` times with the same arguments
 * (counting earlier rounds and this one); the counts are updated when there is none.
 */
function repeatedCall(calls: readonly ModelToolCall[], made: Map<string, number>, max: number): ModelToolCall | undefined {
  const counts = new Map(made);
  for (const call of calls) {
    const parsed = argumentsOf(call.arguments);
    const key = `${call.name}\0${parsed.ok ? stableStringify(parsed.value) : call.arguments}`;
    const count = (counts.get(key) ?? 0) + 1;
    if (count > max) return call;
    counts.set(key, count);
  }
  for (const [key, count] of counts) made.set(key, count);
  return undefined;
}

function withoutTiming(record: ToolCallRecord): ToolCallResult {
  const { startMs: _start, durationMs: _duration, ...result } = record;
  return result;
}

/** What the model is told: the result (a string as it is, else JSON), or the error. */
function resultText(record: ToolCallRecord): string {
  if (record.status === 'ok') return typeof record.result === 'string' ? record.result : JSON.stringify(record.result ?? null);
  return `Error: ${record.error?.message ?? record.reason ?? 'the call failed'}`;
}

/** Runs a round's calls, concurrently unless `parallelToolCalls` is false, and records each in order. */
async function runCalls(
  calls: readonly ModelToolCall[],
  round: number,
  tools: NonNullable<ConversationSpec<unknown>['tools']>,
  ctx: AnyContext,
  records: ToolCallRecord[],
): Promise<void> {
  const stageSignal = ctx.signal ?? new AbortController().signal;
  stageSignal.throwIfAborted();
  const slots: (ToolCallRecord | undefined)[] = new Array(calls.length);
  const started: number[] = [];
  const runOne = async (call: ModelToolCall, i: number) => {
    started[i] = nowMs();
    slots[i] = await runCall(call, round, tools.byName, ctx, stageSignal);
  };
  let failure: { reason: unknown } | undefined;
  if (tools.limits.parallelToolCalls === false) {
    for (const [i, call] of calls.entries()) {
      try {
        await runOne(call, i);
      } catch (reason) {
        failure = { reason };
        break;
      }
    }
  } else {
    const settled = await Promise.allSettled(calls.map(runOne));
    const rejected = settled.find((result) => result.status === 'rejected');
    if (rejected) failure = { reason: rejected.reason };
  }
  for (const [i, call] of calls.entries()) {
    const startMs = started[i];
    records.push(
      slots[i] ??
        (startMs === undefined
          ? { round, id: call.id, name: call.name, arguments: argumentsOf(call.arguments).value, status: 'skipped', reason: 'not run: the stage was cancelled' }
          : { round, id: call.id, name: call.name, arguments: argumentsOf(call.arguments).value, status: 'cancelled', startMs, durationMs: roundMs(nowMs() - startMs) }),
    );
  }
  // Only a cancelled stage gets here with a failure: runCall turns everything else into a record.
  if (failure) throw failure.reason;
}

/** Why a tool's own signal fired: its timeout. */
class ToolTimeout extends Error {}

/**
 * One call: check the tool and the arguments, run it with the stage's signal and its timeout, and
 * check the result. Resolves with the record (failures are data for the model); rejects only when
 * the stage was aborted.
 */
async function runCall(call: ModelToolCall, round: number, byName: ReadonlyMap<string, Tool>, ctx: AnyContext, stageSignal: AbortSignal): Promise<ToolCallRecord> {
  const startMs = nowMs();
  const parsed = argumentsOf(call.arguments);
  const base = { round, id: call.id, name: call.name, arguments: parsed.value };
  const failed = (kind: ToolCallError['kind'], message: string): ToolCallRecord => ({ ...base, status: 'error', error: { kind, message }, startMs, durationMs: roundMs(nowMs() - startMs) });

  const tool = byName.get(call.name);
  if (!tool) return failed('unknown_tool', `there is no tool '${call.name}'; the tools are ${[...byName.keys()].join(', ')}`);
  if (!parsed.ok) return failed('arguments', `the arguments of ${call.name} are not valid JSON (${parsed.message})`);
  const checked = tool.parameters.safeParse(parsed.value);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`);
    return failed('arguments', `invalid arguments for ${call.name}: ${issues.join('; ')}`);
  }

  const timeout = new AbortController();
  const timer = tool.timeoutMs === undefined ? undefined : setTimeout(() => timeout.abort(new ToolTimeout()), tool.timeoutMs);
  const signal = AbortSignal.any([stageSignal, timeout.signal]);
  const toolCtx = deriveContext(ctx, { signal, toolCall: { id: call.id, name: call.name, round } }) as ToolContext;
  let result: unknown;
  try {
    result = await untilAborted(Promise.resolve().then(() => tool.run(checked.data, toolCtx)), signal);
  } catch (error) {
    if (stageSignal.aborted) throw stageSignal.reason;
    if (timeout.signal.aborted) return failed('timeout', `${call.name} took longer than ${tool.timeoutMs} ms`);
    return failed('exception', error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
  }
  const value = result === undefined ? null : result;
  const problem = findNonJson(value);
  if (problem) return failed('result', `${call.name} returned a value that is not JSON: ${problem.replace(/^\$/, 'result')}`);
  return { ...base, status: 'ok', result: value as Json, startMs, durationMs: roundMs(nowMs() - startMs) };
}

/** The promise, or a rejection with the signal's reason as soon as it fires (a tool that ignores its signal is not waited for). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => undefined);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
