/**
 * One pass of a case (or of one turn of it) through the stage graph: a stage starts as soon as all
 * its inputs completed, within its per-stage concurrency limit. When a stage fails, the stages
 * running beside it are aborted and awaited (never orphaned), stages not yet started are recorded
 * as skipped, and the case ends with status `error` naming the stage.
 */
import { BudgetReachedError } from '../errors.ts';
import type { CaseRecord, ErrorInfo, StageRecord } from '../log/schema.ts';
import { SpendTotals } from '../log/totals.ts';
import { isOutcome } from '../pipeline/outcome.ts';
import type { Limiter } from '../pipeline/stage.ts';
import { findNonJson } from '../util/json.ts';
import type { CancelReason, CaseEnvironment, CaseInput, CaseRun, ReusedStages } from './case.ts';
import { nowMs, roundMs } from './clock.ts';
import { stageErrorInfo } from './error-info.ts';
import { evaluate } from './evaluate.ts';
import { CaseJournal } from './journal.ts';
import { StageCtx, type StageHost, type TurnInfo } from './stage-context.ts';
import { stageLimiter } from './stage-limits.ts';

/** A case (or a turn) going through the stage graph; `start()` launches it, its record arrives on `done`. */
export class GraphRun implements CaseRun, StageHost {
  readonly stages: Record<string, unknown> = {};
  readonly done: Promise<CaseRecord>;
  readonly journal: CaseJournal;
  private readonly records: (StageRecord | undefined)[];
  /** Per stage, how many of its inputs have not completed yet: it starts at 0. */
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

  /**
   * @param turn the turn this pass is for, in a multi-turn case; null for a case without turns.
   * @param journal where the stages' events and artifacts go; a multi-turn case shares one across its turns.
   */
  constructor(
    readonly env: CaseEnvironment,
    readonly input: CaseInput,
    readonly turn: TurnInfo | null = null,
    journal?: CaseJournal,
  ) {
    this.journal = journal ?? new CaseJournal(this.startMs);
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
    if (this.cancelled === 'budget') return new Error("case cancelled: the run's budget is spent");
    return new Error('case cancelled: run interrupted');
  }

  /** Starts the stages that are ready: the roots, or, reusing stages of an earlier run, those whose inputs are all reused. */
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
    const limiter = stageLimiter(node);
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
    const record = ctx.stageRecord(nowMs());
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
      if (value instanceof BudgetReachedError && !this.stopping) {
        // Work the budget refused: the case stops as cancelled, and a resume runs it.
        record.status = 'cancelled';
        record.reason = value.message;
        this.cancelled = 'budget';
        this.controller?.abort(this.abortReason());
      } else if (this.stopping && this.controller?.signal.aborted) {
        record.status = 'cancelled';
        record.reason = this.failure
          ? `aborted because stage '${this.failedStage}' failed`
          : this.stageCancel
            ? `aborted because stage '${this.stageCancel.stage}' cancelled the case`
            : this.cancelled === 'budget'
              ? "aborted: the run's budget is spent"
              : 'interrupted';
      } else {
        record.status = 'error';
        record.error = stageErrorInfo(value, node.name);
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
    const spent = new SpendTotals();
    let allOk = true;
    for (let i = 0; i < nodes.length; i++) {
      const record = this.records[i] ?? (this.records[i] = this.skippedRecord(i));
      if (record.status !== 'ok' && !(record.status === 'skipped' && this.skippedByOutcome?.[i])) allOk = false;
      // A reused stage's usage and cost were spent by the earlier run, not this one.
      if (!record.reused) spent.add(record);
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
    spent.writeTo(caseRecord);
    if (this.stageCancel) caseRecord.cancel = { reason: 'stage', ...this.stageCancel };
    // A turn's events and artifacts are the case's: the multi-turn case records them once.
    if (!this.turn) this.journal.writeTo(caseRecord);
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
