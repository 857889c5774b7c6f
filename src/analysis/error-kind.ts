/**
 * Why a case did not complete, from its record alone: the fault of the pipeline, or of the
 * infrastructure it ran on. A comparison counts pipeline errors as failures (a stage that throws on
 * the model's output is a wrong answer), but leaves infrastructure errors out of its statistics:
 * they say nothing about the quality of either run, and a rerun replaces them.
 */
import type { CaseRecord, ModelCall, StageRecord } from '../log/schema.ts';

/**
 * `infrastructure`: the case was cancelled (not by a stage's cancel()), a call of a configured model failed for a transient or
 * access reason (after its retries: timeouts, network errors, 408, 409, 429, 5xx; or 401, 403, 404),
 * or the failure was marked retryable (a stage timeout, `fail(…, { retryable: true })`).
 * `pipeline`: anything else that ended the case, e.g. a stage that threw on the model's output, or a
 * request the provider rejected as malformed (400, 413, 422).
 */
export type ErrorKind = 'infrastructure' | 'pipeline';

/** Model-layer error codes that mean the call never got an answer. */
const INFRASTRUCTURE_CODES: ReadonlySet<string> = new Set(['E_MODEL_RETRIES', 'E_MODEL_AUTH', 'E_MODEL_NO_KEY']);

function transientStatus(status: number | null): boolean {
  return status === null || status === 401 || status === 403 || status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;
}

function failedForInfrastructure(call: ModelCall): boolean {
  if (call.status === 'cancelled') return true;
  if (call.status !== 'error') return false;
  const last = call.attempts.at(-1);
  return last === undefined || transientStatus(last.status);
}

function stageFailedForInfrastructure(stage: StageRecord | undefined): boolean {
  return stage?.calls?.some(failedForInfrastructure) === true;
}

/** The kind of error that ended the case; null for a complete case. */
export function errorKind(record: Pick<CaseRecord, 'status' | 'error' | 'stageRecords' | 'turns' | 'cancel'>): ErrorKind | null {
  if (record.status === 'complete') return null;
  // A stage that returned cancel() decided so itself; any other cancellation interrupted the case.
  if (record.status === 'cancelled') return record.cancel?.reason === 'stage' ? 'pipeline' : 'infrastructure';
  const error = record.error;
  if (!error) return 'pipeline';
  if (error.retryable === true) return 'infrastructure';
  if (error.code !== undefined && INFRASTRUCTURE_CODES.has(error.code)) return 'infrastructure';
  if (error.stage !== null) {
    if (stageFailedForInfrastructure(record.stageRecords[error.stage])) return 'infrastructure';
    for (const turn of record.turns ?? []) if (stageFailedForInfrastructure(turn.stageRecords[error.stage])) return 'infrastructure';
  }
  return 'pipeline';
}
