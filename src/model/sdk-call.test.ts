/**
 * Requests through a proxy: a local forwarding proxy (test/helpers/forward-proxy.ts) that counts
 * what it forwards, in front of the local OpenAI-compatible server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startForwardProxy, type ForwardProxy } from '../../test/helpers/forward-proxy.ts';
import { startOpenAIServer, type OpenAIServer } from '../../test/helpers/openai-server.ts';
import { createSdkSender, proxyFor, proxySettingsFrom, type ProxySettings } from './sdk-call.ts';

const open: (ForwardProxy | OpenAIServer)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const body = (content: string) => ({ model: 'm', messages: [{ role: 'user', content }] });

async function sendThrough(proxy: ProxySettings | undefined, server: OpenAIServer, count: number): Promise<string[]> {
  const send = createSdkSender({ type: 'openai-compatible', apiKey: 'k', baseURL: server.url, timeoutMs: 10_000, proxy });
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const outcome = await send(body(`hello ${i}`), new AbortController().signal);
    if (!outcome.ok) throw new Error(outcome.failure.message);
    texts.push(outcome.reply.text);
  }
  return texts;
}

describe('the local forwarding proxy (test helper)', () => {
  it('forwards absolute-form requests and the requests inside a CONNECT tunnel, counting each', async () => {
    const server = await startOpenAIServer();
    const proxy = await startForwardProxy();
    open.push(server, proxy);
    const payload = JSON.stringify(body('hi'));
    const { ProxyAgent } = await import('undici');
    // Absolute form: the request line names the whole URL (as HTTP/1.1 proxies take plain http).
    const { request } = await import('node:http');
    const absolute = await new Promise<number>((resolve, reject) => {
      const target = new URL(proxy.url);
      const req = request({ host: target.hostname, port: target.port, method: 'POST', path: `${server.url}/chat/completions`, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(payload);
    });
    expect(absolute).toBe(200);
    // Tunnels, as undici's ProxyAgent opens them.
    const agent = new ProxyAgent({ uri: proxy.url });
    for (let i = 0; i < 2; i++) {
      const reply = await fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, dispatcher: agent } as RequestInit);
      expect(reply.status).toBe(200);
      await reply.arrayBuffer();
    }
    await agent.close();
    expect({ requests: proxy.requests, server: server.stats.requests }).toEqual({ requests: 3, server: 3 });
    expect(proxy.tunnels).toBeGreaterThanOrEqual(1);
    expect(new Set(proxy.targets)).toEqual(new Set([new URL(server.url).host]));
  });
});

describe('requests and proxies', () => {
  it('go through HTTP_PROXY to an http server, every one of them', async () => {
    const server = await startOpenAIServer();
    const proxy = await startForwardProxy();
    open.push(server, proxy);
    expect(await sendThrough(proxySettingsFrom({ HTTP_PROXY: proxy.url }), server, 3)).toEqual(['hello 0', 'hello 1', 'hello 2']);
    expect(proxy.requests).toBe(3);
    expect(server.stats.requests).toBe(3);
  });

  it('go straight to the server when NO_PROXY lists it, or when only HTTPS_PROXY is set for an http server', async () => {
    const server = await startOpenAIServer();
    const proxy = await startForwardProxy();
    open.push(server, proxy);
    await sendThrough(proxySettingsFrom({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.1' }), server, 2);
    await sendThrough(proxySettingsFrom({ HTTPS_PROXY: proxy.url }), server, 1);
    await sendThrough(undefined, server, 1);
    expect(proxy.requests).toBe(0);
    expect(server.stats.requests).toBe(4);
  });

  it('report an unreachable proxy as a network error, without the key', async () => {
    const server = await startOpenAIServer();
    open.push(server);
    const send = createSdkSender({ type: 'openai-compatible', apiKey: 'sk-secret', baseURL: server.url, timeoutMs: 10_000, proxy: { httpProxy: 'http://127.0.0.1:1' } });
    const outcome = await send(body('x'), new AbortController().signal);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect(JSON.stringify(outcome)).not.toContain('sk-secret');
    expect(server.stats.requests).toBe(0);
  });
});

describe('proxyFor', () => {
  const proxy: ProxySettings = { httpsProxy: 'http://secure-proxy:3128', httpProxy: 'http://plain-proxy:3128' };
  const via = (url: string, noProxy?: string) => proxyFor(new URL(url), { ...proxy, ...(noProxy !== undefined && { noProxy }) });

  it('picks the proxy of the scheme', () => {
    expect(via('https://api.openai.com/v1')).toBe('http://secure-proxy:3128');
    expect(via('http://10.0.0.5:8000/v1')).toBe('http://plain-proxy:3128');
    expect(proxyFor(new URL('https://api.openai.com'), { httpProxy: 'http://plain-proxy:3128' })).toBeUndefined();
  });

  it('skips the hosts NO_PROXY lists: names with their subdomains, leading dots or *., ports, IPv6, and *', () => {
    expect(via('https://api.openai.com/v1', 'openai.com')).toBeUndefined();
    expect(via('https://api.openai.com/v1', '.openai.com')).toBeUndefined();
    expect(via('https://api.openai.com/v1', '*.openai.com')).toBeUndefined();
    expect(via('https://notopenai.com/v1', 'openai.com')).toBe('http://secure-proxy:3128');
    expect(via('http://localhost:8000/v1', 'localhost:8000')).toBeUndefined();
    expect(via('http://localhost:8001/v1', 'localhost:8000')).toBe('http://plain-proxy:3128');
    expect(via('https://example.azure.com', 'example.azure.com:443')).toBeUndefined();
    expect(via('http://[::1]:8000/v1', '[::1]')).toBeUndefined();
    expect(via('https://anything.example', ' a.b , * ')).toBeUndefined();
  });

  it('reads the environment: lower-case names first, empty values unset', () => {
    expect(proxySettingsFrom({ https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:1', HTTP_PROXY: '', no_proxy: 'x' })).toEqual({ httpsProxy: 'http://a:1', noProxy: 'x' });
    expect(proxySettingsFrom({})).toEqual({});
  });
});
