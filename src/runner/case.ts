import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Artifact, CaseRecord, ErrorInfo, StageEvent, StageRecord, TurnRecord, Usage } from '../log/schema.ts';
import type { GraphNode, StageGraph } from '../pipeline/dag.ts';
import { isOutcome, RECORDER, type FailOutcome, type StageRecorder } from '../pipeline/outcome.ts';
import { Limiter } from '../pipeline/stage.ts';
import type { ArtifactRef, CaseResult, ColumnValue, PipelineSpec, StageContext, TurnView } from '../pipeline/types.ts';
import type { LlmCallInfo, ModelCallRecord, ModelEvent, ModelRegistry, UsageInput } from '../model/types.ts';
import { findNonJson, type Json, type JsonObject } from '../util/json.ts';
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
  /** Where ctx.artifact() stores content: `<runs>/<run-id>.artifacts`. Without it, ctx.artifact() fails. */
  readonly artifactsDir?: string | undefined;
}

/** The turn a graph run is for, in a multi-turn case. */
interface TurnInfo {
  readonly index: number;
  readonly turnCase: unknown;
  readonly turns: readonly TurnView[];
}

/** What the stages of a case record besides their outputs: events and artifacts, across turns. */
interface CaseSink {
  readonly startMs: number;
  events: StageEvent[] | undefined;
  artifacts: Artifact[] | undefined;
}

/** Per-stage concurrency limits, shared by every case of a run (the graph's nodes are per run). */
const limiters = new WeakMap<GraphNode, Limiter>();
function limiterOf(node: GraphNode): Limiter | undefined {
  if (node.concurrency === undefined) return undefined;
  let limiter = limiters.get(node);
  if (!limiter) limiters.set(node, (limiter = new Limiter(node.concurrency)));
  return limiter;
}

/** Test hook: the limiter of a DAG node with `concurrency` (its `maxActive` shows the most in flight). */
export function stageLimiter(node: GraphNode): Limiter | undefined {
  return limiterOf(node);
}

