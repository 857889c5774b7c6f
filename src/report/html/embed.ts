/**
 * Putting data into a page safely and compactly: JSON that cannot end its <script> element, and
 * gzip + base64 blobs (the page decompresses them with DecompressionStream).
 */
import { gzip, gzipSync } from 'node:zlib';

/**
 * JSON for a `<script type="application/json">` element. `<`, `>` and `&` are written as `\u003c`
 * and so on, so no value can close the element (`</script`) or open a comment (`<!--`); U+2028 and
 * U+2029 are escaped too. JSON.parse reads it back unchanged.
 */
export function scriptJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Text, gzipped and base64-encoded: only `A-Z a-z 0-9 + / =`, safe anywhere in HTML. */
export function gzipBase64(text: string): string {
  return gzipSync(text).toString('base64');
}

/** Level 5 compresses the records about a quarter faster than the default 6, for 1% more bytes. */
const RECORD_LEVEL = 5;

function gzipAsync(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(data, { level: RECORD_LEVEL }, (error, result) => (error ? reject(error) : resolve(result))));
}

export interface RecordBlocks {
  /** Base64 of each gzipped block, in order. */
  readonly blocks: readonly string[];
  /** The line (record number) each block starts with. */
  readonly starts: readonly number[];
  /** Bytes of JSON before compression. */
  readonly rawBytes: number;
}

export interface RecordBlockWriter {
  /** Adds the next record (one line of JSON, without a newline). */
  add(json: string): void;
  finish(): Promise<RecordBlocks>;
}

/** About this much JSON per block: a case detail decompresses one block, a few milliseconds. */
export const BLOCK_BYTES = 256 * 1024;

/**
 * Packs records into gzip blocks of about `blockBytes` of JSON lines each. Blocks are compressed
 * on libuv's thread pool while the caller goes on reading the log.
 */
export function createRecordBlockWriter(blockBytes = BLOCK_BYTES): RecordBlockWriter {
  const pending: Promise<Buffer>[] = [];
  const starts: number[] = [];
  let lines: string[] = [];
  let size = 0;
  let count = 0;
  let rawBytes = 0;
  const flush = () => {
    if (lines.length === 0) return;
    const text = lines.join('\n');
    rawBytes += Buffer.byteLength(text);
    pending.push(gzipAsync(Buffer.from(text)));
    lines = [];
    size = 0;
  };
  return {
    add(json) {
      if (lines.length === 0) starts.push(count);
      lines.push(json);
      size += json.length + 1;
      count++;
      if (size >= blockBytes) flush();
    },
    async finish() {
      flush();
      const buffers = await Promise.all(pending);
      return { blocks: buffers.map((b) => b.toString('base64')), starts, rawBytes };
    },
  };
}
