import type { CaseRecord, ErrorInfo, StageRecord, Usage } from '../log/schema.ts';
import type { StageGraph } from '../pipeline/dag.ts';
import type { CaseResult, ColumnValue, PipelineSpec, StageContext } from '../pipeline/types.ts';
import type { LlmCallInfo, ModelCallRecord, ModelEvent, ModelRegistry, UsageInput } from '../model/types.ts';
import { findNonJson, type JsonObject } from '../util/json.ts';
import { addUsage } from '../log/usage.ts';
import { nowMs, roundMs } from './clock.ts';
import { toErrorInfo } from './error-info.ts';

/** What every case of a run shares. */
export interface CaseEnvironment {
  readonly runId: string;
  readonly spec: PipelineSpec;
  readonly graph: StageGraph;
  readonly config: Readonly<Record<string, unknown>>;
  readonly models: ModelRegistry;
  /** Live notices from configured models (progress display, cost budget). */
  readonly onModelEvent?: ((event: ModelEvent) => void) | undefined;
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
export type CancelReason = 'interrupted';

/**
 * A case in flight. `cancel()` aborts its running stages (their signal fires); the case then ends as
 * cancelled unless a stage had already failed.
 */
export interface CaseRun {
  readonly done: Promise<CaseRecord>;
  cancel(reason: CancelReason): void;
}

class StageCtx implements StageContext<any, any, any> {
  readonly case: Readonly<JsonObject>;
  readonly caseId: string;
  readonly caseIndex: number;
  readonly repeat: number;
  readonly runId: string;
  readonly stages: Readonly<Record<string, unknown>>;
  readonly config: any;
  readonly models: ModelRegistry;
  readonly startMs = nowMs();
  usage: { calls: number; inputTokens: number; outputTokens: number; cachedInputTokens: number; reasoningTokens: number } | undefined;
  calls: ModelCallRecord[] | undefined;
  llm: LlmCallInfo[] | undefined;
  costUsd: number | undefined;

  constructor(
    private readonly execution: CaseExecution,
    readonly index: number,
    readonly stage: string,
  ) {
    const { env, input } = execution;
    this.case = input.case;
    this.caseId = input.id;
    this.caseIndex = input.index;
    this.repeat = input.repeat ?? 0;
    this.runId = env.runId;
    this.stages = execution.stages;
    this.config = env.config;
    this.models = env.models;
  }

