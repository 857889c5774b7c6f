/**
 * One chat-completions request through the official `openai` SDK on its own HTTP stack (Node's
 * `fetch`, which keeps connections alive). When the environment names a proxy for the server's
 * scheme (`HTTPS_PROXY`, `HTTP_PROXY`) and `NO_PROXY` does not list its host, the requests go
 * through that proxy, by an `undici` ProxyAgent. The reply, or what went wrong, comes back as plain
 * data ({@link SdkOutcome}).
 *
 * This module decides nothing about retrying; the wrappers in call.ts do, from the outcome.
 */
import type { Dispatcher } from 'undici';
import type { ModelToolCall, ProviderType, UsageInput } from './types.ts';

type OpenAIModule = typeof import('openai');
type OpenAIClient = InstanceType<OpenAIModule['OpenAI']>;

let openaiModule: Promise<OpenAIModule> | undefined;
/** The SDK is imported on the first call, so commands that never call a model never load it. */
export const loadOpenAI = (): Promise<OpenAIModule> => (openaiModule ??= import('openai'));
/** Loads the SDK now, without waiting, so the first request does not wait for it; a failure to load shows on that request. */
export function warmSdk(): void {
  void loadOpenAI().catch(() => undefined);
}

/** The proxies requests go through, as the environment names them (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). */
export interface ProxySettings {
  readonly httpsProxy?: string | undefined;
  readonly httpProxy?: string | undefined;
  readonly noProxy?: string | undefined;
}

/**
 * The proxy settings of an environment. The lower-case names win over the upper-case ones, as in
 * curl and undici; empty values count as unset.
 */
export function proxySettingsFrom(env: Readonly<Record<string, string | undefined>>): ProxySettings {
  const pick = (name: string) => (env[name.toLowerCase()] || env[name]) || undefined;
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY');
  const noProxy = pick('NO_PROXY');
  return { ...(httpProxy && { httpProxy }), ...(httpsProxy && { httpsProxy }), ...(noProxy && { noProxy }) };
}

/** What an SDK client is made from: the profile's connection settings, its key and the proxies. */
export interface ClientSettings {
  readonly type: ProviderType;
  readonly apiKey: string | undefined;
  readonly baseURL?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly deployment?: string | undefined;
  readonly apiVersion?: string | undefined;
  /** The profile's per-attempt timeout; the SDK's own is a backstop behind it. */
  readonly timeoutMs: number;
  /** Default: no proxy. */
  readonly proxy?: ProxySettings | undefined;
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

/** A sender whose requests use one SDK client (and one connection pool), made on the first request. */
export function createSdkSender(settings: ClientSettings): SdkSender {
  let client: Promise<OpenAIClient> | undefined;
  const getClient = () => (client ??= Promise.all([loadOpenAI(), dispatcherOf(settings)]).then(([sdk, dispatcher]) => newClient(sdk, settings, dispatcher)));
  return async (body, signal) => {
    try {
      const reply = await send(await getClient(), body, signal);
      return { ok: true, reply };
    } catch (error) {
      return { ok: false, failure: signal.aborted ? { kind: 'aborted', message: 'cancelled' } : describeFailure(error) };
    }
  };
}

/**
 * The proxy for requests to `url`, or undefined to connect directly: `httpsProxy` for an https
 * server, `httpProxy` for an http one, unless `noProxy` lists the host. `noProxy` is a comma- or
 * space-separated list of host names (each also matching its subdomains; a leading `.` or `*.` is
 * allowed), optionally with `:port`, or `*` for every host.
 */
export function proxyFor(url: URL, proxy: ProxySettings | undefined): string | undefined {
  const chosen = url.protocol === 'https:' ? proxy?.httpsProxy : url.protocol === 'http:' ? proxy?.httpProxy : undefined;
  if (!chosen) return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of (proxy?.noProxy ?? '').split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return undefined;
    const match = /^(?:\*?\.)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!match) continue;
    const name = match[1]!.replace(/^\[(.*)\]$/, '$1');
    if (match[2] !== undefined && match[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return chosen;
}

/**
 * The dispatcher of a client's requests: a proxy's, or undefined for fetch's own (direct, keep-alive)
 * connection pool. A client only ever talks to its one server, so whether a proxy applies is
 * decided once, here. Settings come from the run's environment (not the process's), so a library
 * caller decides. undici is loaded only for a proxy: it costs ~60 ms of start-up, and fetch
 * connects directly as well without it.
 */
async function dispatcherOf(settings: ClientSettings): Promise<Dispatcher | undefined> {
  const server = new URL(settings.type === 'azure-openai' ? (settings.endpoint ?? settings.baseURL ?? 'https://invalid') : (settings.baseURL ?? 'https://api.openai.com/v1'));
  const proxy = proxyFor(server, settings.proxy);
  if (!proxy) return undefined;
  // A CommonJS package: its exports are the default export, in the bundle and out of it.
  const { ProxyAgent } = (await import('undici')).default;
  return new ProxyAgent({ uri: proxy });
}

/** An SDK client for `settings` (its own connection pool), for the other APIs a profile uses (the Batch API's files and batches). */
export async function sdkClient(settings: ClientSettings): Promise<OpenAIClient> {
  const [sdk, dispatcher] = await Promise.all([loadOpenAI(), dispatcherOf(settings)]);
  return newClient(sdk, settings, dispatcher);
}

function newClient(sdk: OpenAIModule, settings: ClientSettings, dispatcher: Dispatcher | undefined): OpenAIClient {
  const common = {
    // Our own retries record every attempt; the SDK's would be invisible.
    maxRetries: 0,
    // A backstop: each attempt is aborted by its own timer first.
    timeout: settings.timeoutMs + 5000,
    // The SDK's debug log would print requests: never.
    logLevel: 'off' as const,
    // Node's fetch takes an undici dispatcher in its init.
    ...(dispatcher && { fetchOptions: { dispatcher } as Record<string, unknown> }),
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
  return reply(completionReply(data));
}

/**
 * What a (non-streamed) chat completion says: its text, tool calls, usage and finish reason. Throws
 * when it is not a usable chat completion (describeFailure() calls that `malformed`). The Batch API's
 * output lines hold the same bodies.
 */
export function completionReply(data: unknown): Pick<SdkReply, 'text' | 'usage' | 'finishReason' | 'toolCalls'> {
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
  if (typeof content !== 'string' && choice.message?.refusal && !toolCalls) return { text: '', usage, finishReason: 'refusal' };
  return { text: content ?? '', usage, finishReason: choice.finish_reason ?? undefined, toolCalls };
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
