import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunGate, evaluateGate, gateRun } from './gate.ts';
import { loadDigest } from './digests.ts';

const LOGS = fileURLToPath(new URL('../../test/fixtures/logs', import.meta.url));
const BASE_ID = '019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13';
const CHANGE_ID = '019aa2c7-81d0-7b44-9c1e-0f5a2b7c9d31';

let runsDir: string;
beforeAll(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'tagliots-gate-'));
  await copyFile(join(LOGS, 'compare/base.jsonl'), join(runsDir, `${BASE_ID}.jsonl`));
  await copyFile(join(LOGS, 'compare/change.jsonl'), join(runsDir, `${CHANGE_ID}.jsonl`));
});
afterAll(() => rm(runsDir, { recursive: true, force: true }));

const rule = (result: { readonly rules: readonly { readonly id: string }[] }, id: string) => result.rules.find((r) => r.id === id);

describe('evaluateGate', () => {
  it('checks the pass rate of a run', async () => {
    // complete.jsonl: 2 of 3 cases passed.
    const passing = await evaluateGate('complete.jsonl', { cwd: LOGS, minPassRate: 0.6 });
    expect(passing.passed).toBe(true);
    expect(rule(passing, 'min-pass-rate')).toMatchObject({ status: 'pass', measured: '66.67% (2/3)', threshold: '≥ 60.00%' });
    const failing = await evaluateGate(join(LOGS, 'complete.jsonl'), { minPassRate: 0.9 });
    expect(failing).toMatchObject({ passed: false, failed: 1, baseline: null, comparison: null });
    expect(rule(failing, 'min-pass-rate')).toMatchObject({ status: 'fail', reason: 'the pass rate 66.67% (2/3) is below the minimum 90.00%' });
  });

  it('fails an interrupted run unless allowIncomplete', async () => {
    expect(rule(await evaluateGate('interrupted.jsonl', { cwd: LOGS }), 'complete')).toMatchObject({ status: 'fail' });
    expect((await evaluateGate('interrupted.jsonl', { cwd: LOGS, allowIncomplete: true })).passed).toBe(true);
  });

  it('compares with a baseline found in the runs folder', async () => {
    const result = await evaluateGate('latest', { runsDir, baseline: '019aa1f4', maxRegressions: 0, alpha: 0.05, maxCost: 0.01, require: ['p0'] });
    expect(result.run.runId).toBe(CHANGE_ID);
    expect(result.baseline?.runId).toBe(BASE_ID);
    expect(result.comparison?.regressions.map((c) => c.caseId)).toEqual(['billing-refund', 'auth-logout']);
    expect(result.rules.map((r) => [r.id, r.status])).toEqual([
      ['complete', 'pass'],
      // One case only in each run (search-empty, search-new).
      ['coverage', 'fail'],
      ['infra-errors', 'pass'],
      ['significance', 'pass'],
      ['significance', 'pass'],
      ['max-regressions', 'fail'],
      ['max-cost', 'fail'],
      ['require', 'fail'],
    ]);
    expect(result.failed).toBe(4);
  });

  it('takes digests as well as references', async () => {
    const run = await loadDigest(join(runsDir, `${CHANGE_ID}.jsonl`));
    const baseline = await loadDigest(join(runsDir, `${BASE_ID}.jsonl`));
    const fromDigests = await evaluateGate(run, { baseline, maxRegressions: 2, allowMissing: true });
    expect(fromDigests.passed).toBe(true);
    const gated = await gateRun(CHANGE_ID.slice(0, 8), { runsDir, baseline, maxRegressions: 2, allowMissing: true });
    expect(gated.run.info.runId).toBe(CHANGE_ID);
    expect(JSON.stringify(gated.result)).toBe(JSON.stringify(fromDigests));
  });

  it('rejects rules that need a baseline without one, and bad require expressions, before reading a run', async () => {
    await expect(evaluateGate('no-such-run', { alpha: 0.05 })).rejects.toMatchObject({ code: 'E_GATE_BASELINE', message: '--alpha compares with a baseline run: add --baseline <run>.' });
    await expect(evaluateGate('no-such-run', { require: ['p0 &&'] })).rejects.toMatchObject({ code: 'E_FILTER_SYNTAX' });
  });
});

describe('checkRunGate', () => {
  it('resolves the baseline to its log before the run, keeping the other options', async () => {
    const checked = await checkRunGate({ baseline: 'latest', maxRegressions: 0, junit: 'gate.xml' }, runsDir, tmpdir());
    expect(checked).toEqual({ baseline: join(runsDir, `${CHANGE_ID}.jsonl`), maxRegressions: 0, junit: 'gate.xml' });
    expect(await checkRunGate({ minPassRate: 0.5 }, runsDir, tmpdir())).toEqual({ minPassRate: 0.5 });
    await expect(checkRunGate({ maxRegressions: 0 }, runsDir, tmpdir())).rejects.toMatchObject({ code: 'E_GATE_BASELINE' });
  });
});
