/**
 * Values from a run log are text, never markup: a run whose ids, fields, outputs, prompts, errors,
 * keywords and header carry `<script>alert(1)</script>` and `"><img src=x onerror=alert(1)>` is
 * shown as that text, in the report file and in `tagliots view`, and no dialog ever opens.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../src/log/schema.ts';
import { tempDirs, waitForOutput } from '../helpers/fixtures.ts';
import { startCli, type CliProcess } from '../helpers/run-cli.ts';
import { SKIP_BROWSER, TIMEOUT, caseRecord, endRecord, header, launchBrowser, waitForText, waitReady, writeLog, writeReport, type Browser, type PageGlobals, type SyntheticCase, type WatchedPage } from './chromium.ts';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const BREAKOUT = `</script><!--<script>alert(2)</script>`;
const A = '019bc100-0000-7000-8000-00000000000a';
const B = '019bc100-0000-7000-8000-00000000000b';

const temp = tempDirs();
let dir: string;
let runs: string;
let browser: Browser;
let view: CliProcess | undefined;
let viewUrl: string;

function hostileCases(flip: boolean): SyntheticCase[] {
  return [
    { id: SCRIPT, index: 0, keywords: [SCRIPT, 'p0'], user: IMG, answer: 2, outcome: flip ? 'fail' : 'pass', reply: `${SCRIPT} ${IMG}`, extra: { [IMG]: SCRIPT, note: BREAKOUT } },
    { id: IMG, index: 1, keywords: [IMG], user: SCRIPT, answer: 3, outcome: 'error', reply: BREAKOUT, errorMessage: `${IMG} ${SCRIPT}` },
    { id: 'plain', index: 2, keywords: ['p0'], user: '1+1', answer: 2, outcome: 'pass' },
  ];
}

function hostileRecords(flip: boolean): CaseRecord[] {
  return hostileCases(flip).map((c, i) => {
    const record = caseRecord(c, Date.parse('2026-01-15T10:00:01.000Z') + 200 * i);
    if (record.error) {
      record.error.context = [SCRIPT, IMG];
      record.error.stack = `Error: ${SCRIPT}\n    at ${IMG}`;
      record.stageRecords['extract']!.error = record.error;
    }
    record.stages['prepare'] = [
      { role: 'system', content: SCRIPT },
      { role: IMG, content: IMG },
      { role: 'user', content: [{ type: 'text', text: SCRIPT }, { type: IMG, image_url: 'javascript:alert(1)' }] },
    ];
    return record;
  });
}

async function writeRuns(): Promise<void> {
  const extra = { pipeline: `calc${SCRIPT}`, description: IMG, branch: IMG, extraDeltas: [{ path: `x${IMG}`, from: SCRIPT, to: BREAKOUT }] };
  const a = hostileRecords(false);
  const b = hostileRecords(true);
  await writeLog(join(runs, `${A}.jsonl`), header(A, { count: 3, ...extra }), a, endRecord(a, 3));
  await writeLog(join(runs, `${B}.jsonl`), header(B, { count: 3, ...extra }), b, endRecord(b, 3));
}

/** Asserts the page holds the hostile strings as text, and nothing ran. */
async function expectInert(watched: WatchedPage): Promise<void> {
  const { page } = watched;
  const dom = await page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    return {
      images: document.querySelectorAll('img, iframe, object, embed').length,
      scripts: Array.from(document.scripts).filter((s) => !s.type || s.type === 'text/javascript' || s.type === 'module').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
    };
  });
  expect(dom.images).toBe(0);
  expect(dom.scripts).toBe(1);
  expect(dom.handlers).toBe(0);
  expect(watched.dialogs).toEqual([]);
  expect(watched.errors).toEqual([]);
}

async function visibleText(scope: Page | Locator, text: string): Promise<void> {
  await scope.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: TIMEOUT });
}

