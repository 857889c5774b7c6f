/**
 * `tagliots view` in a browser: the run history, a run in progress that updates as case lines are
 * appended to its log, and the comparison of two runs picked in the history.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../src/log/schema.ts';
import { tempDirs, waitForOutput } from '../helpers/fixtures.ts';
import { startCli, type CliProcess } from '../helpers/run-cli.ts';
import { SKIP_BROWSER, TIMEOUT, endRecord, header, launchBrowser, recordsOf, syntheticCases, waitForText, waitReady, writeLog, type Browser, type WatchedPage } from './chromium.ts';

const DONE = '019bc200-0000-7000-8000-00000000000a';
const LIVE = '019bc200-0000-7000-8000-00000000000b';
const COUNT = 10;

const temp = tempDirs();
let runs: string;
let live: CaseRecord[];
let view: CliProcess;
let url: string;
let browser: Browser;
let watched: WatchedPage;
let page: Page;

const line = (record: unknown) => `${JSON.stringify(record)}\n`;

describe.skipIf(SKIP_BROWSER)('tagliots view', { timeout: 2 * TIMEOUT }, () => {
  beforeAll(async () => {
    const dir = await temp.make('tagliots-view-browser-');
    runs = join(dir, 'runs');
    await mkdir(runs);
    const cases = syntheticCases(COUNT, 3);
    const done = recordsOf(cases, 4);
    await writeLog(join(runs, `${DONE}.jsonl`), header(DONE, { count: COUNT, model: 'flakey' }), done, endRecord(done, COUNT));
    live = recordsOf(cases, 5);
    await writeLog(join(runs, `${LIVE}.jsonl`), header(LIVE, { count: COUNT }), live.slice(0, 3), null);

    view = startCli(['view', '--port', '0', '--runs-dir', runs], { cwd: dir, timeoutMs: 10 * TIMEOUT });
    await waitForOutput(view, () => /http:\/\/127\.0\.0\.1:\d+\//.test(view.stdout()));
    url = /http:\/\/127\.0\.0\.1:\d+\//.exec(view.stdout())?.[0] ?? '';
    expect(url, view.stderr()).not.toBe('');
    browser = await launchBrowser();
    watched = await browser.newPage();
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (view && view.child.exitCode === null) {
      view.kill('SIGINT');
      await view.result;
    }
    await temp.cleanup();
  });

  const count = '.run-view[data-tab="run"] .filters .count';
  const waitFor = (selector: string, text: string) => waitForText(page, selector, text);

  it('lists the runs, newest first, and links to each', async () => {
    await page.goto(url);
    await page.waitForSelector('table.runs tbody tr');
    expect(await page.locator('table.runs .run-link').allTextContents()).toEqual([LIVE.slice(0, 13), DONE.slice(0, 13)]);
    expect(await page.locator('table.runs tbody tr').first().locator('.pill').textContent()).toBe('running or incomplete');
    await page.click('table.runs .run-link >> nth=0');
    await page.waitForURL(`${url}runs/${LIVE}`);
    await waitReady(page);
  });

  it('updates a run in progress as cases finish', async () => {
    await waitFor(count, '3 cases');
    await waitFor('.live-banner', `Running: 3 of ${COUNT} cases finished. This page updates as cases finish.`);
    await appendFile(join(runs, `${LIVE}.jsonl`), live.slice(3, 7).map(line).join(''));
    await waitFor(count, '7 cases');
    await waitFor('.live-banner', `Running: 7 of ${COUNT} cases finished. This page updates as cases finish.`);
    expect(await page.locator('.run-view .stat .stat-value').first().textContent()).toBe('7');

    // A case that arrived live opens like any other.
    await page.fill('.run-view input.text-filter', live[6]!.caseId);
    await waitFor(count, '1 of 7 cases');
    await page.click('.run-view .rows .row');
    await page.waitForSelector('#detail .case-detail');
    expect(await page.locator('#detail .panel-title').textContent()).toContain(live[6]!.caseId);
    await page.keyboard.press('Escape');
    await page.fill('.run-view input.text-filter', '');

    await appendFile(join(runs, `${LIVE}.jsonl`), live.slice(7).map(line).join('') + line(endRecord(live, COUNT)));
    await waitFor(count, `${COUNT} cases`);
    await waitFor('.live-banner', 'The run ended (completed).');
    expect(await page.locator('.run-view [class^="status-"]').first().textContent()).toMatch(/^completed/);
  });

  it('compares two runs picked in the history', async () => {
    await page.goto(url);
    await page.waitForSelector('table.runs tbody tr');
    await page.check('table.runs tbody tr >> nth=0 >> input[type=checkbox]');
    await page.check('table.runs tbody tr >> nth=1 >> input[type=checkbox]');
    await page.click('button.primary:has-text("Compare selected")');
    await page.waitForURL(`${url}compare/${DONE}/${LIVE}`);
    await waitReady(page);
    expect(await page.locator('.compare-view .verdict').textContent()).toMatch(/fix|regression|difference|change/);
    expect(await page.locator('.compare-view .rows .row').count()).toBe(COUNT);
    await page.click('#tab-baseline');
    await page.waitForSelector('.run-view[data-tab="baseline"]', { state: 'visible' });
    expect(await page.locator('.run-view[data-tab="baseline"] .filters .count').textContent()).toBe(`${COUNT} cases`);
  });

  it('had no errors, and stops on Ctrl-C', async () => {
    expect(watched.errors).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    view.kill('SIGINT');
    const result = await view.result;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Stopped.');
  });
});
