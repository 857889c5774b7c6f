/**
 * The configured models of a project, ready for a run: the profiles of the project config, the
 * models files and the credentials, turned into models sharing one response cache.
 */
import { basename } from 'node:path';
import { ModelError } from '../errors.ts';
import { DEFAULT_CACHE_MODE, type CacheMode } from '../model/cache.ts';
import type { BatchCoordinator } from '../model/batch/batcher.ts';
import { createMockBatchApi, MOCK_BATCH_ENDPOINT, withMockBatch, type MockBatchApi } from '../model/batch/mock.ts';
import { batchSettingsOf, type BatchRunOptions } from '../model/batch/settings.ts';
import { createConfiguredModels, type ConfiguredModelsOptions } from '../model/configured.ts';
import { loadModelProfiles, profileSnapshot, type ProfileSet } from '../model/profiles.ts';
import { knownSecrets, profileSecrets } from '../model/known-secrets.ts';
import { MOCK_DESCRIPTIONS } from '../model/mocks.ts';
import type { Model } from '../model/types.ts';
import type { Project } from '../project/load.ts';
import type { Json } from '../util/json.ts';
import type { SecretScrubber } from '../util/scrub.ts';

/** Where model profiles are looked for, and the environment their keys are read from. */
export interface ModelsPlace {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Every model profile `place` can see: the `models` of the project config (when there is a
 * project), the models files and GoTaglio's models.json, with the status of each one's key.
 */
export function loadProjectProfiles(project: Pick<Project, 'models' | 'configPath'> | undefined, place: ModelsPlace): Promise<ProfileSet> {
  return loadModelProfiles({
    cwd: place.cwd,
    env: place.env,
    ...(project && { projectModels: project.models, projectLabel: basename(project.configPath ?? 'tagliots.config.ts') }),
  });
}

/** What `run` (and `rerun`, `resume`, `check`) needs of the configured models. */
export interface RunModels {
  readonly models: Record<string, Model>;
  readonly cacheMode: CacheMode;
  /** Fails, before any case runs, when a configured model the pipeline uses has no key. */
  check(used: readonly string[]): void;
  /** Gets the configured models the pipeline uses ready for their first request (without waiting). */
  warm(used: readonly string[]): void;
  /** The `models` field of the run header: the configured models used, without secrets. */
  header(used: readonly string[]): { models?: Record<string, Record<string, Json>> };
  /** One line each for what a run that uses only mock models may ignore (model profiles that cannot be loaded). */
  readonly warnings: readonly string[];
  /**
   * For prepareRun()'s `interceptModels`: in batch mode, the built-in mocks answer through an
   * in-memory Batch API (model/batch/mock.ts); undefined when the mocks answer online.
   */
  readonly intercept?: (model: Model) => Model;
}

export interface RunModelsOptions extends ModelsPlace {
  /** The response cache mode (`--cache`); default: the project config's, else `rw`. */
  readonly cache?: CacheMode | undefined;
  /** Learns every key in play (the environment's, the credentials files', each model's) and scrubs what the cache stores. */
  readonly secrets?: SecretScrubber;
  /** Batch mode: the run's coordinator, and which profiles batch (see ConfiguredModelsOptions.batch). */
  readonly batch?: ConfiguredModelsOptions['batch'];
}

/** Loads the configured models for a run of `project`. */
export async function loadRunModels(project: Pick<Project, 'models' | 'configPath' | 'cacheMode' | 'cacheDir'>, options: RunModelsOptions): Promise<RunModels> {
  let set: ProfileSet;
  const mocks = batchedMocks(options.batch);
  try {
    set = await loadProjectProfiles(project, options);
  } catch (error) {
    // A broken profile or credentials file stops only runs that use a configured model.
    if (!(error instanceof ModelError)) throw error;
    return withoutProfiles(error, options.cache ?? project.cacheMode ?? DEFAULT_CACHE_MODE, mocks);
  }
  options.secrets?.add([...(await knownSecrets(options)), ...profileSecrets(set)]);
  const cacheMode = options.cache ?? project.cacheMode ?? DEFAULT_CACHE_MODE;
  // Requests honour the run's HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
  const sdk = set.profiles.size === 0 ? undefined : await import('../model/sdk-call.ts');
  const models = sdk
    ? createConfiguredModels(set, {
        cacheMode,
        cacheDir: project.cacheDir,
        proxy: sdk.proxySettingsFrom(options.env),
        ...(options.secrets && { secrets: options.secrets }),
        ...(options.batch && { batch: options.batch }),
      })
    : {};
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
      if (configuredUsed(used).length > 0) sdk?.warmSdk();
    },
    header(used) {
      const names = configuredUsed(used);
      const snapshot: Record<string, Record<string, Json>> = { ...mocks?.header(used) };
      for (const name of names) {
        const profile = set.profiles.get(name)!;
        const batch = batchSettingsOf(profile.batch, options.batch?.options);
        // The run's own batch settings (--batch), so the header says how each model was called.
        snapshot[name] = { ...profileSnapshot(profile), cache: cacheMode, ...(batch && { batch: { ...batch } }) };
      }
      return Object.keys(snapshot).length === 0 ? {} : { models: sortedByName(snapshot) };
    },
    warnings: [],
    ...(mocks && { intercept: mocks.intercept }),
  };
}

