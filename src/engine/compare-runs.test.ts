import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDigests } from '../analysis/compare.ts';
import { compareRuns, compareToBaseline, readRunDigests } from './compare-runs.ts';
import { loadDigest } from './digests.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/logs/compare', import.meta.url));
const BASE_ID = '019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13';
const CHANGE_ID = '019aa2c7-81d0-7b44-9c1e-0f5a2b7c9d31';

/** A runs folder holding both fixture logs under their run ids, as `tagliots run` names them. */
let runsDir: string;
beforeAll(async () => {
  runsDir = await mkdtemp(join(tmpdir(), 'tagliots-compare-runs-'));
  await copyFile(join(FIXTURES, 'base.jsonl'), join(runsDir, `${BASE_ID}.jsonl`));
  await copyFile(join(FIXTURES, 'change.jsonl'), join(runsDir, `${CHANGE_ID}.jsonl`));
});
afterAll(() => rm(runsDir, { recursive: true, force: true }));

const ids = (cases: readonly { readonly caseId: string }[]) => cases.map((c) => c.caseId);

describe('compareRuns', () => {
  it('compares two logs named by path, relative to cwd', async () => {
    const comparison = await compareRuns('base.jsonl', 'change.jsonl', { cwd: FIXTURES });
    expect(comparison.a.runId).toBe(BASE_ID);
    expect(comparison.b.runId).toBe(CHANGE_ID);
    expect(ids(comparison.regressions)).toEqual(['billing-refund', 'auth-logout']);
    expect(ids(comparison.fixes).sort()).toEqual(['billing-tax', 'search-typo']);
    expect(ids(comparison.onlyA)).toEqual(['search-empty']);
    expect(ids(comparison.onlyB)).toEqual(['search-new']);
    // The same comparison as the pure function over the digests.
    const [a, b] = [await loadDigest(join(FIXTURES, 'base.jsonl')), await loadDigest(join(FIXTURES, 'change.jsonl'))];
    expect(JSON.stringify(comparison)).toBe(JSON.stringify(compareDigests(a!, b!)));
  });

  it('finds runs in the runs folder by id prefix and `latest`', async () => {
    const comparison = await compareRuns('019aa1f4', 'latest', { runsDir });
    expect([comparison.a.path, comparison.b.path]).toEqual([join(runsDir, `${BASE_ID}.jsonl`), join(runsDir, `${CHANGE_ID}.jsonl`)]);
    expect(comparison.regressions).toHaveLength(2);
  });

  it('takes digests already read, and refs and digests mixed', async () => {
    const [base, change] = await readRunDigests(['019aa1f4', '019aa2c7'], { runsDir });
    const fromDigests = await compareRuns(base!, change!);
    const mixed = await compareRuns(base!, '019aa2c7', { runsDir });
    expect(JSON.stringify(mixed)).toBe(JSON.stringify(fromDigests));
    expect(fromDigests.b.runId).toBe(CHANGE_ID);
  });

  it('compares only the cases the filter selects, and passes alpha and maxRows on', async () => {
    const comparison = await compareRuns('base.jsonl', 'change.jsonl', { cwd: FIXTURES, filter: 'p0', alpha: 0.2, maxRows: 1 });
    expect(comparison.common).toBe(2);
    expect(ids(comparison.regressions)).toEqual(['billing-refund']);
    expect(comparison.alpha).toBe(0.2);
    expect(comparison.casesListed).toBe('changed');
    const byIds = await compareRuns('base.jsonl', 'change.jsonl', { cwd: FIXTURES, ids: ['billing'] });
    expect(byIds.common).toBe(2);
  });

  it('rejects an id prefix that matches no case, and a run that does not exist', async () => {
    await expect(compareRuns('base.jsonl', 'change.jsonl', { cwd: FIXTURES, ids: ['nope'] })).rejects.toMatchObject({ code: 'E_SELECT_IDS', message: "No case id starts with 'nope'." });
    await expect(compareRuns('019aa1f4', '0000', { runsDir })).rejects.toMatchObject({ code: 'E_RUN_NOT_FOUND' });
  });
});

describe('compareToBaseline', () => {
  it('compares every run with the baseline, in order', async () => {
    const { baseline, comparisons } = await compareToBaseline('base.jsonl', ['change.jsonl', 'base.jsonl'], { cwd: FIXTURES });
    expect(baseline.runId).toBe(BASE_ID);
    expect(comparisons.map((c) => [c.a.runId, c.b.runId])).toEqual([
      [BASE_ID, CHANGE_ID],
      [BASE_ID, BASE_ID],
    ]);
    expect(comparisons[1]!.sameRun).toBe(true);
  });
});
