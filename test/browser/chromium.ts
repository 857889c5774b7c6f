/**
 * What the browser tests share: Debian's Chromium driven by playwright-core (no browser download),
 * one Chromium for all the files (test/browser/global-setup.ts) with a fresh context per browser,
 * and synthetic run logs shaped like the calc sample's.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { onlyRunLog } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord } from '../../src/log/schema.ts';
import { CHROMIUM, CHROMIUM_ARGS, SKIP_BROWSER, TIMEOUT } from './chromium-options.ts';

export { CHROMIUM, SKIP_BROWSER, TIMEOUT };
if (SKIP_BROWSER) {
  console.warn(`[browser tests] skipped: no Chromium at ${CHROMIUM}. Install it (apt-get install chromium) or set TAGLIOTS_CHROMIUM.`);
}

export interface Browser {
  readonly context: BrowserContext;
  /** A page that records dialogs and errors; tests assert on them. */
  newPage(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  readonly page: Page;
  /** Messages of alert/confirm/prompt dialogs that opened (each is dismissed). */
  readonly dialogs: string[];
  /** Uncaught page errors and console errors. */
  readonly errors: string[];
}

/**
 * A browser of its own for a test file: a new context (cookies, storage and cache of its own) in
 * the shared Chromium, or in a Chromium of its own when the file runs without the global setup.
 */
export async function launchBrowser(): Promise<Browser> {
  const endpoint = inject('chromiumEndpoint');
  const browser = endpoint
    ? await chromium.connect(endpoint, { timeout: TIMEOUT })
    : await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: TIMEOUT });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(TIMEOUT);
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const dialogs: string[] = [];
      const errors: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      return { page, dialogs, errors };
    },
    async close() {
      await context.close();
      // Disconnects from the shared Chromium (it keeps running), or closes a Chromium of its own.
      await browser.close();
    },
  };
}

/** A browser with one page, showing the report file at `path` once it has drawn its first screen. */
export async function openReportFile(path: string): Promise<{ browser: Browser; watched: WatchedPage }> {
  const browser = await launchBrowser();
  const watched = await browser.newPage();
  await watched.page.goto(pathToFileURL(path).href);
  await waitReady(watched.page);
  return { browser, watched };
}

/**
 * Writes the report of `run` (with `baseline`, the comparison) in process, as `tagliots report`
 * does, to `out` (relative to `cwd`), and returns its absolute path; fails the test if it fails.
 */
export async function writeReport(cwd: string, run: string, out: string, options: { readonly baseline?: string; readonly runsDir?: string } = {}): Promise<string> {
  const args = ['report', run, ...(options.baseline ? ['--baseline', options.baseline] : []), ...(options.runsDir ? ['--runs-dir', options.runsDir] : []), '-o', out];
  const made = await runInProcess(args, { cwd });
  expect(made.exitCode, made.stderr).toBe(0);
  return resolve(cwd, out);
}

/**
 * A sample run with the flakey mock reported against a run with the perfect one, both run in
 * process: `modelKey` is the config path of the sample's model (`agent.model`). Returns the two
 * logs and the report file.
 */
export async function sampleComparison(suite: string, modelKey: string, makeDir: () => Promise<string>): Promise<{ flakey: string; perfect: string; report: string }> {
  const runOf = async (model: string) => {
    const runsDir = join(await makeDir(), 'runs');
    const result = await runInProcess(['run', suite, `${modelKey}=${model}`, '--runs-dir', runsDir], { cwd: REPO_ROOT });
    expect(result.exitCode, result.stderr).not.toBe(2);
    return onlyRunLog(runsDir);
  };
  const flakey = await runOf('flakey');
  const perfect = await runOf('perfect');
  const report = await writeReport(REPO_ROOT, flakey, join(await makeDir(), 'report.html'), { baseline: perfect });
  return { flakey, perfect, report };
}

/** Waits until the page has drawn its first screen (`<html data-ready>`). */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('html[data-ready]', { state: 'attached', timeout: TIMEOUT });
}

/**
 * The page's globals, as far as the tests use them: this project compiles without the DOM library,
 * so functions run in the page reach them as `(globalThis as unknown as PageGlobals).document`.
 * (Strings of code are no option: the page's Content-Security-Policy forbids eval.)
 */
export interface PageGlobals {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null } | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    readonly scripts: ArrayLike<{ readonly type: string }>;
  };
  readonly location: { hash: string };
}

interface PageElement {
  readonly attributes: ArrayLike<{ readonly name: string }>;
}

