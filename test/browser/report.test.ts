/**
 * The report page in a real browser: a report of a run compared with a baseline, written by the
 * real CLI, opened from disk. Filters (status, keyword expression, text), sorting, the case detail,
 * the comparison and its side-by-side view.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecord, ModelCall } from '../../src/log/schema.ts';
import { keywordsOf, parseFilter } from '../../src/suite/filter.ts';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, endRecord, header, marks, openReportFile, perturb, recordsOf, syntheticCases, waitForText, writeLog, writeReport, type Browser, type PageGlobals, type WatchedPage } from './chromium.ts';

const temp = tempDirs();
const A = '019bc000-0000-7000-8000-00000000000a';
const B = '019bc000-0000-7000-8000-00000000000b';
const COUNT = 400;
const LONG_REPLY = Array.from({ length: 60 }, (_, i) => `line ${i}: the model thinks out loud about the sum`).join('\n');

const RETRY_EVENT = { t: 12.5, stage: 'infer', type: 'stage.retry', data: { attempt: 1, error: 'timeout' } };
const ARTIFACT = { stage: 'infer', name: 'reply.txt', path: `${B}.artifacts/3f2a9c1b/reply.txt`, sha256: '3f2a9c1b'.padEnd(64, '0'), bytes: 2048, mime: 'text/plain' };

let dir: string;
let recordsB: CaseRecord[];
let browser: Browser;
let watched: WatchedPage;
let page: Page;

describe.skipIf(SKIP_BROWSER)('the report page', { timeout: 2 * TIMEOUT }, () => {
  beforeAll(async () => {
    dir = await temp.make('tagliots-browser-');
    const runs = join(dir, 'runs');
    await mkdir(runs);
    const casesA = syntheticCases(COUNT, 7);
    const casesB = perturb(casesA, 8, 0.1).map((c, i) => (i === 5 ? { ...c, outcome: 'pass' as const, reply: LONG_REPLY } : c));
    const recordsA = recordsOf(casesA, 1);
    recordsB = recordsOf(casesB, 2);
    // The first failing case also has wrapper events and an artifact, shown under their stage.
    const withExtras = recordsB.findIndex((r) => r.status === 'error');
    const extras = recordsB[withExtras]!;
    const infer = extras.stageRecords['infer']!;
    const waitMs = infer.durationMs!;
    // Its model call was answered by a batch: the waterfall hatches the wait over the stage's bar.
    const batchCall: ModelCall = {
      profile: 'local', model: 'm', provider: 'openai', cache: 'off', status: 'ok', waitedMs: 0, rateLimitWaitMs: 0, durationMs: waitMs,
      attempts: [{ attempt: 1, rateLimitWaitMs: 0, backoffMs: 0, durationMs: waitMs, status: 200, outcome: 'ok', batchId: 'batch_7', customId: 'x/1' }],
      batch: { batchId: 'batch_7', customId: 'x/1', startMs: infer.startMs!, waitMs },
    };
    recordsB[withExtras] = { ...extras, events: [RETRY_EVENT], artifacts: [ARTIFACT], stageRecords: { ...extras.stageRecords, infer: { ...infer, calls: [batchCall] } } };
    await writeLog(join(runs, `${A}.jsonl`), header(A, { count: COUNT, model: 'flakey' }), recordsA, endRecord(recordsA, COUNT));
    await writeLog(join(runs, `${B}.jsonl`), header(B, { count: COUNT, model: 'perfect' }), recordsB, endRecord(recordsB, COUNT));
    ({ browser, watched } = await openReportFile(await writeReport(dir, B, 'report.html', { baseline: A, runsDir: runs })));
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await temp.cleanup();
  });

  const run = '.run-view[data-tab="run"]';
  const countText = () => page.locator(`${run} .filters .count`).textContent();
  const waitForCount = (text: string) => waitForText(page, `${run} .filters .count`, text);
  const expected = (keep: (r: CaseRecord) => boolean) => recordsB.filter(keep).length;

  // Each test starts from the run tab with no filter and no case open.
  beforeEach(async () => {
    if (!page) return;
    await page.evaluate(() => {
      const { location } = globalThis as unknown as PageGlobals;
      if (location.hash !== '') location.hash = '';
    });
    await page.waitForSelector('#detail', { state: 'hidden' });
    await page.waitForSelector(run, { state: 'visible' });
    await page.selectOption(`${run} select.status-filter`, 'all');
    await page.fill(`${run} input.keyword-filter`, '');
    await page.fill(`${run} input.text-filter`, '');
    await waitForCount(`${COUNT} cases`);
    // The charts follow the filter a moment later.
    await waitForText(page, `${run} .section-title .muted`, `all ${COUNT} cases`);
  });

  it('opens from disk and shows the run, its totals and charts, with marks for the time to first render', async () => {
    expect(await page.locator('.top-title .title').textContent()).toBe(`calc · ${B}`);
    expect(await countText()).toBe(`${COUNT} cases`);
    const passed = expected((r) => r.passed === true);
    await expect(page.locator(`${run} .stat.good .stat-value`).first().textContent()).resolves.toBe(String(passed));
    expect(await page.locator(`${run} .charts .chart-card`).count()).toBe(5);
    expect(await page.locator(`${run} .charts svg.chart`).count()).toBe(5);
    const m = await marks(page);
    expect(m['tg:first-render']).toBeGreaterThan(0);
    // Only the rows in view are in the DOM.
    const rows = await page.locator(`${run} .rows .row`).count();
    expect(rows).toBeGreaterThan(10);
    expect(rows).toBeLessThan(80);
  });

  it('filters by status, keyword expression and text, in agreement with --filter', async () => {
    await page.selectOption(`${run} select.status-filter`, 'failed');
    await waitForCount(`${expected((r) => r.passed === false)} of ${COUNT} cases`);

    const expression = '(p0 || "two words") && !flaky';
    const predicate = parseFilter(expression);
    await page.fill(`${run} input.keyword-filter`, expression);
    await waitForCount(`${expected((r) => r.passed === false && predicate(keywordsOf(r.case)))} of ${COUNT} cases`);

    await page.selectOption(`${run} select.status-filter`, 'all');
    await waitForCount(`${expected((r) => predicate(keywordsOf(r.case)))} of ${COUNT} cases`);

    const target = recordsB.find((r) => predicate(keywordsOf(r.case)))!;
    await page.fill(`${run} input.text-filter`, String(target.columns!['user']));
    await waitForCount(`${expected((r) => predicate(keywordsOf(r.case)) && (String(r.columns!['user']).includes(String(target.columns!['user'])) || r.caseId.includes(String(target.columns!['user']))))} of ${COUNT} cases`);
    expect(await page.locator(`${run} .rows .row`).first().textContent()).toContain(String(target.columns!['user']));

    await page.fill(`${run} input.text-filter`, target.caseId.toUpperCase());
    await waitForCount(`1 of ${COUNT} cases`);

    await page.fill(`${run} input.keyword-filter`, 'p0 &&');
    await page.waitForSelector(`${run} input.keyword-filter[aria-invalid="true"]`);
    expect(await page.locator(`${run} .filter-error`).textContent()).toBe('Invalid expression: expected a keyword at column 6');

    await page.fill(`${run} input.keyword-filter`, '');
    await page.fill(`${run} input.text-filter`, '');
    await waitForCount(`${COUNT} cases`);
  });

  it('sorts by a column, both ways', async () => {
    const score = page.locator(`${run} .thead button.sort[data-key="score"]`);
    await score.click();
    await page.waitForSelector(`${run} .th[aria-sort="ascending"]`);
    expect(await page.locator(`${run} .rows .row .badge`).first().textContent()).toBe('FAILED');
    await score.click();
    await page.waitForSelector(`${run} .th[aria-sort="descending"]`);
    expect(await page.locator(`${run} .rows .row .badge`).first().textContent()).toBe('PASSED');
    await score.click();
    await page.waitForSelector(`${run} .th[aria-sort="descending"]`, { state: 'detached' });
    expect(await page.locator(`${run} .rows .row .td`).first().textContent()).toBe('0');
  });

  it('scrolls through every row, rendering only those in view', async () => {
    await page.locator(`${run} .viewport`).evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForSelector(`${run} .rows .row[data-row="${COUNT - 1}"]`);
    expect(await page.locator(`${run} .rows .row`).count()).toBeLessThan(80);
    await page.locator(`${run} .viewport`).evaluate((el) => (el.scrollTop = 0));
    await page.waitForSelector(`${run} .rows .row[data-row="0"]`);
  });

  it('opens a case: fields, error with its stage, context and stack, timing, prompts, events, artifacts and outputs', async () => {
    await page.selectOption(`${run} select.status-filter`, 'error');
    const failing = recordsB.find((r) => r.status === 'error')!;
    await waitForCount(`${expected((r) => r.status === 'error')} of ${COUNT} cases`);
    await page.click(`${run} .rows .row[data-row="0"]`);
    await page.waitForSelector('#detail .case-detail');
    const panel = page.locator('#detail');
    expect(await panel.locator('.panel-title').textContent()).toContain(failing.caseId);
    expect(await panel.locator('.error-box .error-title').first().textContent()).toBe(`Error: ${failing.error!.message}`);
    expect(await panel.locator('.error-box .error-meta').first().textContent()).toContain('stage extract');
    expect(await panel.locator('.error-box .error-context').first().textContent()).toBe('while Extracting numerical answer from LLM response.');
    await panel.locator('details.stack summary').first().click();
    expect(await panel.locator('details.stack pre').first().textContent()).toContain('at parseNumber');
    expect(await panel.locator('.waterfall .wf-name').allTextContents()).toEqual(['prepare', 'infer', 'extract', 'assess']);
    expect(await panel.locator('.waterfall .batch-wait').getAttribute('title')).toMatch(/^waited .+ for batch batch_7$/);
    expect(await panel.locator('.conversation .message.role-user pre').first().textContent()).toBe(String(failing.case['user']));
    expect(await panel.locator('.stage').nth(1).locator('.output pre').textContent()).toBe(String(failing.stages['infer']));
    expect(await panel.locator('.stage').nth(3).locator('.pill').textContent()).toBe('skipped');
    const infer = panel.locator('.stage').nth(1);
    expect(await infer.locator('table.events tbody tr td').allTextContents()).toEqual(['+12.5 ms', 'stage.retry', JSON.stringify(RETRY_EVENT.data)]);
    expect(await infer.locator('table.artifacts tbody tr td').allTextContents()).toEqual(['reply.txt', 'text/plain', '2,048 B', ARTIFACT.path]);
    expect(await panel.locator('table.events').count()).toBe(1);
    // The address names the case by its id, not by a position.
    expect(new URL(page.url()).hash).toBe(`#${new URLSearchParams({ case: failing.caseId })}`);

    // Next and previous follow the table's order; Escape closes.
    await panel.locator('.panel-tools button', { hasText: 'Next' }).click();
    await expect.poll(() => page.locator('#detail .panel-title').textContent(), { timeout: TIMEOUT }).not.toContain(failing.caseId);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
    await page.selectOption(`${run} select.status-filter`, 'all');
    await waitForCount(`${COUNT} cases`);
  });

  it('collapses long text, and shows it all on demand', async () => {
    const long = recordsB[5]!;
    await page.fill(`${run} input.text-filter`, long.caseId);
    await waitForCount(`1 of ${COUNT} cases`);
    await page.click(`${run} .rows .row`);
    await page.waitForSelector('#detail .case-detail pre.clipped');
    const button = page.locator('#detail .long .expand');
    expect(await button.textContent()).toBe(`Show all (60 lines, ${LONG_REPLY.length.toLocaleString('en-US')} characters)`);
    await button.click();
    expect(await page.locator('#detail .long pre').textContent()).toBe(LONG_REPLY);
    expect(await page.locator('#detail pre.clipped').count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.fill(`${run} input.text-filter`, '');
    await waitForCount(`${COUNT} cases`);
  });

  it('filters by a keyword from the chart', async () => {
    const bar = page.locator(`${run} .bar-row.clickable`).first();
    const keyword = (await bar.locator('text.label').textContent())!;
    await bar.locator('text.label').click();
    const value = await page.inputValue(`${run} input.keyword-filter`);
    expect(value.replace(/^["']|["']$/g, '')).toBe(keyword);
    const predicate = parseFilter(value);
    await waitForCount(`${expected((r) => predicate(keywordsOf(r.case)))} of ${COUNT} cases`);
    await page.fill(`${run} input.keyword-filter`, '');
    await waitForCount(`${COUNT} cases`);
  });

  it('switches to the comparison: verdict, statistics, regressions first, side by side', async () => {
    await page.click('#tab-compare');
    await page.waitForSelector('.compare-view .verdict');
    expect(page.url()).toMatch(/#tab=compare$/);
    const verdict = (await page.locator('.compare-view .verdict').textContent())!;
    expect(verdict).toMatch(/regressions? vs \d+ fix/);
    // The statistics in the words of `compare`: the convention, and what the suite could detect.
    const statistics = await page.locator('.compare-view .statistics li').allTextContents();
    expect(statistics[0]).toMatch(/"worse" and "better" each one-sided at α = 0\.05/);
    expect(statistics.some((line) => /would likely go unnoticed|cannot tell any drop from noise/.test(line))).toBe(true);
    expect(await page.locator('.compare-view .stat-label').allTextContents()).toEqual(expect.arrayContaining(['Pass rate', 'Regressions / fixes', 'Cases']));
    const firstKind = await page.locator('.compare-view .rows .row .badge').first().textContent();
    expect(firstKind).toBe('REGRESSION');

    await page.click('.compare-view .chip[data-kind="fix"]');
    await waitForText(page, '.compare-view .rows .row .badge', 'FIX');
    await page.click('.compare-view .chip[data-kind="regression"]');
    await waitForText(page, '.compare-view .rows .row .badge', 'REGRESSION');
    await page.click('.compare-view .rows .row');
    await page.waitForSelector('#detail.wide .side-by-side');
    expect(await page.locator('#detail .sbs-head .side').count()).toBe(2);
    expect(await page.locator('#detail .sbs-row.differs').count()).toBeGreaterThan(0);
    expect(await page.locator('#detail .sbs-row .sbs-title', { hasText: 'Stage infer' }).count()).toBe(1);

    const shot = join(dir, 'compare.png');
    await page.screenshot({ path: shot });
    expect((await stat(shot)).size).toBeGreaterThan(20_000);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
  });

  it('went through all of that without an error or a dialog', () => {
    expect(watched.errors).toEqual([]);
    expect(watched.dialogs).toEqual([]);
  });
});