describe.skipIf(SKIP_BROWSER)('hostile run content', { timeout: 2 * TIMEOUT }, () => {
  beforeAll(async () => {
    dir = await temp.make('tagliots-xss-');
    runs = join(dir, 'runs');
    await mkdir(runs);
    await writeRuns();
    await writeReport(dir, B, 'xss.html', { baseline: A, runsDir: runs });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    view?.kill('SIGINT');
    await view?.result;
    await browser?.close();
    await temp.cleanup();
  });

  it('renders as text in the report file: header, table, case detail, comparison', async () => {
    const watched = await browser.newPage();
    const { page } = watched;
    await page.goto(pathToFileURL(join(dir, 'xss.html')).href);
    await waitReady(page);
    const run = '.run-view[data-tab="run"]';
    await visibleText(page, `calc${SCRIPT}`);
    await visibleText(page, IMG);
    expect(await page.locator(`${run} .rows .row`).count()).toBe(3);
    expect(await page.locator(`${run} .rows .row .td.mono`).allTextContents()).toEqual([SCRIPT, IMG, 'plain']);
    expect(await page.locator(`${run} .rows .row .td.error-cell`).nth(1).textContent()).toBe(`extract: ${IMG} ${SCRIPT}`);

    // A quoted keyword in the filter.
    await page.fill(`${run} input.keyword-filter`, `'${SCRIPT}'`);
    await waitForText(page, `${run} .filters .count`, '1 of 3 cases');
    await page.fill(`${run} input.keyword-filter`, '');
    // The table redraws when the filter settles: a click before that lands on a row it replaces.
    await waitForText(page, `${run} .filters .count`, '3 cases');

    for (const row of [0, 1]) {
      await page.click(`${run} .rows .row[data-row="${row}"]`);
      await page.waitForSelector('#detail .case-detail');
      await visibleText(page.locator('#detail'), SCRIPT);
      await expectInert(watched);
      await page.keyboard.press('Escape');
      await page.waitForSelector('#detail', { state: 'hidden' });
    }
    await page.click(`${run} .rows .row[data-row="1"]`);
    await page.waitForSelector('#detail .error-box');
    expect(await page.locator('#detail .error-box .error-title').first().textContent()).toBe(`Error: ${IMG} ${SCRIPT}`);
    expect(await page.locator('#detail .error-box .error-context').first().textContent()).toBe(`while ${SCRIPT} › ${IMG}`);
    expect(await page.locator('#detail .stage').nth(1).locator('.output pre').textContent()).toBe(BREAKOUT);
    await page.keyboard.press('Escape');

    await page.click('#tab-compare');
    await page.waitForSelector('.compare-view .rows .row');
    await page.click('.compare-view .rows .row');
    await page.waitForSelector('#detail .side-by-side');
    await visibleText(page.locator('#detail'), BREAKOUT);
    await expectInert(watched);
    await page.close();
  });

  it('renders as text in tagliots view: history, run and comparison pages', async () => {
    const started = startCli(['view', '--port', '0', '--runs-dir', runs], { cwd: dir, timeoutMs: 5 * TIMEOUT });
    view = started;
    await waitForOutput(started, () => /http:\/\/127\.0\.0\.1:\d+\//.test(started.stdout()));
    viewUrl = /http:\/\/127\.0\.0\.1:\d+\//.exec(started.stdout())![0];

    const watched = await browser.newPage();
    const { page } = watched;
    await page.goto(viewUrl);
    await page.waitForSelector('table.runs tbody tr');
    await visibleText(page, `calc${SCRIPT}`);
    await expectInert(watched);

    await page.goto(`${viewUrl}runs/${B}`);
    await waitReady(page);
    await page.click('.run-view .rows .row[data-row="0"]');
    await page.waitForSelector('#detail .case-detail');
    await visibleText(page.locator('#detail'), IMG);
    await expectInert(watched);

    await page.goto(`${viewUrl}compare/${A}/${B}`);
    await waitReady(page);
    await page.click('.compare-view .rows .row');
    await page.waitForSelector('#detail .side-by-side');
    await visibleText(page.locator('#detail'), SCRIPT);
    await expectInert(watched);
    await page.close();
  });
});
