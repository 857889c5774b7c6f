/**
 * Cases for the unit tests of the case executor and the stage wrappers: an environment whose
 * pipeline is the given stages, with the mock models (and any given), and cases started with
 * startCase as a run would start them.
 */
import { createModelRegistry, type ModelRegistryOptions } from '../../src/model/registry.ts';
import type { Model } from '../../src/model/types.ts';
import { buildStageGraph } from '../../src/pipeline/dag.ts';
import type { PipelineSpec, Stages } from '../../src/pipeline/types.ts';
import type { CaseRecord } from '../../src/log/schema.ts';
import { startCase, type CaseEnvironment, type CaseRun } from '../../src/runner/case.ts';
import type { JsonObject } from '../../src/util/json.ts';

export interface TestEnvironmentOptions {
  /** Merged into the pipeline `p` (passed, score, columns...). */
  readonly spec?: Partial<PipelineSpec<any, any, any>>;
  /** @default {} */
  readonly config?: Record<string, unknown>;
  /** Configured models beside the mocks. */
  readonly models?: Record<string, Model>;
  /** What the perfect and flakey mocks answer. @default 'x' */
  readonly expected?: ModelRegistryOptions['expected'];
  readonly artifactsDir?: string;
}

/** The environment of run `run-1` of pipeline `p`, whose stages are `stages`. */
export function caseEnvironment(stages: Stages<any, any, any>, options: TestEnvironmentOptions = {}): CaseEnvironment {
  return {
    runId: 'run-1',
    spec: { name: 'p', description: 'test pipeline', stages: () => stages, ...options.spec } as PipelineSpec,
    graph: buildStageGraph(stages, 'p'),
    config: options.config ?? {},
    models: createModelRegistry({ expected: options.expected ?? (() => 'x'), ...(options.models && { models: options.models }) }),
    ...(options.artifactsDir && { artifactsDir: options.artifactsDir }),
  };
}

/** Starts case `c` (its id from its `id` field) at suite position `index`. */
export function startTestCase(env: CaseEnvironment, c: JsonObject = { id: 'c1' }, index = 0): CaseRun {
  return startCase(env, { index, id: String(c['id']), case: c });
}

/** Runs case `c` to its record. */
export function runTestCase(env: CaseEnvironment, c?: JsonObject, index?: number): Promise<CaseRecord> {
  return startTestCase(env, c, index).done;
}

/** A promise with its resolve function, to let a test act at a precise moment. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Starts case `c` through a pipeline of `stages`. */
export function startStages(stages: Stages<any, any, any>, options?: TestEnvironmentOptions, c?: JsonObject, index?: number): CaseRun {
  return startTestCase(caseEnvironment(stages, options), c, index);
}

/** Runs case `c` through a pipeline of `stages` to its record. */
export function runStages(stages: Stages<any, any, any>, options?: TestEnvironmentOptions, c?: JsonObject, index?: number): Promise<CaseRecord> {
  return startStages(stages, options, c, index).done;
}

/** Each stage's status, by name. */
export function stageStatuses(record: CaseRecord): Record<string, string> {
  return Object.fromEntries(Object.entries(record.stageRecords).map(([name, r]) => [name, r.status]));
}
