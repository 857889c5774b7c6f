import { relative } from 'node:path';
import { EXIT, UsageError } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { formatCount } from '../util/units.ts';
import { Command, type CommandEnv } from './shared/flags.ts';
import { engineContext } from './shared/output.ts';

/** `tagliots merge`: its flags, help and handler. */
export function mergeCommand(env: CommandEnv) {
  return new Command('merge')
    .description('merge the logs of shard runs (run --shard i/n) into one run log')
    .argument('<logs...>', 'the shard logs: run id prefixes, `latest`, or log files')
    .option('-o, --output <file>', 'write the merged log to this file (default: <runs-dir>/<new run id>.jsonl)')
    .option('--runs-dir <dir>', 'folder of run logs, where the merged log goes without -o (default: the project config, else runs/)')
    .addHelpText(
      'after',
      `
The logs must come from one run split with --shard i/n: the same pipeline, resolved config and
suite file, and no case in two logs. The merged log gets a new run id, records the shard run ids
(mergedFrom), and its counts, usage and cost are recomputed from the cases.

Examples:
  $ tagliots merge shards/*.jsonl -o merged.jsonl
  $ tagliots merge 019aa1f4 019aa1f5 019aa1f6 019aa1f7

Exit codes: 0 merged, 2 logs that cannot be merged (the message names the differing field) or usage error.`,
    )
    .action(async (logs, opts) => env.setExit(await merge({ logs, output: opts.output, runsDir: opts.runsDir }, env.io)));
}

export interface MergeCommandOptions {
  /** Shard logs: run id prefixes, `latest` or log files. */
  readonly logs: readonly string[];
  /** Write the merged log here (instead of `<runs-dir>/<new run id>.jsonl`). */
  readonly output?: string;
  /** Where run ids are looked up, and where the merged log goes without -o. */
  readonly runsDir?: string;
}

/** Merges shard logs into one run log and prints what it merged. */
export async function merge(options: MergeCommandOptions, io: Io): Promise<number> {
  if (options.logs.length < 2) {
    throw new UsageError('E_USAGE', `merge needs at least two logs (got ${options.logs.length}).`, { hint: 'tagliots merge <shard logs...> [-o merged.jsonl | --runs-dir <dir>]' });
  }
  // The engine loads on first use: `tagliots --help` reads none of it.
  const { mergeRuns } = await import('./shared/engine.ts');
  const merged = await mergeRuns(options.logs, {
    output: options.output,
    runsDir: options.runsDir,
    ...engineContext(io),
    command: io.argv,
    secrets: io.secrets,
    ...(io.newRunId !== undefined && { runId: io.newRunId() }),
    ...(io.now !== undefined && { now: io.now.bind(io) }),
  });
  const { header, end, inputs, shards } = merged;
  for (const warning of merged.warnings) io.stderr.write(`Warning: ${warning}\n`);
  const lines = [`Merged ${inputs.length} ${shards ? 'shard ' : ''}runs into ${relative(io.cwd, merged.path) || merged.path}`];
  lines.push(`  run id: ${merged.runId}`);
  for (const input of inputs) {
    const shard = input.header.selection?.shard;
    lines.push(`  ${shard ? `shard ${shard.index}/${shard.count}: ` : ''}${input.header.runId} (${formatCount(input.header.suite.count)} case${input.header.suite.count === 1 ? '' : 's'}, ${input.end!.status})`);
  }
  const c = end.counts;
  lines.push(`  suite: ${header.suite.path} (${formatCount(header.suite.count)} cases${shards && shards.missing.length > 0 ? `, ${shards.present.length} of ${shards.count} shards` : ''})`);
  lines.push(`  cases: ${formatCount(c.complete)} complete, ${formatCount(c.error)} error${c.cancelled > 0 ? `, ${formatCount(c.cancelled)} cancelled` : ''}${c.notRun > 0 ? `, ${formatCount(c.notRun)} not run` : ''}; ${formatCount(c.passed)} passed, ${formatCount(c.failed)} failed`);
  lines.push(`  status: ${end.status}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
