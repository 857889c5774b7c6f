import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { Command, type CommandEnv } from './shared/flags.ts';

/** `tagliots models`: its flags, help and handler. */
export function modelsCommand(env: CommandEnv) {
  return new Command('models')
    .description('list the models stages can use')
    .option('--json', 'print JSON')
    .action(async (opts) => env.setExit(await models({ json: opts.json === true }, env.io)));
}

export interface ModelsOptions {
  readonly json?: boolean;
}

/** Prints the mocks and the configured models, and whether each one's key is there (never the key). */
export async function models(options: ModelsOptions, io: Io): Promise<number> {
  const { listModels } = await import('./shared/engine.ts');
  const { models: all, skipped } = await listModels({ cwd: io.cwd, env: io.env });
  if (options.json) {
    const unsupported = skipped.map((skip) => ({ name: skip.name, description: skip.reason, kind: 'unsupported', source: skip.source }));
    io.stdout.write(`${JSON.stringify([...all, ...unsupported], null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write('Available models:\n');
  for (const model of all) {
    if (!model.key) {
      io.stdout.write(`  ${model.name} (${model.kind}): ${model.description}\n`);
      continue;
    }
    const key = model.key.state === 'present' ? `key: ${model.key.source}` : model.key.state === 'missing' ? `key MISSING (${model.key.source})` : 'no key needed';
    io.stdout.write(`  ${model.name} (${model.kind} ${model.model}): ${model.description} [${key}; from ${model.source}]\n`);
  }
  for (const skip of skipped) io.stdout.write(`  ${skip.name}: skipped (${skip.source}): ${skip.reason}\n`);
  return EXIT.ok;
}
