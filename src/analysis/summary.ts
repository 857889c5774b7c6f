import type { CaseRecord, CaseStatus, RunCounts, RunEndRecord, RunStartRecord, RunStatus, Usage } from '../log/schema.ts';
import { countOutcome, RunTotals } from '../log/totals.ts';
import { createIdCollector } from '../util/ids.ts';
import { createRepeatTracker, type RepeatStats } from './repeats.ts';

export type ColumnValue = string | number | boolean | null;

export interface SummaryRow {
  readonly caseId: string;
  readonly index: number;
  /** Which repetition (run --repeat), from 0. */
  readonly repeat: number;
  /** Multi-turn cases: the turn of this row (shown as `id.00`); absent on the case's own row. */
  readonly turn?: number;
  /** A turn row's status may also be `skipped` (an earlier turn failed). */
  readonly status: CaseStatus | 'skipped';
  readonly passed: boolean | null;
  readonly score: number | null;
  readonly keywords: readonly string[];
  readonly columns: Readonly<Record<string, ColumnValue>>;
  /** `stage: message` of the failure, for errored cases. */
  readonly error: string | null;
}

export interface Summary {
  readonly runId: string;
  readonly pipeline: string;
  readonly columns: readonly string[];
  readonly hasPassed: boolean;
  readonly hasScore: boolean;
  readonly counts: RunCounts;
  /** The rows to show, in suite order. */
  readonly rows: readonly SummaryRow[];
  /** Rows left out because of the row limit. */
  readonly hiddenRows: number;
  /** Characters of case ids to show so that every id in the run stays unique. */
  readonly idPrefixLength: number;
  readonly meanScore: number | null;
  readonly usage: Usage | undefined;
  /** `incomplete` when the log has no run.end (crashed or still running). */
  readonly status: RunStatus | 'incomplete';
  readonly durationMs: number | null;
  readonly anyKeywords: boolean;
  /** Repetitions per case (run --repeat); 1 for a plain run. */
  readonly repeat: number;
  /** Cost summed over the cases that recorded one; null when none did. */
  readonly costUsd: number | null;
  /** pass@k, pass^k and flaky cases, for a run with repeat > 1. */
  readonly repeats: RepeatStats | null;
  /** Stages skipped in complete cases and turns (skip() outcomes, `.when()` branches and their dependents). */
  readonly skippedStages?: number;
  /** Cases a stage cancelled with cancel(). */
  readonly stageCancelled?: number;
  /** Multi-turn cases: turn totals and the pass rate of each turn position; null when no case had turns. */
  readonly turns?: TurnStats | null;
}

export interface TurnStats {
  /** Cases with turns. */
  readonly cases: number;
  readonly total: number;
  readonly complete: number;
  readonly error: number;
  readonly cancelled: number;
  readonly skipped: number;
  readonly passed: number;
  readonly failed: number;
  /** By turn position: turns recorded and passed. */
  readonly perTurn: readonly { readonly turn: number; readonly runs: number; readonly passed: number }[];
}

export interface SummaryBuilder {
  add(record: CaseRecord): void;
  finish(end: RunEndRecord | null): Summary;
}

export interface SummaryOptions {
  /** Most rows to keep; errored, cancelled and failed cases are kept first. @default Infinity */
  readonly maxRows?: number;
  /** Cases (times repetitions) the summary covers, when it is of a selection; a function is called by finish(). @default suite.count × repeat */
  readonly total?: number | (() => number);
}

const needsAttention = (row: SummaryRow) => row.status !== 'complete' || row.passed === false;
const byIndex = (a: SummaryRow, b: SummaryRow) => a.index - b.index || a.repeat - b.repeat || (a.turn ?? -1) - (b.turn ?? -1);

/**
 * Summarises a run from its records alone, as they stream in, in bounded memory: counts, score
 * mean and usage are accumulated; rows beyond `maxRows` are dropped, keeping the first ones (by
 * suite position) that need attention.
 */
