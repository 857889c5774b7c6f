/**
 * Totals over run-log records: the one place that adds up outcome counts, token usage, dollars and
 * model-call figures, whether for a case record (over its stages or turns) or for `run.end` (over
 * case records). The runner, the summary, merge, compare and the GoTaglio reader all count with it,
 * so a total means the same thing wherever it is shown.
 */
import { createExactSum, type ExactSum } from '../util/exact-sum.ts';
import type { CaseRecord, ModelCall, RunCounts, RunEndRecord, StageRecord, Usage } from './schema.ts';
import { addUsage } from './usage.ts';

/** Totals over the calls of configured models, as `run.end.modelCalls` holds them (every field counted). */
type RecordedCallTotals = NonNullable<RunEndRecord['modelCalls']>;
/** `run.end.modelCalls` with every total present (the schema keeps fields it does not know: they are left out here). */
export type ModelCallTotals = { [K in keyof RecordedCallTotals as string extends K ? never : K]-?: number };

/** Dollars to the nano-dollar: sums of prices stay free of floating-point noise. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

/**
 * Counts one outcome (a case or a turn) into `counts`: one for its status, and `passed` or `failed`
 * by its verdict. Only a complete outcome can have failed; one without a verdict is neither.
 */
export function countOutcome<Status extends string>(counts: Record<Status | 'passed' | 'failed', number>, outcome: { readonly status: Status; readonly passed: boolean | null }): void {
  counts[outcome.status]++;
  if (outcome.passed === true) counts.passed++;
  else if (outcome.status === 'complete' && outcome.passed === false) counts.failed++;
}

/** The counts of `run.end` that come from the case records themselves. */
export type OutcomeCounts = Pick<RunCounts, 'complete' | 'error' | 'cancelled' | 'passed' | 'failed'>;

/** What a stage, turn or case record spent: the fields `SpendTotals` adds up. */
export interface Spend {
  readonly usage?: Usage | undefined;
  readonly costUsd?: number | undefined;
}

/**
 * Token usage and dollars summed over records that carry them. Dollars are summed exactly (the
 * result does not depend on the order records arrive in) and rounded to the nano-dollar.
 */
export class SpendTotals {
  private totalUsage: Usage | undefined;
  // Created on the first cost: most records (mock models) carry none.
  private cost: ExactSum | undefined;

  add(spend: Spend): void {
    if (spend.usage) this.totalUsage = addUsage(this.totalUsage, spend.usage);
    if (spend.costUsd !== undefined) (this.cost ??= createExactSum()).add(spend.costUsd);
  }

  /** Adds what another total holds. */
  merge(other: SpendTotals): void {
    if (other.totalUsage) this.totalUsage = addUsage(this.totalUsage, other.totalUsage);
    if (other.cost) (this.cost ??= createExactSum()).add(other.cost.value());
  }

  /** Usage summed over the records that had some; undefined when none had. */
  get usage(): Usage | undefined {
    return this.totalUsage;
  }

  /** Dollars summed over the records that had a cost, to the nano-dollar; undefined when none had. */
  get costUsd(): number | undefined {
    return this.cost ? roundUsd(this.cost.value()) : undefined;
  }

  /** Sets the totals on a record (a case summed over its stages or turns), leaving out those that are undefined. */
  writeTo(record: { usage?: Usage; costUsd?: number }): void {
    const { usage, costUsd } = this;
    if (usage) record.usage = usage;
    if (costUsd !== undefined) record.costUsd = costUsd;
  }
}

/**
 * The totals `run.end` holds, over case records: outcome counts, usage, cost, and the calls of
 * configured models (those of stages reused from an earlier run are not counted: that run made them).
 */
export class RunTotals {
  private readonly outcomes: OutcomeCounts = { complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0 };
  private readonly spend = new SpendTotals();
  private calls: ModelCallTotals | undefined;
  private added = 0;

