import { basename } from 'node:path';
import { EXIT, ModelError } from '../errors.ts';
import type { CacheMode } from '../model/cache.ts';
import { DEFAULT_CACHE_MODE } from '../model/cache.ts';
import { createConfiguredModels } from '../model/configured.ts';
import { loadModelProfiles, profileSnapshot, type KeyStatus, type ProfileSet } from '../model/profiles.ts';
import { createModelRegistry } from '../model/registry.ts';
import type { Model } from '../model/types.ts';
import { findProjectConfig, loadProject, type Project } from '../project/load.ts';
import type { Json } from '../util/json.ts';
import type { Io } from '../util/io.ts';

export interface ModelsCommandOptions {
  readonly json?: boolean;
}

/** `tagliots models`: the mocks and the configured models, and whether each one's key is there (never the key). */
export async function modelsCommand(options: ModelsCommandOptions, io: Io): Promise<number> {
  // The project config is optional here: models files and GoTaglio's models.json work without one.
  const project = findProjectConfig(io.cwd) ? await loadProject(io.cwd) : undefined;
  const set = await loadModelProfiles({
    cwd: io.cwd,
    env: io.env,
    ...(project && { projectModels: project.models, projectLabel: basename(project.configPath ?? 'tagliots.config.ts') }),
  });
  // perfect and flakey need a pipeline's expected(); listing them needs none.
  const mocks = createModelRegistry({ expected: () => null })
    .list()
    .filter((model) => model.kind === 'mock');
  interface Listed {
    name: string;
    description: string;
    kind: string;
    model?: string;
    source?: string;
    key?: KeyStatus;
  }
  const configured: Listed[] = [...set.profiles.values()].map((profile) => ({
    name: profile.name,
    description: profile.description,
    kind: profile.type,
    model: profile.model,
    source: profile.source,
    key: set.keyStatus(profile.name),
  }));
  const all: Listed[] = [...mocks, ...configured].sort((a, b) => a.name.localeCompare(b.name));

  if (options.json) {
    const skipped = set.skipped.map((skip) => ({ name: skip.name, description: skip.reason, kind: 'unsupported', source: skip.source }));
    io.stdout.write(`${JSON.stringify([...all, ...skipped], null, 2)}\n`);
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
  for (const skip of set.skipped) io.stdout.write(`  ${skip.name}: skipped (${skip.source}): ${skip.reason}\n`);
  return EXIT.ok;
}

/** What `run` (and `rerun`, `resume`) needs of the configured models. */
export interface RunModels {
  readonly models: Record<string, Model>;
  readonly cacheMode: CacheMode;
  /** Fails, before any case runs, when a configured model the pipeline uses has no key. */
  check(used: readonly string[]): void;
  /** Gets the configured models the pipeline uses ready for their first request (without waiting). */
  warm(used: readonly string[]): void;
  /** The `models` field of the run header: the configured models used, without secrets. */
  header(used: readonly string[]): { models?: Record<string, Record<string, Json>> };
}

/** Loads the configured models for a run; `cache` is the --cache option, if given. */
export async function loadRunModels(project: Project, io: Io, cache: CacheMode | undefined): Promise<RunModels> {
  const set: ProfileSet = await loadModelProfiles({
    cwd: io.cwd,
    env: io.env,
    projectModels: project.models,
    projectLabel: basename(project.configPath ?? 'tagliots.config.ts'),
  });
  const cacheMode = cache ?? project.cacheMode ?? DEFAULT_CACHE_MODE;
  // Requests run on a model thread unless TAGLIOTS_WORKERS=0 (see model/sdk-thread.ts).
  // Its own import, so that the thread loads a small file of its own (the SDK's side only).
  const transport = set.profiles.size === 0 ? undefined : (await import('../model/sdk-thread.ts')).sdkTransport({ threads: io.env['TAGLIOTS_WORKERS'] !== '0' });
  const models = transport ? createConfiguredModels(set, { cacheMode, cacheDir: project.cacheDir, transport }) : {};
  const configuredUsed = (used: readonly string[]) => [...new Set(used)].filter((name) => set.profiles.has(name)).sort();
  return {
    models,
    cacheMode,
    check(used) {
      for (const name of configuredUsed(used)) {
        const status = set.keyStatus(name);
        if (status.state === 'missing') {
          throw new ModelError('E_MODEL_NO_KEY', `Model '${name}' has no API key: ${status.source} is not set.`, {
            hint: status.source.startsWith('env ')
              ? `Set it (export ${status.source.slice(4)}=...), or put the key in .credentials.json under "${name}".`
              : `Add the key to ${status.source.replace(/ \(.*\)$/, '')}, or set apiKeyEnv in the model's settings.`,
          });
        }
      }
    },
    warm(used) {
      if (configuredUsed(used).length > 0) transport?.warm();
    },
    header(used) {
      const names = configuredUsed(used);
      if (names.length === 0) return {};
      const snapshot: Record<string, Record<string, Json>> = {};
      for (const name of names) snapshot[name] = { ...profileSnapshot(set.profiles.get(name)!), cache: cacheMode };
      return { models: snapshot };
    },
  };
}
