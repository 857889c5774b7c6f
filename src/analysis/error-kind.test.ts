import { describe, expect, it } from 'vitest';
import type { CaseRecord, ModelCall } from '../log/schema.ts';
import { errorKind } from './error-kind.ts';

const call = (status: ModelCall['status'], http: number | null): ModelCall => ({
  profile: 'gpt',
  model: 'gpt-4o-mini',
  provider: 'openai',
  status,
  cache: 'off',
  attempts: [{ attempt: 1, rateLimitWaitMs: 0, backoffMs: 0, durationMs: 5, status: http, outcome: status === 'ok' ? 'ok' : 'error' }],
  waitedMs: 0,
  rateLimitWaitMs: 0,
  durationMs: 5,
});

const failed = (stage: string, extra: Partial<CaseRecord> = {}, error: Partial<NonNullable<CaseRecord['error']>> = {}): Pick<CaseRecord, 'status' | 'error' | 'stageRecords' | 'turns' | 'cancel'> => ({
  status: 'error',
  error: { name: 'Error', message: 'failed', stage, context: [], ...error },
  stageRecords: {},
  ...extra,
});

describe('errorKind', () => {
  it('is null for a complete case', () => {
    expect(errorKind({ status: 'complete', error: null, stageRecords: {} })).toBeNull();
  });

  it('calls a model call that failed for a transient or access reason an infrastructure error', () => {
    for (const http of [null, 401, 403, 404, 408, 409, 429, 500, 503]) {
      expect(errorKind(failed('infer', { stageRecords: { infer: { status: 'error', calls: [call('error', http)] } } })), String(http)).toBe('infrastructure');
    }
    expect(errorKind(failed('infer', { stageRecords: { infer: { status: 'error', calls: [call('cancelled', null)] } } }))).toBe('infrastructure');
    // In a turn of a multi-turn case.
    expect(errorKind(failed('infer', { turns: [{ index: 0, status: 'error', passed: null, score: null, stages: {}, stageRecords: { infer: { status: 'error', calls: [call('error', 502)] } }, error: null }] }))).toBe('infrastructure');
  });

  it('calls a request the provider rejected as malformed, or a stage that threw, a pipeline error', () => {
    for (const http of [400, 413, 422]) {
      expect(errorKind(failed('infer', { stageRecords: { infer: { status: 'error', calls: [call('error', http)] } } })), String(http)).toBe('pipeline');
    }
    // The model answered; parsing its answer failed.
    expect(errorKind(failed('extract', { stageRecords: { infer: { status: 'ok', calls: [call('ok', 200)] }, extract: { status: 'error' } } }))).toBe('pipeline');
    expect(errorKind({ status: 'error', error: null, stageRecords: {} })).toBe('pipeline');
  });

  it('goes by the error code and the retry hint', () => {
    expect(errorKind(failed('infer', {}, { code: 'E_MODEL_RETRIES' }))).toBe('infrastructure');
    expect(errorKind(failed('infer', {}, { code: 'E_MODEL_NO_KEY' }))).toBe('infrastructure');
    expect(errorKind(failed('infer', {}, { name: 'TimeoutError', retryable: true }))).toBe('infrastructure');
    expect(errorKind(failed('infer', {}, { code: 'E_MODEL_REQUEST' }))).toBe('pipeline');
  });

  it('calls an interrupted case an infrastructure error, and a stage that cancelled its case not', () => {
    expect(errorKind({ status: 'cancelled', error: null, stageRecords: {} })).toBe('infrastructure');
    expect(errorKind({ status: 'cancelled', error: null, stageRecords: {}, cancel: { reason: 'stage', stage: 'route', message: 'not applicable' } })).toBe('pipeline');
  });
});
