/**
 * Hand-built run-log records for unit tests of the analysis and the renderers: a calc-like header
 * and case records with only the fields a test cares about set.
 */
import type { CaseRecord, CaseStatus, RunEndRecord, RunStartRecord, StageRecord, Usage } from '../../src/log/schema.ts';

export const RUN_ID = '01900000-0000-7000-8000-000000000001';

export function makeHeader(extra: Partial<RunStartRecord> = {}, pipeline: Partial<RunStartRecord['pipeline']> = {}): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId: RUN_ID,
    startedAt: '2025-01-01T00:00:00.000Z',
    command: ['run', 'suite.json'],
    cwd: '/work',
    pipeline: {
      name: 'calc',
      description: 'Calc',
      stages: [
        { name: 'prepare', inputs: [] },
        { name: 'infer', inputs: ['prepare'] },
      ],
      columns: ['got'],
      hasPassed: true,
      hasScore: true,
      ...pipeline,
    },
    config: {},
    deltas: [],
    suite: { path: 'suite.json', format: 'json', sha256: 'x', count: 3 },
    git: null,
    versions: { tagliots: '0.1.0', node: 'v20.0.0' },
    platform: 'linux',
    concurrency: 2,
    parentRunId: null,
    ...extra,
  };
}

export interface CaseOptions {
  id?: string;
  repeat?: number;
  status?: CaseStatus;
  passed?: boolean | null;
  score?: number | null;
  keywords?: string[];
  caseFields?: Record<string, unknown>;
  stages?: Record<string, unknown>;
  stageRecords?: Record<string, StageRecord>;
  error?: { stage: string | null; message: string; context?: string[]; stack?: string; name?: string };
  startMs?: number;
  durationMs?: number;
  columns?: Record<string, string | number | boolean | null>;
  usage?: Usage;
  costUsd?: number;
}

export function makeCase(index: number, options: CaseOptions = {}): CaseRecord {
  const status = options.status ?? 'complete';
  const startMs = options.startMs ?? 1000 + index * 10;
  const durationMs = options.durationMs ?? 5;
  return {
    type: 'case',
    caseId: options.id ?? `case-${String(index).padStart(3, '0')}`,
    index,
    ...(options.repeat !== undefined ? { repeat: options.repeat } : {}),
    status,
    passed: options.passed === undefined ? (status === 'complete' ? true : null) : options.passed,
    score: options.score === undefined ? null : options.score,
    case: { ...(options.keywords ? { keywords: options.keywords } : {}), ...options.caseFields },
    stages: options.stages ?? {},
    stageRecords: options.stageRecords ?? {},
    error: options.error ? { name: options.error.name ?? 'Error', context: options.error.context ?? [], stage: options.error.stage, message: options.error.message, ...(options.error.stack ? { stack: options.error.stack } : {}) } : null,
    startMs,
    endMs: startMs + durationMs,
    durationMs,
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
    ...(options.costUsd !== undefined ? { costUsd: options.costUsd } : {}),
  };
}

export function makeEnd(extra: Partial<RunEndRecord> = {}): RunEndRecord {
  return {
    type: 'run.end',
    status: 'completed',
    endedAt: '2025-01-01T00:00:01.000Z',
    durationMs: 1000,
    counts: { total: 3, complete: 3, error: 0, cancelled: 0, passed: 3, failed: 0, notRun: 0 },
    ...extra,
  };
}
