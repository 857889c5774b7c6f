import { EXIT } from '../errors.ts';
import { createModelRegistry } from '../model/registry.ts';
import type { Io } from '../util/io.ts';

/** `tagliots models`: the models stages can ask for by name. */
export async function modelsCommand(options: { json?: boolean }, io: Io): Promise<number> {
  // perfect and flakey need a pipeline's expected(); listing them needs none.
  const list = createModelRegistry({ expected: () => null }).list();
  if (options.json) {
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write('Available models:\n');
  for (const { name, description, kind } of list) io.stdout.write(`  ${name} (${kind}): ${description}\n`);
  return EXIT.ok;
}
