/**
 * One chat-completions request through the official `openai` SDK, described in plain data both
 * ways: what client to use ({@link ClientSettings}), and what came back ({@link SdkOutcome}: the
 * reply, or what went wrong). Plain data because the same code runs on the main thread or on the
 * model thread (sdk-thread.ts), and only plain data crosses threads.
 *
 * This module decides nothing about retrying; openai.ts does, from the outcome.
 */
import { createHttpFetch } from './http-fetch.ts';
import type { ModelToolCall, ProviderType, UsageInput } from './types.ts';

type OpenAIModule = typeof import('openai');
type OpenAIClient = InstanceType<OpenAIModule['OpenAI']>;

let openaiModule: Promise<OpenAIModule> | undefined;
/** The SDK is imported on the first call, so commands that never call a model never load it. */
export const loadOpenAI = (): Promise<OpenAIModule> => (openaiModule ??= import('openai'));

/** What an SDK client is made from: the profile's connection settings and its key. */
export interface ClientSettings {
  readonly type: ProviderType;
  readonly apiKey: string | undefined;
  readonly baseURL?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly deployment?: string | undefined;
  readonly apiVersion?: string | undefined;
  /** The profile's per-attempt timeout; the SDK's own is a backstop behind it. */
  readonly timeoutMs: number;
}

export interface SdkReply {
  readonly text: string;
  /** The tools the model asked to call; absent when it asked for none. */
  readonly toolCalls?: readonly ModelToolCall[];
  readonly usage: UsageInput | undefined;
  readonly finishReason: string | undefined;
  readonly status: number;
  /** Response headers, names in lower case (the rate limiter learns from them). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Why a request failed, as far as the SDK and the server tell. */
export type SdkFailure =
  /** The server answered with an error status. */
  | { readonly kind: 'status'; readonly status: number; readonly message: string; readonly headers: Readonly<Record<string, string>> }
  /** The SDK gave up waiting (its own timeout). */
  | { readonly kind: 'timeout'; readonly message: string }
  /** No answer: refused, reset, DNS; `message` is the socket's error code when there is one. */
  | { readonly kind: 'network'; readonly message: string }
  /** An answer that is not a usable chat completion. */
  | { readonly kind: 'malformed'; readonly message: string }
  /** The request's signal fired. */
  | { readonly kind: 'aborted'; readonly message: string }
  | { readonly kind: 'other'; readonly message: string };

export type SdkOutcome = { readonly ok: true; readonly reply: SdkReply } | { readonly ok: false; readonly failure: SdkFailure };

/** Sends one request (streamed when `body.stream` is true) and reads the whole reply. Never throws. */
export type SdkSender = (body: Record<string, unknown>, signal: AbortSignal) => Promise<SdkOutcome>;

/** Where requests run: this thread ({@link inThreadTransport}) or the model thread (sdk-thread.ts). */
export interface SdkTransport {
  /** A sender whose requests use a client made from these settings. */
  sender(settings: ClientSettings): SdkSender;
  /** Gets ready for requests (loads the SDK, starts the thread) without waiting, so the first case does not pay for it. */
  warm(): void;
}

/** Requests on the calling thread. */
export const inThreadTransport: SdkTransport = {
  sender: (settings) => createSdkSender(settings),
  warm: () => void loadOpenAI().catch(() => undefined),
};

export function createSdkSender(settings: ClientSettings): SdkSender {
  let client: Promise<OpenAIClient> | undefined;
  const getClient = () => (client ??= loadOpenAI().then((sdk) => newClient(sdk, settings)));
  return async (body, signal) => {
    try {
      const reply = await send(await getClient(), body, signal);
      return { ok: true, reply };
    } catch (error) {
      return { ok: false, failure: signal.aborted ? { kind: 'aborted', message: 'cancelled' } : describeFailure(error) };
    }
  };
}

function newClient(sdk: OpenAIModule, settings: ClientSettings): OpenAIClient {
  const common = {
    // Our own retries record every attempt; the SDK's would be invisible.
    maxRetries: 0,
    // A backstop: each attempt is aborted by its own timer first.
    timeout: settings.timeoutMs + 5000,
    // The SDK's debug log would print requests: never.
    logLevel: 'off' as const,
    fetch: createHttpFetch(),
  };
  if (settings.type === 'azure-openai') {
    return new sdk.AzureOpenAI({
      ...common,
      apiKey: settings.apiKey,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : { baseURL: settings.baseURL }),
      deployment: settings.deployment,
      apiVersion: settings.apiVersion,
    }) as OpenAIClient;
  }
  return new sdk.OpenAI({
    ...common,
    // OpenAI-compatible servers without keys still get a header; the SDK insists on one.
    apiKey: settings.apiKey ?? 'no-key',
    baseURL: settings.baseURL ?? 'https://api.openai.com/v1',
  });
}

class MalformedReply extends Error {}

