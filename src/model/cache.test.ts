import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretScrubber } from '../util/scrub.ts';
import { cacheKey, canonicalJson, ResponseCache } from './cache.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tagliots-cache-'));
  dirs.push(d);
  return d;
}

describe('cache keys', () => {
  it('do not depend on key order, and differ for any difference', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(cacheKey({ a: 1, b: 2 })).toBe(cacheKey({ b: 2, a: 1 }));
    expect(cacheKey({ a: 1, repeat: 0 })).not.toBe(cacheKey({ a: 1, repeat: 1 }));
    expect(cacheKey({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('ResponseCache', () => {
  it('stores, finds, counts and clears replies', async () => {
    const cache = new ResponseCache(join(await dir(), 'cache'));
    const key = cacheKey({ q: 1 });
    expect(await cache.get(key)).toBeUndefined();
    expect(await cache.put(key, { text: 'hi', usage: { inputTokens: 3, outputTokens: 1 } }, { profile: 'p', model: 'm' })).toBe(true);
    expect(await cache.get(key)).toEqual({ text: 'hi', usage: { inputTokens: 3, outputTokens: 1 } });
    const stats = await cache.stats();
    expect(stats.entries).toBe(1);
    expect(stats.bytes).toBeGreaterThan(0);
    expect(await cache.clear()).toBe(1);
    expect(await cache.get(key)).toBeUndefined();
    expect((await cache.stats()).entries).toBe(0);
  });

  it('stores a reply that quotes a secret with the secret scrubbed', async () => {
    const root = await dir();
    const cache = new ResponseCache(join(root, 'cache'), new SecretScrubber([{ name: 'OPENAI_API_KEY', value: 'sk-quoted-by-the-server' }]));
    const key = cacheKey({ q: 2 });
    await cache.put(key, { text: 'headers: {"authorization":"Bearer sk-quoted-by-the-server"}', toolCalls: [{ id: 'c', name: 't', arguments: '{"k":"sk-quoted-by-the-server"}' }] }, { profile: 'p', model: 'm' });
    const [folder] = await readdir(join(root, 'cache'));
    const [file] = await readdir(join(root, 'cache', folder!));
    const stored = await readFile(join(root, 'cache', folder!, file!), 'utf8');
    expect(stored).not.toContain('sk-quoted-by-the-server');
    expect((await cache.get(key))?.text).toBe('headers: {"authorization":"Bearer [redacted:OPENAI_API_KEY]"}');
  });

  it('treats a damaged or foreign entry as a miss', async () => {
    const root = await dir();
    const cache = new ResponseCache(root);
    const key = cacheKey({ q: 2 });
    await cache.put(key, { text: 'x' }, { profile: 'p', model: 'm' });
    await writeFile(join(root, key.slice(0, 2), `${key}.json`), '{"v":1,');
    expect(await cache.get(key)).toBeUndefined();
  });

  it('clear removes only its own files', async () => {
    const root = await dir();
    await writeFile(join(root, 'notes.txt'), 'keep me');
    const cache = new ResponseCache(root);
    await cache.put(cacheKey({ q: 3 }), { text: 'x' }, { profile: 'p', model: 'm' });
    expect(await cache.clear()).toBe(1);
    expect(await readdir(root)).toEqual(['notes.txt']);
  });
});
