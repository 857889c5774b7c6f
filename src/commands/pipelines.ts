import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { Command, type CommandEnv } from './shared/flags.ts';

/** `tagliots pipelines`: its flags, help and handler. */
export function pipelinesCommand(env: CommandEnv) {
  return new Command('pipelines')
    .description('list the pipelines of the project config')
    .option('--json', 'print JSON')
    .action(async (opts) => env.setExit(await pipelines({ json: opts.json === true }, env.io)));
}

export interface PipelinesOptions {
  readonly json?: boolean;
}

/** Prints the pipelines of the project config, with their descriptions. */
export async function pipelines(options: PipelinesOptions, io: Io): Promise<number> {
  const { listPipelines } = await import('./shared/engine.ts');
  const { configPath, pipelines: list } = await listPipelines({ cwd: io.cwd });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write('Available pipelines:\n');
  for (const { name, description } of list) io.stdout.write(`  ${name}: ${description}\n`);
  if (list.length === 0) io.stdout.write(`  (none: add pipelines to ${configPath})\n`);
  return EXIT.ok;
}
