import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pid, processStartMark } from '../host.ts';
import { claimPathOf, claimRun, readClaimFile, type Claim, type ClaimRecord } from './claim.ts';

let dir: string;
let logPath: string;
const held: Claim[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tagliots-claim-'));
  logPath = join(dir, 'run-a.jsonl');
});
afterEach(() => {
  for (const claim of held.splice(0)) claim.release();
  rmSync(dir, { recursive: true, force: true });
});

const NOW = () => new Date(Date.UTC(2026, 0, 1));
async function claim(holder: Pick<ClaimRecord, 'runId' | 'mode'> = { runId: 'run-a', mode: 'run' }, force = false): Promise<Claim> {
  const made = await claimRun({ logPath, runId: 'run-a', holder, force, now: NOW });
  held.push(made);
  return made;
}

/** A claim file as another process left it. */
function leave(record: Partial<ClaimRecord>): void {
  const full: ClaimRecord = { pid: 1, host: hostname(), runId: 'run-a', mode: 'run', claimedAt: '2025-12-31T00:00:00.000Z', nonce: 'feedfeed', ...record };
  writeFileSync(claimPathOf(logPath), `${JSON.stringify(full)}\n`);
}

/** A pid no process has (above Linux's largest pid_max). */
const NO_SUCH_PID = 2 ** 22 + 12_345;

describe('claimRun', () => {
  it('writes who holds the run beside its log, and release removes it', async () => {
    expect(claimPathOf(logPath)).toBe(join(dir, 'run-a.lock'));
    expect(claimPathOf(join(dir, 'copy.log'))).toBe(join(dir, 'copy.log.lock'));
    const made = await claim();
    expect(readClaimFile(made.path)?.record).toEqual({ ...made.record, pid, host: hostname(), runId: 'run-a', mode: 'run', claimedAt: '2026-01-01T00:00:00.000Z' });
    expect(readdirSync(dir)).toEqual(['run-a.lock']);
    made.release();
    made.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a run its own process is running, naming the pid and host', async () => {
    await claim();
    await expect(claim({ runId: 'run-b', mode: 'resume' })).rejects.toMatchObject({
      code: 'E_RUN_RUNNING',
      exitCode: 2,
      message: `Run run-a is still running: pid ${pid} on this machine (${hostname()}) has been writing it since 2026-01-01T00:00:00.000Z.`,
      hint: expect.stringContaining('would run its cases twice'),
    });
  });

  it('refuses a run another process is resuming: E_RESUME_SUPERSEDED, "being resumed by pid N"', async () => {
    await claim({ runId: 'run-b', mode: 'resume' });
    const error = await claim({ runId: 'run-c', mode: 'resume' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_RESUME_SUPERSEDED', hint: expect.stringContaining('tagliots resume run-b') });
    expect((error as Error).message).toContain(`Run run-a is being resumed by pid ${pid} on this machine (${hostname()}), as run run-b`);
    // --force does not take over a claim whose process is known to run.
    await expect(claim({ runId: 'run-c', mode: 'resume' }, true)).rejects.toMatchObject({ code: 'E_RESUME_SUPERSEDED' });
  });

  it('takes over a stale claim: its pid is gone, reused by a later process, or this process never made it', async () => {
    const stale: Partial<ClaimRecord>[] = [{ pid: NO_SUCH_PID }, { pid, nonce: 'left-by-an-earlier-process' }];
    // pid 1 always runs; with another start mark it is not the process that made the claim.
    if (processStartMark(1) !== undefined) stale.push({ pid: 1, processStart: 'another-boot/42' });
    for (const record of stale) {
      leave(record);
      const made = await claim();
      expect(readClaimFile(made.path)?.record?.nonce).toBe(made.record.nonce);
      made.release();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a claim made on another host unless forced, and an unreadable one', async () => {
    leave({ host: 'elsewhere.example', pid: 4242 });
    const error = (await claim().catch((e: unknown) => e)) as { code: string; message: string; hint: string };
    expect(error.code).toBe('E_RUN_RUNNING');
    expect(error.message).toContain('pid 4242 on host elsewhere.example (another machine');
    expect(error.hint).toContain('--force');
    expect((await claim(undefined, true)).record.host).toBe(hostname());

    held.splice(0).forEach((c) => c.release());
    writeFileSync(claimPathOf(logPath), 'garbage');
    await expect(claim()).rejects.toMatchObject({ code: 'E_RUN_CLAIMED', hint: expect.stringContaining('run-a.lock') });
    await claim(undefined, true);
  });

  it('gives a stale claim to exactly one of many processes taking it over at once', async () => {
    leave({ pid: NO_SUCH_PID });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => claim({ runId: `resume-${i}`, mode: 'resume' })));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'E_RESUME_SUPERSEDED' });
    expect(existsSync(`${claimPathOf(logPath)}.takeover`)).toBe(false);
  });

  it('release leaves a claim that is no longer its own', async () => {
    const made = await claim();
    leave({ host: 'elsewhere.example' });
    made.release();
    expect(JSON.parse(readFileSync(claimPathOf(logPath), 'utf8'))).toMatchObject({ host: 'elsewhere.example' });
  });

  it('says when the claim cannot be written', async () => {
    await expect(claimRun({ logPath: join(dir, 'missing', 'run.jsonl'), runId: 'r', holder: { runId: 'r', mode: 'run' } })).rejects.toMatchObject({
      code: 'E_LOG_WRITE',
      message: expect.stringContaining('the folder does not exist (ENOENT)'),
    });
  });
});
