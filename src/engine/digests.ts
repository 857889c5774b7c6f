/**
 * Reading run logs into digests (src/analysis/compare.ts), the compact form comparing and gating
 * work on, one log after the other on the calling thread.
 */
import { createDigestBuilder, idAt, type DigestBuilder, type RunDigest } from '../analysis/compare.ts';
import { UsageError } from '../errors.ts';
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

/** Reads several logs into digests, in the order given. */
export async function loadDigests(paths: readonly string[], filter: CaseFilter = {}): Promise<RunDigest[]> {
  const digests: RunDigest[] = [];
  for (const path of paths) digests.push(await loadDigest(path, filter));
  return digests;
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
