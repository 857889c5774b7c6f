import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch } from './http-fetch.ts';

let server: Server;
let origin = '';
const received: { method: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', headers: req.headers, body });
      switch (req.url) {
        case '/json':
          res.writeHead(200, [
            ['Content-Type', 'application/json'],
            ['X-Ratelimit-Remaining-Requests', '41'],
            ['Set-Thing', 'a'],
            ['Set-Thing', 'b'],
          ]);
          res.end(JSON.stringify({ echo: body }));
          return;
        case '/error':
          res.writeHead(429, 'Too Many Requests', { 'content-type': 'application/json', 'retry-after': '2' });
          res.end('{"error":{"message":"slow down"}}');
          return;
        case '/stream':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          setTimeout(() => res.end('data: [DONE]\n\n'), 20);
          return;
        case '/cut':
          // Promises 100 bytes, sends 10, then drops the connection.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"partial"');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        case '/slow':
          setTimeout(() => res.end('{}'), 5000);
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createHttpFetch', () => {
  const httpFetch = createHttpFetch();

  it('sends method, headers and body, and reads a whole JSON answer with its headers', async () => {
    const response = await httpFetch(`${origin}/json`, { method: 'POST', headers: new Headers({ 'x-one': '1', authorization: 'Bearer k' }), body: '{"q":1}' });
    expect(received.at(-1)).toMatchObject({ method: 'POST', body: '{"q":1}', headers: { 'x-one': '1', authorization: 'Bearer k', 'content-length': '7' } });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${origin}/json`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('X-RateLimit-Remaining-Requests')).toBe('41');
    expect(response.headers.get('set-thing')).toBe('a, b');
    expect(response.headers.get('absent')).toBeNull();
    expect([...response.headers.entries()].map(([name]) => name)).toContain('x-ratelimit-remaining-requests');
    expect(response.bodyUsed).toBe(false);
    expect(await response.json()).toEqual({ echo: '{"q":1}' });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(/already been read/);
  });

  it('takes headers as a plain object too', async () => {
    await (await httpFetch(`${origin}/json`, { headers: { 'x-two': '2' } })).text();
    expect(received.at(-1)!.headers).toMatchObject({ 'x-two': '2' });
  });

  it('reads an error answer the same way', async () => {
    const response = await httpFetch(`${origin}/error`, { method: 'POST', body: '{}' });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(429);
    expect(response.statusText).toBe('Too Many Requests');
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.text()).toBe('{"error":{"message":"slow down"}}');
  });

  it('gives the bytes of a whole answer as a stream as well', async () => {
    const response = await httpFetch(`${origin}/json`, { method: 'POST', body: new TextEncoder().encode('x') });
    expect(await new Response(response.body).text()).toBe('{"echo":"x"}');
  });

  it('hands an event stream over as it arrives, as a real Response', async () => {
    const response = await httpFetch(`${origin}/stream`);
    expect(response).toBeInstanceOf(Response);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: 1\n\ndata: [DONE]\n\n');
  });

  it('fails like fetch when the connection drops in the middle of an answer', async () => {
    const error = await httpFetch(`${origin}/cut`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
  });

  it('fails like fetch when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await httpFetch(`http://127.0.0.1:${port}/json`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });

  it('rejects with the signal\'s reason when aborted', async () => {
    const controller = new AbortController();
    const pending = httpFetch(`${origin}/slow`, { signal: controller.signal });
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });
});
