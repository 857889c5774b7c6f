// Benchmark scenarios for `tagliots report` (scripts/bench.mjs): the report of a synthetic
// 100k-case run (scripts/bench-logs.mjs, about 1.2 KB a case record), alone and compared with a
// baseline. Besides the wall time and peak RSS of the command, each sample reports the size of
// the HTML file and, when Debian's Chromium is installed, the page's time to first render: its
// `tg:first-render` performance mark, in milliseconds since navigation started, opened from disk
// in headless Chromium (playwright-core) with a fresh profile.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeComparePair } from './bench-logs.mjs';

const CHROMIUM = process.env.TAGLIOTS_CHROMIUM ?? '/usr/bin/chromium';

async function launch(temp) {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(temp, 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, profile };
}

/** Opens `file` in a new tab and returns its performance marks (ms since navigation start). */
async function marksOf(browser, file) {
  const page = await browser.context.newPage();
  try {
    await page.goto(pathToFileURL(file).href, { timeout: 120_000 });
    await page.waitForSelector('html[data-ready]', { state: 'attached', timeout: 120_000 });
    return await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])));
  } finally {
    await page.close();
  }
}

/**
 * A `tagliots report` scenario over a generated pair of logs of `cases` cases. `baseline`: compare
 * run B with run A. `cli` is bin/tagliots.js; `fmtMs` formats milliseconds.
 */
export function reportScenario({ id, title, cases, baseline, cli, fmtMs, runs = 3, quickRuns = 1 }) {
  return {
    id,
    title,
    cases,
    runs,
    quickRuns,
    warmup: 0,
    targets: {},
    async prepare(temp) {
      const dir = join(temp, `report-logs-${cases}`);
      if (!existsSync(dir)) {
        mkdirSync(dir);
        const t = performance.now();
        writeComparePair(dir, cases);
        process.stderr.write(`  generated two run logs of ${cases.toLocaleString('en-US')} cases (${fmtMs(performance.now() - t)})\n`);
      }
      const [a, b] = [join(dir, `compare-a-${cases}.jsonl`), join(dir, `compare-b-${cases}.jsonl`)];
      const browser = await launch(temp);
      if (!browser) process.stderr.write(`  no Chromium at ${CHROMIUM}: the time to first render is not measured\n`);
      return { a, b, browser };
    },
    async cleanup(state) {
      if (state.browser) {
        await state.browser.context.close();
        rmSync(state.browser.profile, { recursive: true, force: true });
      }
    },
    argv: (ctx) => [cli, 'report', ctx.state.b, ...(baseline ? ['--baseline', ctx.state.a] : []), '-o', `${ctx.outFile}.html`],
    async verify(ctx, child) {
      const file = `${ctx.outFile}.html`;
      if (!child.stdout.includes(`(${cases.toLocaleString('en-US')} cases`)) throw new Error(`unexpected output: ${child.stdout.slice(0, 300)}`);
      const metrics = { sizeMB: statSync(file).size / 1e6 };
      if (ctx.state.browser) {
        const marks = await marksOf(ctx.state.browser, file);
        metrics.firstRenderMs = marks['tg:first-render'];
        metrics.dataMs = marks['tg:data'];
      }
      return metrics;
    },
    report: (m) => ({
      lines: [
        `file ${m.sizeMB.toFixed(1)} MB; ${m.firstRenderMs === undefined ? 'time to first render not measured (no Chromium)' : `time to first render ${fmtMs(m.firstRenderMs)} (data decoded at ${fmtMs(m.dataMs)})`}`,
      ],
      misses: [],
    }),
  };
}
