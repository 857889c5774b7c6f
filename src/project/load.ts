import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ProjectError, isTagliotsError, messageOf, type TagliotsError } from '../errors.ts';
import { toPipelineSpec } from '../pipeline/define.ts';
import { firstUserFrame } from '../util/stack.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { CONFIG_FILE_NAMES, DEFAULT_CACHE_DIR, DEFAULT_RUNS_DIR, type ProjectConfig } from './config.ts';
import { importModule } from './import-module.ts';
import { isPipelineFilePath, loadYamlPipeline } from '../pipeline/yaml/index.ts';

/** Loads a `*.pipeline.yaml` file (TypeScript `type: function` modules are bundled like the config). */
export async function loadPipelineFile(path: string, cwd: string): Promise<PipelineSpec> {
  const absolute = resolve(cwd, path);
  const shown = relative(cwd, absolute);
  if (!isPipelineFilePath(path)) {
    throw new ProjectError('E_PROJECT_SHAPE', `'${path}' is not a pipeline file: list code pipelines as imported values, and YAML pipelines as paths ending in .pipeline.yaml.`);
  }
  return loadYamlPipeline(absolute, { importModule, display: shown.startsWith('..') || shown === '' ? absolute : shown });
}

/** The project as the commands see it. */
export interface Project {
  /** Absolute path of the config file, or null when there is none. */
  readonly configPath: string | null;
  /** The folder of the config file (or the working directory without one). */
  readonly root: string;
  /** Absolute path of the runs folder. */
  readonly runsDir: string;
  readonly concurrency: number | undefined;
  /** `models` of the config, unchecked: src/model/profiles.ts checks it when a command needs models. */
  readonly models: unknown;
  /** Absolute path of the response cache folder. */
  readonly cacheDir: string;
  /** The config's default cache mode, when it sets one. */
  readonly cacheMode: 'off' | 'read' | 'write' | 'rw' | undefined;
  /** Pipelines by name, in the order the config lists them. */
  readonly pipelines: ReadonlyMap<string, PipelineSpec>;
  /**
   * Pipeline files the config lists that could not be loaded: they fail only the commands that
   * ask for them (see selectPipeline()); the others warn (unloadedWarnings()).
   */
  readonly unloaded?: readonly UnloadedPipeline[];
}

/** A pipeline file of the config that could not be loaded, and why. */
export interface UnloadedPipeline {
  /** The path as the config lists it. */
  readonly path: string;
  readonly error: TagliotsError;
}

/** One line per pipeline file that could not be loaded, for commands that do not need it. */
export function unloadedWarnings(project: Project): string[] {
  return (project.unloaded ?? []).map(({ path, error }) => `Warning: pipeline file ${path} is skipped, it cannot be loaded (${error.code}; \`tagliots check ${path}\` shows why).`);
}

