import type { PipelineLike } from '../pipeline/define.ts';
import type { ModelProfileConfig } from '../model/types.ts';

/** The project config, the default export of `tagliots.config.{ts,mts,js,mjs}`. */
export interface ProjectConfig {
  /** The pipelines `tagliots run` can use, in listing order: code pipelines, or paths of `*.pipeline.yaml` files relative to the config file. */
  readonly pipelines?: readonly (PipelineLike | string)[];
  /** Where run logs are written, relative to the config file. @default 'runs' */
  readonly runsDir?: string;
  /** Cases in flight at once when `-c` is not given. @default 8 */
  readonly concurrency?: number;
  /** Configured models (profiles) by name: OpenAI, Azure OpenAI, OpenAI-compatible servers. See docs/models.md. */
  readonly models?: Readonly<Record<string, ModelProfileConfig>>;
  /** The response cache of configured models. */
  readonly cache?: {
    /** Folder, relative to the config file. @default '.tagliots-cache' */
    readonly dir?: string;
    /** Default for `run --cache`. @default 'rw' */
    readonly mode?: 'off' | 'read' | 'write' | 'rw';
  };
}

/**
 * Declares the project config with type checking.
 * @example
 * // tagliots.config.ts
 * import { defineConfig } from 'tagliots';
 * import calc from './samples/calc/pipeline.ts';
 * export default defineConfig({ pipelines: [calc], runsDir: 'runs' });
 */
export function defineConfig(config: ProjectConfig): ProjectConfig {
  return config;
}

export const CONFIG_FILE_NAMES = ['tagliots.config.ts', 'tagliots.config.mts', 'tagliots.config.js', 'tagliots.config.mjs'] as const;

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_RUNS_DIR = 'runs';
export const DEFAULT_CACHE_DIR = '.tagliots-cache';
