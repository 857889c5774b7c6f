/**
 * Multi-turn cases: a case with a `turns` array runs the stage graph once per turn, in order, each
 * turn seeing the earlier ones (`ctx.turns`). A turn that ends in error (or is cancelled) ends the
 * case: later turns are recorded as skipped, and the case takes the turn's status and error.
 */
import type { CaseRecord, ErrorInfo, TurnRecord } from '../log/schema.ts';
import { SpendTotals } from '../log/totals.ts';
import type { TurnView } from '../pipeline/types.ts';
import type { JsonObject } from '../util/json.ts';
import type { CancelReason, CaseEnvironment, CaseInput, CaseRun } from './case.ts';
import { nowMs, roundMs } from './clock.ts';
import { computeColumns } from './evaluate.ts';
import { GraphRun } from './graph-run.ts';
import { CaseJournal } from './journal.ts';

/** The turns of a multi-turn case: a non-empty `turns` array; undefined for a case without. */
export function turnsOf(c: JsonObject): readonly unknown[] | undefined {
  const turns = c['turns'];
  return Array.isArray(turns) && turns.length > 0 ? turns : undefined;
}

/** A multi-turn case in flight: its record, with one record per turn, arrives on `done`. */
export class MultiTurnRun implements CaseRun {
  readonly done: Promise<CaseRecord>;
  private current: GraphRun | undefined;
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
    const journal = new CaseJournal();
    const turns: TurnRecord[] = [];
    const views: TurnView[] = [];
    let status: CaseRecord['status'] = 'complete';
    let error: ErrorInfo | null = null;
    let cancel: CaseRecord['cancel'];
    let stop: string | null = null;
    const spent = new SpendTotals();
    for (let index = 0; index < this.turnCases.length; index++) {
      if (!stop && this.cancelled) {
        status = 'cancelled';
        stop = 'run interrupted before this turn';
      }
      if (stop) {
        turns.push({ index, status: 'skipped', reason: stop, passed: null, score: null, stages: {}, stageRecords: {}, error: null });
        continue;
      }
      const execution = new GraphRun(env, { index: input.index, id: input.id, case: input.case, ...(input.repeat !== undefined && { repeat: input.repeat }) }, { index, turnCase: this.turnCases[index], turns: [...views] }, journal);
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
      if (record.sections) turn.sections = record.sections;
      turns.push(turn);
      views.push(Object.freeze({ index, status: record.status, passed: record.passed, stages: record.stages as TurnView['stages'] }));
      spent.add(record);
      // Text for people numbers turns from 1, as every report does; `index` stays from 0.
      if (record.status === 'error') {
        status = 'error';
        error = { ...record.error!, context: [`turn ${index + 1}`, ...record.error!.context] };
        stop = `turn ${index + 1} failed`;
      } else if (record.status === 'cancelled') {
        status = 'cancelled';
        if (record.cancel) cancel = record.cancel;
        stop = record.cancel ? `turn ${index + 1} was cancelled by stage '${record.cancel.stage}'` : 'run interrupted';
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
      startMs: journal.startMs,
      endMs,
      durationMs: roundMs(endMs - journal.startMs),
    };
    spent.writeTo(caseRecord);
    if (cancel) caseRecord.cancel = cancel;
    journal.writeTo(caseRecord);
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
