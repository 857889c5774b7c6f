import type { Resolved } from '../config/markers.ts';
import type { CaseStatus, ErrorInfo } from '../log/schema.ts';
import type { ModelRegistry, UsageInput } from '../model/types.ts';
import type { Json, JsonObject } from '../util/json.ts';

/** A case as read from a suite: a JSON object with a `uuid` or `id`. */
export type Case = JsonObject;

/** Stage outputs by stage name, when the pipeline does not declare their types. */
export type AnyStages = Record<string, Json>;

/** A default config: nested objects whose leaves are JSON values or prompt()/internal() markers. */
export type ConfigShape = object;

/** What a stage receives. */
export interface StageContext<TCase = Case, TStages = AnyStages, TConfig = ConfigShape> {
  /** The case, exactly as in the suite. */
  readonly case: TCase;
  /** The case id (its `uuid` or `id`). */
  readonly caseId: string;
  /** Position of the case in the suite, from 0. */
  readonly caseIndex: number;
  /** Which repetition of the case this is (`run --repeat N`), from 0; always 0 without --repeat. */
  readonly repeat: number;
  readonly runId: string;
  /** The name of the running stage. */
  readonly stage: string;
  /** Outputs of the stages that have completed so far. */
  readonly stages: Readonly<Partial<TStages>>;
  /** The resolved config (read-only). */
  readonly config: Resolved<TConfig>;
  /** Aborted when the case is cancelled (Ctrl-C, or a sibling stage failed). Pass it on to I/O. */
  readonly signal: AbortSignal;
  /** The models of this run, by name. */
  readonly models: ModelRegistry;
  /** Adds token usage to this stage's record (model calls made through `models` do this for you). */
  recordUsage(usage: UsageInput): void;
  /**
   * Multi-turn cases (a `turns` array in the case): the index of the turn being run, from 0.
   * `null` for a single-turn case.
   */
  readonly turn: number | null;
  /** Multi-turn cases: the fields of the current turn (`case.turns[turn]`). For a single-turn case, the case itself. */
  readonly turnCase: TurnOf<TCase>;
  /** Multi-turn cases: the earlier turns of this case, in order, with their status and stage outputs. Empty otherwise. */
  readonly turns: readonly TurnView<TStages>[];
  /** Records an event (`{ t, stage, type, data }`) in the case record. `data` must be JSON. */
  emit(type: string, data?: Json): void;
  /**
   * Stores large content beside the run log, content-addressed and deduplicated
   * (`runs/<run-id>.artifacts/<sha256 prefix>/<name>`), and lists it in the case record.
   * Strings and bytes are stored as they are, other JSON values as indented JSON.
   */
  artifact(name: string, content: string | Uint8Array | Json, options?: { mime?: string }): Promise<ArtifactRef>;
  /** Inside `loop()`: the iteration (from 0) and the outputs of the earlier iterations. */
  readonly loop?: { readonly iteration: number; readonly previous: readonly unknown[] };
}

/** The current turn's fields: the element type of `turns` when the case has them, else the case. */
export type TurnOf<TCase> = TCase extends { readonly turns: readonly (infer T)[] } ? T : TCase;

/** An earlier turn of a multi-turn case, as later turns see it. */
export interface TurnView<TStages = AnyStages> {
  readonly index: number;
  readonly status: 'complete' | 'error' | 'cancelled' | 'skipped';
  readonly passed: boolean | null;
  /** Outputs of the stages of that turn that finished ok. */
  readonly stages: Readonly<Partial<TStages>>;
}

