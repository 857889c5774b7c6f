import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeArtifact } from './artifacts.ts';

let root: string;
let dir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tagliots-artifacts-'));
  dir = join(root, 'run-1.artifacts');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('storeArtifact', () => {
  it('types content by kind unless a mime type is given, and writes JSON pretty-printed', async () => {
    const bytes = await storeArtifact(dir, 's', 'raw.bin', new Uint8Array([1, 2, 3]), undefined);
    expect(bytes).toMatchObject({ stage: 's', name: 'raw.bin', bytes: 3, mime: 'application/octet-stream' });
    const json = await storeArtifact(dir, 's', 'data.json', { a: [1] }, undefined);
    expect(await readFile(join(root, json.path), 'utf8')).toBe('{\n  "a": [\n    1\n  ]\n}\n');
    expect((await storeArtifact(dir, 's', 'page.html', '<p>', 'text/html')).mime).toBe('text/html');
  });

  it('scrubs known secrets from text and JSON content before it reaches the disk', async () => {
    const scrub = (text: string) => text.replaceAll('sk-test-1234567890', '[redacted:OPENAI_API_KEY]');
    const text = await storeArtifact(dir, 's', 'reply.txt', 'echo: Bearer sk-test-1234567890', undefined, scrub);
    expect(await readFile(join(root, text.path), 'utf8')).toBe('echo: Bearer [redacted:OPENAI_API_KEY]');
    const json = await storeArtifact(dir, 's', 'reply.json', { headers: { authorization: 'Bearer sk-test-1234567890' } }, undefined, scrub);
    expect(JSON.parse(await readFile(join(root, json.path), 'utf8'))).toEqual({ headers: { authorization: 'Bearer [redacted:OPENAI_API_KEY]' } });
  });

  it('keeps the same content under the same name once, and the same content under two names twice', async () => {
    const first = await storeArtifact(dir, 's', 'a.txt', 'same', undefined);
    const again = await storeArtifact(dir, 's', 'a.txt', 'same', undefined);
    const other = await storeArtifact(dir, 's', 'b.txt', 'same', undefined);
    expect(again).toEqual(first);
    expect(other.sha256).toBe(first.sha256);
    expect(other.path).toBe(`run-1.artifacts/${first.sha256.slice(0, 16)}/b.txt`);
  });

  it.each(['', '.', '..', '../escape', 'a/b', 'x'.repeat(129)])('rejects the name %j', async (name) => {
    await expect(storeArtifact(dir, 's', name, 'x', undefined)).rejects.toThrow(`ctx.artifact(${JSON.stringify(name)}): the name must be 1 to 128 letters, digits, '.', '_' or '-'.`);
  });

  it('rejects content that is not text, bytes or JSON, naming where', async () => {
    await expect(storeArtifact(dir, 's', 'n.json', { n: Number.NaN }, undefined)).rejects.toThrow("ctx.artifact('n.json'): content is not a string, bytes or JSON: content.n is NaN.");
  });

  it('fails without an artifacts folder', async () => {
    await expect(storeArtifact(undefined, 's', 'x.txt', 'x', undefined)).rejects.toThrow("ctx.artifact('x.txt'): this run has no artifacts folder");
  });
});
