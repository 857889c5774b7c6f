import { defineConfig } from 'tagliots';
import { CalcPipeline } from './samples/calc/pipeline.ts';
import dag from './samples/dag/pipeline.ts';
import menu from './samples/menu/pipeline.ts';
import agent from './samples/agent/pipeline.ts';

export default defineConfig({
  pipelines: [CalcPipeline, dag, menu, 'samples/qa/qa.pipeline.yaml', agent],
  runsDir: 'runs',
});
