import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
