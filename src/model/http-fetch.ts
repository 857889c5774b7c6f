import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

type FetchInput = string | URL | { url: string };

/**
 * A `fetch` for the openai SDK built on node:http with keep-alive sockets. Node 20's built-in
 * fetch spends several times more CPU per request: at a hundred requests in flight it, not the
 * server, becomes the limit (see docs/performance.md). Anything it does not handle (a body that is
 * not a string or bytes) goes to the built-in fetch.
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
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      if (body != null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      const request = (protocol === 'https:' ? https : http).request(
        {
          protocol,
          hostname: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'GET',
          headers,
          agent: agents[protocol],
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (response) => {
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(response.headers)) {
            if (value !== undefined) responseHeaders.set(key, Array.isArray(value) ? value.join(', ') : value);
          }
          const status = response.statusCode ?? 500;
          const stream = status === 204 || status === 304 || init.method === 'HEAD' ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status, statusText: response.statusMessage ?? '', headers: responseHeaders }));
        },
      );
      request.on('error', (error) => {
        // The same shape as the built-in fetch's failures, so error handling needs no second path.
        reject(init.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause: error }));
      });
      request.end(body ?? undefined);
    });
  };
  return httpFetch as typeof fetch;
}