  get signal(): AbortSignal {
    return this.execution.signal;
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
    this.execution.env.onModelEvent?.(event);
  }
}

/** Dollars to the nano-dollar: sums of prices stay free of floating-point noise. */
const roundUsd = (usd: number) => Math.round(usd * 1e9) / 1e9;

function compactUsage(usage: NonNullable<StageCtx['usage']>): Usage {
  const result: Usage = { calls: usage.calls, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  if (usage.cachedInputTokens) result.cachedInputTokens = usage.cachedInputTokens;
  if (usage.reasoningTokens) result.reasoningTokens = usage.reasoningTokens;
  return result;
}

/**
 * One case going through the stage graph. A stage starts as soon as all its inputs completed. When
 * a stage fails, the stages running beside it are aborted and awaited (never orphaned), stages not
 * yet started are recorded as skipped, and the case ends with status `error` naming the stage.
 */
class CaseExecution implements CaseRun {
  readonly stages: Record<string, unknown> = {};
  readonly done: Promise<CaseRecord>;
  private readonly records: (StageRecord | undefined)[];
  private readonly waiting: Int32Array;
  // Created on first use: most fast stages never look at their signal, and an AbortController
  // per case is a measurable cost at tens of thousands of cases a second.
  private controller: AbortController | undefined;
  private running = 0;
  private failure: ErrorInfo | null = null;
  private failedStage: string | null = null;
  private cancelled: CancelReason | null = null;
  private finished = false;
  private readonly startMs = nowMs();
  private resolveDone!: (record: CaseRecord) => void;

  constructor(
    readonly env: CaseEnvironment,
    readonly input: CaseInput,
  ) {
    const nodes = env.graph.nodes;
    this.records = new Array(nodes.length);
    this.waiting = new Int32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) this.waiting[i] = nodes[i]!.inputs.length;
    this.done = new Promise<CaseRecord>((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopping) this.controller.abort(this.abortReason());
    }
    return this.controller.signal;
  }

  private get stopping(): boolean {
    return this.failure !== null || this.cancelled !== null;
  }

  private abortReason(): Error {
    return new Error(this.failure ? `stage '${this.failedStage}' failed` : 'case cancelled: run interrupted');
  }

  start(): void {
    // Counted as running while the roots are launched: a synchronous stage settles inside launch(),
    // and the case must not finish before the other roots have started.
    this.running++;
    const ready = this.input.reused ? this.reuse(this.input.reused) : this.env.graph.roots;
    for (const root of ready) {
      if (this.stopping) break;
      this.launch(root);
    }
    this.running--;
    if (this.running === 0) this.finish();
  }

  /**
   * Fills in the reused stages as if they had just completed, and returns the stages that can
   * start now: those whose inputs are all reused (roots included), in declaration order.
   */
  private reuse(reused: ReusedStages): number[] {
    const nodes = this.env.graph.nodes;
    const done = new Array<boolean>(nodes.length).fill(false);
    for (let i = 0; i < nodes.length; i++) {
      const name = nodes[i]!.name;
      const record = reused.records[name];
      if (record === undefined || !Object.hasOwn(reused.outputs, name)) continue;
      this.stages[name] = reused.outputs[name];
      this.records[i] = { ...record, reused: true };
      done[i] = true;
    }
    for (let i = 0; i < nodes.length; i++) if (done[i]) for (const next of nodes[i]!.dependents) this.waiting[next]!--;
    const ready: number[] = [];
    for (let i = 0; i < nodes.length; i++) if (!done[i] && this.waiting[i] === 0) ready.push(i);
    return ready;
  }

  cancel(reason: CancelReason): void {
    if (this.stopping || this.finished) return;
    this.cancelled = reason;
    this.controller?.abort(this.abortReason());
  }

  private launch(i: number): void {
    const node = this.env.graph.nodes[i]!;
    const ctx = new StageCtx(this, i, node.name);
    this.running++;
    let result: unknown;
    try {
      result = node.stage(ctx);
    } catch (error) {
      this.settle(ctx, false, error);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => this.settle(ctx, true, value),
        (error: unknown) => this.settle(ctx, false, error),
      );
    } else {
      this.settle(ctx, true, result);
    }
  }

