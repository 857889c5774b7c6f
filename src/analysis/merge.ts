/**
 * Merging the logs of shard runs (`run --shard i/n` on several machines) into one run log. The
 * shards must have run the same pipeline with the same resolved config over the same suite file,
 * and must not share a case record; the merged header records the shards' run ids (`mergedFrom`),
 * and counts, usage and cost are recomputed from the case records.
 */
import { UsageError } from '../errors.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord, RunStatus } from '../log/schema.ts';
import { RunTotals } from '../log/totals.ts';
import { deepEqual } from '../util/json.ts';
import { configDifferences } from './compare.ts';

export interface MergeInput {
  /** For messages: the log's path as the user should see it. */
  readonly name: string;
  readonly header: RunStartRecord;
  readonly end: RunEndRecord | null;
}

export interface MergePlan {
  /** The merged header; the caller sets runId, startedAt is the earliest shard's. */
  readonly header: RunStartRecord;
  /** The inputs in merge order (by shard index when sharded, else as given). */
  readonly inputs: readonly MergeInput[];
  /** Present shards of n, when the logs are shards. */
  readonly shards: { readonly count: number; readonly present: readonly number[]; readonly missing: readonly number[] } | null;
  readonly warnings: readonly string[];
}

const show = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? 'absent');

function mismatch(field: string, detail: string): UsageError {
  return new UsageError('E_MERGE_MISMATCH', `Cannot merge: the logs differ in ${field}: ${detail}.`, {
    hint: 'Only shards of one run can be merged: the same pipeline, resolved config and suite file, run with --shard i/n.',
  });
}

/** Checks that the logs can be merged and builds the merged header. Throws a UsageError naming the differing field. */
export function planMerge(given: readonly MergeInput[], options: { readonly runId: string; readonly command: readonly string[]; readonly cwd: string }): MergePlan {
  if (given.length < 2) {
    throw new UsageError('E_USAGE', `merge needs at least two logs (got ${given.length}).`, { hint: 'tagliots merge <shard logs...> -o merged.jsonl' });
  }
  for (const input of given) {
    if (!input.end) {
      throw new UsageError('E_MERGE_INCOMPLETE', `Cannot merge ${input.name}: it has no run.end record (the run crashed, was killed or is still running).`, {
        hint: 'Merge shard runs that finished; re-run the missing shard with the same --shard i/n.',
      });
    }
  }
  const seenIds = new Map<string, string>();
  for (const input of given) {
    const other = seenIds.get(input.header.runId);
    if (other !== undefined) throw new UsageError('E_MERGE_OVERLAP', `Cannot merge: ${other} and ${input.name} are the same run (${input.header.runId}).`, { hint: 'Give each shard log once.' });
    seenIds.set(input.header.runId, input.name);
  }

  const first = given[0]!;
  for (const input of given.slice(1)) {
    const [x, y] = [first.header, input.header];
    const pair = (a: unknown, b: unknown) => `${show(a)} in ${first.name} but ${show(b)} in ${input.name}`;
    if (x.pipeline.name !== y.pipeline.name) throw mismatch('pipeline', pair(x.pipeline.name, y.pipeline.name));
    for (const key of ['stages', 'columns', 'hasPassed', 'hasScore'] as const) {
      if (!deepEqual(x.pipeline[key], y.pipeline[key])) throw mismatch(`pipeline.${key}`, `the pipeline '${x.pipeline.name}' changed between ${first.name} and ${input.name}`);
    }
    const diff = configDifferences(x.config, y.config)[0];
    if (diff) throw mismatch('config', `${diff.path} is ${'a' in diff ? show(diff.a) : 'absent'} in ${first.name} but ${'b' in diff ? show(diff.b) : 'absent'} in ${input.name}`);
    if (x.suite.sha256 !== y.suite.sha256) {
      throw mismatch('suite.sha256', `${x.suite.sha256.slice(0, 12)}… (${x.suite.path}) in ${first.name} but ${y.suite.sha256.slice(0, 12)}… (${y.suite.path}) in ${input.name}; the shards ran different suite files`);
    }
    if ((x.repeat ?? 1) !== (y.repeat ?? 1)) throw mismatch('repeat', pair(x.repeat ?? 1, y.repeat ?? 1));
    const { shard: _x, ...restX } = x.selection ?? {};
    const { shard: _y, ...restY } = y.selection ?? {};
    if (!deepEqual(restX, restY)) throw mismatch('selection', `${JSON.stringify(restX)} in ${first.name} but ${JSON.stringify(restY)} in ${input.name}`);
  }

  // Shards: all or none, of the same n, each index once.
  const warnings: string[] = [];
  const sharded = given.filter((input) => input.header.selection?.shard);
  let inputs = [...given];
  let shards: MergePlan['shards'] = null;
  if (sharded.length > 0) {
    const plain = given.find((input) => !input.header.selection?.shard);
    if (plain) throw mismatch('selection.shard', `${plain.name} is not a shard run (it was run without --shard) but ${sharded[0]!.name} is`);
    const n = first.header.selection!.shard!.count;
    const byIndex = new Map<number, MergeInput>();
    for (const input of given) {
      const shard = input.header.selection!.shard!;
      if (shard.count !== n) throw mismatch('selection.shard', `${shard.index}/${shard.count} in ${input.name} but ${first.header.selection!.shard!.index}/${n} in ${first.name}`);
      const twice = byIndex.get(shard.index);
      if (twice) throw new UsageError('E_MERGE_OVERLAP', `Cannot merge: shard ${shard.index}/${n} appears twice, in ${twice.name} and ${input.name}.`, { hint: 'Give each shard once.' });
      byIndex.set(shard.index, input);
    }
    inputs = [...byIndex].sort(([i], [j]) => i - j).map(([, input]) => input);
    const present = [...byIndex.keys()].sort((i, j) => i - j);
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
    shards = { count: n, present, missing };
    if (missing.length > 0) {
      warnings.push(`Shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${n}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: the merged run covers ${present.length} of ${n} shards.`);
    }
  }
  const shas = new Set(inputs.map((input) => input.header.git?.sha ?? null));
  if (shas.size > 1) warnings.push(`The shards ran at different git commits (${[...shas].map((sha) => sha?.slice(0, 12) ?? 'none').join(', ')}); the merged log records the first shard's.`);

  const x = inputs[0]!.header;
  const { shard: _shard, ...selection } = x.selection ?? {};
  const header: RunStartRecord = {
    type: 'run.start',
    v: x.v,
    runId: options.runId,
    startedAt: inputs.map((input) => input.header.startedAt).sort()[0]!,
    command: [...options.command],
    cwd: options.cwd,
    pipeline: x.pipeline,
    config: x.config,
    deltas: x.deltas,
    suite: { ...x.suite, count: inputs.reduce((sum, input) => sum + input.header.suite.count, 0) },
    git: x.git,
    versions: x.versions,
    platform: x.platform,
    concurrency: inputs.reduce((sum, input) => sum + input.header.concurrency, 0),
    parentRunId: null,
    ...(x.repeat !== undefined && { repeat: x.repeat }),
    ...(Object.keys(selection).length > 0 && { selection }),
    mergedFrom: inputs.map((input) => input.header.runId),
    ...(shards && { shards: { count: shards.count, merged: [...shards.present] } }),
  };
  return { header, inputs, shards, warnings };
}

