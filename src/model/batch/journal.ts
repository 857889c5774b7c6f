/**
 * The batch journal: a JSONL file beside the run log (`<run-id>.batches.log`) recording, before
 * the run waits for anything, each file of requests uploaded and each batch submitted, with the
 * `custom_id` and a digest of every request in it. Each line is flushed to disk as it is written,
 * so a process killed at any moment leaves a journal saying which requests are in the provider's
 * hands; a resume reads the journals of the runs it finishes and re-attaches to their batches
 * instead of paying for the requests again. It holds no request bodies, so no prompt or secret.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/** One line of a batch journal. */
export type JournalEntry =
  /** A file of requests was uploaded; the batch of it is created next. */
  | { readonly type: 'uploaded'; readonly profile: string; readonly fileId: string; readonly requests: readonly JournalRequest[] }
  /** The batch of a file was created: the provider runs it. */
  | { readonly type: 'submitted'; readonly profile: string; readonly fileId: string; readonly batchId: string }
  /** A batch reached a final state and its results were read. */
  | { readonly type: 'ended'; readonly profile: string; readonly batchId: string; readonly status: string }
  /** A batch was cancelled (`--cancel-batches`). */
  | { readonly type: 'cancelled'; readonly profile: string; readonly batchId: string };

export interface JournalRequest {
  /** The request's `custom_id` in the file. */
  readonly id: string;
  /** sha256 of the request body: a resume re-attaches only to the same request. */
  readonly digest: string;
}

/** Where a request of an earlier run went: its file, and its batch once created. */
export interface KnownRequest {
  readonly profile: string;
  readonly digest: string;
  readonly fileId: string;
  batchId: string | undefined;
}

/** The journal of a run's log: `runs/<run-id>.jsonl` → `runs/<run-id>.batches.log`. */
export function journalPath(logPath: string): string {
  return logPath.replace(/\.jsonl$/, '') + '.batches.log';
}

/** A journal written line by line, each line on disk before write() returns; the file is created by the first line. */
export class BatchJournal {
  private fd: number | undefined;
  private closed = false;

  constructor(readonly path: string) {}

  write(entry: JournalEntry): void {
    // After the run: nothing it still learns changes what a resume must do (an uploaded file's batch is looked up by the file).
    if (this.closed) return;
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, JSON.stringify(entry) + '\n');
    fsyncSync(this.fd);
  }

  close(): void {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * The requests the journals at `paths` record, by `custom_id`: where each went. Missing journals
 * (runs that batched nothing) are skipped; a torn last line (a kill mid-write) is ignored, since the
 * batch it would have recorded was then not yet waited for.
 */
export function readJournals(paths: readonly string[]): Map<string, KnownRequest> {
  const known = new Map<string, KnownRequest>();
  const byFile = new Map<string, KnownRequest[]>();
  for (const path of paths) {
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      if (entry.type === 'uploaded') {
        const requests = entry.requests.map((request) => ({ profile: entry.profile, digest: request.digest, fileId: entry.fileId, batchId: undefined }));
        byFile.set(entry.fileId, requests);
        entry.requests.forEach((request, i) => known.set(request.id, requests[i]!));
      } else if (entry.type === 'submitted') {
        for (const request of byFile.get(entry.fileId) ?? []) request.batchId = entry.batchId;
      }
    }
  }
  return known;
}
