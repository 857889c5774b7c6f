import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunLog } from '../log/reader.ts';
import type { RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { mergeRuns } from './merge.ts';

const COMPLETE = fileURLToPath(new URL('../../test/fixtures/logs/complete.jsonl', import.meta.url));
const MERGED_ID = '019bbbbb-0000-7000-8000-000000000000';

let dir: string;
let shards: string[];

/**
 * Shards 1/2 and 2/2 of the fixture run: its three cases split between two logs, as two machines
 * running `--shard i/2` would have written them.
 */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagliots-merge-'));
  const { header: start, cases, end: fixtureEnd } = await readRunLog(COMPLETE);
  const end = fixtureEnd!;
  const parts = [cases.slice(0, 2), cases.slice(2)];
  shards = [];
  for (const [i, part] of parts.entries()) {
    const runId = `019aa193-8a59-7b4e-a2c9-a17f3d05e6b${i}`;
    const shardHeader: RunStartRecord = { ...start, runId, suite: { ...start.suite, count: part.length }, selection: { shard: { index: i + 1, count: 2 } } };
    const counts = { ...end.counts, total: part.length, complete: part.filter((c) => c.status === 'complete').length, error: part.filter((c) => c.status === 'error').length };
    counts.passed = part.filter((c) => c.passed === true).length;
    const shardEnd: RunEndRecord = { ...end, counts };
    const path = join(dir, `shard-${i + 1}.jsonl`);
    await writeFile(path, [shardHeader, ...part, shardEnd].map((record) => `${JSON.stringify(record)}\n`).join(''));
    shards.push(path);
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mergeRuns', () => {
  it('merges the shards into one log with the run id given, recomputing the totals', async () => {
    const merged = await mergeRuns([shards[1]!, shards[0]!], { cwd: dir, output: 'merged.jsonl', runId: MERGED_ID, command: ['merge', 'shard-2.jsonl', 'shard-1.jsonl'] });
    expect(merged.path).toBe(join(dir, 'merged.jsonl'));
    expect(merged.runId).toBe(MERGED_ID);
    expect(merged.inputs.map((input) => input.name)).toEqual(['shard-1.jsonl', 'shard-2.jsonl']);
    expect(merged.shards).toEqual({ count: 2, present: [1, 2], missing: [] });
    expect(merged.warnings).toEqual([]);
    expect(merged.end.counts).toEqual({ total: 3, complete: 2, error: 1, cancelled: 0, passed: 2, failed: 0, notRun: 0 });

    const log = await readRunLog(merged.path);
    expect(log.header).toMatchObject({ runId: MERGED_ID, command: ['merge', 'shard-2.jsonl', 'shard-1.jsonl'], cwd: dir, suite: { count: 3 } });
    expect(log.header.mergedFrom).toEqual(merged.inputs.map((input) => input.header.runId));
    expect(log.cases).toHaveLength(3);
    expect(log.end).toEqual(merged.end);
  });

  it('names a new log in the runs folder after a run id made from `now`, and never overwrites it', async () => {
    const runsDir = join(dir, 'runs');
    const now = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    const merged = await mergeRuns(shards, { cwd: dir, runsDir: 'runs', now });
    // A UUIDv7 opens with the milliseconds of its time.
    expect(merged.runId.replace('-', '').slice(0, 12)).toBe(now().getTime().toString(16).padStart(12, '0'));
    expect(merged.path).toBe(join(runsDir, `${merged.runId}.jsonl`));
    await expect(mergeRuns(shards, { cwd: dir, runsDir: 'runs', runId: merged.runId })).rejects.toMatchObject({ code: 'E_MERGE_OUTPUT' });
    // A failed merge leaves nothing behind.
    expect(await readdir(runsDir)).toEqual([`${merged.runId}.jsonl`]);
  });

  it('refuses a log merged with itself', async () => {
    await expect(mergeRuns([shards[0]!, shards[0]!], { cwd: dir, output: 'twice.jsonl' })).rejects.toMatchObject({ code: 'E_MERGE_OVERLAP' });
  });
});
