#!/usr/bin/env node
// Takes the screenshots in the README (docs/report.png, docs/compare.png): runs the calc sample
// with the `flakey` and the `perfect` mock models, writes the report of the second compared with
// the first, and photographs it in Debian's Chromium through playwright-core.
//
//   node scripts/screenshots.mjs [--chromium /usr/bin/chromium] [--out docs]
//
// Needs a built dist/ (npm run build).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const executablePath = option('--chromium', process.env.TAGLIOTS_CHROMIUM ?? '/usr/bin/chromium');
const out = join(ROOT, option('--out', 'docs'));
if (!existsSync(executablePath)) {
  process.stderr.write(`screenshots: no Chromium at ${executablePath} (apt-get install chromium, or pass --chromium <path>)\n`);
  process.exit(1);
}

const temp = mkdtempSync(join(tmpdir(), 'tagliots-screenshots-'));
const cli = (...argv) => {
  const result = spawnSync(process.execPath, [join(ROOT, 'bin/tagliots.js'), ...argv], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`tagliots ${argv.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
};

try {
  const runs = join(temp, 'runs');
  cli('run', 'suites/calc.json', 'infer.model.name=flakey', '--runs-dir', runs);
  cli('run', 'suites/calc.json', 'infer.model.name=perfect', '--runs-dir', runs);
  const [flakey, perfect] = readdirSync(runs).sort().map((name) => name.replace(/\.jsonl$/, ''));
  const single = join(temp, 'report.html');
  const compared = join(temp, 'compare.html');
  cli('report', flakey, '--runs-dir', runs, '-o', single);
  cli('report', perfect, '--baseline', flakey, '--runs-dir', runs, '-o', compared);

  const profile = join(temp, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    colorScheme: 'light',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    // The report of the flakey run: header, totals, charts and the top of the case table.
    await page.setViewportSize({ width: 1440, height: 1320 });
    await page.goto(pathToFileURL(single).href);
    await page.waitForSelector('html[data-ready]', { state: 'attached' });
    await page.locator('.run-view .rows .row').first().waitFor();
    await page.screenshot({ path: join(out, 'report.png') });

    // The comparison of perfect (B) with flakey (A).
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.goto(pathToFileURL(compared).href + '#tab=compare');
    await page.waitForSelector('.compare-view .rows .row');
    await page.screenshot({ path: join(out, 'compare.png') });
  } finally {
    await context.close();
  }
  process.stdout.write(`wrote report.png and compare.png in ${out}\n`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
