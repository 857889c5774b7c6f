import type { Command } from 'commander';
import type { CommandEnv } from '../options.ts';

export function registerPipelines(program: Command, env: CommandEnv): void {
  program
    .command('pipelines')
    .description('list the pipelines of the project config')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { pipelinesCommand } = await import('../../commands/pipelines.ts');
      env.setExit(await pipelinesCommand(opts, env.io));
    });
}
