/** YAML pipelines: `*.pipeline.yaml` files compiled into PipelineSpec objects. */
import type { PipelineSpec } from '../types.ts';
import { compileYamlPipeline, type CompileOptions } from './compile.ts';
import { loadYamlPipelineFile } from './load.ts';

export { compileYamlPipeline, yamlSourceOf, modelNameOf, judgeMessages, runCheck, JudgeOutput, PERFECT_JUDGEMENT, type CompileOptions } from './compile.ts';
export { isPipelineFilePath, loadYamlPipelineFile, parseYamlPipeline, type LoadedYamlPipeline } from './load.ts';

/** Reads, validates and compiles a pipeline file. */
export async function loadYamlPipeline(path: string, options: CompileOptions & { display?: string } = {}): Promise<PipelineSpec> {
  const loaded = await loadYamlPipelineFile(path, options.display !== undefined ? { display: options.display } : {});
  return compileYamlPipeline(loaded, options);
}