/** Finds `tagliots.config.*` in `cwd` or the nearest ancestor. */
export function findProjectConfig(cwd: string): string | null {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Loads the project config and its pipelines. TypeScript configs are bundled once with esbuild and
 * cached, so later commands import plain JavaScript.
 */
export async function loadProject(cwd: string): Promise<Project> {
  const configPath = findProjectConfig(cwd);
  if (!configPath) {
    throw new ProjectError('E_PROJECT_NOT_FOUND', `No ${CONFIG_FILE_NAMES.join(', ')} in ${cwd} or any parent folder.`, {
      hint: "Create tagliots.config.ts:\n  import { defineConfig } from 'tagliots';\n  import myPipeline from './pipeline.ts';\n  export default defineConfig({ pipelines: [myPipeline] });",
    });
  }
  const root = dirname(configPath);
  const shown = relative(cwd, configPath) || configPath;
  let loaded: Record<string, unknown>;
  try {
    loaded = await importModule(configPath);
  } catch (error) {
    if (error instanceof ProjectError) throw error;
    throw new ProjectError('E_PROJECT_LOAD', `Loading ${shown} failed: ${messageOf(error)}`, {
      cause: error,
      hint: firstUserFrame(error) ? `Thrown ${firstUserFrame(error)}.` : 'The error was thrown while evaluating the config or a module it imports.',
    });
  }
  const config = (loaded['default'] ?? loaded['config']) as ProjectConfig | undefined;
  if (typeof config !== 'object' || config === null) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown} has no default export.`, {
      hint: 'End it with: export default defineConfig({ pipelines: [...] });',
    });
  }
  // Pipelines listed by path ('samples/qa/qa.pipeline.yaml'): relative to the config file.
  // A file that cannot be loaded is set aside, not thrown: it fails only a command that needs it.
  const listed: unknown = config.pipelines;
  const unloaded: UnloadedPipeline[] = [];
  const pipelines = Array.isArray(listed)
    ? await Promise.all(
        listed.map(async (entry: unknown) => {
          if (typeof entry !== 'string') return entry;
          try {
            return await loadPipelineFile(resolve(root, entry), cwd);
          } catch (error) {
            if (!isTagliotsError(error)) throw error;
            unloaded.push({ path: entry, error });
            return undefined;
          }
        }),
      )
    : listed;
  const loadedConfig = Array.isArray(listed) ? { ...config, pipelines: (pipelines as unknown[]).filter((entry) => entry !== undefined) as unknown as ProjectConfig['pipelines'] } : config;
  const project = buildProject(loadedConfig, configPath, root, shown);
  return unloaded.length === 0 ? project : { ...project, unloaded };
}

/** A project for commands that only read run logs and found no config file. */
export function defaultProject(cwd: string): Project {
  return {
    configPath: null,
    root: cwd,
    runsDir: resolve(cwd, DEFAULT_RUNS_DIR),
    concurrency: undefined,
    pipelines: new Map(),
    models: undefined,
    cacheDir: resolve(cwd, DEFAULT_CACHE_DIR),
    cacheMode: undefined,
  };
}

/** The project of `cwd` when there is a config file (loaded; its errors are thrown), else defaultProject(). */
export async function loadProjectOrDefault(cwd: string): Promise<Project> {
  return findProjectConfig(cwd) ? loadProject(cwd) : defaultProject(cwd);
}

function buildProject(config: ProjectConfig, configPath: string, root: string, shown: string): Project {
  const known = new Set(['pipelines', 'runsDir', 'concurrency', 'models', 'cache']);
  const unknown = Object.keys(config).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown}: unknown config key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}.`, {
      hint: `Known keys: ${[...known].join(', ')}.`,
    });
  }
  if (config.runsDir !== undefined && (typeof config.runsDir !== 'string' || config.runsDir === '')) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown}: runsDir must be a folder path.`);
  }
  if (config.concurrency !== undefined && !(Number.isInteger(config.concurrency) && config.concurrency > 0)) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown}: concurrency must be a positive integer (got ${String(config.concurrency)}).`);
  }
  const cache = checkCache(config.cache, shown);
  const pipelines = new Map<string, PipelineSpec>();
  const list = config.pipelines ?? [];
  if (!Array.isArray(list)) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown}: pipelines must be a list.`, { hint: 'pipelines: [calc, dag]' });
  }
  list.forEach((entry: unknown, i) => {
    const spec = toPipelineSpec(entry, `${shown}: pipelines[${i}]`);
    if (pipelines.has(spec.name)) {
      throw new ProjectError('E_PROJECT_SHAPE', `${shown}: two pipelines are named '${spec.name}'.`);
    }
    pipelines.set(spec.name, spec);
  });
  return {
    configPath,
    root,
    runsDir: resolve(root, config.runsDir ?? DEFAULT_RUNS_DIR),
    concurrency: config.concurrency,
    pipelines,
    models: config.models,
    cacheDir: resolve(root, cache.dir ?? DEFAULT_CACHE_DIR),
    cacheMode: cache.mode,
  };
}

const CACHE_MODES = ['off', 'read', 'write', 'rw'] as const;

function checkCache(cache: ProjectConfig['cache'], shown: string): NonNullable<ProjectConfig['cache']> {
  if (cache === undefined) return {};
  if (typeof cache !== 'object' || cache === null || Array.isArray(cache)) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown}: cache must be an object such as { dir: '.tagliots-cache', mode: 'rw' }.`);
  }
  const unknown = Object.keys(cache).filter((key) => key !== 'dir' && key !== 'mode');
  if (unknown.length > 0) throw new ProjectError('E_PROJECT_SHAPE', `${shown}: unknown cache key '${unknown[0]}'.`, { hint: 'Known keys: dir, mode.' });
  if (cache.dir !== undefined && (typeof cache.dir !== 'string' || cache.dir === '')) throw new ProjectError('E_PROJECT_SHAPE', `${shown}: cache.dir must be a folder path.`);
  if (cache.mode !== undefined && !(CACHE_MODES as readonly unknown[]).includes(cache.mode)) {
    throw new ProjectError('E_PROJECT_SHAPE', `${shown}: cache.mode must be one of ${CACHE_MODES.join(', ')} (got ${JSON.stringify(cache.mode)}).`);
  }
  return cache;
}