const SEVERITY: Readonly<Record<RunStatus, number>> = { completed: 0, interrupted: 1, budget: 2, error: 3 };

export interface MergeAccumulator {
  /** Adds a record of input `from`; throws E_MERGE_OVERLAP when its (case id, repeat) was seen in another log. */
  add(record: CaseRecord, from: number): void;
  /** The merged run.end: counts, usage and cost from the records; the worst status; the longest duration. */
  finish(): RunEndRecord;
}

export function createMergeAccumulator(plan: MergePlan): MergeAccumulator {
  const owner = new Map<string, number>();
  const totals = new RunTotals();
  return {
    add(record, from) {
      const key = record.repeat ? `${record.caseId}\u0000${record.repeat}` : record.caseId;
      const seen = owner.get(key);
      if (seen !== undefined) {
        const which = record.repeat ? `case ${record.caseId} (repeat ${record.repeat})` : `case ${record.caseId}`;
        const where = seen === from ? `twice in ${plan.inputs[from]!.name}` : `in both ${plan.inputs[seen]!.name} and ${plan.inputs[from]!.name}`;
        throw new UsageError('E_MERGE_OVERLAP', `Cannot merge: ${which} is ${where}.`, {
          hint: 'Shards must not overlap: run each with the same n and a different i (--shard i/n).',
        });
      }
      owner.set(key, from);
      totals.add(record);
    },
    finish() {
      const ends = plan.inputs.map((input) => input.end!);
      const status = ends.map((end) => end.status).reduce((worst, s) => (SEVERITY[s] > SEVERITY[worst] ? s : worst), 'completed' as RunStatus);
      const { usage, costUsd } = totals;
      const error = ends.find((end) => end.error)?.error;
      return {
        type: 'run.end',
        status,
        endedAt: ends.map((end) => end.endedAt).sort().at(-1)!,
        durationMs: Math.max(...ends.map((end) => end.durationMs)),
        counts: totals.counts(plan.header.suite.count * (plan.header.repeat ?? 1)),
        ...(usage && { usage }),
        ...(costUsd !== undefined && { costUsd }),
        ...(error && { error }),
      };
    },
  };
}
