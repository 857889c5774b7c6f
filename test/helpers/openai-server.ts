/**
 * A local OpenAI-compatible chat-completions server for tests and benchmarks: node:http on
 * 127.0.0.1, a random port, no traffic beyond loopback. Each request gets a scripted behaviour
 * (a reply, an error status, a 429 with Retry-After, a malformed body, a hang, a dropped
 * connection, a stream), taken from `script` by request number or from `respond`; the default
 * echoes the last user message. It can also enforce an API key and a requests-per-minute limit
 * (a token bucket that answers 429 with Retry-After and OpenAI's x-ratelimit-* headers).
 *
 * It also has the Batch API: `/files` (multipart upload, content download) and `/batches`
 * (create, retrieve, list, cancel). A batch completes after a number of looks at it
 * (`batches.completeAfterPolls`), or when the test says (`batches.manual`, completeBatches()),
 * never on a timer; its lines are answered as `batches.respond` says (some may fail), and it may
 * end expired instead, having answered only some. Requests in batches are counted by `custom_id`
 * (`batchStats`), so a test sees a request paid for twice. Batch traffic is not in `requests`
 * or `stats`, which count chat completions sent online.
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
  /** How the Batch API's batches behave. */
  readonly batches?: BatchBehaviour;
}

/** How the server's batches run. */
export interface BatchBehaviour {
  /** Looks at a batch (retrieves) before it ends. @default 1 */
  readonly completeAfterPolls?: number;
  /**
   * For benchmarks only (tests wait for events, not time): a batch also ends no sooner than this
   * long after it was created, as a provider's batch takes its time.
   */
  readonly completeAfterMs?: number;
  /** Batches stay in_progress until completeBatches() (from then on, each ends at its next look). */
  readonly manual?: boolean;
  /** How each line is answered: a reply (the output file) or an error (the error file). @default the echo reply */
  readonly respond?: (line: BatchLine) => Extract<Behaviour, { kind: 'reply' | 'error' }>;
  /**
   * Creates the batch but never answers the request that asked for it (the answer lost on the way),
   * for the creations it returns true for (`n`: 1 for the first batch).
   */
  readonly hangCreate?: (n: number) => boolean;
  /** How a batch ends: `completed`, or `expired` having answered only its first `answered` lines. @default completed */
  readonly end?: (batch: ServerBatch) => { readonly status: 'completed' } | { readonly status: 'expired'; readonly answered: number };
}

/** One line of a batch input file, as the server read it. */
export interface BatchLine {
  readonly customId: string;
  readonly body: Record<string, unknown>;
  readonly lastUser: string;
}

/** A batch as the server holds it. */
export interface ServerBatch {
  readonly id: string;
  readonly inputFileId: string;
  readonly lines: readonly BatchLine[];
  status: string;
  polls: number;
  /** performance.now() when it was created. */
  readonly createdMs: number;
  outputFileId: string | null;
  errorFileId: string | null;
  completed: number;
  failed: number;
  readonly metadata: Record<string, string>;
}

export interface BatchStats {
  /** Files uploaded, batches created, lines answered (output or error), batches cancelled. */
  files: number;
  batches: number;
  answered: number;
  cancelled: number;
  /** How many batches each custom_id was submitted in: a request paid for twice shows as 2. */
  readonly submitted: Map<string, number>;
  /** Every request to the Batch API: method and URL (path and query). */
  readonly calls: string[];
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
  /** The Batch API's batches, in the order they were created. */
  readonly batches: ServerBatch[];
  readonly batchStats: BatchStats;
  /** With `batches.manual`: from now on, every batch ends at its next look. */
  completeBatches(): void;
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

  // ── the Batch API ──
  const files = new Map<string, { name: string; content: string }>();
  const batches: ServerBatch[] = [];
  const batchStats: BatchStats = { files: 0, batches: 0, answered: 0, cancelled: 0, submitted: new Map(), calls: [] };
  let released = false;
  const batchBehaviour = options.batches ?? {};