const sortedByName = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The mocks of a run in batch mode: how they are wrapped, and what the header says of the ones used. */
interface BatchedMocks {
  readonly intercept: (model: Model) => Model;
  /** The header's entries for the mocks used: each one's batch settings, so a resume batches too. */
  header(used: readonly string[]): Record<string, Record<string, Json>>;
}

/**
 * In batch mode (`--batch`: every model), the built-in mocks queue their calls like configured
 * models, for an in-memory Batch API shared by the run's mocks; undefined when they answer online.
 */
function batchedMocks(batch: { readonly coordinator: BatchCoordinator; readonly options: BatchRunOptions } | undefined): BatchedMocks | undefined {
  const settings = batch && batchSettingsOf(undefined, batch.options);
  if (!batch || !settings) return undefined;
  let api: MockBatchApi | undefined;
  return {
    intercept(model) {
      if (model.kind !== 'mock' || !isMockName(model.name)) return model;
      api ??= createMockBatchApi();
      const batcher = batch.coordinator.profile(model.name, api.api, settings, MOCK_BATCH_ENDPOINT, undefined, { ephemeral: true });
      return withMockBatch(model, batcher, api);
    },
    header(used) {
      const names = [...new Set(used)].filter(isMockName).sort();
      return Object.fromEntries(names.map((name) => [name, { type: 'mock', model: name, batch: { ...settings } }]));
    },
  };
}

const isMockName = (name: string): boolean => Object.hasOwn(MOCK_DESCRIPTIONS, name);

/** The models of a run when the profiles could not be loaded: the mocks only; using any other model fails with the profiles' error. */
function withoutProfiles(failure: ModelError, cacheMode: CacheMode, mocks: BatchedMocks | undefined): RunModels {
  const first = failure.message.split('\n')[0]!;
  return {
    // Asking for any model but a mock (the registry looks names up here) gets the profiles' error.
    models: new Proxy<Record<string, Model>>(
      {},
      {
        getOwnPropertyDescriptor(target, key) {
          if (typeof key === 'string' && !isMockName(key)) throw failure;
          return Reflect.getOwnPropertyDescriptor(target, key);
        },
      },
    ),
    cacheMode,
    check(used) {
      if (used.some((name) => !isMockName(name))) throw failure;
    },
    warm() {},
    header(used) {
      const models = mocks?.header(used) ?? {};
      return Object.keys(models).length === 0 ? {} : { models };
    },
    warnings: [`Warning: configured models are unavailable, only the mock models can run: ${first} (${failure.code})`],
    ...(mocks && { intercept: mocks.intercept }),
  };
}
