import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createRecordBlockWriter, gzipBase64, scriptJson } from './embed.ts';

describe('scriptJson', () => {
  it('can neither end its script element nor open a comment, and parses back unchanged', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'a & b > c', d: '\u2028\u2029', e: ['"><img src=x onerror=alert(1)>'] };
    const text = scriptJson(value);
    expect(text).not.toMatch(/<\/script|<!--|[<>&\u2028\u2029]/i);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('writes null for undefined', () => {
    expect(scriptJson(undefined)).toBe('null');
  });
});

describe('gzipBase64', () => {
  it('is base64 only and decompresses to the text', () => {
    const text = 'é</script>'.repeat(100);
    const blob = gzipBase64(text);
    expect(blob).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(gunzipSync(Buffer.from(blob, 'base64')).toString('utf8')).toBe(text);
  });
});

describe('createRecordBlockWriter', () => {
  it('packs records into gzip blocks of about the given size, recording where each block starts', async () => {
    const writer = createRecordBlockWriter(100);
    const records = Array.from({ length: 25 }, (_, i) => JSON.stringify({ i, text: `record ${i} ${'x'.repeat(i)}` }));
    for (const record of records) writer.add(record);
    const { blocks, starts, rawBytes } = await writer.finish();
    expect(blocks.length).toBeGreaterThan(3);
    expect(starts).toHaveLength(blocks.length);
    expect(starts[0]).toBe(0);
    const lines = blocks.flatMap((b) => gunzipSync(Buffer.from(b, 'base64')).toString('utf8').split('\n'));
    expect(lines).toEqual(records);
    let seen = 0;
    blocks.forEach((b, k) => {
      expect(starts[k]).toBe(seen);
      seen += gunzipSync(Buffer.from(b, 'base64')).toString('utf8').split('\n').length;
    });
    expect(rawBytes).toBeGreaterThan(records.join('').length);
  });

  it('gives no blocks for no records', async () => {
    expect(await createRecordBlockWriter().finish()).toEqual({ blocks: [], starts: [], rawBytes: 0 });
  });
});
