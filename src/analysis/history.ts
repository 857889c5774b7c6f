import type { RunEndRecord, RunStartRecord, RunStatus } from '../log/schema.ts';

/** One run in `tagliots history`, from the first and last lines of its log only. */
export interface HistoryEntry {
  readonly runId: string;
  readonly path: string;
  /** ISO-8601 UTC; null when the log could not be read. */
  readonly startedAt: string | null;
  readonly pipeline: string | null;
  readonly suite: string | null;
  /** Cases the run covers, times its repeats. */
  readonly cases: number | null;
  /** Cases that ran (complete, error or cancelled); null without run.end. */
  readonly done: number | null;
  readonly passed: number | null;
  readonly failed: number | null;
  readonly errors: number | null;
  /** passed / cases; null without run.end or without passed(). */
  readonly passRate: number | null;
  readonly costUsd: number | null;
  readonly status: RunStatus | 'incomplete' | 'unreadable';
  /** A GoTaglio log. */
  readonly gotaglio: boolean;
  /** Why the log could not be read. */
  readonly problem: string | null;
  /** The run this one re-runs or resumes; null for a first run or an unreadable log. */
  readonly parentRunId: string | null;
  /** How the run was started; null for an unreadable log. */
  readonly mode: 'run' | 'rerun' | 'resume' | null;
}

export function historyEntry(path: string, header: RunStartRecord, end: RunEndRecord | null, gotaglio = false): HistoryEntry {
  const cases = end ? end.counts.total : header.suite.count * (header.repeat ?? 1);
  const counts = end?.counts;
  return {
    runId: header.runId,
    path,
    startedAt: header.startedAt,
    pipeline: header.pipeline.name,
    suite: header.suite.path,
    cases,
    done: counts ? counts.complete + counts.error + counts.cancelled : null,
    passed: counts && header.pipeline.hasPassed ? counts.passed : null,
    failed: counts && header.pipeline.hasPassed ? counts.failed : null,
    errors: counts ? counts.error : null,
    passRate: counts && header.pipeline.hasPassed && cases > 0 ? counts.passed / cases : null,
    costUsd: end?.costUsd ?? null,
    status: end ? end.status : 'incomplete',
    gotaglio,
    problem: null,
    parentRunId: header.parentRunId ?? null,
    mode: header.mode ?? 'run',
  };
}

export function unreadableEntry(runId: string, path: string, problem: string): HistoryEntry {
  return {
    runId,
    path,
    startedAt: null,
    pipeline: null,
    suite: null,
    cases: null,
    done: null,
    passed: null,
    failed: null,
    errors: null,
    passRate: null,
    costUsd: null,
    status: 'unreadable',
    gotaglio: false,
    problem,
    parentRunId: null,
    mode: null,
  };
}
