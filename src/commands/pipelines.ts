import { EXIT } from '../errors.ts';
import { loadProject } from '../project/load.ts';
import type { Io } from '../util/io.ts';

/** `tagliots pipelines`: the pipelines of the project config, with descriptions. */
export async function pipelinesCommand(options: { json?: boolean }, io: Io): Promise<number> {
  const project = await loadProject(io.cwd);
  const list = [...project.pipelines.values()].map((spec) => ({ name: spec.name, description: spec.description }));
  if (options.json) {
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write('Available pipelines:\n');
  for (const { name, description } of list) io.stdout.write(`  ${name}: ${description}\n`);
  if (list.length === 0) io.stdout.write(`  (none: add pipelines to ${project.configPath})\n`);
  return EXIT.ok;
}
