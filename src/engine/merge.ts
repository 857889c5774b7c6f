/**
 * Merging the logs of shard runs (`run --shard i/n`) into one run log, as `tagliots merge` does.
 */
import { access, rename, rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { createMergeAccumulator, planMerge, type MergeInput, type MergePlan } from '../analysis/merge.ts';
import { UsageError } from '../errors.ts';
import { pid, processCwd } from '../host.ts';
import { readRunLogBatches, readRunLogEnds } from '../log/reader.ts';
import type { RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { runLogPath } from '../log/store.ts';
import { createRunLogWriter } from '../log/writer.ts';
import type { SecretScrubber } from '../util/scrub.ts';
import { uuidv7 } from '../util/ids.ts';
import { findRunLogs, resolveRunsDir, type RunsDirOptions } from './runs-dir.ts';

export interface MergeRunsOptions extends RunsDirOptions {
  /** Write the merged log here, relative to `cwd`. @default `<runs folder>/<run id>.jsonl` */
  readonly output?: string;
  /** The merged run's id. @default a new UUIDv7 of `now` */
  readonly runId?: string;
  /** The clock, for the default run id. @default the system clock */
  readonly now?: () => Date;
  /** The command line the merged log records as its `command`. @default [] */
  readonly command?: readonly string[];
  /** The secrets in play, scrubbed from the merged log (shards written elsewhere may hold them). */
  readonly secrets?: SecretScrubber;
}

/** A merged run: its log, and what it was made from. */
export interface MergedRun {
  /** The merged log, absolute. */
  readonly path: string;
  readonly runId: string;
  readonly header: RunStartRecord;
  readonly end: RunEndRecord;
  /** The shard logs, in merge order (by shard index when they are shards), with their headers and run.end records. */
  readonly inputs: MergePlan['inputs'];
  /** Present and missing shards of n, when the logs are shards. */
  readonly shards: MergePlan['shards'];
  /** Shards missing, or run at different git commits. */
  readonly warnings: readonly string[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Merges the logs of the shards of one run (`latest`, run-id prefixes or log files) into a new run
 * log with a new run id, recording the shard run ids (`mergedFrom`) and recomputing counts, usage
 * and cost from the cases. Throws a UsageError naming the differing field when the logs are not
 * shards of one run (same pipeline, resolved config and suite file, no case in two logs), and
 * `E_MERGE_OUTPUT` rather than overwrite a log. A failed merge leaves no file behind.
 */
export async function mergeRuns(logs: readonly string[], options: MergeRunsOptions = {}): Promise<MergedRun> {
  const cwd = options.cwd ?? processCwd();
  const paths = await findRunLogs(logs, options);
  // Messages name the logs as typed relative to the working folder.
  const shown = (path: string) => relative(cwd, path) || path;
  const inputs: MergeInput[] = [];
  for (const path of paths) {
    const { header, end } = await readRunLogEnds(path);
    inputs.push({ name: shown(path), header, end });
  }
  const runId = options.runId ?? uuidv7(options.now?.().getTime());
  const plan = planMerge(inputs, { runId, command: options.command ?? [], cwd });
  const pathOf = new Map(inputs.map((input, i) => [input, paths[i]!]));

  const output = options.output !== undefined ? resolve(cwd, options.output) : runLogPath(await resolveRunsDir(options), runId);
  if (await exists(output)) {
    throw new UsageError('E_MERGE_OUTPUT', `${shown(output)} already exists; merge never overwrites a log.`, { hint: 'Choose another -o path, or remove the file first.' });
  }
  // Written under a temporary name and renamed at the end, so a failed merge leaves no half log.
  const partial = `${output}.partial-${pid}`;
  const writer = createRunLogWriter(partial, { secrets: options.secrets });
  const accumulator = createMergeAccumulator(plan);
  let done = false;
  try {
    writer.write(plan.header);
    for (const [from, input] of plan.inputs.entries()) {
      for await (const batch of readRunLogBatches(pathOf.get(input)!)) {
        for (const { record } of batch) {
          if (record.type !== 'case') continue;
          accumulator.add(record, from);
          writer.write(record);
        }
      }
    }
    const end = accumulator.finish();
    writer.write(end);
    writer.close();
    if (await exists(output)) throw new UsageError('E_MERGE_OUTPUT', `${shown(output)} appeared while merging; merge never overwrites a log.`);
    await rename(partial, output);
    done = true;
    return { path: output, runId, header: plan.header, end, inputs: plan.inputs, shards: plan.shards, warnings: plan.warnings };
  } finally {
    if (!done) {
      try {
        writer.close();
      } catch {
        // The merge already failed; the partial file is removed below.
      }
      await rm(partial, { force: true });
    }
  }
}
