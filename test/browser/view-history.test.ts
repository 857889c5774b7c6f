/**
 * The run history of `tagliots view` (its server run in process): a completed run is not coloured as
 * a success whatever its pass rate, and a run stopped without a run.end that was resumed links to
 * the run that resumed it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createViewServer, type ViewServer } from '../../src/commands/shared/view-server.ts';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, endRecord, header, launchBrowser, recordsOf, syntheticCases, writeLog, type Browser } from './chromium.ts';

const temp = tempDirs();
const FAILED = '019bc600-0000-7000-8000-000000000001';
const KILLED = '019bc600-0000-7000-8000-000000000002';
const RESUMED = '019bc600-0000-7000-8000-000000000003';
const COUNT = 6;

/** The page's DOM, as far as this test reaches into it (this project compiles without the DOM library). */
interface Dom {
  readonly document: { readonly body: object };
  getComputedStyle(element: object): { readonly color: string };
}

let server: ViewServer | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await temp.cleanup();
});

describe.skipIf(SKIP_BROWSER)('the run history of tagliots view', { timeout: 2 * TIMEOUT }, () => {
  it('colours no cell of a completed run by its status, and links a resumed run to its resume', async () => {
    const dir = await temp.make('tagliots-view-history-');
    const runs = join(dir, 'runs');
    await mkdir(runs);
    const failing = recordsOf(syntheticCases(COUNT, 21).map((c) => ({ ...c, outcome: 'fail' as const })), 22);
    await writeLog(join(runs, `${FAILED}.jsonl`), header(FAILED, { count: COUNT }), failing, endRecord(failing, COUNT));
    const records = recordsOf(syntheticCases(COUNT, 23), 24);
    await writeLog(join(runs, `${KILLED}.jsonl`), header(KILLED, { count: COUNT }), records.slice(0, 2), null);
    await writeLog(join(runs, `${RESUMED}.jsonl`), { ...header(RESUMED, { count: COUNT }), parentRunId: KILLED, mode: 'resume' }, records, endRecord(records, COUNT));

    server = createViewServer({ runsDir: runs, cwd: dir });
    const { url } = await server.listen(0);
    browser = await launchBrowser();
    const { page, errors, dialogs } = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('table.runs tbody tr');
    const row = (id: string) => page.locator('table.runs tbody tr', { has: page.locator(`input[aria-label="Select ${id}"]`) });

    // 0% passed: the pass rate reads in the page's own colour, not the colour of success.
    const failed = row(FAILED);
    expect(await failed.locator('.pill').textContent()).toBe('completed');
    const rate = failed.locator('td.pass-rate');
    expect(await rate.textContent()).toBe('0.0%');
    const [rateColour, bodyColour] = await rate.evaluate((td) => {
      const dom = globalThis as unknown as Dom;
      return [dom.getComputedStyle(td).color, dom.getComputedStyle(dom.document.body).color];
    });
    expect(rateColour).toBe(bodyColour);

    // The killed run says it was resumed, and links to the run that did.
    const killed = row(KILLED);
    expect(await killed.locator('td').nth(5).textContent()).toBe(`stopped, resumed by ${RESUMED.slice(0, 13)}`);
    expect(await killed.locator('a.resume-link').getAttribute('href')).toBe(`/runs/${RESUMED}`);
    expect(await row(RESUMED).locator('.pill').textContent()).toBe('completed');
    await killed.locator('a.resume-link').click();
    await page.waitForURL(`${url}runs/${RESUMED}`);
    await page.waitForSelector('html[data-ready]', { state: 'attached' });
    // And back: the resume's page links to the run it resumed.
    expect(await page.locator(`.run-header .facts a[href="/runs/${KILLED}"]`).textContent()).toBe(KILLED);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
