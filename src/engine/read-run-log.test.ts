import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTagliotsError } from '../errors.ts';
import type { CaseRecord } from '../log/schema.ts';
import { readRunLog } from './read-run-log.ts';
import { summarizeRun } from './summarize-run.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/logs/', import.meta.url));
const COMPLETE = '019aa193-8a59-7b4e-a2c9-a17f3d05e6b8';
const TRUNCATED = '019aa1da-da6e-72c7-af0b-9e41a6d35c8f';
const GOTAGLIO = 'ecba790e-f50c-4c90-9b89-7d46fad3354e';

let root: string;
const options = () => ({ runsDir: 'runs', cwd: root });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tagliots-read-run-log-'));
  await mkdir(join(root, 'runs'));
  await copyFile(join(FIXTURES, 'complete.jsonl'), join(root, 'runs', `${COMPLETE}.jsonl`));
  await copyFile(join(FIXTURES, 'truncated.jsonl'), join(root, 'runs', `${TRUNCATED}.jsonl`));
  await copyFile(join(FIXTURES, 'gotaglio', `${GOTAGLIO}.json`), join(root, 'runs', `${GOTAGLIO}.json`));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function all(cases: AsyncIterable<CaseRecord>): Promise<CaseRecord[]> {
  const records: CaseRecord[] = [];
  for await (const record of cases) records.push(record);
  return records;
}

describe('readRunLog', () => {
  it('names a run by a run-id prefix and streams its case records, as often as asked', async () => {
    const log = await readRunLog(COMPLETE.slice(0, 12), options());
    expect(log.path).toBe(join(root, 'runs', `${COMPLETE}.jsonl`));
    expect(log.header.pipeline.name).toBe('calc');
    expect((await all(log.cases)).map((r) => r.index)).toEqual([0, 2, 1]);
    expect((await all(log.cases)).map((r) => r.index)).toEqual([0, 2, 1]);
    expect((await log.end())?.status).toBe('completed');
    expect(log.warnings).toEqual([]);
    expect(log.selectedCases).toBeNull();
  });

  it('reads run.end before any pass, and without one says null', async () => {
    expect((await (await readRunLog(`runs/${COMPLETE}.jsonl`, { cwd: root })).end())?.status).toBe('completed');
    const truncated = await readRunLog(`runs/${TRUNCATED}.jsonl`, { cwd: root });
    expect(await truncated.end()).toBeNull();
    await truncated.forEachCase(() => undefined);
    expect(await truncated.end()).toBeNull();
    expect(truncated.warnings).toHaveLength(1);
    expect(truncated.warnings[0]).toMatch(/:3: last line is truncated/);
  });

  it('keeps the selected cases only', async () => {
    const log = await readRunLog(COMPLETE, { ...options(), selection: { limit: 2 } });
    expect((await all(log.cases)).map((r) => r.index)).toEqual([0, 1]);
    expect(log.selectedCases).toBe(2);
  });

  it('reads a GoTaglio log named by its id', async () => {
    const log = await readRunLog('ecba', options());
    expect(log.header.versions.tagliots).toBe('GoTaglio');
    expect(await all(log.cases)).toHaveLength(3);
  });

  it('throws E_RUN_NOT_FOUND for an unknown run', async () => {
    const error: unknown = await readRunLog('ffff', options()).catch((e: unknown) => e);
    expect(isTagliotsError(error) && error.code).toBe('E_RUN_NOT_FOUND');
  });
});

describe('summarizeRun', () => {
  it('summarizes a run, with the log path relative to cwd', async () => {
    const summary = await summarizeRun(COMPLETE, { ...options(), byKeyword: true });
    expect(summary).toMatchObject({ runId: expect.any(String), log: `runs/${COMPLETE}.jsonl`, pipeline: 'calc', status: 'completed', incomplete: false, warnings: [] });
    expect(summary.rows).toHaveLength(3);
    expect(summary.byKeyword?.length).toBeGreaterThan(0);
    expect('selection' in summary).toBe(false);
  });

  it('says a log without run.end is incomplete, with its warnings', async () => {
    const summary = await summarizeRun(TRUNCATED, options());
    expect(summary.status).toBe('incomplete');
    expect(summary.incomplete).toBe(true);
    expect(summary.warnings).toHaveLength(1);
  });
});
