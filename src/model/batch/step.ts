/**
 * Batch mode as a step of the composed model call (call.ts): in place of the online attempts, the
 * request goes to the profile's batcher and the call awaits its line. A line that failed in a way
 * worth retrying (an error status the online call would retry, an expired or cancelled batch, an
 * invalid reply) is retried in a new batch, or online with `fallback: 'online'`; every attempt is
 * recorded as online attempts are, with the batch it went in.
 */
import { BudgetReachedError, type ModelError } from '../../errors.ts';
import { nowMs } from '../../util/clock.ts';
import type { PendingCall } from '../call.ts';
import type { AttemptFailure, RetryPolicy } from '../retry.ts';
import type { SdkReply } from '../sdk-call.ts';
import { customId, type ProfileBatcher } from './batcher.ts';
import type { BatchFallback } from './settings.ts';

export interface BatchStepSettings {
  readonly policy: RetryPolicy;
  readonly fallback: BatchFallback;
  readonly redact: (text: string) => string;
  readonly giveUp: (failure: AttemptFailure, message: string, attempts: number) => ModelError;
  /** The `model` a line names, when it differs from the online body's (an Azure deployment). */
  readonly model?: string | undefined;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** What the step needs of a profile's batcher: the run's id, call numbering, and a request sent through a batch. */
export type BatchSender = Pick<ProfileBatcher, 'runKey' | 'nextCall' | 'request'>;

/** Sends calls through `batcher`; `online` (the profile's online attempts) takes over for `fallback: 'online'`. */
export function withBatch(batcher: BatchSender, online: (call: PendingCall) => Promise<SdkReply>, settings: BatchStepSettings): (call: PendingCall) => Promise<SdkReply> {
  return async (call) => {
    const options = call.options;
    const outer = options?.signal;
    // A batch answers whole replies: streaming means nothing there.
    const { stream: _stream, stream_options: _streamOptions, ...rest } = call.body;
    const body = settings.model !== undefined ? { ...rest, model: settings.model } : rest;
    const caseId = options?.caseId ?? (options?.caseIndex !== undefined ? String(options.caseIndex) : 'call');
    const repeat = options?.repeat ?? 0;
    const turn = options?.turn ?? null;
    const stage = options?.stage ?? '-';
    const caseKey = options?.caseIndex !== undefined ? `${options.caseIndex}/${repeat}` : undefined;
    const n = batcher.nextCall(`${caseId}\u0000${repeat}\u0000${turn}\u0000${stage}`);
    // When the call started waiting: the timeline draws the wait for batches from there.
    const startMs = nowMs();
    for (let attempt = 1; ; attempt++) {
      const id = customId({ run: batcher.runKey, caseId, repeat, turn, stage, call: n, attempt });
      const outcome = await batcher.request({ id, body, caseKey, signal: outer });
      const base = { attempt, rateLimitWaitMs: 0, backoffMs: 0, durationMs: round(outcome.waitMs), ...(outcome.batchId !== null && { batchId: outcome.batchId }), customId: id };
      if (outcome.ok) {
        call.attempts.push({ ...base, status: outcome.reply.status, outcome: 'ok' });
        call.batched = { batchId: outcome.batchId, customId: id, startMs, waitMs: round(nowMs() - startMs) };
        return outcome.reply;
      }
      const { failure } = outcome;
      if (failure.kind === 'aborted' || outer?.aborted) {
        call.attempts.push({ ...base, status: null, outcome: 'error', error: 'cancelled' });
        throw outer?.reason ?? new Error('cancelled');
      }
      const message = settings.redact(failure.message);
      if (failure.kind === 'budget') {
        call.attempts.push({ ...base, status: null, outcome: 'error', error: message });
        throw new BudgetReachedError('E_BUDGET', message);
      }
      const last = !failure.retryable || attempt >= settings.policy.maxAttempts;
      const toOnline = failure.retryable && settings.fallback === 'online';
      call.attempts.push({ ...base, status: failure.status, outcome: last && !toOnline ? 'error' : 'retry', error: message });
      if (toOnline) return online(call);
      if (last) throw settings.giveUp(failure, message, attempt);
    }
  };
}
