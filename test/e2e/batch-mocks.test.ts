/**
 * The built-in mocks in batch mode, in process and offline: `run --batch` queues their calls for an
 * in-memory Batch API like a configured model's (one batch for a one-stage suite, the journal beside
 * the log, `calls[].batch` in the log, the summary's batch line), they answer exactly as online
 * (perfect passes everything, flakey fails the same cases), tool loops and multi-turn cases need
 * later batches, and a resume after a kill submits the requests of the dead batches again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunLog, type RunLog } from '../../src/log/reader.ts';
import type { CaseRecord, ModelCall } from '../../src/log/schema.ts';
import { cutRunLog, onlyRunLog, runLogs, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

async function run(suite: string, args: readonly string[]) {
  const runsDir = join(await temp.make(), 'runs');
  const result = await runInProcess(['run', suite, ...args, '--runs-dir', runsDir], { cwd: REPO_ROOT });
  const log = await readRunLog(await onlyRunLog(runsDir));
  return { result, log, runsDir };
}

const callsOf = (record: CaseRecord): ModelCall[] => [record, ...(record.turns ?? [])].flatMap((part) => Object.values(part.stageRecords).flatMap((stage) => stage.calls ?? []));

/** Each case's verdict and error, by case id: what must not change between online and batch mode. */
const verdicts = (log: RunLog) => Object.fromEntries(log.cases.map((c) => [c.caseId, { status: c.status, passed: c.passed, error: c.error?.message ?? null }]));

interface JournalLine {
  readonly type: string;
  readonly batchId?: string;
  readonly requests?: readonly { readonly id: string }[];
}

