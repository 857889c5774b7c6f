/**
 * Where the page's data comes from: the gzip + base64 blobs of a `tagliots report` file (the case
 * records in blocks that are decompressed only when a case is opened), or `tagliots view`'s /api.
 */
import type { CaseRecord } from '../../../log/schema.ts';

/** Finds the record of a case by its position among the case records of its log. */
export type CaseDetails = (line: number) => Promise<CaseRecord>;

export async function gunzipBase64(base64: string): Promise<string> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

/** GETs JSON from the view server; an error status becomes an Error with the server's message. */
export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: unknown } | null;
      if (body && typeof body.error === 'string') message = body.error;
    } catch {
      // keep the status line
    }
    throw new Error(message);
  }
  return (await response.json()) as T;
}

/** The most decompressed blocks kept at once. */
const CACHED_BLOCKS = 6;

/** Details of the embedded run `k`: its records, in gzip blocks of consecutive log lines. */
export function embeddedDetails(k: number, blockStarts: readonly number[]): CaseDetails {
  let blocks: string[] | null = null;
  const cache = new Map<number, string[]>();
  return async (line) => {
    if (blocks === null) {
      // The records come after the page script in the file.
      if (document.readyState === 'loading') await new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }));
      const el = document.getElementById(`tg-records-${k}`);
      blocks = (el?.textContent ?? '').split('\n').filter((block) => block.length > 0);
    }
    let lo = 0;
    let hi = blockStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((blockStarts[mid] ?? Infinity) <= line) lo = mid;
      else hi = mid - 1;
    }
    let lines = cache.get(lo);
    if (!lines) {
      const block = blocks[lo];
      if (block === undefined) throw new Error(`case ${line} is not in this report`);
      lines = (await gunzipBase64(block)).split('\n');
      cache.set(lo, lines);
      const oldest = cache.keys().next().value;
      if (cache.size > CACHED_BLOCKS && oldest !== undefined) cache.delete(oldest);
    }
    const text = lines[line - (blockStarts[lo] ?? 0)];
    if (text === undefined) throw new Error(`case ${line} is not in this report`);
    return JSON.parse(text) as CaseRecord;
  };
}

export function serverDetails(runId: string): CaseDetails {
  return (line) => getJson<CaseRecord>(`/api/runs/${encodeURIComponent(runId)}/cases/${line}`);
}
