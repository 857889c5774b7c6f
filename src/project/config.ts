import type { PipelineLike } from '../pipeline/define.ts';

/** The project config, the default export of `tagliots.config.{ts,mts,js,mjs}`. */
export interface ProjectConfig {
  /** The pipelines `tagliots run` can use, in listing order. */
  readonly pipelines?: readonly PipelineLike[];
  /** Where run logs are written, relative to the config file. @default 'runs' */
  readonly runsDir?: string;
  /** Cases in flight at once when `-c` is not given. @default 8 */
  readonly concurrency?: number;
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
