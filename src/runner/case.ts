/**
 * Running one case: what every case of a run shares, what a case is given, and `startCase`, which
 * runs it once through the stage graph (`graph-run.ts`) or, for a case with turns, once per turn
 * (`turns.ts`).
 */
import type { CaseRecord, StageRecord } from '../log/schema.ts';
import type { StageGraph } from '../pipeline/dag.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import type { ModelEvent, ModelRegistry } from '../model/types.ts';
import type { JsonObject } from '../util/json.ts';
import { GraphRun } from './graph-run.ts';
import { MultiTurnRun, turnsOf } from './turns.ts';

/** What every case of a run shares. */
export interface CaseEnvironment {
  readonly runId: string;
  readonly spec: PipelineSpec;
  readonly graph: StageGraph;
  readonly config: Readonly<Record<string, unknown>>;
  readonly models: ModelRegistry;
  /** Live notices from configured models (progress display, cost budget). */
  readonly onModelEvent?: ((event: ModelEvent) => void) | undefined;
  /** Where ctx.artifact() stores content: `<runs>/<run-id>.artifacts`. Without it, ctx.artifact() fails. */
  readonly artifactsDir?: string | undefined;
  /** Replaces the secrets in play in text a stage stores (artifacts), as the log writer does. */
  readonly scrub?: ((text: string) => string) | undefined;
}

export interface CaseInput {
  readonly index: number;
  readonly id: string;
  readonly case: JsonObject;
  /** Which repetition of the case this is (run --repeat), from 0. Recorded when given. */
  readonly repeat?: number;
  /** Stages not to run: their outputs and records come from an earlier run (rerun --from). */
  readonly reused?: ReusedStages;
}

/**
 * Stage outputs copied from an earlier run's record instead of being computed again. The names
 * must form a set closed under inputs (every input of a reused stage is reused too).
 */
export interface ReusedStages {
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The original stage records (timings, usage); they are logged with `reused: true`. */
  readonly records: Readonly<Record<string, StageRecord>>;
}

/** Why a case's stages were aborted from outside. */
export type CancelReason = 'interrupted' | 'budget';

/**
 * A case in flight. `cancel()` aborts its running stages (their signal fires); the case then ends as
 * cancelled unless a stage had already failed.
 */
export interface CaseRun {
  readonly done: Promise<CaseRecord>;
  cancel(reason: CancelReason): void;
}

/**
 * Starts a case; its record, evaluated by the pipeline's passed(), score() and columns, arrives on
 * `done`. A case with a `turns` array runs once per turn (unless it reuses stages of an earlier run).
 */
export function startCase(env: CaseEnvironment, input: CaseInput): CaseRun {
  const turns = input.reused ? undefined : turnsOf(input.case);
  if (turns) return new MultiTurnRun(env, input, turns);
  const run = new GraphRun(env, input);
  run.start();
  return run;
}
