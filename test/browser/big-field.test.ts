/**
 * A case with a 10 MB field in the report page: opening it puts only the beginning of each huge
 * value in the page (laying out all of it froze the page for seconds), with a button that shows it
 * all. Asserted on what the page holds, not on time.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, endRecord, header, openReportFile, recordsOf, syntheticCases, waitForText, writeLog, writeReport, type Browser, type PageGlobals } from './chromium.ts';

const temp = tempDirs();
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await temp.cleanup();
});

const RUN = '019bc400-0000-7000-8000-00000000000b';
/** 10 MiB on one line, and a 200 KB reply of many lines (its error message quotes it whole). */
const DOCUMENT = 'ten megabytes of case data '.repeat(Math.ceil((10 * 1024 * 1024) / 27)).slice(0, 10 * 1024 * 1024);
const REPLY = Array.from({ length: 4000 }, (_, i) => `line ${i} of a long reply that is not a number`).join('\n');
/** Far below any of the huge values, and above what the rest of the case view holds. */
const MOST_CHARACTERS = 150_000;

describe.skipIf(SKIP_BROWSER)('a case with a 10 MB field in the report page', () => {
  it('shows the beginning of each huge value, and all of it on demand', { timeout: 4 * TIMEOUT }, async () => {
    const dir = await temp.make('tagliots-big-field-');
    const runs = join(dir, 'runs');
    await mkdir(runs);
    const cases = syntheticCases(3, 5).map((c, i) => (i === 1 ? { ...c, outcome: 'error' as const, reply: REPLY, extra: { document: DOCUMENT } } : c));
    const records = recordsOf(cases, 6);
    await writeLog(join(runs, `${RUN}.jsonl`), header(RUN, { count: 3 }), records, endRecord(records, 3));
    const opened = await openReportFile(await writeReport(dir, RUN, 'report.html', { runsDir: runs }));
    browser = opened.browser;
    const { page, errors } = opened.watched;
    const big = records[1]!;
    await page.fill('.run-view[data-tab="run"] input.text-filter', big.caseId);
    await waitForText(page, '.run-view[data-tab="run"] .filters .count', '1 of 3 cases');
    await page.click('.run-view[data-tab="run"] .rows .row');
    await page.waitForSelector('#detail .case-detail');
    const detailLength = () => page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('#detail')?.textContent?.length ?? 0);

    // Each huge value is cut: the document field, the reply and the error message quoting it.
    expect(await detailLength()).toBeLessThan(MOST_CHARACTERS);
    const panel = page.locator('#detail');
    expect(await panel.locator('.error-title').first().textContent()).toContain(`could not convert string to number: 'line 0 of a long reply`);
    const field = panel.locator('table.kv tr', { has: page.locator('th', { hasText: /^document$/ }) });
    expect(await field.locator('button.expand').textContent()).toBe('Show all (1 line, 10.0 MiB)');

    // "Show all" puts the whole value in the page; "Show less" takes it out again. (Shown with the
    // reply: laying out all 10 MB, which the user asks for with the button, takes seconds.)
    const output = panel.locator('.stage').nth(1).locator('.output');
    const show = output.locator('button.expand');
    expect(await show.textContent()).toBe('Show all (4,000 lines, 182.5 KiB)');
    await show.click();
    await expect.poll(() => output.locator('pre').evaluate((pre) => pre.textContent?.length), { timeout: TIMEOUT }).toBe(REPLY.length);
    expect(await show.textContent()).toBe('Show less');
    await show.click();
    expect(await output.locator('pre').evaluate((pre) => pre.textContent?.length)).toBe(20_000);
    expect(await detailLength()).toBeLessThan(MOST_CHARACTERS);

    // The error message quoting the reply shows all of it on demand too.
    await panel.locator('.error-title button.expand').first().click();
    expect(await panel.locator('.error-title').first().textContent()).toContain(REPLY.slice(-200));
    expect(errors).toEqual([]);
  });
});