const ARTIFACT_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,128}$/;

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
  queuedMs: number | undefined;
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

  get turn(): number | null {
    return this.execution.turn?.index ?? null;
  }

  get turnCase(): unknown {
    return this.execution.turn ? this.execution.turn.turnCase : this.case;
  }

  get turns(): readonly TurnView[] {
    return this.execution.turn?.turns ?? [];
  }

  emit(type: string, data?: Json): void {
    if (typeof type !== 'string' || type === '') throw new TypeError('ctx.emit(type, data): type must be a non-empty string.');
    const problem = data === undefined ? undefined : findNonJson(data);
    if (problem) throw new TypeError(`ctx.emit('${type}'): data is not JSON: ${problem.replace(/^\$/, 'data')}.`);
    this.execution.event(this.stage, type, data);
  }

  async artifact(name: string, content: string | Uint8Array | Json, options: { mime?: string } = {}): Promise<ArtifactRef> {
    return this.execution.artifact(this.stage, name, content, options.mime);
  }

  get [RECORDER](): StageRecorder {
    return {
      event: (type, data) => this.execution.event(this.stage, type, data),
      queued: (ms) => {
        this.queuedMs = (this.queuedMs ?? 0) + ms;
      },
      inputs: this.execution.env.graph.nodes[this.index]!.inputs,
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
  /** A stage returned cancel(): the case stops, as cancelled, not as an error. */
  private stageCancel: { stage: string; message: string } | null = null;
  /** Stages that returned skip(), and stages skipped because an input was (by position). */
  private skippedByOutcome: Uint8Array | undefined;
  private finished = false;
  private readonly startMs = nowMs();
  private resolveDone!: (record: CaseRecord) => void;
  readonly sink: CaseSink;

  constructor(
    readonly env: CaseEnvironment,
    readonly input: CaseInput,
    readonly turn: TurnInfo | null = null,
    sink?: CaseSink,
  ) {
    this.sink = sink ?? { startMs: this.startMs, events: undefined, artifacts: undefined };
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
    return this.failure !== null || this.cancelled !== null || this.stageCancel !== null;
  }

  private abortReason(): Error {
    if (this.failure) return new Error(`stage '${this.failedStage}' failed`);
    if (this.stageCancel) return new Error(`stage '${this.stageCancel.stage}' cancelled the case: ${this.stageCancel.message}`);
    return new Error('case cancelled: run interrupted');
  }

  event(stage: string, type: string, data: Json | undefined): void {
    const event: StageEvent = { t: roundMs(nowMs() - this.sink.startMs), stage, type };
    if (this.turn) event.turn = this.turn.index;
    if (data !== undefined) event.data = data;
    (this.sink.events ??= []).push(event);
  }

  async artifact(stage: string, name: string, content: unknown, mime: string | undefined): Promise<ArtifactRef> {
    const dir = this.env.artifactsDir;
    if (!dir) throw new Error(`ctx.artifact('${name}'): this run has no artifacts folder (artifacts are stored beside the run log).`);
    if (typeof name !== 'string' || !ARTIFACT_NAME.test(name)) {
      throw new TypeError(`ctx.artifact(${JSON.stringify(name)}): the name must be 1 to 128 letters, digits, '.', '_' or '-'.`);
    }
    let bytes: Uint8Array;
    let type: string;
    if (typeof content === 'string') {
      bytes = Buffer.from(content, 'utf8');
      type = 'text/plain; charset=utf-8';
    } else if (content instanceof Uint8Array) {
      bytes = content;
      type = 'application/octet-stream';
    } else {
      const problem = findNonJson(content);
      if (problem) throw new TypeError(`ctx.artifact('${name}'): content is not a string, bytes or JSON: ${problem.replace(/^\$/, 'content')}.`);
      bytes = Buffer.from(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
      type = 'application/json';
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const folder = join(dir, sha256.slice(0, 16));
    await mkdir(folder, { recursive: true });
    try {
      await writeFile(join(folder, name), bytes, { flag: 'wx' });
    } catch (error) {
      // Content-addressed: the same content under the same name is already there.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const ref: Artifact = { stage, name, path: `${basename(dir)}/${sha256.slice(0, 16)}/${name}`, sha256, bytes: bytes.byteLength, mime: mime ?? type };
    if (this.turn) ref.turn = this.turn.index;
    (this.sink.artifacts ??= []).push(ref);
    return ref;
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
    const limiter = node.concurrency === undefined ? undefined : limiterOf(node);
    if (limiter && !limiter.tryAcquire()) {
      // Wait for a slot of this stage's concurrency limit, shared by every case of the run.
      this.running++;
      const queuedAt = nowMs();
      limiter.acquire(this.signal).then(
        () => {
          this.running--;
          this.run(i, limiter, roundMs(nowMs() - queuedAt));
        },
        (error: unknown) => {
          const ctx = new StageCtx(this, i, node.name);
          ctx.queuedMs = roundMs(nowMs() - queuedAt);
          this.settle(ctx, false, error);
        },
      );
      return;
    }
    this.run(i, limiter, undefined);
  }

  private run(i: number, limiter: Limiter | undefined, queuedMs: number | undefined): void {
    const node = this.env.graph.nodes[i]!;
    const ctx = new StageCtx(this, i, node.name);
    if (queuedMs !== undefined) ctx.queuedMs = queuedMs;
    this.running++;
    let result: unknown;
    try {
      result = node.stage(ctx);
    } catch (error) {
      limiter?.release();
      this.settle(ctx, false, error);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => {
          limiter?.release();
          this.settle(ctx, true, value);
        },
        (error: unknown) => {
          limiter?.release();
          this.settle(ctx, false, error);
        },
      );
    } else {
      limiter?.release();
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
    if (ctx.queuedMs !== undefined) record.queuedMs = roundMs(ctx.queuedMs);
    let settled = false;
    if (isOutcome(value)) {
      if (value.status === 'ok') {
        value = value.value;
      } else if (value.status === 'fail') {
        ok = false;
      } else if (ok) {
        settled = true;
        record.status = value.status === 'skip' ? 'skipped' : 'cancelled';
        record.reason = value.reason;
        if (value.status === 'skip') (this.skippedByOutcome ??= new Uint8Array(this.records.length))[ctx.index] = 1;
        else if (!this.stopping) {
          this.stageCancel = { stage: node.name, message: value.reason };
          this.controller?.abort(this.abortReason());
        }
      }
    }
    if (settled) {
      // skipped or cancelled by the stage itself: no output, dependents are not started.
    } else if (ok) {
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
        record.reason = this.failure
          ? `aborted because stage '${this.failedStage}' failed`
          : this.stageCancel
            ? `aborted because stage '${this.stageCancel.stage}' cancelled the case`
            : 'interrupted';
      } else {
        record.status = 'error';
        record.error = errorInfoOf(value, node.name);
        if (!this.failure) {
          this.failure = record.error;
          this.failedStage = node.name;
          this.controller?.abort(this.abortReason());
        }
      }
    }
    this.records[ctx.index] = record;
    if (ok && !settled) {
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
      const record = this.records[i] ?? (this.records[i] = this.skippedRecord(i));
      if (record.status !== 'ok' && !(record.status === 'skipped' && this.skippedByOutcome?.[i])) allOk = false;
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
      status: this.failure ? 'error' : allOk && !this.stageCancel ? 'complete' : 'cancelled',
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
    if (this.stageCancel) caseRecord.cancel = { reason: 'stage', ...this.stageCancel };
    if (!this.turn) {
      if (this.sink.events) caseRecord.events = this.sink.events;
      if (this.sink.artifacts) caseRecord.artifacts = this.sink.artifacts;
    }
    evaluate(this.env, caseRecord, this.turn);
    this.resolveDone(caseRecord);
  }

  /** The record of a stage that never started; dependents of a skip() are skipped by outcome too. */
  private skippedRecord(i: number): StageRecord {
    const nodes = this.env.graph.nodes;
    for (const input of nodes[i]!.inputIndexes) {
      const record = this.records[input] ?? (this.records[input] = this.skippedRecord(input));
      if (record.status === 'ok') continue;
      if (record.status === 'skipped' && this.skippedByOutcome?.[input] && !this.stopping) {
        this.skippedByOutcome[i] = 1;
        return { status: 'skipped', reason: `input '${nodes[input]!.name}' was skipped` };
      }
      return { status: 'skipped', reason: `input '${nodes[input]!.name}' ${record.status === 'error' ? 'failed' : 'did not complete'}` };
    }
    if (this.failure) return { status: 'skipped', reason: `case stopped after stage '${this.failedStage}' failed` };
    if (this.stageCancel) return { status: 'skipped', reason: `case cancelled by stage '${this.stageCancel.stage}'` };
    return { status: 'skipped', reason: 'case cancelled before this stage started' };
  }
}

/** The ErrorInfo of a thrown value or a fail() outcome (with its data and retry hint). */
function errorInfoOf(value: unknown, stage: string): ErrorInfo {
  if (!isOutcome(value) || value.status !== 'fail') return toErrorInfo(value, stage);
  const failure = value as FailOutcome;
  const info: ErrorInfo =
    failure.cause !== undefined ? toErrorInfo(failure.cause, stage) : { name: failure.timeout ? 'TimeoutError' : 'StageFailure', message: failure.message, stage, context: [] };
  if (failure.data !== undefined) info.data = failure.data;
  if (failure.retryable !== undefined) info.retryable = failure.retryable;
  return info;
}

/**
 * A case with a `turns` array: the stage graph runs once per turn, in order, each turn seeing the
 * earlier ones (`ctx.turns`). A turn that ends in error (or is cancelled) ends the case: later
 * turns are recorded as skipped, and the case takes the turn's status and error.
 */
class MultiTurnRun implements CaseRun {
  readonly done: Promise<CaseRecord>;
  private current: CaseExecution | undefined;
  private cancelled: CancelReason | null = null;

  constructor(
    private readonly env: CaseEnvironment,
    private readonly input: CaseInput,
    private readonly turnCases: readonly unknown[],
  ) {
    this.done = this.run();
  }

  cancel(reason: CancelReason): void {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.current?.cancel(reason);
  }

  private async run(): Promise<CaseRecord> {
    const { env, input } = this;
    const sink: CaseSink = { startMs: nowMs(), events: undefined, artifacts: undefined };
    const turns: TurnRecord[] = [];
    const views: TurnView[] = [];
    let status: CaseRecord['status'] = 'complete';
    let error: ErrorInfo | null = null;
    let cancel: CaseRecord['cancel'];
    let stop: string | null = null;
    let usage: Usage | undefined;
    let costUsd: number | undefined;
    for (let index = 0; index < this.turnCases.length; index++) {
      if (!stop && this.cancelled) {
        status = 'cancelled';
        stop = 'run interrupted before this turn';
      }
      if (stop) {
        turns.push({ index, status: 'skipped', reason: stop, passed: null, score: null, stages: {}, stageRecords: {}, error: null });
        continue;
      }
      const execution = new CaseExecution(env, { index: input.index, id: input.id, case: input.case, ...(input.repeat !== undefined && { repeat: input.repeat }) }, { index, turnCase: this.turnCases[index], turns: [...views] }, sink);
      this.current = execution;
      execution.start();
      if (this.cancelled) execution.cancel(this.cancelled);
      const record = await execution.done;
      this.current = undefined;
      const turn: TurnRecord = {
        index,
        status: record.status,
        passed: record.passed,
        score: record.score,
        stages: record.stages,
        stageRecords: record.stageRecords,
        error: record.error,
        startMs: record.startMs,
        endMs: record.endMs,
        durationMs: record.durationMs,
      };
      if (record.columns) turn.columns = record.columns;
      turns.push(turn);
      views.push(Object.freeze({ index, status: record.status, passed: record.passed, stages: record.stages as TurnView['stages'] }));
      if (record.usage) usage = addUsage(usage, record.usage);
      if (record.costUsd !== undefined) costUsd = (costUsd ?? 0) + record.costUsd;
      if (record.status === 'error') {
        status = 'error';
        error = { ...record.error!, context: [`turn ${index}`, ...record.error!.context] };
        stop = `turn ${index} failed`;
      } else if (record.status === 'cancelled') {
        status = 'cancelled';
        if (record.cancel) cancel = record.cancel;
        stop = record.cancel ? `turn ${index} was cancelled by stage '${record.cancel.stage}'` : 'run interrupted';
      }
    }
    const endMs = nowMs();
    const complete = status === 'complete';
    const caseRecord: CaseRecord = {
      type: 'case',
      caseId: input.id,
      index: input.index,
      ...(input.repeat !== undefined && { repeat: input.repeat }),
      status,
      passed: complete && env.spec.passed ? turns.every((t) => t.passed === true) : null,
      score: complete && env.spec.score && turns.every((t) => t.score !== null) ? turns.reduce((sum, t) => sum + t.score!, 0) / turns.length : null,
      case: input.case,
      stages: {},
      stageRecords: {},
      error,
      startMs: sink.startMs,
      endMs,
      durationMs: roundMs(endMs - sink.startMs),
    };
    if (usage) caseRecord.usage = usage;
    if (costUsd !== undefined) caseRecord.costUsd = roundUsd(costUsd);
    if (cancel) caseRecord.cancel = cancel;
    if (sink.events) caseRecord.events = sink.events;
    if (sink.artifacts) caseRecord.artifacts = sink.artifacts;
    caseRecord.turns = turns;
    if (env.spec.columns) {
      const last = [...turns].reverse().find((t) => t.status !== 'skipped');
      caseRecord.columns = computeColumns(env, {
        case: input.case,
        caseId: input.id,
        stages: (last?.stages ?? {}) as Record<string, never>,
        config: env.config,
        status,
        error,
        turn: null,
        turns: views,
      });
    }
    return caseRecord;
  }
}

/** The turns of a multi-turn case: a non-empty `turns` array. */
function turnsOf(c: JsonObject): readonly unknown[] | undefined {
  const turns = c['turns'];
  return Array.isArray(turns) && turns.length > 0 ? turns : undefined;
}

/** Starts a case; its record arrives on `done`. A case with a `turns` array runs once per turn. */
export function startCase(env: CaseEnvironment, input: CaseInput): CaseRun {
  const turns = input.reused ? undefined : turnsOf(input.case);
  if (turns) return new MultiTurnRun(env, input, turns);
  const execution = new CaseExecution(env, input);
  execution.start();
  return execution;
}

function result(env: CaseEnvironment, record: CaseRecord, turn: TurnInfo | null): CaseResult {
  const view: CaseResult = {
    case: record.case as JsonObject,
    caseId: record.caseId,
    stages: record.stages as Record<string, never>,
    config: env.config,
    status: record.status,
    error: record.error,
  };
  return turn ? { ...view, turn: turn.index, turns: turn.turns, turnCase: turn.turnCase as JsonObject } : view;
}

/**
 * Applies the pipeline's passed(), score() and columns to a finished case (or, in a multi-turn
 * case, a finished turn), recording their failures.
 */
function evaluate(env: CaseEnvironment, record: CaseRecord, turn: TurnInfo | null = null): void {
  const { spec } = env;
  const view = result(env, record, turn);
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
  if (spec.columns) record.columns = computeColumns(env, view);
}

function computeColumns(env: CaseEnvironment, view: CaseResult): Record<string, ColumnValue> {
  const specColumns = env.spec.columns!;
  const columns: Record<string, ColumnValue> = {};
  for (const name of Object.keys(specColumns)) {
    let value: ColumnValue;
    try {
      value = specColumns[name]!(view);
    } catch {
      // A display column that cannot be computed (say, from a stage that did not run) shows empty.
      value = null;
    }
    columns[name] = value === undefined || (typeof value === 'number' && !Number.isFinite(value)) ? null : typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
  }
  return columns;
}

function describeType(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `a ${typeof value}`;
}