/** Waits until the element `selector` reads `text` exactly; on a timeout, says what it read. */
export async function waitForText(page: Page, selector: string, text: string, timeout = TIMEOUT): Promise<void> {
  try {
    await page.waitForFunction(([s, t]) => (globalThis as unknown as PageGlobals).document.querySelector(s!)?.textContent === t, [selector, text] as const, { timeout });
  } catch (error) {
    const actual = await page.textContent(selector, { timeout: 1000 }).catch(() => null);
    throw new Error(`${selector} did not read ${JSON.stringify(text)} within ${timeout} ms; it reads ${JSON.stringify(actual)}`, { cause: error });
  }
}

/** The performance marks of the page, in milliseconds since navigation started. */
export async function marks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])));
}

// ---------------------------------------------------------------------------------------------
// Synthetic run logs

export type Outcome = 'pass' | 'fail' | 'error' | 'cancelled';

export interface SyntheticCase {
  readonly id: string;
  readonly index: number;
  readonly keywords: readonly string[];
  readonly user: string;
  readonly answer: number;
  readonly outcome: Outcome;
  /** The model's reply (the `infer` output); default: the answer, or 'hello world' when failing. */
  readonly reply?: string;
  readonly errorMessage?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A small seeded PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STAGES = ['prepare', 'infer', 'extract', 'assess'];
const START = Date.parse('2026-01-15T10:00:00.000Z');

export function header(runId: string, options: { count: number; model?: string; pipeline?: string; description?: string; branch?: string; extraDeltas?: RunStartRecord['deltas'] } ): RunStartRecord {
  const model = options.model ?? 'perfect';
  return {
    type: 'run.start',
    v: 1,
    runId,
    startedAt: new Date(START).toISOString(),
    command: ['run', 'suites/calc.json', `infer.model.name=${model}`],
    cwd: '/home/dev/calc',
    pipeline: {
      name: options.pipeline ?? 'calc',
      description: options.description ?? 'A simple calculator pipeline',
      stages: STAGES.map((name, i) => ({ name, inputs: i === 0 ? [] : [STAGES[i - 1]!] })),
      columns: ['user', 'answer', 'got'],
      hasPassed: true,
      hasScore: true,
    },
    config: { prepare: { template: 'samples/calc/template.txt' }, infer: { model: { name: model } } },
    deltas: [{ path: 'infer.model.name', from: null, to: model, prompt: true }, ...(options.extraDeltas ?? [])],
    suite: { path: 'suites/calc.json', format: 'json', sha256: 'c'.repeat(64), count: options.count },
    git: { sha: '3f2c9e1b7a4d6f0852c1e9b3a7d4f6e0c8b2a519', branch: options.branch ?? 'main', dirty: false, changes: [] },
    versions: { tagliots: '0.1.0', node: 'v20.20.2' },
    platform: 'linux-x64',
    concurrency: 4,
    parentRunId: null,
  };
}

/** One case record of the calc pipeline, started at `t` (epoch ms). */
export function caseRecord(c: SyntheticCase, t: number, latency = 120): CaseRecord {
  const got = c.outcome === 'pass' ? c.answer : c.outcome === 'fail' ? c.answer + 1 : null;
  const reply = c.reply ?? (c.outcome === 'fail' ? 'hello world' : String(c.answer));
  const usage = { calls: 1, inputTokens: 40 + c.user.length, outputTokens: 3 };
  const at = (offset: number, duration: number) => ({ startMs: t + offset, endMs: t + offset + duration, durationMs: duration });
  const error =
    c.outcome === 'error'
      ? {
          name: 'Error',
          message: c.errorMessage ?? `could not convert string to number: '${reply}'`,
          stage: 'extract',
          stack: `Error: ${c.errorMessage ?? 'could not convert'}\n    at parseNumber (samples/calc/pipeline.ts:55:57)\n    at extract (samples/calc/pipeline.ts:79:95)`,
          context: ['Extracting numerical answer from LLM response.'],
        }
      : null;
  const stageRecords: CaseRecord['stageRecords'] = {
    prepare: { status: 'ok', ...at(0, 0.5) },
    infer: c.outcome === 'cancelled' ? { status: 'cancelled', ...at(0.5, latency), reason: 'interrupted' } : { status: 'ok', ...at(0.5, latency), usage, costUsd: 0.00002 },
    extract: c.outcome === 'cancelled' ? { status: 'skipped', reason: 'interrupted' } : c.outcome === 'error' ? { status: 'error', ...at(latency + 0.6, 0.2), error: error! } : { status: 'ok', ...at(latency + 0.6, 0.2) },
    assess: c.outcome === 'error' || c.outcome === 'cancelled' ? { status: 'skipped', reason: c.outcome === 'error' ? "input 'extract' failed" : 'interrupted' } : { status: 'ok', ...at(latency + 0.9, 0.1) },
  };
  const stages: Record<string, unknown> = {
    prepare: [
      { role: 'system', content: 'You are a desktop calculator.\nAnswer with a base 10 number only.' },
      { role: 'user', content: c.user },
    ],
  };
  if (c.outcome !== 'cancelled') stages['infer'] = reply;
  if (c.outcome === 'pass' || c.outcome === 'fail') {
    stages['extract'] = got;
    stages['assess'] = c.outcome === 'pass' ? 0 : 1;
  }
  const end = c.outcome === 'cancelled' ? t + latency + 0.5 : t + latency + 1;
  return {
    type: 'case',
    caseId: c.id,
    index: c.index,
    status: c.outcome === 'error' ? 'error' : c.outcome === 'cancelled' ? 'cancelled' : 'complete',
    passed: c.outcome === 'pass' ? true : c.outcome === 'fail' ? false : null,
    score: c.outcome === 'pass' ? 1 : c.outcome === 'fail' ? 0 : null,
    case: { uuid: c.id, keywords: [...c.keywords], user: c.user, base: 10, answer: c.answer, ...c.extra },
    stages,
    stageRecords,
    error,
    startMs: t,
    endMs: end,
    durationMs: end - t,
    columns: { user: c.user, answer: c.answer, got },
    ...(c.outcome !== 'cancelled' && { usage, costUsd: 0.00002 }),
  };
}

export function endRecord(records: readonly CaseRecord[], total: number): RunEndRecord {
  const counts = { total, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: 0 };
  for (const r of records) {
    counts[r.status]++;
    if (r.passed === true) counts.passed++;
    if (r.passed === false) counts.failed++;
  }
  counts.notRun = total - records.length;
  return { type: 'run.end', status: 'completed', endedAt: new Date(START + 60_000).toISOString(), durationMs: 60_000, counts };
}

export function logText(head: RunStartRecord, records: readonly CaseRecord[], end: RunEndRecord | null): string {
  return [head, ...records, ...(end ? [end] : [])].map((r) => `${JSON.stringify(r)}\n`).join('');
}

export async function writeLog(path: string, head: RunStartRecord, records: readonly CaseRecord[], end: RunEndRecord | null): Promise<void> {
  await writeFile(path, logText(head, records, end));
}

const KEYWORDS = ['p0', 'p1', 'slow', 'flaky', 'math', 'text', 'two words'];

/** Deterministic cases: ids `c00000…`, keywords from a small set, mostly passing. */
export function syntheticCases(count: number, seed: number): SyntheticCase[] {
  const rand = random(seed);
  return Array.from({ length: count }, (_, i) => {
    const keywords = KEYWORDS.filter(() => rand() < 0.3);
    const r = rand();
    const outcome: Outcome = r < 0.8 ? 'pass' : r < 0.92 ? 'fail' : 'error';
    const a = Math.floor(rand() * 90) + 10;
    const b = Math.floor(rand() * 90) + 10;
    return { id: `c${String(i).padStart(6, '0')}-${Math.floor(rand() * 1e9).toString(36)}`, index: i, keywords, user: `${a}+${b}`, answer: a + b, outcome };
  });
}

/** The same cases, with a seeded share of them changing outcome (for a run B). */
export function perturb(cases: readonly SyntheticCase[], seed: number, rate: number): SyntheticCase[] {
  const rand = random(seed);
  return cases.map((c) => {
    if (rand() >= rate) return c;
    const outcome: Outcome = c.outcome === 'pass' ? (rand() < 0.7 ? 'fail' : 'error') : 'pass';
    return { ...c, outcome };
  });
}

/** Records for `cases`, `concurrency` at a time, each taking 100–200 ms. */
export function recordsOf(cases: readonly SyntheticCase[], seed: number, concurrency = 4): CaseRecord[] {
  const rand = random(seed);
  const free = Array.from({ length: concurrency }, () => START + 5);
  return cases.map((c) => {
    const slot = free.indexOf(Math.min(...free));
    const latency = 100 + Math.floor(rand() * 100);
    const record = caseRecord(c, free[slot]!, latency);
    free[slot] = record.endMs + 0.1;
    return record;
  });
}
