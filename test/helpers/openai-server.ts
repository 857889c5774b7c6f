/**
 * A local OpenAI-compatible chat-completions server for tests and benchmarks: node:http on
 * 127.0.0.1, a random port, no traffic beyond loopback. Each request gets a scripted behaviour
 * (a reply, an error status, a 429 with Retry-After, a malformed body, a hang, a dropped
 * connection, a stream), taken from `script` by request number or from `respond`; the default
 * echoes the last user message. It can also enforce an API key and a requests-per-minute limit
 * (a token bucket that answers 429 with Retry-After and OpenAI's x-ratelimit-* headers).
 *
 * Used by vitest (import it) and by scripts/bench.mjs (which bundles it with esbuild), so it
 * imports nothing but Node.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ServerUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly prompt_tokens_details?: { readonly cached_tokens: number };
  readonly completion_tokens_details?: { readonly reasoning_tokens: number };
}

/** What to do with one request. */
export type Behaviour =
  /**
   * A chat completion with this text. `usage: false` leaves usage out (as some servers do).
   * `toolCalls` asks for tools (several: parallel calls); the text then defaults to none and the
   * finish reason to `tool_calls`.
   */
  | {
      readonly kind: 'reply';
      readonly text?: string;
      readonly usage?: ServerUsage | false;
      readonly delayMs?: number;
      readonly finishReason?: string;
      readonly toolCalls?: readonly ServerToolCall[];
    }
  /** An error status with an OpenAI-style error body. */
  | { readonly kind: 'error'; readonly status: number; readonly message?: string; readonly headers?: Readonly<Record<string, string>> }
  /** 429 with Retry-After (seconds, or an HTTP date with `retryAfterDate`) and/or retry-after-ms. */
  | { readonly kind: 'rate-limit'; readonly retryAfterS?: number; readonly retryAfterMs?: number; readonly retryAfterDate?: string; readonly resetRequests?: string }
  /** 200 with a JSON content type and a body that is not JSON. */
  | { readonly kind: 'malformed' }
  /** Never answers (until the client gives up and closes the connection). */
  | { readonly kind: 'hang' }
  /** Closes the connection without an answer. */
  | { readonly kind: 'drop' }
  /** For streaming requests: sends the first delta, then hangs. */
  | { readonly kind: 'stream-hang' };

/** A tool call the server answers with; `arguments` is sent as it is when a string, else as JSON. */
export interface ServerToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments?: unknown;
}

export interface ReceivedRequest {
  /** 0 for the first request the server got. */
  readonly n: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Record<string, unknown>;
  /** The content of the last user message. */
  readonly lastUser: string;
}

export interface OpenAIServerOptions {
  /** Behaviours by request number; requests past the end (or `undefined` entries) use `respond`. */
  readonly script?: readonly (Behaviour | undefined)[];
  /** The behaviour for requests the script does not cover. Default: reply with the last user message. */
  readonly respond?: (request: ReceivedRequest) => Behaviour;
  /** Added before every answer, in milliseconds. */
  readonly latencyMs?: number;
  /** Requests without `Authorization: Bearer <apiKey>` (or `api-key: <apiKey>`) get a 401 that quotes the key given, as OpenAI's does. */
  readonly apiKey?: string;
  /**
   * At most this many requests a minute (token bucket, `burst` deep: default one second's worth);
   * others get 429 with Retry-After. `headers: false` leaves out the x-ratelimit-* headers OpenAI
   * sends with every answer, so a client learns of the limit from 429s alone.
   */
  readonly rateLimit?: { readonly perMinute: number; readonly burst?: number; readonly headers?: boolean };
  /** Keep the received requests (default true; benchmarks turn it off). */
  readonly keepRequests?: boolean;
  /**
   * Successful replies (streamed or not) end with the request's headers, the API key among them, as
   * JSON and URL-encoded: what a debugging proxy or a misconfigured gateway may send back.
   */
  readonly echoHeaders?: boolean;
}

