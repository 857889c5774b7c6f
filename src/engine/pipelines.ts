/** The pipelines of a project config. */
import { processCwd } from '../host.ts';
import { loadProject } from '../project/load.ts';

/** A pipeline of the project config, as `tagliots pipelines` lists it. */
export interface ListedPipeline {
  readonly name: string;
  readonly description: string;
}

/**
 * The pipelines of the project config found in `cwd` or above, in the order the config lists
 * them, and the config file. Throws a ProjectError when there is no config or it fails to load.
 */
export async function listPipelines(options: { readonly cwd?: string } = {}): Promise<{ readonly configPath: string | null; readonly pipelines: readonly ListedPipeline[] }> {
  const project = await loadProject(options.cwd ?? processCwd());
  return { configPath: project.configPath, pipelines: [...project.pipelines.values()].map((spec) => ({ name: spec.name, description: spec.description })) };
}
