import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../log/reader.ts';
import type { CaseRecord, RunCounts } from '../log/schema.ts';
import { UsageError } from '../errors.ts';
import { definePipeline } from '../pipeline/define.ts';
import { IN_MEMORY_SUITE, runSuite, type RunSuiteOptions } from './run-suite.ts';

interface QuizCase {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
}

/** Answers each question through the `perfect` mock, which replies with expected(); `latencyMs` makes each call wait. */
const quiz = definePipeline<QuizCase, { infer: string }, { model: string; latencyMs: number }>({
  name: 'quiz',
  description: 'Asks a mock model each question',
  config: { model: 'perfect', latencyMs: 0 },
  stages: ({ config, models }) => {
    const model = models.get(config.model);
    return {
      infer: async (ctx) => (await model.complete({ messages: [{ role: 'user', content: ctx.case.question }], params: { latency_ms: ctx.config.latencyMs } }, ctx)).text,
    };
  },
  expected: ({ case: c }) => c.answer,
  passed: ({ stages, case: c }) => stages.infer === c.answer,
});

const cases = (n: number): QuizCase[] => Array.from({ length: n }, (_, i) => ({ id: `q${i}`, question: `${i}+${i}`, answer: String(2 * i) }));

const RUN_ID = '01940000-0000-7000-8000-000000000001';
const NOW = new Date('2026-02-03T04:05:06.000Z');

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** runSuite over `n` quiz cases in a fresh folder without a project config. */
async function runQuiz(n: number, options: Partial<RunSuiteOptions> = {}) {
  const cwd = await mkdtemp(join(tmpdir(), 'tagliots-run-suite-'));
  folders.push(cwd);
  const result = await runSuite({ cases: cases(n), pipeline: quiz, cwd, env: {}, ...options });
  return { cwd, result };
}