export interface ServerStats {
  requests: number;
  ok: number;
  rateLimited: number;
  errors: number;
  /** performance.now() of the first and last successful answer. */
  firstOkMs: number | null;
  lastOkMs: number | null;
}

export interface OpenAIServer {
  /** Base URL for the SDK, ending in /v1. */
  readonly url: string;
  /** The Azure-style endpoint (https://<resource>.openai.azure.com/ stands for it). */
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  readonly stats: ServerStats;
  close(): Promise<void>;
}

/** The request headers as an echoing server appends them to a reply. */
function echoOf(headers: ReceivedRequest['headers']): string {
  const query = Object.entries(headers)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `\n\nrequest headers: ${JSON.stringify(headers)}\nas a query: ${query}`;
}

/** Token counts the server reports: one token per 4 characters, at least 1. */
function usageFor(messages: readonly { content?: unknown }[], text: string): ServerUsage {
  let chars = 0;
  for (const message of messages) chars += typeof message.content === 'string' ? message.content.length : 0;
  return { prompt_tokens: Math.max(1, Math.ceil(chars / 4)), completion_tokens: Math.max(1, Math.ceil(text.length / 4)) };
}

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const requests: ReceivedRequest[] = [];
  const stats: ServerStats = { requests: 0, ok: 0, rateLimited: 0, errors: 0, firstOkMs: null, lastOkMs: null };
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const limit = options.rateLimit;
  const rate = limit ? limit.perMinute / 60_000 : 0;
  const capacity = limit ? Math.max(1, limit.burst ?? limit.perMinute / 60) : 0;
  let level = capacity;
  let lastRefill = performance.now();
  let counter = 0;

  const rateHeaders = (): Record<string, string> => {
    if (!limit || limit.headers === false) return {};
    const remaining = Math.max(0, Math.floor(level));
    const toFullMs = Math.ceil((capacity - level) / rate);
    return {
      'x-ratelimit-limit-requests': String(limit.perMinute),
      'x-ratelimit-remaining-requests': String(remaining),
      'x-ratelimit-reset-requests': `${Math.max(0, toFullMs)}ms`,
    };
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': `req_${counter}`, ...headers });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const n = counter++;
    stats.requests++;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // Left empty: the behaviour decides.
    }
    const messages = Array.isArray(body['messages']) ? (body['messages'] as { role?: unknown; content?: unknown }[]) : [];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const received: ReceivedRequest = {
      n,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      lastUser: typeof lastUser?.content === 'string' ? lastUser.content : '',
    };
    if (options.keepRequests !== false) requests.push(received);

    if (options.apiKey !== undefined) {
      const given = (req.headers['authorization'] as string | undefined)?.replace(/^Bearer\s+/i, '') ?? (req.headers['api-key'] as string | undefined) ?? '';
      if (given !== options.apiKey) {
        stats.errors++;
        return send(res, 401, { error: { message: `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
    }

    if (limit) {
      const now = performance.now();
      level = Math.min(capacity, level + (now - lastRefill) * rate);
      lastRefill = now;
      if (level < 1) {
        stats.rateLimited++;
        const waitMs = Math.ceil((1 - level) / rate);
        return send(
          res,
          429,
          { error: { message: `Rate limit reached for requests: limit ${limit.perMinute} per minute. Please try again in ${waitMs}ms.`, type: 'requests', code: 'rate_limit_exceeded' } },
          { 'retry-after': String(Math.ceil(waitMs / 1000)), 'retry-after-ms': String(waitMs), ...rateHeaders() },
        );
      }
      level -= 1;
    }

    const behaviour = options.script?.[n] ?? options.respond?.(received) ?? { kind: 'reply' };
    const answer = () => act(behaviour, received, res);
    if (options.latencyMs) setTimeout(answer, options.latencyMs);
    else answer();
  };

  const act = (behaviour: Behaviour, request: ReceivedRequest, res: ServerResponse) => {
    switch (behaviour.kind) {
      case 'reply': {
        const calls = behaviour.toolCalls?.map((call, i) => ({
          id: call.id ?? `call_${request.n}_${i}`,
          type: 'function',
          function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}) },
        }));
        const text = (behaviour.text ?? (calls ? '' : request.lastUser)) + (options.echoHeaders ? echoOf(request.headers) : '');
        const usage = behaviour.usage === false ? undefined : (behaviour.usage ?? usageFor((request.body['messages'] ?? []) as never[], text));
        const finish = behaviour.finishReason ?? (calls ? 'tool_calls' : 'stop');
        const reply = () => {
          stats.ok++;
          const t = performance.now();
          stats.firstOkMs ??= t;
          stats.lastOkMs = t;
          if (request.body['stream'] === true) return stream(res, request, text, usage, finish, false, calls);
          send(
            res,
            200,
            {
              id: `chatcmpl-${request.n}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: String(request.body['model'] ?? 'test-model'),
              choices: [{ index: 0, message: { role: 'assistant', content: calls && text === '' ? null : text, refusal: null, ...(calls && { tool_calls: calls }) }, finish_reason: finish, logprobs: null }],
              ...(usage && { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
            },
            rateHeaders(),
          );
        };
        if (behaviour.delayMs) setTimeout(reply, behaviour.delayMs);
        else reply();
        return;
      }
      case 'error':
        stats.errors++;
        return send(res, behaviour.status, { error: { message: behaviour.message ?? `error ${behaviour.status}`, type: 'server_error', code: null } }, { ...behaviour.headers });
      case 'rate-limit': {
        stats.rateLimited++;
        const headers: Record<string, string> = {};
        if (behaviour.retryAfterS !== undefined) headers['retry-after'] = String(behaviour.retryAfterS);
        if (behaviour.retryAfterDate !== undefined) headers['retry-after'] = behaviour.retryAfterDate;
        if (behaviour.retryAfterMs !== undefined) headers['retry-after-ms'] = String(behaviour.retryAfterMs);
        if (behaviour.resetRequests !== undefined) headers['x-ratelimit-reset-requests'] = behaviour.resetRequests;
        return send(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, headers);
      }
      case 'malformed':
        stats.errors++;
        return send(res, 200, '{"id": "chatcmpl-broken", "choices": [ {"message": ');
      case 'hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'drop':
        stats.errors++;
        res.socket?.destroy();
        return;
      case 'stream-hang':
        return stream(res, request, request.lastUser, undefined, 'stop', true);
    }
  };

  const stream = (
    res: ServerResponse,
    request: ReceivedRequest,
    text: string,
    usage: ServerUsage | undefined,
    finish: string,
    hang: boolean,
    calls?: readonly { id: string; function: { name: string; arguments: string } }[],
  ) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...rateHeaders() });
    const base = { id: `chatcmpl-${request.n}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: String(request.body['model'] ?? 'test-model') };
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
    const third = Math.max(1, Math.ceil(text.length / 3));
    const parts = text === '' ? [''] : [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter((p) => p !== '');
    chunk([{ index: 0, delta: { role: 'assistant', content: parts[0] }, finish_reason: null }]);
    if (hang) {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    for (const part of parts.slice(1)) chunk([{ index: 0, delta: { content: part }, finish_reason: null }]);
    // Tool calls as OpenAI streams them: the id and name first, then the arguments in two pieces.
    for (const [index, call] of (calls ?? []).entries()) {
      const half = Math.ceil(call.function.arguments.length / 2);
      chunk([{ index: 0, delta: { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }]);
      chunk([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: call.function.arguments.slice(0, half) } }] }, finish_reason: null }]);
      chunk([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: call.function.arguments.slice(half) } }] }, finish_reason: null }]);
    }
    chunk([{ index: 0, delta: {}, finish_reason: finish }]);
    const options = request.body['stream_options'] as { include_usage?: boolean } | undefined;
    if (usage && options?.include_usage) chunk([], { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    res.end('data: [DONE]\n\n');
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/v1`,
    origin,
    requests,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