async function send(openai: OpenAIClient, body: Record<string, unknown>, signal: AbortSignal): Promise<SdkReply> {
  const create = openai.chat.completions.create.bind(openai.chat.completions) as (
    body: unknown,
    options: { signal: AbortSignal },
  ) => { withResponse(): Promise<{ data: unknown; response: Response }> };
  const { data, response } = await create(body, { signal }).withResponse();
  const reply = (fields: Pick<SdkReply, 'text' | 'usage' | 'finishReason' | 'toolCalls'>): SdkReply => ({ ...fields, status: response.status, headers: headerRecord(response.headers) });
  if (body['stream'] === true) {
    let text = '';
    let usage: UsageInput | undefined;
    let finishReason: string | undefined;
    // Tool calls arrive in pieces, by index: the id and name first, the arguments in fragments.
    const calls: { id: string; name: string; arguments: string }[] = [];
    for await (const chunk of data as AsyncIterable<ChunkShape>) {
      const choice = chunk.choices?.[0];
      if (choice?.delta?.content) text += choice.delta.content;
      for (const piece of choice?.delta?.tool_calls ?? []) {
        const call = (calls[piece.index ?? calls.length] ??= { id: '', name: '', arguments: '' });
        if (piece.id) call.id = piece.id;
        if (piece.function?.name) call.name += piece.function.name;
        if (piece.function?.arguments) call.arguments += piece.function.arguments;
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = usageOf(chunk.usage);
    }
    // The SDK ends a stream quietly when its signal aborts: that is a timeout or a cancel, not a reply.
    if (signal.aborted) throw signal.reason;
    if (finishReason === undefined) throw new MalformedReply('the stream ended before the reply was complete');
    return reply({ text, usage, finishReason, toolCalls: toolCallsOf(calls.filter((call) => call !== undefined).map((call) => ({ id: call.id, function: call }))) });
  }
  const completion = data as CompletionShape | string | null | undefined;
  if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) {
    throw new MalformedReply(`the reply is not a chat completion (${typeof completion === 'string' ? 'text' : typeof completion})`);
  }
  const choice = completion.choices[0];
  const content = choice?.message?.content;
  if (choice === undefined || (content !== null && content !== undefined && typeof content !== 'string')) {
    throw new MalformedReply('the reply has no message');
  }
  const usage = completion.usage ? usageOf(completion.usage) : undefined;
  const toolCalls = toolCallsOf(choice.message?.tool_calls);
  if (typeof content !== 'string' && choice.message?.refusal && !toolCalls) return reply({ text: '', usage, finishReason: 'refusal' });
  return reply({ text: content ?? '', usage, finishReason: choice.finish_reason ?? undefined, toolCalls });
}

/** The function calls of a reply, each with an id, a name and its arguments text; undefined when none. */
function toolCallsOf(calls: readonly ToolCallShape[] | null | undefined): ModelToolCall[] | undefined {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  return calls.map((call, i) => {
    const name = call.function?.name;
    if (typeof name !== 'string' || name === '') throw new MalformedReply(`tool call ${i + 1} has no function name`);
    const args = call.function?.arguments;
    // Some servers send the arguments as an object rather than JSON text.
    const text = typeof args === 'string' ? args : args === undefined || args === null ? '{}' : JSON.stringify(args);
    // A server that gives no id still needs one for the tool message to refer to.
    return { id: typeof call.id === 'string' && call.id !== '' ? call.id : `call_${i + 1}`, name, arguments: text };
  });
}

function headerRecord(headers: { forEach(callback: (value: string, name: string) => void): void } | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  headers?.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}

/** What an error thrown by the SDK (or by reading its reply) says happened. */
export function describeFailure(error: unknown): SdkFailure {
  if (error instanceof MalformedReply) return { kind: 'malformed', message: error.message };
  if (error instanceof SyntaxError) return { kind: 'malformed', message: 'the body is not valid JSON' };
  const e = error as { status?: unknown; headers?: unknown; error?: unknown; message?: unknown; constructor?: { name?: string } } | null | undefined;
  const name = e?.constructor?.name ?? '';
  if (name === 'APIConnectionTimeoutError') return { kind: 'timeout', message: 'no response' };
  if (name === 'APIConnectionError') {
    // fetch's TypeError('fetch failed') wraps the socket error that has the code (ECONNREFUSED).
    let cause = (error as { cause?: unknown }).cause as { message?: string; code?: string; cause?: unknown } | undefined;
    let detail = cause?.message;
    for (let depth = 0; cause && depth < 4; depth++, cause = cause.cause as typeof cause) {
      if (typeof cause.code === 'string') {
        detail = cause.code;
        break;
      }
    }
    return { kind: 'network', message: detail ?? 'connection failed' };
  }
  if (typeof e?.status === 'number') {
    const message = providerMessageOf(e.error) ?? (typeof e.message === 'string' ? e.message.replace(/^\d{3}\s*/, '') : '');
    return { kind: 'status', status: e.status, message, headers: headerRecord(e.headers as Parameters<typeof headerRecord>[0]) };
  }
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

interface ToolCallShape {
  id?: string | null;
  function?: { name?: string | null; arguments?: unknown } | null;
}

interface ChunkShape {
  choices?: {
    delta?: { content?: string | null; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] | null };
    finish_reason?: string | null;
  }[];
  usage?: UsageShape | null;
}

interface UsageShape {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

interface CompletionShape {
  choices: { message?: { content?: unknown; refusal?: string | null; tool_calls?: ToolCallShape[] | null }; finish_reason?: string | null }[];
  usage?: UsageShape | null;
}

function usageOf(usage: UsageShape): UsageInput | undefined {
  if (typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(cached ? { cachedInputTokens: cached } : {}),
    ...(reasoning ? { reasoningTokens: reasoning } : {}),
  };
}

/** The provider's own error message from an error body (`{ error: { message } }` or `{ message }`). */
function providerMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return typeof body === 'string' && body !== '' ? body : undefined;
  const inner = (body as { error?: unknown }).error;
  const source = typeof inner === 'object' && inner !== null ? inner : body;
  const message = (source as { message?: unknown }).message;
  return typeof message === 'string' && message !== '' ? message : undefined;
}
