import { defineConfig } from 'tagliots';
import { CalcPipeline } from './samples/calc/pipeline.ts';
import dag from './samples/dag/pipeline.ts';

export default defineConfig({
  pipelines: [CalcPipeline, dag],
  runsDir: 'runs',
});