  add(record: CaseRecord): void {
    this.added++;
    countOutcome(this.outcomes, record);
    this.spend.add(record);
    if (record.turns) for (const turn of record.turns) this.addCalls(turn.stageRecords);
    else this.addCalls(record.stageRecords);
  }

  /** Adds what another total holds (say, of records copied from an earlier run). */
  merge(other: RunTotals): void {
    this.added += other.added;
    for (const key of Object.keys(this.outcomes) as (keyof OutcomeCounts)[]) this.outcomes[key] += other.outcomes[key];
    this.spend.merge(other.spend);
    if (other.calls) {
      const calls = (this.calls ??= emptyCallTotals());
      for (const key of Object.keys(calls) as (keyof ModelCallTotals)[]) calls[key] += other.calls[key];
    }
  }

  /** Case records added. */
  get cases(): number {
    return this.added;
  }

  /** The counts of a run of `total` cases: the ones not added are `notRun`. */
  counts(total: number): RunCounts {
    return { total, ...this.outcomes, notRun: Math.max(0, total - this.added) };
  }

  /** Usage summed over the records that had some; undefined when none had. */
  get usage(): Usage | undefined {
    return this.spend.usage;
  }

  /** Dollars summed over the records that had a cost, to the nano-dollar; undefined when none had. */
  get costUsd(): number | undefined {
    return this.spend.costUsd;
  }

  /** Totals over the model calls, waits in whole milliseconds (batch figures only when a batch answered any); undefined when there were none. */
  modelCalls(): NonNullable<RunEndRecord['modelCalls']> | undefined {
    const calls = this.calls;
    if (!calls || calls.calls === 0) return undefined;
    const { batched, batchSavedUsd, ...rest } = calls;
    return {
      ...rest,
      rateLimitWaitMs: Math.round(calls.rateLimitWaitMs),
      backoffMs: Math.round(calls.backoffMs),
      ...(batched > 0 && { batched, batchSavedUsd: roundUsd(batchSavedUsd) }),
    };
  }

  /** The totalling fields of `run.end` for a run of `total` cases, in the order the log writes them. */
  endFields(total: number): Pick<RunEndRecord, 'counts' | 'usage' | 'costUsd' | 'modelCalls'> {
    const usage = this.usage;
    const costUsd = this.costUsd;
    const modelCalls = this.modelCalls();
    return { counts: this.counts(total), ...(usage && { usage }), ...(costUsd !== undefined && { costUsd }), ...(modelCalls && { modelCalls }) };
  }

  private addCalls(stageRecords: Readonly<Record<string, StageRecord>>): void {
    for (const name in stageRecords) {
      const stageRecord = stageRecords[name]!;
      if (stageRecord.calls && !stageRecord.reused) addCallRecords((this.calls ??= emptyCallTotals()), stageRecord.calls);
    }
  }
}

function emptyCallTotals(): ModelCallTotals {
  return { calls: 0, cacheHits: 0, retries: 0, rateLimited: 0, rateLimitedFinal: 0, failed: 0, rateLimitWaitMs: 0, backoffMs: 0, batched: 0, batchSavedUsd: 0 };
}

function addCallRecords(totals: ModelCallTotals, calls: readonly ModelCall[]): void {
  for (const call of calls) {
    totals.calls++;
    if (call.cache === 'hit') totals.cacheHits++;
    if (call.status === 'error') totals.failed++;
    totals.retries += Math.max(0, call.attempts.length - 1);
    for (const attempt of call.attempts) {
      if (attempt.status !== 429) continue;
      totals.rateLimited++;
      if (attempt.outcome !== 'retry') totals.rateLimitedFinal++;
    }
    totals.rateLimitWaitMs += call.rateLimitWaitMs;
    totals.backoffMs += call.waitedMs;
    if (call.batch) {
      totals.batched++;
      totals.batchSavedUsd += call.batch.savedUsd ?? 0;
    }
  }
}
