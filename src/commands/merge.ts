import { access, rename, rm } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { createMergeAccumulator, planMerge, type MergeInput } from '../analysis/merge.ts';
import { EXIT, UsageError } from '../errors.ts';
import { readRunLogBatches, readRunLogEnds } from '../log/reader.ts';
import { runLogPath } from '../log/store.ts';
import { createRunLogWriter } from '../log/writer.ts';
import { formatCount } from '../report/format-value.ts';
import { uuidv7 } from '../util/ids.ts';
import type { Io } from '../util/io.ts';
import { resolveRunRefs } from './compare.ts';
import { resolveRunsDir } from './log-input.ts';

export interface MergeCommandOptions {
  /** Shard logs: run id prefixes, `latest` or log files. */
  readonly logs: readonly string[];
  /** Write the merged log here (instead of `<runs-dir>/<new run id>.jsonl`). */
  readonly output?: string;
  /** Where run ids are looked up, and where the merged log goes without -o. */
  readonly runsDir?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function mergeCommand(options: MergeCommandOptions, io: Io): Promise<number> {
  if (options.logs.length < 2) {
    throw new UsageError('E_USAGE', `merge needs at least two logs (got ${options.logs.length}).`, { hint: 'tagliots merge <shard logs...> [-o merged.jsonl | --runs-dir <dir>]' });
  }
  const paths = await resolveRunRefs(options.logs, options.runsDir, io);
  const shown = (path: string) => relative(io.cwd, path) || path;
  const inputs: MergeInput[] = [];
  for (const path of paths) {
    const { header, end } = await readRunLogEnds(path);
    inputs.push({ name: shown(path), header, end });
  }
  const runId = uuidv7();
  const plan = planMerge(inputs, { runId, command: io.argv, cwd: io.cwd });
  const pathOf = new Map(inputs.map((input, i) => [input, paths[i]!]));

  const output = options.output !== undefined ? resolve(io.cwd, options.output) : runLogPath(await resolveRunsDir(options.runsDir, io), runId);
  if (await exists(output)) {
    throw new UsageError('E_MERGE_OUTPUT', `${shown(output)} already exists; merge never overwrites a log.`, { hint: 'Choose another -o path, or remove the file first.' });
  }
  // Written under a temporary name and renamed at the end, so a failed merge leaves no half log.
  const partial = `${output}.partial-${process.pid}`;
  const writer = createRunLogWriter(partial);
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

    for (const warning of plan.warnings) io.stderr.write(`Warning: ${warning}\n`);
    const lines = [`Merged ${plan.inputs.length} ${plan.shards ? 'shard ' : ''}runs into ${shown(output)}`];
    lines.push(`  run id: ${runId}`);
    for (const input of plan.inputs) {
      const shard = input.header.selection?.shard;
      lines.push(`  ${shard ? `shard ${shard.index}/${shard.count}: ` : ''}${input.header.runId} (${formatCount(input.header.suite.count)} case${input.header.suite.count === 1 ? '' : 's'}, ${input.end!.status})`);
    }
    const c = end.counts;
    lines.push(`  suite: ${plan.header.suite.path} (${formatCount(plan.header.suite.count)} cases${plan.shards && plan.shards.missing.length > 0 ? `, ${plan.shards.present.length} of ${plan.shards.count} shards` : ''})`);
    lines.push(`  cases: ${formatCount(c.complete)} complete, ${formatCount(c.error)} error${c.cancelled > 0 ? `, ${formatCount(c.cancelled)} cancelled` : ''}${c.notRun > 0 ? `, ${formatCount(c.notRun)} not run` : ''}; ${formatCount(c.passed)} passed, ${formatCount(c.failed)} failed`);
    lines.push(`  status: ${end.status}`);
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.ok;
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