describe('runSuite', () => {
  it('runs in-memory cases through a pipeline object and writes the log, with the given run id and clock', async () => {
    const { cwd, result } = await runQuiz(3, { runId: RUN_ID, now: () => NOW, command: ['quiz'] });
    expect(result).toMatchObject({
      runId: RUN_ID,
      logPath: join(cwd, 'runs', `${RUN_ID}.jsonl`),
      status: 'completed',
      counts: { total: 3, complete: 3, error: 0, cancelled: 0, passed: 3, failed: 0, notRun: 0 },
      usage: { inputTokens: 3, outputTokens: 3 },
    });
    expect(result.costUsd).toBeUndefined();
    expect(result.header).toMatchObject({
      runId: RUN_ID,
      startedAt: NOW.toISOString(),
      command: ['quiz'],
      cwd,
      pipeline: { name: 'quiz', stages: [{ name: 'infer', inputs: [] }], hasPassed: true, hasScore: false },
      config: { model: 'perfect', latencyMs: 0 },
      suite: { path: IN_MEMORY_SUITE, format: 'json', count: 3 },
      parentRunId: null,
    });
    expect(result.end).toMatchObject({ type: 'run.end', status: 'completed', endedAt: NOW.toISOString() });

    const log = await readRunLog(result.logPath);
    expect(log.incomplete).toBe(false);
    expect(log.header).toEqual(result.header);
    expect(log.end).toEqual(result.end);
    expect(log.cases.map((c) => [c.caseId, c.status, c.passed, c.stages['infer']]).sort()).toEqual([
      ['q0', 'complete', true, '0'],
      ['q1', 'complete', true, '2'],
      ['q2', 'complete', true, '4'],
    ]);
  });

  it('calls onStart once before the first case, and onProgress once per case with the counts so far', async () => {
    const events: string[] = [];
    const progress: { record: CaseRecord; counts: RunCounts }[] = [];
    const { result } = await runQuiz(4, {
      onStart: (header, start) => {
        events.push(`start ${header.runId} ${start.toRun}/${start.total}`);
      },
      onProgress: (record, counts) => {
        events.push('progress');
        progress.push({ record, counts });
      },
    });
    expect(events).toEqual([`start ${result.runId} 4/4`, 'progress', 'progress', 'progress', 'progress']);
    expect(progress.map((p) => p.record.caseId).sort()).toEqual(['q0', 'q1', 'q2', 'q3']);
    expect(progress.map((p) => p.counts.notRun)).toEqual([3, 2, 1, 0]);
    expect(progress.at(-1)!.counts).toEqual(result.counts);
  });

  it('applies overrides given as a plain object patch', async () => {
    const { result } = await runQuiz(2, { overrides: { model: 'flakey' } });
    expect(result.header.config).toMatchObject({ model: 'flakey' });
    expect(result.header.deltas).toEqual([{ path: 'model', from: 'perfect', to: 'flakey' }]);
  });

  it('stops starting cases when the signal aborts: the run ends interrupted, the rest not run', async () => {
    const stop = new AbortController();
    const { result } = await runQuiz(5, { concurrency: 1, signal: stop.signal, onProgress: () => stop.abort() });
    expect(result.status).toBe('interrupted');
    expect(result.counts).toMatchObject({ total: 5, complete: 1, cancelled: 0, notRun: 4 });
    const log = await readRunLog(result.logPath);
    expect(log.cases).toHaveLength(1);
    expect(log.end?.status).toBe('interrupted');
  });

  it('cancels the running cases once the grace period after an abort is over', async () => {
    const stop = new AbortController();
    let started = 0;
    const { result } = await runQuiz(5, {
      concurrency: 2,
      overrides: ['latencyMs=60000'],
      signal: stop.signal,
      graceMs: 0,
      // Aborted as the second case starts: both running cases are then cancelled, mid-call.
      onStart: () => ({ onCaseStart: () => void (++started === 2 && stop.abort()) }),
    });
    expect(result.status).toBe('interrupted');
    expect(result.counts).toMatchObject({ total: 5, complete: 0, cancelled: 2, notRun: 3 });
  });

  it('runs no case when the signal aborted before the run started', async () => {
    const { result } = await runQuiz(3, { signal: AbortSignal.abort() });
    expect(result.status).toBe('interrupted');
    expect(result.counts).toMatchObject({ total: 3, complete: 0, notRun: 3 });
  });

  it('takes a suite file or cases, not both and not neither', async () => {
    await expect(runQuiz(1, { suite: 'suite.json' })).rejects.toThrow(/not both/);
    await expect(runQuiz(1, { cases: undefined })).rejects.toThrow(/neither was given/);
  });

  it('records a case the log cannot hold as its error and goes on; run.end counts what the log holds', async () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 600; i++) deep = { down: deep };
    const { result } = await runQuiz(0, { cases: [...cases(3), { id: 'deep', question: '1+1', answer: '2', deep }] });
    expect(result.counts).toMatchObject({ total: 4, complete: 3, error: 1, notRun: 0 });
    const log = await readRunLog(result.logPath);
    expect(log.cases).toHaveLength(4);
    expect(log.cases.find((c) => c.caseId === 'deep')).toMatchObject({ status: 'error', passed: null, error: { code: 'E_LOG_RECORD', stage: null } });
    expect(log.end?.counts).toEqual(result.counts);
  });

  it('stops midway with exit code 1 and the resume command; run.end counts the records written', async () => {
    const stop = new UsageError('E_STOP', 'Stopped by the progress hook.');
    const attempt = runQuiz(6, { runId: RUN_ID, concurrency: 1, onProgress: (_record, counts) => { if (counts.total - counts.notRun === 2) throw stop; } });
    const error = (await attempt.catch((e: unknown) => e)) as UsageError;
    expect(error).toMatchObject({ code: 'E_STOP', exitCode: 1, hint: `Then finish the run: tagliots resume ${RUN_ID}` });
    expect(error.message).toContain('Stopped by the progress hook. The run stopped midway; its log runs/');
    const cwd = folders.at(-1)!;
    const log = await readRunLog(join(cwd, 'runs', `${RUN_ID}.jsonl`));
    expect(log.cases).toHaveLength(2);
    expect(log.end).toMatchObject({ status: 'error', counts: { total: 6, complete: 2, notRun: 4 }, error: { message: 'Stopped by the progress hook.' } });
  });

  it('checks the cases as a suite file is checked', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'tagliots-run-suite-'));
    folders.push(cwd);
    await expect(runSuite({ cases: [{ id: 'a' }, { id: 'a' }], pipeline: quiz, cwd, env: {} })).rejects.toMatchObject({ code: 'E_SUITE_ID_DUPLICATE' });
    await expect(runSuite({ cases: [], pipeline: quiz, cwd, env: {} })).rejects.toMatchObject({ code: 'E_SUITE_EMPTY' });
    await expect(runSuite({ cases: [{ id: 'a', note: () => 'not JSON' }], pipeline: quiz, cwd, env: {} })).rejects.toMatchObject({ code: 'E_SUITE_SHAPE' });
  });
});