/** A stored artifact, as listed in the case record. */
export interface ArtifactRef {
  readonly stage: string;
  readonly name: string;
  /** Relative to the runs folder: `<run-id>.artifacts/<sha256 prefix>/<name>`. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly mime: string;
  readonly turn?: number;
}

/** An async stage: returns a JSON value that becomes `ctx.stages[name]`. */
export type StageFn<TCase = Case, TStages = AnyStages, TConfig = ConfigShape> = (
  ctx: StageContext<TCase, TStages, TConfig>,
) => unknown;

/** A node of a DAG pipeline: it starts as soon as every stage in `inputs` has completed. */
export interface StageNode<TCase = Case, TStages = AnyStages, TConfig = ConfigShape> {
  readonly name: string;
  readonly stage: StageFn<TCase, TStages, TConfig>;
  /** Stages whose outputs this one needs. @default [] */
  readonly inputs?: readonly string[];
  /** Most instances of this stage in flight across all cases of the run. @default unlimited */
  readonly concurrency?: number;
}

/** Linear pipelines: stages in the order given. DAG pipelines: a list of nodes. */
export type Stages<TCase = Case, TStages = AnyStages, TConfig = ConfigShape> =
  | Readonly<Record<string, StageFn<TCase, TStages, TConfig>>>
  | readonly StageNode<TCase, TStages, TConfig>[];

/** What `stages()` receives: runs once per run, before any case. */
export interface SetupContext<TConfig = ConfigShape> {
  /** The resolved config. internal() values are null until set with `setInternal`. */
  readonly config: Resolved<TConfig>;
  readonly models: ModelRegistry;
  readonly runId: string;
  /** The working directory of the command. */
  readonly cwd: string;
  /** The folder of the project config (tagliots.config.*). */
  readonly projectRoot: string;
  /** Fills an internal() config value; it is recorded in the run log with the rest of the config. */
  setInternal(path: string, value: Json): void;
  /**
   * Resolves a relative path from the config: against the working directory when the file exists
   * there, else against the project root (so suites that name `samples/...` work from any folder
   * of the project).
   */
  resolvePath(path: string): string;
}

/** A finished case, as the passed/score/column functions see it. */
export interface CaseResult<TCase = Case, TStages = AnyStages, TConfig = ConfigShape> {
  readonly case: TCase;
  readonly caseId: string;
  readonly stages: Readonly<Partial<TStages>>;
  readonly config: Resolved<TConfig>;
  readonly status: CaseStatus;
  readonly error: ErrorInfo | null;
  /**
   * Multi-turn cases: the turn this result is for (passed() and score() run once per turn), or
   * `null` for the whole case (columns of the case row). Always `null` for single-turn cases.
   */
  readonly turn?: number | null;
  /** Multi-turn cases: every turn run so far (for the case row: all of them). */
  readonly turns?: readonly TurnView<TStages>[];
  /** Multi-turn cases: the current turn's fields. */
  readonly turnCase?: TurnOf<TCase>;
}

/** What the expected() function (used by the `perfect` and `flakey` mocks) sees. */
export interface ExpectedContext<TCase = Case, TStages = AnyStages, TConfig = ConfigShape> {
  readonly case: TCase;
  /** Multi-turn cases: the turn being run and its fields (see StageContext). */
  readonly turn?: number | null;
  readonly turnCase?: TurnOf<TCase>;
  readonly turns?: readonly TurnView<TStages>[];
  readonly stages: Readonly<Partial<TStages>>;
  readonly config: Resolved<TConfig>;
}

export type ColumnValue = string | number | boolean | null;

/**
 * What a function of a pipeline's `format` hook returns for a case: a string is plain text (shown
 * as it is on a terminal, fenced in Markdown); `{ markdown }` is Markdown (shown as it is in
 * Markdown reports, as its source on a terminal); `null` or `undefined` leaves the section out for
 * that case.
 */
export type FormatSectionValue = string | { readonly markdown: string } | { readonly text: string } | null | undefined;

/** A pipeline, in the object form `definePipeline` takes. */
export interface PipelineSpec<TCase = Case, TStages = AnyStages, TConfig extends ConfigShape = ConfigShape> {
  /** Name used on the command line (`-p calc`) and in suites. */
  readonly name: string;
  readonly description: string;
  /** Default config, with prompt() and internal() markers. @default {} */
  readonly config?: TConfig;
  /**
   * Builds the stages. Runs once per run before any case, so setup errors (a missing template, an
   * unknown model name) surface before the first case starts.
   */
  stages(setup: SetupContext<TConfig>): Stages<TCase, TStages, TConfig> | Promise<Stages<TCase, TStages, TConfig>>;
  /** The expected answer for a case: what the `perfect` mock model answers. */
  expected?(ctx: ExpectedContext<TCase, TStages, TConfig>): Json | undefined;
  /** Whether a complete case passed. Evaluated at run time and stored in the log. */
  passed?(result: CaseResult<TCase, TStages, TConfig>): boolean;
  /** A numeric score for a complete case, stored in the log. */
  score?(result: CaseResult<TCase, TStages, TConfig>): number | null;
  /** Extra summary columns, evaluated at run time and stored in the log. */
  readonly columns?: Readonly<Record<string, (result: CaseResult<TCase, TStages, TConfig>) => ColumnValue>>;
  /**
   * Sections of the case report (`tagliots format`), by title, in the order given: each function
   * turns a finished case (each turn of a multi-turn case) into text or Markdown. Like `columns`,
   * they run when the case ends, for every case, and what they return is stored in the log, so a
   * report never runs pipeline code. A section that throws is recorded with its error.
   * @example
   * format: {
   *   'Bill of materials': ({ stages }) => ({ markdown: (stages.assess?.items ?? []).map((item) => `* ${item.name}`).join('\n') }),
   *   'Raw reply': ({ stages }) => (typeof stages.infer === 'string' ? stages.infer : null),
   * }
   */
  readonly format?: Readonly<Record<string, (result: CaseResult<TCase, TStages, TConfig>) => FormatSectionValue>>;
}