  const batchObject = (batch: ServerBatch) => ({
    id: batch.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: null,
    input_file_id: batch.inputFileId,
    completion_window: '24h',
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: 0,
    request_counts: { total: batch.lines.length, completed: batch.completed, failed: batch.failed },
    metadata: batch.metadata,
  });

  const newFile = (name: string, content: string) => {
    const id = `file-${files.size + 1}`;
    files.set(id, { name, content });
    return id;
  };

  /** Answers a batch's lines (the first `answered` of them) into its output and error files. */
  const finish = (batch: ServerBatch, status: string, answered: number) => {
    const output: string[] = [];
    const errors: string[] = [];
    for (const [i, line] of batch.lines.entries()) {
      if (i >= answered) break;
      batchStats.answered++;
      const behaviour = batchBehaviour.respond?.(line) ?? { kind: 'reply' };
      if (behaviour.kind === 'error') {
        batch.failed++;
        errors.push(JSON.stringify({ id: `batch_req_${i}`, custom_id: line.customId, response: { status_code: behaviour.status, request_id: `req_${i}`, body: { error: { message: behaviour.message ?? `error ${behaviour.status}`, type: 'server_error' } } }, error: null }));
        continue;
      }
      batch.completed++;
      const text = behaviour.text ?? line.lastUser;
      const usage = behaviour.usage === false ? undefined : (behaviour.usage ?? usageFor((line.body['messages'] ?? []) as never[], text));
      const calls = behaviour.toolCalls?.map((call, j) => ({ id: call.id ?? `call_${i}_${j}`, type: 'function', function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}) } }));
      const body = {
        id: `chatcmpl-b${i}`,
        object: 'chat.completion',
        created: 0,
        model: String(line.body['model'] ?? 'test-model'),
        choices: [{ index: 0, message: { role: 'assistant', content: calls && text === '' ? null : text, refusal: null, ...(calls && { tool_calls: calls }) }, finish_reason: behaviour.finishReason ?? (calls ? 'tool_calls' : 'stop'), logprobs: null }],
        ...(usage && { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
      };
      output.push(JSON.stringify({ id: `batch_req_${i}`, custom_id: line.customId, response: { status_code: 200, request_id: `req_${i}`, body }, error: null }));
    }
    if (output.length > 0) batch.outputFileId = newFile(`${batch.id}_output.jsonl`, output.join('\n') + '\n');
    if (errors.length > 0) batch.errorFileId = newFile(`${batch.id}_error.jsonl`, errors.join('\n') + '\n');
    batch.status = status;
  };

  const look = (batch: ServerBatch) => {
    batch.polls++;
    if (batch.status === 'cancelling') return finish(batch, 'cancelled', 0);
    if (batch.status !== 'validating' && batch.status !== 'in_progress') return;
    const due =
      (batchBehaviour.manual ? released : batch.polls >= (batchBehaviour.completeAfterPolls ?? 1)) &&
      performance.now() - batch.createdMs >= (batchBehaviour.completeAfterMs ?? 0);
    if (!due) {
      batch.status = 'in_progress';
      return;
    }
    const end = batchBehaviour.end?.(batch) ?? { status: 'completed' };
    finish(batch, end.status, end.status === 'expired' ? end.answered : batch.lines.length);
  };

  /** A request to the Batch API (true), or not one (false). */
  const handleBatchApi = (req: IncomingMessage, res: ServerResponse, raw: Buffer): boolean => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/openai/, '').replace(/^\/v1/, '');
    if (!/^\/(files|batches)(\/|$)/.test(path)) return false;
    if (options.keepRequests !== false) batchStats.calls.push(`${req.method ?? 'GET'} ${req.url ?? '/'}`);
    if (options.apiKey !== undefined) {
      const given = (req.headers['authorization'] as string | undefined)?.replace(/^Bearer\s+/i, '') ?? (req.headers['api-key'] as string | undefined) ?? '';
      if (given !== options.apiKey) {
        send(res, 401, { error: { message: `Incorrect API key provided: ${given}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });
        return true;
      }
    }
    const method = req.method ?? 'GET';
    const notFound = () => send(res, 404, { error: { message: `No such object: ${path}`, type: 'invalid_request_error' } });
    if (method === 'POST' && path === '/files') {
      const upload = multipartFile(String(req.headers['content-type'] ?? ''), raw);
      if (!upload) {
        send(res, 400, { error: { message: 'expected a multipart upload with a file', type: 'invalid_request_error' } });
        return true;
      }
      batchStats.files++;
      const id = newFile(upload.name, upload.content);
      send(res, 200, { id, object: 'file', bytes: Buffer.byteLength(upload.content), created_at: 0, filename: upload.name, purpose: 'batch', status: 'processed' });
      return true;
    }
    const content = /^\/files\/([^/]+)\/content$/.exec(path);
    if (method === 'GET' && content) {
      const file = files.get(content[1]!);
      if (!file) return (notFound(), true);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(file.content) });
      res.end(file.content);
      return true;
    }
    if (method === 'POST' && path === '/batches') {
      let body: { input_file_id?: string; metadata?: Record<string, string> } = {};
      try {
        body = JSON.parse(raw.toString('utf8')) as typeof body;
      } catch {
        // An empty body names no file: 400 below.
      }
      const file = body.input_file_id ? files.get(body.input_file_id) : undefined;
      if (!file) {
        send(res, 400, { error: { message: `No such file: ${body.input_file_id}`, type: 'invalid_request_error' } });
        return true;
      }
      const lines: BatchLine[] = file.content
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const parsed = JSON.parse(line) as { custom_id: string; body: Record<string, unknown> };
          const messages = Array.isArray(parsed.body['messages']) ? (parsed.body['messages'] as { role?: unknown; content?: unknown }[]) : [];
          const lastUser = [...messages].reverse().find((m) => m.role === 'user');
          return { customId: parsed.custom_id, body: parsed.body, lastUser: typeof lastUser?.content === 'string' ? lastUser.content : '' };
        });
      for (const line of lines) batchStats.submitted.set(line.customId, (batchStats.submitted.get(line.customId) ?? 0) + 1);
      batchStats.batches++;
      const batch: ServerBatch = { id: `batch_${batches.length + 1}`, inputFileId: body.input_file_id!, lines, status: 'validating', polls: 0, createdMs: performance.now(), outputFileId: null, errorFileId: null, completed: 0, failed: 0, metadata: body.metadata ?? {} };
      batches.push(batch);
      if (batchBehaviour.hangCreate?.(batches.length)) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return true;
      }
      send(res, 200, batchObject(batch));
      return true;
    }
    if (method === 'GET' && path === '/batches') {
      send(res, 200, { object: 'list', data: [...batches].reverse().map(batchObject), has_more: false, first_id: null, last_id: null });
      return true;
    }
    const one = /^\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    const batch = one ? batches.find((b) => b.id === one[1]) : undefined;
    if (!one || !batch) return (notFound(), true);
    if (method === 'POST' && one[2]) {
      if (batch.status === 'validating' || batch.status === 'in_progress') {
        batch.status = 'cancelling';
        batchStats.cancelled++;
      }
      send(res, 200, batchObject(batch));
      return true;
    }
    if (method === 'GET' && !one[2]) {
      look(batch);
      send(res, 200, batchObject(batch));
      return true;
    }
    notFound();
    return true;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (!handleBatchApi(req, res, raw)) handle(req, res, raw.toString('utf8'));
    });
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
    batches,
    batchStats,
    completeBatches() {
      released = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The file of a multipart/form-data upload (the SDK's `files.create`): its name and text. */
function multipartFile(contentType: string, raw: Buffer): { name: string; content: string } | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return undefined;
  const text = raw.toString('utf8');
  for (const part of text.split(`--${boundary[1] ?? boundary[2]}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (!/name="file"/.test(head)) continue;
    const name = /filename="([^"]*)"/.exec(head)?.[1] ?? 'upload.jsonl';
    return { name, content: part.slice(split + 4).replace(/\r\n$/, '') };
  }
  return undefined;
}
