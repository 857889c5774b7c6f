/**
 * Details of the report page, on a report written in process: the comparison without warnings or
 * keywords shows nothing in their place; the address names a case (and a pair) by its id; the keyword bars have a
 * legend; turns are numbered from 1; a failed llm() stage shows each HTTP attempt and each reply it
 * parsed, the reply as the model sent it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecord, StageRecord } from '../../src/log/schema.ts';
import { formatDuration } from '../../src/util/units.ts';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, endRecord, header, openReportFile, recordsOf, syntheticCases, waitForText, writeLog, writeReport, type Browser, type WatchedPage } from './chromium.ts';

const temp = tempDirs();
const A = '019bc500-0000-7000-8000-00000000000a';
const B = '019bc500-0000-7000-8000-00000000000b';
const COUNT = 12;
/** The replies of the failed llm() stage: JSON that does not match the schema, with quotes and a newline. */
const REPLIES = ['{"answer": "twelve"}', '{\n  "answer": "still \\"twelve\\""\n}'];
const ISSUES = ['answer: expected number, received string'];

/** The page's DOM, as far as these tests reach into it (this project compiles without the DOM library). */
interface Dom {
  readonly document: { querySelector(selector: string): { readonly childNodes: ArrayLike<{ readonly nodeType: number; readonly textContent: string | null }> } | null };
  readonly location: { hash: string };
}

/** Case 2 of B: three turns, the second failed and the third skipped. */
function withTurns(record: CaseRecord): CaseRecord {
  const at = (k: number) => ({ startMs: record.startMs + k * 10, endMs: record.startMs + k * 10 + 5, durationMs: 5 });
  const ok = (k: number): StageRecord => ({ status: 'ok', ...at(k) });
  const error = { name: 'Error', message: 'the second turn failed', stage: 'infer', context: [] };
  return {
    ...record,
    status: 'error',
    passed: null,
    score: null,
    stages: {},
    stageRecords: {},
    error,
    turns: [
      { index: 0, status: 'complete', passed: true, score: 1, stages: { infer: 'first' }, stageRecords: { infer: ok(0) }, error: null, ...at(0) },
      { index: 1, status: 'error', passed: null, score: null, stages: {}, stageRecords: { infer: { status: 'error', ...at(1), error } }, error, ...at(1) },
      { index: 2, status: 'skipped', reason: 'an earlier turn failed', passed: null, score: null, stages: {}, stageRecords: {}, error: null },
    ],
  };
}

/** Case 3 of B: its infer stage (an llm() call) failed: a retried HTTP attempt, then two replies that did not parse. */
function withFailedLlm(record: CaseRecord): CaseRecord {
  const start = record.startMs;
  const message = `The reply of 'mini' did not match the output schema after 2 attempts: ${ISSUES[0]}. Last reply: ${JSON.stringify(REPLIES[1])}`;
  const error = { name: 'LlmOutputError', message, code: 'E_LLM_OUTPUT', stage: 'infer', context: [] };
  const infer: StageRecord = {
    status: 'error',
    startMs: start,
    endMs: start + 40,
    durationMs: 40,
    error,
    llm: [
      {
        model: 'mini',
        templates: [],
        messages: [{ role: 'user', content: 'What is 5+7?' }],
        output: { schemaSha256: 'a'.repeat(64), mode: 'json_prompt' },
        parseAttempts: REPLIES.map((text, k) => ({ attempt: k + 1, ok: false, issues: ISSUES, text })),
      },
    ],
    calls: [
      {
        profile: 'mini',
        model: 'gpt-4o-mini',
        provider: 'openai',
        status: 'ok',
        cache: 'miss',
        attempts: [
          { attempt: 1, rateLimitWaitMs: 0, backoffMs: 0, durationMs: 12, status: 429, outcome: 'retry', error: 'rate limited', retryAfterMs: 1000 },
          { attempt: 2, rateLimitWaitMs: 0, backoffMs: 1000, durationMs: 20, status: 200, outcome: 'ok' },
        ],
        waitedMs: 1000,
        rateLimitWaitMs: 0,
        durationMs: 1032,
      },
    ],
  };
  return { ...record, status: 'error', passed: null, score: null, stages: { prepare: record.stages['prepare'] }, stageRecords: { ...record.stageRecords, infer, extract: { status: 'skipped', reason: "input 'infer' failed" }, assess: { status: 'skipped', reason: "input 'infer' failed" } }, error };
}

let browser: Browser;
let watched: WatchedPage;
let page: Page;
let recordsB: CaseRecord[];
const run = '.run-view[data-tab="run"]';

/** Opens the case `id` of the run from the table, through its text filter. */
async function openCase(id: string): Promise<void> {
  await page.fill(`${run} input.text-filter`, id);
  await waitForText(page, `${run} .filters .count`, `1 of ${COUNT} cases`);
  await page.click(`${run} .rows .row`);
  await page.waitForSelector('#detail .case-detail');
}

async function closeCase(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
  await page.fill(`${run} input.text-filter`, '');
  await waitForText(page, `${run} .filters .count`, `${COUNT} cases`);
  // The charts follow the filter a moment later.
  await waitForText(page, `${run} .section-title .muted`, `all ${COUNT} cases`);
}

