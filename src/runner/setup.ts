import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.ts';
import type { Override } from '../config/overrides.ts';
import { ConfigError, isTagliotsError, PipelineError, messageOf } from '../errors.ts';
import type { ConfigDelta } from '../log/schema.ts';
import { buildStageGraph, type StageGraph } from '../pipeline/dag.ts';
import type { PipelineSpec, SetupContext } from '../pipeline/types.ts';
import { assertModelName, createModelRegistry } from '../model/registry.ts';
import type { Model, ModelRegistry } from '../model/types.ts';
import { getPath, setPath } from '../config/dotted.ts';
import { deepFreeze, findNonJson, type Json } from '../util/json.ts';
import { firstUserFrame } from '../util/stack.ts';

export interface PrepareRunOptions {
  readonly spec: PipelineSpec;
  readonly overrides: readonly Override[];
  readonly runId: string;
  readonly cwd: string;
  /** The folder of the project config; relative paths fall back to it. @default cwd */
  readonly projectRoot?: string;
  /** Models configured by the project. */
  readonly models?: Readonly<Record<string, Model>>;
  /** Wraps every model the pipeline gets (tagliots check records calls instead of making them). */
  readonly interceptModels?: (model: Model) => Model;
  /** A previously resolved config to start from instead of the defaults (reruns). */
  readonly base?: Record<string, unknown>;
}

export interface PreparedRun {
  readonly spec: PipelineSpec;
  /** The resolved config, internal() values filled, frozen. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly deltas: ConfigDelta[];
  readonly graph: StageGraph;
  readonly models: ModelRegistry;
  /** Names of the models `stages()` looked up, in order (the run log lists the configured ones). */
  readonly modelsUsed: readonly string[];
}

/**
 * Everything that happens once per run before the first case: resolve the config, run the
 * pipeline's `stages()` (template compilation, model lookup), check that internal() values were
 * filled, and validate the stage graph. Every error here stops the run before any case starts.
 */
export async function prepareRun(options: PrepareRunOptions): Promise<PreparedRun> {
  const { spec } = options;
  const resolved: ResolvedConfig = resolveConfig(spec.config ?? {}, options.overrides, options.base ? { base: options.base } : undefined);
  const config = resolved.config;
  const internalPaths = new Set(resolved.internalPaths);
  const filled = new Set<string>();
  const expected = spec.expected;
  const modelsUsed = new Set<string>();
  const registry = createModelRegistry({
    ...(expected ? { expected: (callOptions) => expected(callOptions as never) } : {}),
    ...(options.models ? { models: options.models } : {}),
    ...(options.interceptModels ? { intercept: options.interceptModels } : {}),
  });

  // Notes the names looked up during setup; the run's cases get the registry itself.
  const models: ModelRegistry = {
    has: (name) => registry.has(name),
    list: () => registry.list(),
    get: (name) => (assertModelName(name, config), modelsUsed.add(name), registry.get(name)),
  };
  const setup: SetupContext<any> = {
    config,
    models,
    runId: options.runId,
    cwd: options.cwd,
    projectRoot: options.projectRoot ?? options.cwd,
    setInternal(path: string, value: Json) {
      if (!internalPaths.has(path)) {
        throw new PipelineError('E_SETUP_INTERNAL', `setInternal('${path}'): '${path}' is not an internal() value of pipeline '${spec.name}'.`, {
          hint: internalPaths.size > 0 ? `Internal values: ${[...internalPaths].join(', ')}.` : 'Declare it with internal() in the default config.',
        });
      }
      const problem = findNonJson(value);
      if (problem) throw new PipelineError('E_SETUP_INTERNAL', `setInternal('${path}'): ${problem.replace(/^\$/, 'value')}.`);
      setPath(config, path, value);
      filled.add(path);
    },
    resolvePath(path: string) {
      if (isAbsolute(path)) return path;
      const fromCwd = resolve(options.cwd, path);
      if (options.projectRoot === undefined || existsSync(fromCwd)) return fromCwd;
      const fromRoot = resolve(options.projectRoot, path);
      return existsSync(fromRoot) ? fromRoot : fromCwd;
    },
  };

  let stages: Awaited<ReturnType<PipelineSpec['stages']>>;
  try {
    stages = await spec.stages(setup);
  } catch (error) {
    if (isTagliotsError(error)) {
      error.message = `Pipeline '${spec.name}' setup failed: ${error.message}`;
      throw error;
    }
    throw new PipelineError('E_PIPELINE_SETUP', `Pipeline '${spec.name}' setup failed: ${messageOf(error)}`, {
      cause: error,
      hint: `${firstUserFrame(error) ? `Thrown ${firstUserFrame(error)}. ` : ''}stages() runs once before any case; fix the problem it reports and run again.`,
    });
  }
  const graph = buildStageGraph(stages, spec.name);

  const unfilled = [...internalPaths].filter((path) => !filled.has(path) && getPath(config, path) === null);
  if (unfilled.length > 0) {
    throw new ConfigError('E_CONFIG_INTERNAL_UNSET', `Pipeline '${spec.name}' left internal() config values unset: ${unfilled.join(', ')}.`, {
      hint: 'Fill them in stages() with setup.setInternal(path, value).',
    });
  }
  return { spec, config: deepFreeze(config), deltas: resolved.deltas, graph, models: registry, modelsUsed: [...modelsUsed] };
}
