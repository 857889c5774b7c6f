import type { Command } from 'commander';
import type { CommandEnv } from '../options.ts';

export function registerMerge(program: Command, env: CommandEnv): void {
  program
    .command('merge')
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
    .action(async (logs: string[], opts: Record<string, unknown>) => {
      const { mergeCommand } = await import('../../commands/merge.ts');
      env.setExit(
        await mergeCommand(
          {
            logs,
            ...(opts['output'] !== undefined && { output: opts['output'] as string }),
            ...(opts['runsDir'] !== undefined && { runsDir: opts['runsDir'] as string }),
          },
          env.io,
        ),
      );
    });
}
