/**
 * A large report opens and stays interactive: the report of a run compared with a baseline, both of
 * TAGLIOTS_BROWSER_CASES cases (4,000 by default, which keeps `npm test` short; docs/performance.md has
 * the figures for 100,000).
 * It prints the file size and the timings it measures (time to first render from the page's
 * performance marks); like every performance figure, they are reported, not asserted.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { keywordsOf, parseFilter } from '../../src/suite/filter.ts';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, endRecord, header, launchBrowser, marks, perturb, recordsOf, syntheticCases, waitForText, waitReady, writeLog, writeReport } from './chromium.ts';

const CASES = Number(process.env['TAGLIOTS_BROWSER_CASES'] ?? 4_000);
const A = '019bc300-0000-7000-8000-00000000000a';
const B = '019bc300-0000-7000-8000-00000000000b';
const temp = tempDirs();

afterAll(() => temp.cleanup());

describe.skipIf(SKIP_BROWSER)(`a report of ${CASES.toLocaleString('en-US')} cases`, () => {
  it('opens, filters, opens a case and compares without delay', { timeout: 20 * TIMEOUT }, async () => {
    const dir = await temp.make('tagliots-scale-');
    const runs = join(dir, 'runs');
    await mkdir(runs);
    const casesA = syntheticCases(CASES, 11);
    const recordsA = recordsOf(casesA, 12, 8);
    await writeLog(join(runs, `${A}.jsonl`), header(A, { count: CASES, model: 'flakey' }), recordsA, endRecord(recordsA, CASES));
    recordsA.length = 0;
    const recordsB = recordsOf(perturb(casesA, 13, 0.05), 14, 8);
    await writeLog(join(runs, `${B}.jsonl`), header(B, { count: CASES }), recordsB, endRecord(recordsB, CASES));

    const figures: string[] = [];
    let t = performance.now();
    await writeReport(dir, B, 'single.html', { runsDir: runs });
    figures.push(`report ${((await stat(join(dir, 'single.html'))).size / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - t)} ms`);
    t = performance.now();
    await writeReport(dir, B, 'compare.html', { baseline: A, runsDir: runs });
    figures.push(`with baseline ${((await stat(join(dir, 'compare.html'))).size / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - t)} ms`);

    const browser = await launchBrowser();
    try {
      const { page, errors, dialogs } = await browser.newPage();
      const run = '.run-view[data-tab="run"]';
      const count = `${run} .filters .count`;
      const waitForCount = (text: string) => waitForText(page, count, text, 4 * TIMEOUT);
      const all = `${CASES.toLocaleString('en-US')} cases`;

      await page.goto(pathToFileURL(join(dir, 'single.html')).href, { timeout: 4 * TIMEOUT });
      await waitReady(page);
      const m = await marks(page);
      figures.push(`single: first render ${m['tg:first-render']} ms (script ${m['tg:start']} ms, data ${m['tg:data']} ms)`);
      expect(await page.textContent(count)).toBe(all);
      expect(await page.locator(`${run} .rows .row`).count()).toBeLessThan(80);

      const expression = 'p0 && !(slow || flaky)';
      const predicate = parseFilter(expression);
      const expected = recordsB.filter((r) => r.passed === false && predicate(keywordsOf(r.case))).length;
      t = performance.now();
      await page.selectOption(`${run} select.status-filter`, 'failed');
      await page.fill(`${run} input.keyword-filter`, expression);
      await waitForCount(`${expected.toLocaleString('en-US')} of ${all}`);
      figures.push(`status + keyword filter ${Math.round(performance.now() - t)} ms (150 ms of it the typing delay)`);

      t = performance.now();
      await page.fill(`${run} input.text-filter`, '99+');
      const byText = recordsB.filter((r) => r.passed === false && predicate(keywordsOf(r.case)) && (String(r.columns!['user']).includes('99+') || r.caseId.includes('99+'))).length;
      await waitForCount(`${byText.toLocaleString('en-US')} of ${all}`);
      figures.push(`text search ${Math.round(performance.now() - t)} ms`);

      t = performance.now();
      await page.click(`${run} .thead button.sort[data-key="duration"]`);
      await page.waitForSelector(`${run} .th[aria-sort="ascending"]`);
      figures.push(`sort ${Math.round(performance.now() - t)} ms`);

      t = performance.now();
      await page.click(`${run} .rows .row[data-row="0"]`);
      await page.waitForSelector('#detail .case-detail', { timeout: 4 * TIMEOUT });
      figures.push(`open a case ${Math.round(performance.now() - t)} ms`);
      await page.keyboard.press('Escape');

      await page.goto(pathToFileURL(join(dir, 'compare.html')).href, { timeout: 4 * TIMEOUT });
      await waitReady(page);
      const mc = await marks(page);
      figures.push(`with baseline: first render ${mc['tg:first-render']} ms`);
      t = performance.now();
      await page.click('#tab-compare');
      await page.waitForSelector('.compare-view .rows .row', { timeout: 4 * TIMEOUT });
      figures.push(`comparison tab ${Math.round(performance.now() - t)} ms`);
      t = performance.now();
      await page.click('.compare-view .rows .row');
      await page.waitForSelector('#detail .side-by-side', { timeout: 4 * TIMEOUT });
      figures.push(`side by side ${Math.round(performance.now() - t)} ms`);

      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
      console.log(`[scale] ${CASES.toLocaleString('en-US')} cases: ${figures.join('; ')}`);
    }
  });
});