  private settle(ctx: StageCtx, ok: boolean, value: unknown): void {
    const node = this.env.graph.nodes[ctx.index]!;
    const endMs = nowMs();
    const record: StageRecord = { status: 'ok', startMs: ctx.startMs, endMs, durationMs: roundMs(endMs - ctx.startMs) };
    if (ctx.usage) record.usage = compactUsage(ctx.usage);
    if (ctx.costUsd !== undefined) record.costUsd = roundUsd(ctx.costUsd);
    if (ctx.calls) record.calls = ctx.calls as StageRecord['calls'];
    if (ctx.llm) record.llm = ctx.llm as StageRecord['llm'];
    if (ok) {
      const output = value === undefined ? null : value;
      const problem = findNonJson(output);
      if (problem) {
        ok = false;
        value = new TypeError(`Stage '${node.name}' returned a value that is not JSON: ${problem.replace(/^\$/, 'output')}.`);
      } else {
        // A stage that finished is kept even when the case is stopping: its work is not lost.
        this.stages[node.name] = output;
      }
    }
    if (!ok) {
      if (this.stopping && this.controller?.signal.aborted) {
        record.status = 'cancelled';
        record.reason = this.failure ? `aborted because stage '${this.failedStage}' failed` : 'interrupted';
      } else {
        record.status = 'error';
        record.error = toErrorInfo(value, node.name);
        if (!this.failure) {
          this.failure = record.error;
          this.failedStage = node.name;
          this.controller?.abort(this.abortReason());
        }
      }
    }
    this.records[ctx.index] = record;
    if (ok) {
      for (const next of node.dependents) {
        if (this.stopping) break;
        if (--this.waiting[next]! === 0) this.launch(next);
      }
    }
    // Only now: a synchronous dependent settles inside launch(), and must not finish the case
    // before its siblings have started.
    this.running--;
    if (this.running === 0) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const nodes = this.env.graph.nodes;
    const endMs = nowMs();
    const stageRecords: Record<string, StageRecord> = {};
    let usage: Usage | undefined;
    let costUsd: number | undefined;
    let allOk = true;
    for (let i = 0; i < nodes.length; i++) {
      const record = this.records[i] ?? { status: 'skipped', reason: this.skipReason(i) };
      if (record.status !== 'ok') allOk = false;
      // A reused stage's usage was spent by the earlier run, not this one.
      if (record.usage && !record.reused) usage = addUsage(usage, record.usage);
      if (record.costUsd !== undefined && !record.reused) costUsd = (costUsd ?? 0) + record.costUsd;
      stageRecords[nodes[i]!.name] = record;
    }
    const caseRecord: CaseRecord = {
      type: 'case',
      caseId: this.input.id,
      index: this.input.index,
      ...(this.input.repeat !== undefined && { repeat: this.input.repeat }),
      status: this.failure ? 'error' : allOk ? 'complete' : 'cancelled',
      passed: null,
      score: null,
      case: this.input.case,
      stages: this.stages,
      stageRecords,
      error: this.failure,
      startMs: this.startMs,
      endMs,
      durationMs: roundMs(endMs - this.startMs),
    };
    if (usage) caseRecord.usage = usage;
    if (costUsd !== undefined) caseRecord.costUsd = roundUsd(costUsd);
    evaluate(this.env, caseRecord);
    this.resolveDone(caseRecord);
  }

  private skipReason(i: number): string {
    const nodes = this.env.graph.nodes;
    for (const input of nodes[i]!.inputIndexes) {
      const status = this.records[input]?.status;
      if (status !== 'ok') return `input '${nodes[input]!.name}' ${status === 'error' ? 'failed' : 'did not complete'}`;
    }
    if (this.failure) return `case stopped after stage '${this.failedStage}' failed`;
    return 'case cancelled before this stage started';
  }
}

/** Starts a case; its record arrives on `done`. */
export function startCase(env: CaseEnvironment, input: CaseInput): CaseRun {
  const execution = new CaseExecution(env, input);
  execution.start();
  return execution;
}

function result(env: CaseEnvironment, record: CaseRecord): CaseResult {
  return {
    case: record.case as JsonObject,
    caseId: record.caseId,
    stages: record.stages as Record<string, never>,
    config: env.config,
    status: record.status,
    error: record.error,
  };
}

/** Applies the pipeline's passed(), score() and columns to a finished case, recording their failures. */
function evaluate(env: CaseEnvironment, record: CaseRecord): void {
  const { spec } = env;
  const view = result(env, record);
  if (record.status === 'complete') {
    let evaluating = 'passed()';
    try {
      if (spec.passed) {
        const verdict = spec.passed(view);
        if (typeof verdict !== 'boolean') throw new TypeError(`passed() returned ${describeType(verdict)}; it must return true or false.`);
        record.passed = verdict;
      }
      if (spec.score) {
        evaluating = 'score()';
        const score = spec.score(view);
        if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
          throw new TypeError(`score() returned ${describeType(score)}; it must return a finite number or null.`);
        }
        record.score = score;
      }
    } catch (error) {
      record.status = 'error';
      record.passed = null;
      record.score = null;
      record.error = toErrorInfo(error, null, [`evaluating the pipeline's ${evaluating}`]);
    }
  }
  if (spec.columns) {
    const columns: Record<string, ColumnValue> = {};
    for (const name of Object.keys(spec.columns)) {
      let value: ColumnValue;
      try {
        value = spec.columns[name]!(view);
      } catch {
        // A display column that cannot be computed (say, from a stage that did not run) shows empty.
        value = null;
      }
      columns[name] = value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? null : typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
    }
    record.columns = columns;
  }
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}
