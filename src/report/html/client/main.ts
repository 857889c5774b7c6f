/**
 * The report page: one run (header, charts, a case table that sorts, filters and renders only the
 * rows in view, a case detail), optionally a baseline and the comparison of the two; and, served by
 * `tagliots view`, the run history and live updates of a run in progress.
 *
 * This module is the entry of the page's one script: scripts/browser-bundle.mjs bundles it, with the
 * modules it imports (the terminal's own formatters and keyword-filter parser among them), and
 * page.ts puts it in the page. Every value from a log is put in the DOM as text (dom.ts).
 */
import { BOOT, app, type CompareData, type EmbeddedData, type RunData } from './boot.ts';
import { h } from './dom.ts';
import { embeddedDetails, getJson, gunzipBase64, serverDetails } from './load.ts';
import { createRunModel } from './model.ts';
import { renderHistory } from './views/history.ts';
import { followLive } from './views/live.ts';
import { renderReport } from './views/report.ts';

/** How often a live run is polled, unless the boot data says otherwise. */
const POLL_MS = 1000;

function fatal(error: unknown): void {
  app.replaceChildren(h('div', { class: 'fatal' }, h('h1', { text: 'This report could not be shown' }), h('p', { text: error instanceof Error ? error.message : String(error) })));
}

async function start(): Promise<void> {
  performance.mark('tg:start');
  if (BOOT.mode === 'static') {
    const data = JSON.parse(await gunzipBase64(document.getElementById('tg-data')?.textContent ?? '')) as EmbeddedData;
    performance.mark('tg:data');
    const runs = data.runs.map((run, k) => createRunModel(run, embeddedDetails(k, run.blockStarts), k === 0 ? 'run' : 'baseline'));
    renderReport({ runs, comparison: data.comparison ?? null });
  } else if (BOOT.page === 'history') {
    await renderHistory();
  } else if (BOOT.page === 'run') {
    const data = await getJson<RunData>(`/api/runs/${encodeURIComponent(BOOT.runId)}`);
    performance.mark('tg:data');
    const model = createRunModel(data, serverDetails(BOOT.runId), 'run');
    const report = renderReport({ runs: [model], comparison: null, live: !data.run.end });
    if (!data.run.end) void followLive(BOOT.runId, model, report, BOOT.pollMs ?? POLL_MS);
  } else if (BOOT.page === 'compare') {
    const data = await getJson<CompareData>(`/api/compare/${encodeURIComponent(BOOT.a)}/${encodeURIComponent(BOOT.b)}`);
    performance.mark('tg:data');
    const runs = [createRunModel(data.runs[0], serverDetails(BOOT.b), 'run'), createRunModel(data.runs[1], serverDetails(BOOT.a), 'baseline')];
    renderReport({ runs, comparison: data.comparison, defaultTab: 'compare' });
  } else {
    throw new Error('unknown page');
  }
  requestAnimationFrame(() => {
    performance.mark('tg:first-render');
    document.documentElement.dataset['ready'] = 'true';
  });
}

start().catch(fatal);
