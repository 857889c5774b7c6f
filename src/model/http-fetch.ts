import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

type FetchInput = string | URL | { url: string };

/**
 * A `fetch` for the openai SDK built on node:http with keep-alive sockets. Node 20's built-in
 * fetch spends several times more CPU per request: at a hundred requests in flight it, not the
 * server, becomes the limit (see docs/performance.md). Anything it does not handle (a body that is
 * not a string or bytes) goes to the built-in fetch.
 *
 * Event streams are handed over as a real `Response` over the socket. Every other answer is read
 * whole first and handed over as a {@link BufferedResponse}: building a web `Response` and its
 * `Headers` costs about as much CPU as the rest of the request, and the SDK reads such a body whole
 * anyway.
 */
export function createHttpFetch(): typeof fetch {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const httpFetch = (input: FetchInput, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const body = init.body;
    const protocol = url.protocol as keyof typeof agents;
    if (!(protocol in agents) || (body != null && typeof body !== 'string' && !(body instanceof Uint8Array))) {
      return fetch(input as string, init);
    }
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      const given = init.headers;
      // The SDK passes a Headers; copying it into another one first would double the work.
      (given instanceof Headers ? given : new Headers(given)).forEach((value, key) => {
        headers[key] = value;
      });
      if (body != null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      const signal = init.signal ?? undefined;
      const failed = (error: unknown) => {
        // The same shape as the built-in fetch's failures, so error handling needs no second path.
        reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
      };
      const request = (protocol === 'https:' ? https : http).request(
        {
          protocol,
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'GET',
          headers,
          agent: agents[protocol],
          ...(signal && { signal }),
        },
        (response) => {
          const status = response.statusCode ?? 500;
          const statusText = response.statusMessage ?? '';
          const raw = response.rawHeaders;
          const contentType = response.headers['content-type'] ?? '';
          if (contentType.startsWith('text/event-stream')) {
            const responseHeaders = new Headers();
            for (let i = 0; i < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
            resolve(new Response(Readable.toWeb(response) as ReadableStream<Uint8Array>, { status, statusText, headers: responseHeaders }));
            return;
          }
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', failed);
          response.on('end', () => {
            const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            resolve(new BufferedResponse(status, statusText, new HeaderList(raw), bytes, url.href) as unknown as Response);
          });
        },
      );
      request.on('error', failed);
      request.end(body ?? undefined);
    });
  };
  return httpFetch as typeof fetch;
}

/** Response headers, read-only, with the `Headers` methods the SDK and tagliots use. Names are lower case; repeated headers are joined with ", ". */
export class HeaderList {
  private readonly values = new Map<string, string>();

  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const previous = this.values.get(name);
      this.values.set(name, previous === undefined ? raw[i + 1]! : `${previous}, ${raw[i + 1]!}`);
    }
  }

  get(name: string): string | null {
    return this.values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string, headers: HeaderList) => void): void {
    for (const [name, value] of this.values) callback(value, name, this);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  keys(): IterableIterator<string> {
    return this.values.keys();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}

/** A whole, already received answer with the parts of the `Response` interface the SDK reads. */
export class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  private used = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: HeaderList,
    private readonly bytes: Buffer,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  /** A stream of the bytes (the SDK cancels it when it discards an answer). */
  get body(): ReadableStream<Uint8Array> {
    const bytes = this.bytes;
    return new ReadableStream({
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        controller.close();
      },
    });
  }

  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.consume().toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  private consume(): Buffer {
    if (this.used) throw new TypeError('Body is unusable: Body has already been read');
    this.used = true;
    return this.bytes;
  }
}
