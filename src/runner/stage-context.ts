/**
 * The context a stage gets (`ctx`): the case, its ids, the outputs of earlier stages, config,
 * models, the abort signal, the turn of a multi-turn case, events and artifacts; and what the stage
 * records while it runs (usage, model calls, llm() details, queue wait), which becomes its stage
 * record.
 */
import type { StageRecord, Usage } from '../log/schema.ts';
import { roundUsd } from '../log/totals.ts';
import type { LlmCallInfo, ModelCallRecord, ModelEvent, ModelRegistry, UsageInput } from '../model/types.ts';
import { RECORDER, type StageRecorder } from '../pipeline/outcome.ts';
import type { ArtifactRef, StageContext, TurnView } from '../pipeline/types.ts';
import { findNonJson, type Json, type JsonObject } from '../util/json.ts';
import type { CaseEnvironment, CaseInput } from './case.ts';
import { nowMs, roundMs } from './clock.ts';
import type { CaseJournal } from './journal.ts';

/** The turn a graph run is for, in a multi-turn case. */
export interface TurnInfo {
  readonly index: number;
  readonly turnCase: unknown;
  /** The earlier turns, as this one sees them. */
  readonly turns: readonly TurnView[];
}

/** What a stage's context reads from the run of the graph it belongs to. */
export interface StageHost {
  readonly env: CaseEnvironment;
  readonly input: CaseInput;
  /** Outputs of the stages that finished, by name. */
  readonly stages: Readonly<Record<string, unknown>>;
  readonly turn: TurnInfo | null;
  readonly journal: CaseJournal;
  /** Aborted when the case stops: a stage failed or cancelled it, or the run was interrupted. */
  readonly signal: AbortSignal;
}

/** Usage as it accumulates: every field counted, the optional ones dropped from the record when 0. */
interface UsageTally {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}

/** The `ctx` of one stage of one case (or turn). */
export class StageCtx implements StageContext<any, any, any> {
  readonly case: Readonly<JsonObject>;
  readonly caseId: string;
  readonly caseIndex: number;
  readonly repeat: number;
  readonly runId: string;
  readonly stages: Readonly<Record<string, unknown>>;
  readonly config: any;
  readonly models: ModelRegistry;
  readonly startMs = nowMs();
  /** Time spent waiting for the stage's concurrency limit, before or inside the stage. */
  queuedMs: number | undefined;
  private usage: UsageTally | undefined;
  private calls: ModelCallRecord[] | undefined;
  private llm: LlmCallInfo[] | undefined;
  private costUsd: number | undefined;

  constructor(
    private readonly host: StageHost,
    /** The stage's position in the graph's nodes. */
    readonly index: number,
    readonly stage: string,
  ) {
    const { env, input } = host;
    this.case = input.case;
    this.caseId = input.id;
    this.caseIndex = input.index;
    this.repeat = input.repeat ?? 0;
    this.runId = env.runId;
    this.stages = host.stages;
    this.config = env.config;
    this.models = env.models;
  }

  get signal(): AbortSignal {
    return this.host.signal;
  }

  get turn(): number | null {
    return this.host.turn?.index ?? null;
  }

  get turnCase(): unknown {
    return this.host.turn ? this.host.turn.turnCase : this.case;
  }

  get turns(): readonly TurnView[] {
    return this.host.turn?.turns ?? [];
  }

  emit(type: string, data?: Json): void {
    if (typeof type !== 'string' || type === '') throw new TypeError('ctx.emit(type, data): type must be a non-empty string.');
    const problem = data === undefined ? undefined : findNonJson(data);
    if (problem) throw new TypeError(`ctx.emit('${type}'): data is not JSON: ${problem.replace(/^\$/, 'data')}.`);
    this.host.journal.event(this.stage, this.turn, type, data);
  }

  async artifact(name: string, content: string | Uint8Array | Json, options: { mime?: string } = {}): Promise<ArtifactRef> {
    return this.host.journal.artifact(this.host.env.artifactsDir, this.stage, this.turn, name, content, options.mime, this.host.env.scrub);
  }

  get [RECORDER](): StageRecorder {
    return {
      event: (type, data) => this.host.journal.event(this.stage, this.turn, type, data),
      queued: (ms) => {
        this.queuedMs = (this.queuedMs ?? 0) + ms;
      },
      inputs: this.host.env.graph.nodes[this.index]!.inputs,
    };
  }

  recordUsage(usage: UsageInput): void {
    const total = (this.usage ??= { calls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 });
    total.calls += 1;
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.cachedInputTokens += usage.cachedInputTokens ?? 0;
    total.reasoningTokens += usage.reasoningTokens ?? 0;
  }

  recordCall(call: ModelCallRecord): void {
    (this.calls ??= []).push(call);
    if (call.costUsd !== undefined) this.costUsd = (this.costUsd ?? 0) + call.costUsd;
  }

  recordLlm(info: LlmCallInfo): void {
    (this.llm ??= []).push(info);
  }

  onModelEvent(event: ModelEvent): void {
    this.host.env.onModelEvent?.(event);
  }

  /** The record of the stage as it ended at `endMs`, status ok: timing and what it recorded. */
  stageRecord(endMs: number): StageRecord {
    const record: StageRecord = { status: 'ok', startMs: this.startMs, endMs, durationMs: roundMs(endMs - this.startMs) };
    if (this.usage) record.usage = compactUsage(this.usage);
    if (this.costUsd !== undefined) record.costUsd = roundUsd(this.costUsd);
    if (this.calls) record.calls = this.calls;
    if (this.llm) record.llm = this.llm as StageRecord['llm'];
    if (this.queuedMs !== undefined) record.queuedMs = roundMs(this.queuedMs);
    return record;
  }
}

function compactUsage(usage: UsageTally): Usage {
  const result: Usage = { calls: usage.calls, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  if (usage.cachedInputTokens) result.cachedInputTokens = usage.cachedInputTokens;
  if (usage.reasoningTokens) result.reasoningTokens = usage.reasoningTokens;
  return result;
}
