/** The models stages can use: the built-in mocks and the configured models a project sees. */
import { processCwd, processEnv } from '../host.ts';
import type { KeyStatus } from '../model/profiles.ts';
import { createModelRegistry } from '../model/registry.ts';
import { loadProjectOrDefault } from '../project/load.ts';
import { loadProjectProfiles } from '../runner/run-models.ts';

export interface ListModelsOptions {
  /** Where the project config and the models files are looked for. @default the process's working folder */
  readonly cwd?: string;
  /** The environment API keys are read from (only whether each is set is reported). @default the process's environment */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A model stages can use: a mock, or a configured model with where its key comes from (never the key). */
export interface ListedModel {
  readonly name: string;
  readonly description: string;
  /** `mock`, or the provider type of a configured model (`openai`, `azure-openai`, `openai-compatible`). */
  readonly kind: string;
  /** Configured models: the provider's model name. */
  readonly model?: string;
  /** Configured models: the file that defines it. */
  readonly source?: string;
  /** Configured models: whether its key is there, and where it comes from. */
  readonly key?: KeyStatus;
}

/** The models of listModels(). */
export interface ModelList {
  /** The mocks and the configured models, by name. */
  readonly models: readonly ListedModel[];
  /** Entries of GoTaglio models files that tagliots cannot call, with the reason. */
  readonly skipped: readonly { readonly name: string; readonly source: string; readonly reason: string }[];
}

/**
 * The built-in mocks and the configured models: those of the project config (when there is one),
 * of `tagliots.models.*` and of GoTaglio's `models.json`. Throws a ModelError naming the file, the
 * model and the field of a mistake in a models file.
 */
export async function listModels(options: ListModelsOptions = {}): Promise<ModelList> {
  const cwd = options.cwd ?? processCwd();
  // The project config is optional here: models files and GoTaglio's models.json work without one.
  const set = await loadProjectProfiles(await loadProjectOrDefault(cwd), { cwd, env: options.env ?? processEnv() });
  // perfect and flakey need a pipeline's expected(); listing them needs none.
  const mocks = createModelRegistry({ expected: () => null })
    .list()
    .filter((model) => model.kind === 'mock');
  const configured: ListedModel[] = [...set.profiles.values()].map((profile) => ({
    name: profile.name,
    description: profile.description,
    kind: profile.type,
    model: profile.model,
    source: profile.source,
    key: set.keyStatus(profile.name),
  }));
  return { models: [...mocks, ...configured].sort((a, b) => a.name.localeCompare(b.name)), skipped: set.skipped };
}
