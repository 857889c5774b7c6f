/**
 * tagliots: the library pipeline authors import.
 * @packageDocumentation
 */
export { prompt, internal, type PromptMarker, type InternalMarker, type Resolved } from './config/markers.ts';
export { definePipeline, Pipeline, type PipelineLike } from './pipeline/define.ts';
export { withContext, withContextSync } from './pipeline/context-chain.ts';
export { loadTemplate, compileTemplate, type Template } from './pipeline/template.ts';
export { llm, LlmOutputError, type LlmMessage, type LlmOptions } from './pipeline/llm.ts';
export { defineConfig, type ProjectConfig } from './project/config.ts';
export { ok, skip, cancel, fail, isOutcome, type Outcome, type OkOutcome, type SkipOutcome, type CancelOutcome, type FailOutcome } from './pipeline/outcome.ts';
export { stage, parallel, loop, isStage, type Stage, type StageMeta, type StageError, type RetryOptions, type Backoff, type StageFnLike } from './pipeline/stage.ts';
export { treeRepair, hungarian, type TreeRepairOptions, type TreeRepairResult } from './pipeline/tree-repair.ts';
export type {
  AnyStages,
  ArtifactRef,
  Case,
  CaseResult,
  ColumnValue,
  ConfigShape,
  ExpectedContext,
  PipelineSpec,
  SetupContext,
  StageContext,
  StageFn,
  StageNode,
  Stages,
  TurnOf,
  TurnView,
} from './pipeline/types.ts';
export type {
  CacheStatus,
  CallOptions,
  ChatMessage,
  CompletionRequest,
  CompletionResult,
  LlmCallInfo,
  Model,
  ModelAttemptRecord,
  ModelCallRecord,
  ModelEvent,
  ModelInfo,
  ModelProfileConfig,
  ModelRegistry,
  ProviderType,
  UsageInput,
} from './model/types.ts';
export type { Artifact, CaseRecord, ErrorInfo, RunEndRecord, RunLogRecord, RunStartRecord, StageEvent, StageRecord, TurnRecord, Usage } from './log/schema.ts';
export type { Json, JsonObject } from './util/json.ts';
