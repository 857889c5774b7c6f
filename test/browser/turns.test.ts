/**
 * Multi-turn cases in the report page: the menu sample run with the flakey mock
 * (a turn fails, the later ones are skipped), reported against a run with the perfect mock. The case
 * detail shows every turn with its status, error and stages; the side-by-side view compares turn by turn.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../src/log/schema.ts';
import { readRunLog } from '../../src/log/reader.ts';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, openReportFile, sampleComparison, waitForText, type Browser, type WatchedPage } from './chromium.ts';

const temp = tempDirs();

let browser: Browser;
let watched: WatchedPage;
let page: Page;
let failing: CaseRecord;
let failedTurn: number;

describe.skipIf(SKIP_BROWSER)('multi-turn cases in the report page', { timeout: 2 * TIMEOUT }, () => {
  beforeAll(async () => {
    const { flakey, report } = await sampleComparison('suites/menu.json', 'infer.model.name', () => temp.make('tagliots-turns-'));
    const log = await readRunLog(flakey);
    // The flakey mock is deterministic: some cases complete their first turn, fail the second and skip the third.
    const failedAt = (c: CaseRecord) => c.turns!.findIndex((t) => t.status === 'error');
    failing = log.cases.find((c) => failedAt(c) > 0 && failedAt(c) < c.turns!.length - 1)!;
    expect(failing, 'a flakey menu case with a failed turn between others').toBeDefined();
    failedTurn = failing.turns!.findIndex((t) => t.status === 'error');
    ({ browser, watched } = await openReportFile(report));
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await temp.cleanup();
  });

  const run = '.run-view[data-tab="run"]';

  it('shows every turn of a case: status, error, skipped turns with their reason, stages and outputs', async () => {
    await page.fill(`${run} input.text-filter`, failing.caseId);
    await waitForText(page, `${run} .filters .count`, '1 of 12 cases');
    await page.click(`${run} .rows .row`);
    await page.waitForSelector('#detail .case-detail .turns');
    const panel = page.locator('#detail');
    const turns = failing.turns!;
    expect(await panel.locator('.detail-section h3', { hasText: 'Turns' }).textContent()).toBe(`Turns (${turns.length})`);
    // Turns are numbered from 1 for people; the log and data-turn keep the index from 0.
    expect(await panel.locator('.turn .turn-name').allTextContents()).toEqual(turns.map((t) => `Turn ${t.index + 1}`));
    expect(await panel.locator('.turn-head .pill').allTextContents()).toEqual(turns.map((t) => t.status));

    const failed = panel.locator(`.turn[data-turn="${failedTurn}"]`);
    expect(await failed.locator('.error-box .error-title').first().textContent()).toBe(`${turns[failedTurn]!.error!.name}: ${turns[failedTurn]!.error!.message}`);
    for (const later of turns.slice(failedTurn + 1)) {
      const view = panel.locator(`.turn[data-turn="${later.index}"]`);
      expect(await view.locator('.turn-head .muted').textContent()).toContain(`turn ${failedTurn + 1} failed`);
      expect(await view.locator('.stage').count()).toBe(0);
    }

    // The turns before the failure ran every stage; their outputs are the turn's, not the case's.
    const first = panel.locator('.turn[data-turn="0"]');
    expect(await first.locator('.waterfall .wf-name').allTextContents()).toEqual(Object.keys(turns[0]!.stageRecords));
    const infer = first.locator('.stage', { has: page.locator('.stage-name', { hasText: /^infer$/ }) });
    expect(await infer.locator('.pill').textContent()).toBe('ok');
    expect(await infer.locator('.output pre').textContent()).toBe(String(turns[0]!.stages['infer']));
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
    await page.fill(`${run} input.text-filter`, '');
    await waitForText(page, `${run} .filters .count`, '12 cases');
  });

  it('compares a multi-turn case turn by turn, side by side', async () => {
    await page.click('#tab-compare');
    await page.waitForSelector('.compare-view .rows .row');
    await page.fill('.compare-view input.text-filter', failing.caseId);
    await expect.poll(() => page.locator('.compare-view .rows .row').count(), { timeout: TIMEOUT }).toBe(1);
    expect(await page.locator('.compare-view .rows .row .badge').first().textContent()).toBe('REGRESSION');
    await page.click('.compare-view .rows .row');
    await page.waitForSelector('#detail.wide .side-by-side');
    const titles = await page.locator('#detail .sbs-row .sbs-title > span:first-child').allTextContents();
    for (const turn of failing.turns!) expect(titles).toContain(`Turn ${turn.index + 1}`);
    expect(titles).toContain(`Turn ${failedTurn + 1} · Stage infer`);
    const turnRow = page.locator('#detail .sbs-row', { has: page.locator('.sbs-title > span:first-child', { hasText: new RegExp(`^Turn ${failedTurn + 1}$`) }) });
    expect(await turnRow.locator('.pill.differs').count()).toBe(1);
    expect(await turnRow.locator('.side').nth(0).locator('.turn-head .pill').textContent()).toBe('complete');
    expect(await turnRow.locator('.side').nth(1).locator('.turn-head .pill').textContent()).toBe('error');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
  });

  it('went through all of that without an error or a dialog', () => {
    expect(watched.errors).toEqual([]);
    expect(watched.dialogs).toEqual([]);
  });
});