async function journalOf(log: RunLog): Promise<JournalLine[]> {
  const text = await readFile(log.path.replace(/\.jsonl$/, '.batches.log'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalLine);
}

describe.concurrent('run --batch with the mock models', () => {
  it('calc with perfect: the same verdicts as online, all 24 requests in one batch, journaled and recorded in the log', async () => {
    const [online, batch] = await Promise.all([run('suites/calc.json', []), run('suites/calc.json', ['--batch'])]);
    expect(batch.result.exitCode, batch.result.stderr).toBe(0);
    expect(batch.log.end).toMatchObject({ status: 'completed', counts: { complete: 24, passed: 24 } });
    expect(verdicts(batch.log)).toEqual(verdicts(online.log));

    const journal = await journalOf(batch.log);
    expect(journal.map((line) => line.type)).toEqual(['uploaded', 'submitted', 'ended']);
    expect(journal[0]!.requests).toHaveLength(24);
    expect(journal[1]).toMatchObject({ profile: 'perfect', batchId: 'batch_1' });

    const calls = batch.log.cases.flatMap(callsOf);
    expect(calls).toHaveLength(24);
    for (const call of calls) {
      expect(call).toMatchObject({ profile: 'perfect', provider: 'mock', status: 'ok', costUsd: 0, batch: { batchId: 'batch_1', savedUsd: 0 }, attempts: [{ attempt: 1, outcome: 'ok', batchId: 'batch_1' }] });
    }
    const first = batch.log.cases[0]!;
    expect(callsOf(first)[0]!.batch!.customId).toBe(`${batch.log.header.runId}/${first.caseId}/r0/t-/infer/c1`);
    // The header says the mock was batched, so a resume of the run batches too.
    expect(batch.log.header.models).toEqual({ perfect: { type: 'mock', model: 'perfect', batch: { maxRequests: 50000, maxWaitMs: 60000, pollIntervalMs: 30000 } } });
    expect(batch.result.stdout).toContain('Batch API: 24 calls answered by batches\n');

    // Online, the mocks record no calls and no batch: nothing changes without --batch.
    expect(online.log.cases.flatMap(callsOf)).toEqual([]);
    expect(online.log.header.models).toBeUndefined();
    expect(online.log.end!.modelCalls).toBeUndefined();
  });

  it('calc with flakey: fails the same cases, with the same errors, as online', async () => {
    const [online, batch] = await Promise.all([run('suites/calc.json', ['infer.model.name=flakey']), run('suites/calc.json', ['infer.model.name=flakey', '--batch'])]);
    expect(batch.result.exitCode).toBe(online.result.exitCode);
    expect(verdicts(batch.log)).toEqual(verdicts(online.log));
    const failing = Object.values(verdicts(online.log)).filter((v) => v.passed !== true);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.length).toBeLessThan(24);
    // Each call went through the one batch; a call the mock failed is an error line of it.
    const calls = batch.log.cases.flatMap(callsOf);
    expect(calls).toHaveLength(24);
    expect(new Set(calls.map((call) => call.attempts[0]!.batchId))).toEqual(new Set(['batch_1']));
    const failed = calls.filter((call) => call.status === 'error');
    expect(failed.length).toBeGreaterThan(0);
    for (const call of failed) expect(call).toMatchObject({ error: 'Flakey model failed', attempts: [{ attempt: 1, outcome: 'error', status: 400, batchId: 'batch_1' }] });
  });

  it('agent: tool loops and multi-turn cases complete offline, each round in a later batch', async () => {
    const [online, batch] = await Promise.all([run('suites/agent.json', []), run('suites/agent.json', ['--batch'])]);
    expect(batch.result.exitCode, batch.result.stderr).toBe(0);
    expect(batch.log.end).toMatchObject({ status: 'completed', counts: { complete: 24, passed: 24 } });
    expect(verdicts(batch.log)).toEqual(verdicts(online.log));
    const journal = await journalOf(batch.log);
    const submitted = journal.filter((line) => line.type === 'submitted');
    // A round's request exists only once the round before is answered.
    expect(submitted.length).toBeGreaterThan(1);
    expect(journal.filter((line) => line.type === 'ended')).toHaveLength(submitted.length);
    const calls = batch.log.cases.flatMap(callsOf);
    expect(calls.length).toBeGreaterThan(24);
    expect(calls.every((call) => call.status === 'ok' && call.batch !== undefined)).toBe(true);
    expect(batch.result.stdout).toContain(`Batch API: ${calls.length} calls answered by batches\n`);
  });

  it('menu with flakey: multi-turn cases fail and skip the same turns as online', async () => {
    const [online, batch] = await Promise.all([run('suites/menu.json', ['infer.model.name=flakey']), run('suites/menu.json', ['infer.model.name=flakey', '--batch'])]);
    expect(batch.result.exitCode).toBe(online.result.exitCode);
    expect(verdicts(batch.log)).toEqual(verdicts(online.log));
    const turns = (log: RunLog) => Object.fromEntries(log.cases.map((c) => [c.caseId, (c.turns ?? []).map((turn) => [turn.status, turn.passed ?? null])]));
    expect(turns(batch.log)).toEqual(turns(online.log));
    expect((await journalOf(batch.log)).filter((line) => line.type === 'submitted').length).toBeGreaterThan(1);
  });

  it('a resume after a kill submits the requests of the dead in-memory batches again', async () => {
    const { result, log, runsDir } = await run('suites/calc.json', ['--batch']);
    expect(result.exitCode, result.stderr).toBe(0);
    // What kill -9 leaves: 10 cases written, no run.end, and a journal naming a batch that died with the process.
    await cutRunLog(log.path, 10);
    const resumed = await runInProcess(['resume', log.header.runId, '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const logs = await Promise.all((await runLogs(runsDir)).map((path) => readRunLog(path)));
    const finished = logs.find((l) => l.header.parentRunId === log.header.runId)!;
    expect(finished.end).toMatchObject({ status: 'completed', counts: { complete: 24, passed: 24 } });
    // Batch mode on its own, the requests under the original run's ids, submitted anew in the resume's own batch.
    const journal = await journalOf(finished);
    expect(journal.map((line) => line.type)).toEqual(['uploaded', 'submitted', 'ended']);
    expect(journal[0]!.requests).toHaveLength(14);
    expect(journal[0]!.requests!.every((request) => request.id.startsWith(`${log.header.runId}/`))).toBe(true);
  });
});
