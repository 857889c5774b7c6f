/**
 * Tool loops in the report page: the agent sample run with the flakey mock,
 * reported against a run with the perfect mock. A case shows its tool loop round by round (the
 * calls, their arguments, status and result or error), and the comparison shows both runs' calls
 * side by side.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { SKIP_BROWSER, TIMEOUT, openReportFile, sampleComparison, waitForText, type Browser, type WatchedPage } from './chromium.ts';

const temp = tempDirs();

let browser: Browser;
let watched: WatchedPage;
let page: Page;

describe.skipIf(SKIP_BROWSER)('tool loops in the report page', { timeout: 2 * TIMEOUT }, () => {
  beforeAll(async () => {
    const { report } = await sampleComparison('suites/agent.json', 'agent.model', () => temp.make('tagliots-tools-'));
    ({ browser, watched } = await openReportFile(report));
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await temp.cleanup();
  });

  const run = '.run-view[data-tab="run"]';

  it('shows a case as its rounds: each tool call with its arguments, status, and result or error', async () => {
    // legal-threat, at position 2 of its group of three: flakey first calls another tool than escalate.
    await page.fill(`${run} input.text-filter`, 'legal-threat');
    await waitForText(page, `${run} .filters .count`, '1 of 24 cases');
    await page.click(`${run} .rows .row`);
    await page.waitForSelector('#detail .tool-loop');
    const loop = page.locator('#detail .tool-loop');
    expect(await loop.locator('> .sub').textContent()).toBe('Tool loop: answer after 3 rounds, 2 tool calls (1 not ok)');
    expect(await loop.locator('.tl-round .tl-head strong').allTextContents()).toEqual(['Round 1', 'Round 2', 'Round 3']);
    const first = loop.locator('.tl-round[data-round="1"] table.tool-calls tbody tr td');
    expect(await first.allTextContents()).toEqual([
      'find_orders',
      '{"orderId":"A1002","priority":"high"}',
      'error: arguments',
      'invalid arguments for find_orders: email: Invalid input: expected string, received undefined',
      expect.stringMatching(/ms$/),
    ]);
    expect(await loop.locator('.tl-round[data-round="2"] table.tool-calls tbody td').nth(3).textContent()).toBe('{"ticketId":"T-1001","priority":"high"}');
    expect(await loop.locator('.tl-round[data-round="3"] .message.role-assistant pre').textContent()).toContain("I've escalated your case");
    // The transcript replaces the output's JSON.
    expect(await page.locator('#detail .stage', { has: page.locator('.stage-name', { hasText: /^agent$/ }) }).locator('.output').count()).toBe(0);
    expect(watched.errors).toEqual([]);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#detail', { state: 'hidden' });
  });
});
