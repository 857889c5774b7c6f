import type { Command } from 'commander';
import type { CommandEnv } from '../options.ts';

export function registerModels(program: Command, env: CommandEnv): void {
  program
    .command('models')
    .description('list the models stages can use')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { modelsCommand } = await import('../../commands/models.ts');
      env.setExit(await modelsCommand(opts, env.io));
    });
}