export function createSummaryBuilder(header: RunStartRecord, options: SummaryOptions = {}): SummaryBuilder {
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const attention: SummaryRow[] = [];
  const others: SummaryRow[] = [];
  // Every id is needed for unique short ids; kept compactly so a million-case run stays small.
  const ids = createIdCollector();
  const repeat = header.repeat ?? 1;
  const repeats = repeat > 1 ? createRepeatTracker(repeat, { hasPassed: header.pipeline.hasPassed }) : null;
  const totals = new RunTotals();
  let scoreSum = 0;
  let scored = 0;
  let anyKeywords = false;
  let rowsSeen = 0;
  let skippedStages = 0;
  let stageCancelled = 0;
  const turnStats = { cases: 0, total: 0, complete: 0, error: 0, cancelled: 0, skipped: 0, passed: 0, failed: 0 };
  const perTurn: { turn: number; runs: number; passed: number }[] = [];
  const countSkips = (stageRecords: CaseRecord['stageRecords']) => {
    for (const name in stageRecords) if (stageRecords[name]!.status === 'skipped') skippedStages++;
  };

  const keep = (list: SummaryRow[], row: SummaryRow) => {
    list.push(row);
    if (list.length >= 2 * maxRows && list.length > 64) {
      list.sort(byIndex);
      list.length = maxRows;
    }
  };

  return {
    add(record) {
      if (!record.repeat) ids.add(record.caseId); // repetitions share the id
      totals.add(record);
      if (record.score !== null) {
        scoreSum += record.score;
        scored++;
      }
      repeats?.add(record);
      const rawKeywords = record.case['keywords'];
      const keywords = Array.isArray(rawKeywords) ? rawKeywords.filter((k): k is string => typeof k === 'string').sort() : [];
      if (keywords.length > 0) anyKeywords = true;
      const row: SummaryRow = {
        caseId: record.caseId,
        index: record.index,
        repeat: record.repeat ?? 0,
        status: record.status,
        passed: record.passed,
        score: record.score,
        keywords,
        columns: record.columns ?? {},
        error: record.error ? `${record.error.stage ?? 'case'}: ${record.error.message}` : null,
      };
      keep(needsAttention(row) ? attention : others, row);
      rowsSeen++;
      if (record.cancel) stageCancelled++;
      if (record.status === 'complete') countSkips(record.stageRecords);
      if (record.turns) {
        turnStats.cases++;
        for (const turn of record.turns) {
          turnStats.total++;
          countOutcome(turnStats, turn);
          if (turn.status === 'complete') countSkips(turn.stageRecords);
          const position = (perTurn[turn.index] ??= { turn: turn.index, runs: 0, passed: 0 });
          position.runs++;
          if (turn.passed === true) position.passed++;
          const turnRow: SummaryRow = {
            caseId: record.caseId,
            index: record.index,
            repeat: record.repeat ?? 0,
            turn: turn.index,
            status: turn.status,
            passed: turn.passed,
            score: turn.score,
            keywords,
            columns: turn.columns ?? {},
            error: turn.error ? `${turn.error.stage ?? 'turn'}: ${turn.error.message}` : turn.reason ? `skipped: ${turn.reason}` : null,
          };
          keep(needsAttention(turnRow) ? attention : others, turnRow);
          rowsSeen++;
        }
      }
    },
    finish(end) {
      const counts = totals.counts(typeof options.total === 'function' ? options.total() : (options.total ?? header.suite.count * repeat));
      attention.sort(byIndex);
      others.sort(byIndex);
      const shown = attention.slice(0, maxRows);
      shown.push(...others.slice(0, Math.max(0, maxRows - shown.length)));
      shown.sort(byIndex);
      return {
        runId: header.runId,
        pipeline: header.pipeline.name,
        columns: header.pipeline.columns,
        hasPassed: header.pipeline.hasPassed,
        hasScore: header.pipeline.hasScore,
        counts,
        rows: shown,
        hiddenRows: rowsSeen - shown.length,
        idPrefixLength: ids.uniquePrefixLength(),
        meanScore: scored > 0 ? scoreSum / scored : null,
        usage: totals.usage,
        status: end ? end.status : 'incomplete',
        durationMs: end ? end.durationMs : null,
        anyKeywords,
        repeat,
        costUsd: totals.costUsd ?? null,
        repeats: repeats ? repeats.finish() : null,
        skippedStages,
        stageCancelled,
        turns: turnStats.cases > 0 ? { ...turnStats, perTurn: perTurn.filter((p) => p !== undefined) } : null,
      };
    },
  };
}