describe.skipIf(SKIP_BROWSER)('details of the report page', { timeout: 2 * TIMEOUT }, () => {
  beforeAll(async () => {
    const dir = await temp.make('tagliots-report-details-');
    const runs = join(dir, 'runs');
    await mkdir(runs);
    // No keywords: the comparison has no keyword table.
    const cases = syntheticCases(COUNT, 11).map((c) => ({ ...c, keywords: [] }));
    const recordsA = recordsOf(cases, 12);
    recordsB = recordsOf(cases, 13).map((r, i) => (i === 2 ? withTurns(r) : i === 3 ? withFailedLlm(r) : r));
    await writeLog(join(runs, `${A}.jsonl`), header(A, { count: COUNT }), recordsA, endRecord(recordsA, COUNT));
    await writeLog(join(runs, `${B}.jsonl`), header(B, { count: COUNT }), recordsB, endRecord(recordsB, COUNT));
    ({ browser, watched } = await openReportFile(await writeReport(dir, B, 'report.html', { baseline: A, runsDir: runs })));
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await temp.cleanup();
  });

  it('shows no "null" in the comparison when it has no warnings and no keyword table', async () => {
    await page.click('#tab-compare');
    await page.waitForSelector('.compare-view .verdict');
    expect(await page.locator('.compare-view ul.warnings').count()).toBe(0);
    expect(await page.locator('.compare-view details.keywords').count()).toBe(0);
    // Nothing but elements in the view: a null appended to it would be the text "null".
    const texts = await page.evaluate(() => Array.from((globalThis as unknown as Dom).document.querySelector('.compare-view')?.childNodes ?? [], (node) => (node.nodeType === 3 ? node.textContent : null)).filter((text) => text !== null));
    expect(texts).toEqual([]);
    expect(await page.locator('.compare-view').textContent()).not.toContain('null');
    // A pair of cases is named by its case id too.
    const id = (await page.locator('.compare-view .rows .row .td.mono').first().textContent())!;
    await page.click('.compare-view .rows .row');
    await page.waitForSelector('#detail.wide .side-by-side');
    expect(new URL(page.url()).hash).toBe(`#${new URLSearchParams({ tab: 'compare', pair: id })}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
    await page.click('#tab-run');
    await page.waitForSelector(run, { state: 'visible' });
  });

  it('names the open case in the address by its id, and opens the case an address names', async () => {
    const [first, second] = [recordsB[5]!, recordsB[7]!];
    await openCase(first.caseId);
    expect(new URL(page.url()).hash).toBe(`#${new URLSearchParams({ case: first.caseId })}`);
    await page.evaluate((id) => ((globalThis as unknown as Dom).location.hash = `case=${encodeURIComponent(id)}`), second.caseId);
    await waitForText(page, '#detail .panel-title .mono', second.caseId);
    expect(await page.locator('#detail .detail-facts').textContent()).toContain(`index ${second.index}`);
    await closeCase();
  });

  it('gives the keyword bars a legend of their colours', async () => {
    const legend = page.locator(`${run} .chart-card .legend li`);
    const kinds = await legend.evaluateAll((items) => items.map((item) => (item as unknown as { dataset: { kind: string } }).dataset.kind));
    const outcomes = new Set<string>(recordsB.map((r) => (r.status === 'error' ? 'error' : r.passed ? 'passed' : 'failed')));
    expect(kinds).toEqual(['passed', 'failed', 'error', 'cancelled', 'complete'].filter((kind) => outcomes.has(kind)));
    expect(await legend.allTextContents()).toContain('passed');
  });

  it('numbers turns from 1', async () => {
    await openCase(recordsB[2]!.caseId);
    expect(await page.locator('#detail .turn .turn-name').allTextContents()).toEqual(['Turn 1', 'Turn 2', 'Turn 3']);
    // The turn's index in the log stays as it is, for what is keyed on it.
    expect(await page.locator('#detail .turn[data-turn="1"] .turn-head .pill').textContent()).toBe('error');
    await closeCase();
  });

  it('shows each HTTP attempt and each parsed reply of a failed llm() stage, the reply as the model sent it', async () => {
    await openCase(recordsB[3]!.caseId);
    const infer = page.locator('#detail .stage', { has: page.locator('.stage-name', { hasText: /^infer$/ }) });
    const attempts = infer.locator('.parse-attempt');
    expect(await attempts.count()).toBe(2);
    for (const [k, reply] of REPLIES.entries()) {
      const attempt = attempts.nth(k);
      expect(await attempt.locator('.pa-head').textContent()).toBe(`Attempt ${k + 1} did not match`);
      expect(await attempt.locator('.issues li').allTextContents()).toEqual(ISSUES);
      expect(await attempt.locator('.reply pre').textContent()).toBe(reply);
    }
    const rows = infer.locator('.http-attempts table.attempts tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual(['1', `HTTP 429 · retry · ${formatDuration(12)} · server asked to wait ${formatDuration(1000)}`, 'rate limited']);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual(['2', `HTTP 200 · ok · ${formatDuration(20)} · after ${formatDuration(1000)} back-off`, '']);
    // The error no longer quotes the reply as JSON in its message: the reply is shown above as it was sent.
    const title = await infer.locator('.error-box .error-title').textContent();
    expect(title).not.toContain(JSON.stringify(REPLIES[1]));
    expect(title).toContain("The replies are shown under the stage 'infer'.");
    await closeCase();
  });

  it('went through all of that without an error or a dialog', () => {
    expect(watched.errors).toEqual([]);
    expect(watched.dialogs).toEqual([]);
  });
});
