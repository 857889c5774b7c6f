/**
 * tagliots: the library pipeline authors import.
 * @packageDocumentation
 */
export { prompt, internal, type PromptMarker, type InternalMarker, type Resolved } from './config/markers.ts';
export { definePipeline, Pipeline, type PipelineLike } from './pipeline/define.ts';
export { withContext, withContextSync } from './pipeline/context-chain.ts';
export { loadTemplate, compileTemplate, templateVariables, type Template, type TemplateOptions } from './pipeline/template.ts';
export { llm, LlmOutputError, type LlmMessage, type LlmOptions, type LlmStage } from './pipeline/llm.ts';
export { tool, isTool, type Tool, type ToolContext, type ToolOptions } from './pipeline/tool.ts';
export type { ToolLoopResult } from './pipeline/tool-loop.ts';
export {
  checkToolCalled,
  checkToolNotCalled,
  checkToolArguments,
  checkToolOrder,
  checkToolRounds,
  checkToolCalls,
  scoreToolCalls,
  argumentsMatch,
  type ArgumentMatch,
  type ToolCallScores,
  type ToolCheckType,
} from './pipeline/tool-checks.ts';
export { checkContains, checkEquals, checkJsonSchema, checkNumeric, checkRegex, checkSimilarity, combineChecks, type CheckResult, type CheckType, type ChecksOutput, type NumericTolerance, type TextOptions } from './pipeline/checks.ts';
export { judge, JudgeOutput, PERFECT_JUDGEMENT, type Judgement, type JudgeOptions } from './pipeline/judge.ts';
export { initProject, type InitFile, type InitOptions, type InitResult } from './engine/init.ts';
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
  FormatSectionValue,
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
  ExpectedToolCall,
  LlmCallInfo,
  LlmRoundInfo,
  Model,
  ModelAttemptRecord,
  ModelCallRecord,
  ModelEvent,
  ModelInfo,
  ModelProfileConfig,
  ModelRegistry,
  ModelToolCall,
  ProviderType,
  ToolCallError,
  ToolCallRecord,
  ToolCallResult,
  ToolChoice,
  ToolDefinition,
  ToolLoopOutcome,
  UsageInput,
} from './model/types.ts';
export type { Artifact, CaseRecord, ErrorInfo, FormatSection, RunEndRecord, RunLogRecord, RunStartRecord, StageEvent, StageRecord, TurnRecord, Usage } from './log/schema.ts';
export type { Json, JsonObject } from './util/json.ts';
export { readRunLog, type ReadRunLogOptions, type RunLogReader } from './engine/read-run-log.ts';
export { summarizeRun, type RunSummary, type SummarizeRunOptions } from './engine/summarize-run.ts';
export { findRunLog, resolveRunsDir, type RunsDirOptions } from './engine/runs-dir.ts';
export type { Selection } from './suite/select.ts';
export type { KeywordRow } from './analysis/keyword-breakdown.ts';
export type { SummaryRow } from './analysis/summary.ts';
export type { RepeatStats } from './analysis/repeats.ts';
export { compareRuns, compareToBaseline, readRunDigests, type BaselineComparison, type CompareRunsOptions, type ReadDigestsOptions, type RunSource } from './engine/compare-runs.ts';
export type { CaseFilter } from './engine/digests.ts';
export { evaluateGate, type GateOptions } from './engine/gate.ts';
export { mergeRuns, type MergedRun, type MergeRunsOptions } from './engine/merge.ts';
export type {
  CaseChange,
  CaseRef,
  Comparison,
  ComparisonInterval,
  ComparisonStatistics,
  ConfigDifference,
  Delta,
  KeywordComparison,
  Metric,
  MetricComparison,
  RunDigest,
  RunInfo,
  Transition,
  Verdict,
  VerdictKind,
} from './analysis/compare.ts';
export type { PairedTest } from './analysis/stats.ts';
export type { GateResult, GateRules, RuleResult, RuleStatus } from './analysis/gate.ts';
export { runSuite, IN_MEMORY_SUITE, type RunSuiteOptions, type RunSuiteResult } from './engine/run-suite.ts';
export { rerunRun, type RerunInfo, type RerunOnly, type RerunOptions } from './engine/rerun.ts';
export { resumeRun, type ResumeInfo, type ResumeOptions } from './engine/resume.ts';
export type { NothingToRun, RunOptions } from './engine/run-options.ts';
export type { RunResult, RunStart } from './runner/session.ts';
export type { RunListener } from './runner/run.ts';
export type { ConfigChange } from './analysis/config-changes.ts';
export type { RunCounts, RunStatus } from './log/schema.ts';
export { checkPipeline, type CheckOptions, type CheckReport } from './engine/check.ts';
export type { Estimate, EstimateRow } from './runner/estimate.ts';
export { listModels, type ListedModel, type ListModelsOptions, type ModelList } from './engine/models.ts';
export type { KeyStatus } from './model/profiles.ts';
export type { BatchRunOptions, BatchSettings, BatchFallback } from './model/batch/settings.ts';
export type { BatchApi, BatchInfo, BatchState } from './model/batch/api.ts';
export { createMemoryBatchApi, type MemoryBatchApi, type MemoryBatchOptions, type MemoryAnswer } from './model/batch/memory.ts';
export { listPipelines, type ListedPipeline } from './engine/pipelines.ts';
export { clearResponseCache, responseCacheStats, type ResponseCacheOptions } from './engine/cache.ts';
export type { CacheStats } from './model/cache.ts';
