/**
 * Reading run logs into digests (src/analysis/compare.ts), the compact form comparing and gating
 * work on. Parsing and validating a log is CPU-bound, so several large logs are read in parallel
 * worker threads: this module is also the worker's code.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createDigestBuilder, digestBuffers, idAt, type DigestBuilder, type RunDigest } from '../analysis/compare.ts';
import { TagliotsError, UsageError } from '../errors.ts';
import { readRunLogBatches } from '../log/reader.ts';
import type { CaseRecord, RunEndRecord } from '../log/schema.ts';
import { createCaseSelector } from '../suite/select.ts';

/** Which cases of a run to read (the `--filter`, `--ids` and `--limit` flags of `compare`). */
export interface CaseFilter {
  /** A keyword expression, e.g. `'p0 && !slow'`. */
  readonly filter?: string;
  /** Case ids or id prefixes. */
  readonly ids?: readonly string[];
  /** Only the first N cases in suite order (applied when comparing, over both runs). */
  readonly limit?: number;
}

export interface LoadDigestsOptions {
  /**
   * Read the logs in parallel worker threads, one per log (only the built package can: the sources
   * are TypeScript). By default, when there are several logs of 32 MB or more in all and more than
   * one CPU; `false` reads every log on the calling thread.
   */
  readonly threads?: boolean;
}

function keepFor(filter: CaseFilter): ((record: CaseRecord) => boolean) | undefined {
  if (filter.filter === undefined && (filter.ids ?? []).length === 0) return undefined;
  const selector = createCaseSelector({ ...(filter.filter !== undefined && { filter: filter.filter }), ...(filter.ids && { ids: filter.ids }) });
  return (record) => selector.matches({ id: record.caseId, case: record.case });
}

/** Streams one log into a digest, in bounded memory (the digest itself is a few dozen bytes a case). */
export async function loadDigest(path: string, filter: CaseFilter = {}): Promise<RunDigest> {
  const keep = keepFor(filter);
  let builder: DigestBuilder | undefined;
  let end: RunEndRecord | null = null;
  const warnings: string[] = [];
  for await (const batch of readRunLogBatches(path, { onWarning: (warning) => warnings.push(warning) })) {
    for (const { record } of batch) {
      if (record.type === 'case') builder!.add(record);
      else if (record.type === 'run.start') builder = createDigestBuilder(record, keep ? { keep } : {});
      else end = record;
    }
  }
  return builder!.finish(end, { path, warnings });
}

/** Logs this big (in total) are read in worker threads, one per log, when there are several. */
const WORKER_MIN_BYTES = 32 * 1024 * 1024;
const WORKER_TAG = 'tagliots:digest';

/**
 * Reads several logs into digests, in the order given. Large logs are read in parallel worker
 * threads (see LoadDigestsOptions.threads).
 */
export async function loadDigests(paths: readonly string[], filter: CaseFilter = {}, options: LoadDigestsOptions = {}): Promise<RunDigest[]> {
  // Only the built package can start a thread on this module: the sources are TypeScript.
  const canUseWorkers = import.meta.url.endsWith('.js') && options.threads !== false && paths.length > 1;
  let useWorkers = canUseWorkers && options.threads === true;
  if (canUseWorkers && !useWorkers && availableParallelism() > 1) {
    let bytes = 0;
    for (const path of paths) bytes += (await stat(path).catch(() => ({ size: 0 }))).size;
    useWorkers = bytes >= WORKER_MIN_BYTES;
  }
  if (!useWorkers) {
    const digests: RunDigest[] = [];
    for (const path of paths) digests.push(await loadDigest(path, filter));
    return digests;
  }
  // A few workers at a time, each reading one log.
  const slots = Math.max(1, Math.min(paths.length, availableParallelism()));
  const results: RunDigest[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const at = next++;
      results[at] = await digestInWorker(paths[at]!, filter);
    }
  };
  await Promise.all(Array.from({ length: slots }, worker));
  return results;
}

/** An `ids` prefix that matches no case of any of the runs is a typo: say so. */
export function checkIds(filter: CaseFilter, digests: readonly RunDigest[]): void {
  const prefixes = filter.ids ?? [];
  if (prefixes.length === 0) return;
  const found = new Set<string>();
  for (const d of digests) {
    for (let i = 0; i < d.size && found.size < prefixes.length; i++) {
      const id = idAt(d.ids, i);
      for (const prefix of prefixes) if (id.startsWith(prefix)) found.add(prefix);
    }
  }
  const unmatched = prefixes.filter((prefix) => !found.has(prefix));
  if (unmatched.length > 0) {
    throw new UsageError('E_SELECT_IDS', `No case id starts with ${unmatched.map((id) => `'${id}'`).join(', ')}.`, {
      hint: 'Give case ids (or unique prefixes of them) separated by commas.',
    });
  }
}

interface WorkerReply {
  readonly digest?: RunDigest;
  readonly error?: { readonly code?: string; readonly message: string; readonly hint?: string; readonly exitCode?: number; readonly stack?: string };
}

/**
 * A cap on the heap of a reader thread. The digest lives outside the heap (typed arrays), so the
 * heap only holds the reader's working set and stays far below it; the cap keeps a pathological log
 * (huge records) from growing two heaps at once. A log that needs more is read again on the main
 * thread.
 */
const WORKER_HEAP_MB = 256;

function digestInWorker(path: string, filter: CaseFilter): Promise<RunDigest> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { tag: WORKER_TAG, path, filter },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    worker.once('message', (reply: WorkerReply) => {
      settled = true;
      void worker.terminate();
      if (reply.digest) resolvePromise(reply.digest);
      else if (reply.error?.code) reject(new TagliotsError(reply.error.code, reply.error.message, { ...(reply.error.hint && { hint: reply.error.hint }), ...(reply.error.exitCode !== undefined && { exitCode: reply.error.exitCode }) }));
      else reject(Object.assign(new Error(reply.error?.message ?? 'worker failed'), { stack: reply.error?.stack }));
    });
    worker.once('error', (error) => {
      if (settled) return;
      settled = true;
      if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') loadDigest(path, filter).then(resolvePromise, reject);
      else reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the log reader thread for ${path} exited with code ${code}`));
      settled = true;
    });
  });
}

// The worker side: this module, loaded in a worker thread, reads the log it was given and posts the digest back.
if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) {
  const { path, filter } = workerData as { path: string; filter: CaseFilter };
  loadDigest(path, filter).then(
    (digest) => {
      parentPort!.postMessage({ digest } satisfies WorkerReply, digestBuffers(digest));
    },
    (error: unknown) => {
      const e = error as Partial<TagliotsError> & Error;
      parentPort!.postMessage({
        error: { message: e?.message ?? String(error), ...(e instanceof TagliotsError && { code: e.code, exitCode: e.exitCode, ...(e.hint && { hint: e.hint }) }), ...(e?.stack && { stack: e.stack }) },
      } satisfies WorkerReply);
    },
  );
}
