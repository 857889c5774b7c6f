// The report page: one run (header, charts, a case table that sorts, filters and renders only the
// rows in view, a case detail), optionally a baseline and the comparison of the two; and, served by
// `tagliots view`, the run history and live updates of a run in progress.
//
// Data comes from the page itself (`tagliots report`: gzip + base64 blobs in script tags, the full
// case records in blocks that are decompressed only when a case is opened) or from the view
// server's /api. Every value from a log is put in the DOM as text (h(), svg(), textContent).

/* global document, window, location, fetch, atob, Blob, Response, DecompressionStream, requestAnimationFrame, URLSearchParams */
/* global h, formats, formatCount, formatCompact, formatDuration, formatPercent, formatRate, formatPoints, formatUsd, formatNumber, formatSigned, formatLocalTime, formatPValue, interval, oneLineJson, plural, parseKeywordFilter, chartStackedBars, chartHistogram, chartSteps, chartCard */

const ROW_HEIGHT = 30;
const OVERSCAN = 10;
const BOOT = JSON.parse(document.getElementById('tg-boot')?.textContent || '{}');
const app = document.getElementById('app');

// ---------------------------------------------------------------------------------------------
// Loading

async function gunzipBase64(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch {
      // keep the status line
    }
    throw new Error(message);
  }
  return response.json();
}

/** Details of the embedded run `k`: its records, in gzip blocks of consecutive log lines. */
function embeddedDetails(k, blockStarts) {
  let blocks = null;
  const cache = new Map();
  return async (line) => {
    if (blocks === null) {
      // The records come after the page script in the file.
      if (document.readyState === 'loading') await new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }));
      const el = document.getElementById(`tg-records-${k}`);
      blocks = el ? el.textContent.split('\n').filter((block) => block.length > 0) : [];
    }
    let lo = 0;
    let hi = blockStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (blockStarts[mid] <= line) lo = mid;
      else hi = mid - 1;
    }
    let lines = cache.get(lo);
    if (!lines) {
      if (blocks[lo] === undefined) throw new Error(`case ${line} is not in this report`);
      lines = (await gunzipBase64(blocks[lo])).split('\n');
      cache.set(lo, lines);
      if (cache.size > 6) cache.delete(cache.keys().next().value);
    }
    const text = lines[line - blockStarts[lo]];
    if (text === undefined) throw new Error(`case ${line} is not in this report`);
    return JSON.parse(text);
  };
}

function serverDetails(runId) {
  return (line) => getJson(`/api/runs/${encodeURIComponent(runId)}/cases/${line}`);
}

// ---------------------------------------------------------------------------------------------
// Runs and their rows

function createRunModel(data, details, role) {
  return { run: data.run, rows: data.rows, details, role, n: data.rows.id.length, version: 0, derived: null };
}

function appendRows(model, more) {
  const rows = model.rows;
  const before = model.n;
  for (const key of Object.keys(more)) {
    if (key === 'columns') {
      for (const name of Object.keys(more.columns)) {
        if (!rows.columns[name]) rows.columns[name] = new Array(before).fill(null);
        const target = rows.columns[name];
        for (const value of more.columns[name]) target.push(value);
      }
    } else if (key === 'keywordSets') {
      // Append-only on the server: the new list extends the old one.
      rows.keywordSets = more.keywordSets;
    } else if (rows[key]) {
      const target = rows[key];
      for (const value of more[key]) target.push(value);
    }
  }
  model.n = rows.id.length;
  model.version++;
}

/** Per-run values computed once per version of the rows: keyword sets, suite order, search text. */
function derived(model) {
  if (model.derived && model.derived.version === model.version) return model.derived;
  const { rows, n } = model;
  const setIds = rows.keywords;
  const setLists = rows.keywordSets;
  const sets = setLists.map((list) => new Set(list));
  const anyKeywords = setLists.some((list) => list.length > 0);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => rows.index[x] - rows.index[y] || rows.repeat[x] - rows.repeat[y] || rows.line[x] - rows.line[y]);
  const rank = new Int32Array(n);
  order.forEach((i, p) => (rank[i] = p));
  const byLine = new Map();
  for (let i = 0; i < n; i++) byLine.set(rows.line[i], i);
  model.derived = { version: model.version, setIds, sets, setLists, anyKeywords, order, rank, byLine, haystack: null };
  return model.derived;
}

/** Lower-case text of each row for the search box: id, column values and the error. */
function haystack(model) {
  const d = derived(model);
  if (!d.haystack) {
    const { rows, n } = model;
    const names = Object.keys(rows.columns);
    const text = new Array(n);
    for (let i = 0; i < n; i++) {
      let s = rows.id[i];
      for (const name of names) {
        const v = rows.columns[name][i];
        if (v !== null && v !== undefined) s += `\n${v}`;
      }
      if (rows.errorMessage[i] !== null) s += `\n${rows.errorStage[i] ?? ''}: ${rows.errorMessage[i]}`;
      text[i] = s.toLowerCase();
    }
    d.haystack = text;
  }
  return d.haystack;
}

const VERDICT_TEXT = { passed: 'PASSED', failed: 'FAILED', error: 'ERROR', cancelled: 'CANCELLED', complete: 'COMPLETE' };

function verdictOfRow(rows, i) {
  const status = rows.status[i];
  if (status === 1) return 'error';
  if (status === 2) return 'cancelled';
  return rows.passed[i] === 1 ? 'passed' : rows.passed[i] === 0 ? 'failed' : 'complete';
}

function verdictOfRecord(record) {
  if (record.status === 'error') return 'error';
  if (record.status === 'cancelled') return 'cancelled';
  return record.passed === true ? 'passed' : record.passed === false ? 'failed' : 'complete';
}

function badge(verdict, text) {
  return h('span', { class: `badge ${verdict}`, text: text ?? VERDICT_TEXT[verdict] ?? String(verdict).toUpperCase() });
}

function shortId(id) {
  return String(id).slice(0, 13);
}

function totalsOf(model, subset) {
  const { rows } = model;
  const t = { cases: 0, passed: 0, failed: 0, error: 0, cancelled: 0, complete: 0, scoreSum: 0, scored: 0, tokensIn: 0, tokensOut: 0, tokened: 0, cost: 0, costed: 0, duration: 0 };
  const visit = (i) => {
    t.cases++;
    const v = verdictOfRow(rows, i);
    t[v]++;
    if (v === 'passed' || v === 'failed') t.complete++;
    if (rows.score[i] !== null) {
      t.scoreSum += rows.score[i];
      t.scored++;
    }
    if (rows.tokensIn[i] !== null) {
      t.tokensIn += rows.tokensIn[i];
      t.tokensOut += rows.tokensOut[i] ?? 0;
      t.tokened++;
    }
    if (rows.cost[i] !== null) {
      t.cost += rows.cost[i];
      t.costed++;
    }
    t.duration += rows.durationMs[i];
  };
  if (subset) for (const i of subset) visit(i);
  else for (let i = 0; i < model.n; i++) visit(i);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Page frame: top bar, tabs, the detail panel

const panel = createPanel();

function renderFrame({ title, subtitle, tabs, activeTab, onTab }) {
  const tabBar = tabs && tabs.length > 1 ? h('nav', { class: 'tabs', role: 'tablist' }) : null;
  if (tabBar) {
    for (const tab of tabs) {
      tabBar.append(
        h('button', {
          type: 'button',
          role: 'tab',
          class: 'tab',
          id: `tab-${tab.id}`,
          'aria-selected': tab.id === activeTab ? 'true' : 'false',
          text: tab.label,
          onclick: () => onTab(tab.id),
        }),
      );
    }
  }
  const home = BOOT.mode === 'server' ? h('a', { class: 'brand', href: '/', text: 'tagliots' }) : h('span', { class: 'brand', text: 'tagliots' });
  const bar = h('header', { class: 'topbar' }, home, h('div', { class: 'top-title' }, h('span', { class: 'title', text: title }), subtitle ? h('span', { class: 'subtitle', text: subtitle }) : null), tabBar);
  const main = h('main', { id: 'main' });
  app.replaceChildren(bar, main, panel.el);
  return { main, tabBar };
}

function selectTab(tabBar, id) {
  if (!tabBar) return;
  for (const button of tabBar.querySelectorAll('.tab')) button.setAttribute('aria-selected', button.id === `tab-${id}` ? 'true' : 'false');
}

function createPanel() {
  const title = h('div', { class: 'panel-title' });
  const tools = h('div', { class: 'panel-tools' });
  const body = h('div', { class: 'panel-body' });
  let onClose = null;
  const close = h('button', { type: 'button', class: 'icon', 'aria-label': 'Close', title: 'Close (Esc)', text: '×', onclick: () => onClose && onClose() });
  const el = h('aside', { id: 'detail', class: 'panel', hidden: true, 'aria-live': 'polite' }, h('div', { class: 'panel-head' }, title, tools, close), body);
  let token = 0;
  return {
    el,
    isOpen: () => !el.hidden,
    /** Shows the panel with `content` (a node, or a promise of one). */
    async show({ heading, actions, content, wide, closeWith }) {
      const mine = ++token;
      onClose = closeWith;
      el.hidden = false;
      el.classList.toggle('wide', Boolean(wide));
      title.replaceChildren(heading ?? '');
      tools.replaceChildren(...(actions ?? []));
      body.replaceChildren(h('p', { class: 'loading', text: 'Loading…' }));
      try {
        const node = await content;
        if (mine === token) {
          body.replaceChildren(node);
          body.scrollTop = 0;
        }
      } catch (error) {
        if (mine === token) body.replaceChildren(h('p', { class: 'problem', text: `Could not load the case: ${error.message}` }));
      }
    },
    hide() {
      token++;
      el.hidden = true;
      body.replaceChildren();
    },
  };
}

function hashParams() {
  return new URLSearchParams(location.hash.slice(1));
}

function setHash(update) {
  const params = hashParams();
  for (const [key, value] of Object.entries(update)) {
    if (value === null || value === undefined || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const text = params.toString();
  if (text === location.hash.slice(1)) return;
  location.hash = text;
}

// ---------------------------------------------------------------------------------------------
// The report: one run, or a run, its baseline and their comparison

function renderReport(page) {
  const [main, baseline] = page.runs;
  const header = main.run.header;
  const tabs = [{ id: 'run', label: baseline ? `Run ${shortId(header.runId)}` : 'Run' }];
  if (baseline) tabs.push({ id: 'baseline', label: `Baseline ${shortId(baseline.run.header.runId)}` });
  if (page.comparison) tabs.push({ id: 'compare', label: 'Comparison' });
  const defaultTab = page.defaultTab ?? 'run';
  const frame = renderFrame({
    title: `${header.pipeline.name} · ${header.runId}`,
    subtitle: page.comparison ? `compared with ${baseline.run.header.runId}` : header.pipeline.description,
    tabs,
    activeTab: defaultTab,
    onTab: (id) => setHash({ tab: id === defaultTab ? null : id, case: null, pair: null }),
  });
  document.title = `${header.pipeline.name} ${shortId(header.runId)} · tagliots`;

  const views = new Map();
  const viewOf = (id) => {
    if (!views.has(id)) {
      let view;
      if (id === 'compare') view = createCompareView(page);
      else view = createRunView(id === 'baseline' ? baseline : main, { tab: id, live: id === 'run' ? page.live : null });
      views.set(id, view);
      frame.main.append(view.el);
    }
    return views.get(id);
  };

  const route = () => {
    const params = hashParams();
    let tab = params.get('tab') ?? defaultTab;
    if (!tabs.some((t) => t.id === tab)) tab = defaultTab;
    selectTab(frame.tabBar, tab);
    for (const [id, view] of views) view.el.hidden = id !== tab;
    const view = viewOf(tab);
    view.el.hidden = false;
    view.shown?.();
    view.route(params);
  };
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && panel.isOpen()) setHash({ case: null, pair: null });
  });
  route();
  return { views, route };
}

// ---------------------------------------------------------------------------------------------
// One run: header, totals, charts, case table

function createRunView(model, { tab, live }) {
  const el = h('div', { class: 'run-view', dataset: { tab } });
  const headerEl = h('section', { class: 'run-header' });
  const totalsEl = h('section', { class: 'totals', 'aria-label': 'Totals' });
  const chartsEl = h('section', { class: 'charts', 'aria-label': 'Charts' });
  const chartsNote = h('span', { class: 'muted' });
  let chartsTimer = null;
  let openLine = null;

  const table = createCaseTable(model, {
    onOpen: (line) => setHash({ case: line }),
    onChange: () => {
      renderTotals();
      clearTimeout(chartsTimer);
      chartsTimer = setTimeout(renderCharts, 120);
    },
    isOpen: (line) => line === openLine,
  });

  el.append(headerEl, totalsEl, h('h2', { class: 'section-title' }, 'Charts ', chartsNote), chartsEl, h('h2', { class: 'section-title', text: 'Cases' }), table.el);

  function renderHeader() {
    headerEl.replaceChildren(runHeader(model, live));
  }

  function renderTotals() {
    const subset = table.isFiltered() ? table.filtered() : null;
    totalsEl.replaceChildren(totalsCards(model, subset));
  }

  function renderCharts() {
    const subset = table.filtered();
    chartsNote.textContent = table.isFiltered() ? `${formatCount(subset.length)} of ${formatCount(model.n)} cases (the table's filter)` : `all ${plural(model.n, 'case')}`;
    chartsEl.replaceChildren(...runCharts(model, subset, (expression) => table.setKeywordFilter(expression)));
  }

  renderHeader();
  renderTotals();
  renderCharts();

  return {
    el,
    table,
    shown() {
      table.layout();
    },
    route(params) {
      const line = params.has('case') ? Number(params.get('case')) : null;
      if (line === null || Number.isNaN(line)) {
        openLine = null;
        panel.hide();
        table.redraw();
        return;
      }
      if (line === openLine && panel.isOpen()) return;
      openLine = line;
      table.reveal(line);
      openCase(model, line, table);
    },
    refresh() {
      renderHeader();
      table.refresh();
    },
  };
}

function openCase(model, line, table) {
  const prev = table.neighbour(line, -1);
  const next = table.neighbour(line, 1);
  const nav = (target, label, key) => h('button', { type: 'button', class: 'small', disabled: target === null, title: `${label} (${key})`, text: label, onclick: () => setHash({ case: target }) });
  const i = derived(model).byLine.get(line);
  const heading = h('span', {}, i !== undefined ? badge(verdictOfRow(model.rows, i)) : null, ' ', h('span', { class: 'mono', text: i !== undefined ? model.rows.id[i] : `line ${line}` }));
  panel.show({
    heading,
    actions: [nav(prev, '‹ Previous', 'k'), nav(next, 'Next ›', 'j')],
    content: model.details(line).then((record) => caseDetail(record, model.run)),
    closeWith: () => setHash({ case: null }),
  });
}

document.addEventListener('keydown', (event) => {
  if (!panel.isOpen() || event.target.closest?.('input, select, textarea')) return;
  if (event.key === 'j' || event.key === 'k') {
    const button = [...panel.el.querySelectorAll('.panel-tools button')][event.key === 'k' ? 0 : 1];
    if (button && !button.disabled) button.click();
  }
});

function fact(label, ...value) {
  return [h('dt', { text: label }), h('dd', {}, ...value)];
}

function runStatusText(run, live) {
  const end = run.end;
  if (end) return `${end.status}, ${formatDuration(end.durationMs)}`;
  if (live) return 'running (updates live)';
  return 'incomplete: no run.end record (crashed, killed or still running)';
}

function runHeader(model, live) {
  const { run } = model;
  const header = run.header;
  const facts = h('dl', { class: 'facts' });
  facts.append(...fact('Run', h('span', { class: 'mono', text: header.runId })));
  facts.append(...fact('Started', formatLocalTime(header.startedAt)));
  facts.append(...fact('Status', h('span', { class: run.end ? `status-${run.end.status}` : 'status-incomplete', text: runStatusText(run, live) })));
  const suite = header.suite;
  const repeat = header.repeat ?? 1;
  facts.append(...fact('Suite', `${suite.path} (${plural(suite.count, 'case')}${repeat > 1 ? `, ${repeat} repeats each` : ''}, ${suite.format}, sha256 ${String(suite.sha256).slice(0, 12)})`));
  if (header.selection && Object.keys(header.selection).length > 0) facts.append(...fact('Selection', oneLineJson(header.selection)));
  if (header.git) {
    const git = header.git;
    const changes = git.changes && git.changes.length > 0 ? h('details', { class: 'inline' }, h('summary', { text: `${plural(git.changes.length, 'change')}` }), h('pre', { class: 'value', text: git.changes.join('\n') })) : null;
    facts.append(...fact('Git', h('span', { class: 'mono', text: git.sha ? git.sha.slice(0, 12) : '(no commits)' }), git.branch ? ` on ${git.branch}` : '', git.dirty ? h('span', { class: 'warn', text: ' (uncommitted changes)' }) : '', changes));
  }
  if (run.models.length > 0) {
    facts.append(...fact('Models', ...run.models.flatMap((m, k) => [k > 0 ? ', ' : '', h('span', { class: 'mono', text: m.name }), h('span', { class: 'muted', text: ` (${m.detail ? `${m.detail}, ` : ''}${m.source})` })])));
  }
  facts.append(...fact('Concurrency', String(header.concurrency)));
  if (header.parentRunId) facts.append(...fact(header.mode === 'resume' ? 'Resumes' : 'Re-runs', h('span', { class: 'mono', text: header.parentRunId })));
  facts.append(...fact('Command', h('code', { text: `tagliots ${(header.command ?? []).join(' ')}` })));
  facts.append(...fact('Versions', `tagliots ${header.versions.tagliots}, Node ${header.versions.node}, ${header.platform}`));
  facts.append(...fact('Log', h('span', { class: 'mono', text: run.log })));

  const deltas = h('div', { class: 'deltas' }, h('h3', { text: 'Config' }));
  if (header.deltas.length === 0) deltas.append(h('p', { class: 'muted', text: 'The pipeline defaults (no overrides).' }));
  else {
    const table = h('table', { class: 'plain' }, h('thead', {}, h('tr', {}, h('th', { text: 'path' }), h('th', { text: 'default' }), h('th', { text: 'value' }))));
    const tbody = h('tbody');
    for (const delta of header.deltas) {
      tbody.append(h('tr', {}, h('td', { class: 'mono', text: delta.path }), h('td', { class: 'muted mono', text: delta.prompt ? 'PROMPT' : oneLineJson(delta.from) }), h('td', { class: 'mono', text: oneLineJson(delta.to) })));
    }
    table.append(tbody);
    deltas.append(table);
  }
  const warnings = run.warnings.length > 0 ? h('ul', { class: 'warnings' }, run.warnings.map((w) => h('li', { text: w }))) : null;
  return h('div', { class: 'header-grid' }, h('div', {}, h('h1', { class: 'run-title' }, h('span', { text: header.pipeline.name }), h('span', { class: 'muted', text: header.pipeline.description ? ` · ${header.pipeline.description}` : '' })), facts, warnings), deltas);
}

function totalsCards(model, subset) {
  const header = model.run.header;
  const t = totalsOf(model, subset);
  const total = subset ? t.cases : Math.max(t.cases, model.run.end?.counts?.total ?? header.suite.count * (header.repeat ?? 1));
  const notRun = subset ? 0 : Math.max(0, total - t.cases);
  const card = (label, value, detail, cls) => h('div', { class: `stat ${cls ?? ''}` }, h('div', { class: 'stat-label', text: label }), h('div', { class: 'stat-value', text: value }), detail ? h('div', { class: 'stat-detail', text: detail }) : null);
  const cards = [card(subset ? 'Cases (filtered)' : 'Cases', formatCount(t.cases), subset ? `of ${formatCount(model.n)}` : notRun > 0 ? `of ${formatCount(total)}; ${formatCount(notRun)} not run` : null)];
  if (header.pipeline.hasPassed) {
    cards.push(card('Passed', formatCount(t.passed), formatPercent(t.passed, total), 'good'));
    cards.push(card('Failed', formatCount(t.failed), formatPercent(t.failed, total), t.failed > 0 ? 'bad' : ''));
  } else {
    cards.push(card('Complete', formatCount(t.complete), formatPercent(t.complete, total)));
  }
  cards.push(card('Errors', formatCount(t.error), formatPercent(t.error, total), t.error > 0 ? 'bad' : ''));
  if (t.cancelled > 0) cards.push(card('Cancelled', formatCount(t.cancelled), formatPercent(t.cancelled, total), 'warn'));
  if (header.pipeline.hasScore) cards.push(card('Mean score', t.scored ? formatNumber(t.scoreSum / t.scored) : '—', t.scored ? `over ${plural(t.scored, 'score')}` : null));
  if (t.tokened > 0) cards.push(card('Tokens', `${formatCompact(t.tokensIn)} in`, `${formatCount(t.tokensIn)} in, ${formatCount(t.tokensOut)} out`));
  if (t.costed > 0) cards.push(card('Cost', formatUsd(t.cost), t.cases ? `${formatUsd(t.cost / t.costed)} a case` : null));
  cards.push(card('Mean duration', t.cases ? formatDuration(t.duration / t.cases) : '—', model.run.end && !subset ? `run ${formatDuration(model.run.end.durationMs)}` : null));
  return h('div', { class: 'stat-grid' }, cards);
}

// ---------------------------------------------------------------------------------------------
// Charts

function quoteKeyword(keyword) {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/.test(keyword)) return keyword;
  return keyword.includes("'") ? `"${keyword}"` : `'${keyword}'`;
}

function runCharts(model, subset, onKeyword) {
  const { rows } = model;
  const header = model.run.header;
  const d = derived(model);

  // Pass rate by keyword: outcome counts per keyword set, then per keyword.
  const perSet = new Map();
  for (const i of subset) {
    const id = d.setIds[i];
    let c = perSet.get(id);
    if (!c) perSet.set(id, (c = { passed: 0, failed: 0, error: 0, cancelled: 0, complete: 0 }));
    c[verdictOfRow(rows, i)]++;
  }
  const perKeyword = new Map();
  const add = (key, c) => {
    let t = perKeyword.get(key);
    if (!t) perKeyword.set(key, (t = { passed: 0, failed: 0, error: 0, cancelled: 0, complete: 0, n: 0 }));
    for (const k of ['passed', 'failed', 'error', 'cancelled', 'complete']) {
      t[k] += c[k];
      t.n += c[k];
    }
  };
  for (const [id, c] of perSet) {
    const list = d.setLists[id];
    if (list.length === 0) add(null, c);
    for (const keyword of list) add(keyword, c);
  }
  const hasPassed = header.pipeline.hasPassed;
  let keywordItems = [...perKeyword.entries()].sort(([a, x], [b, y]) => (a === null) - (b === null) || y.n - x.n || (a < b ? -1 : a > b ? 1 : 0));
  const hidden = Math.max(0, keywordItems.length - 16);
  keywordItems = keywordItems.slice(0, 16);
  const segments = (t) => [
    { value: t.passed, kind: 'passed', name: 'passed' },
    { value: t.failed, kind: 'failed', name: 'failed' },
    { value: t.error, kind: 'error', name: 'errored' },
    { value: t.cancelled, kind: 'cancelled', name: 'cancelled' },
    { value: t.complete, kind: 'complete', name: 'complete (no verdict)' },
  ];
  const bars = keywordItems.map(([keyword, t]) => ({
    label: keyword === null ? (d.anyKeywords ? '(no keywords)' : 'all cases') : keyword,
    title: `${keyword ?? 'cases without keywords'}: ${formatCount(t.passed)} passed, ${formatCount(t.failed)} failed, ${formatCount(t.error)} errored of ${formatCount(t.n)}${keyword === null ? '' : ' (click to filter)'}`,
    segments: segments(t),
    note: hasPassed ? `${formatPercent(t.passed, t.n)} of ${formatCount(t.n)}` : `${formatCount(t.n)} cases`,
    onClick: keyword === null ? null : () => onKeyword(quoteKeyword(keyword)),
  }));
  const cards = [
    chartCard(
      hasPassed ? 'Pass rate by keyword' : 'Outcomes by keyword',
      hidden > 0 ? `the 16 most common keywords; ${hidden} more` : 'click a keyword to filter',
      bars.length > 0 ? chartStackedBars(bars, { label: 'Pass rate by keyword' }) : null,
    ),
  ];

  // Score distribution.
  if (header.pipeline.hasScore) {
    const scores = [];
    for (const i of subset) if (rows.score[i] !== null) scores.push(rows.score[i]);
    const bins = scoreBins(scores);
    const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    cards.push(chartCard('Score distribution', scores.length ? `${plural(scores.length, 'score')}, mean ${formatNumber(mean)}` : 'no scores', scores.length ? chartHistogram(bins.bins, { format: formatNumber, label: 'Score distribution', kind: 'score', markers: mean === null ? [] : [{ position: bins.position(mean), label: 'mean' }] }) : null));
  }

  // Latency and cost distributions.
  const durations = subset.map((i) => rows.durationMs[i]);
  cards.push(distributionCard('Latency distribution', 'case duration', durations, formatDuration, 'latency'));
  const costs = [];
  for (const i of subset) if (rows.cost[i] !== null) costs.push(rows.cost[i]);
  if (costs.length > 0) cards.push(distributionCard('Cost distribution', 'cost per case', costs, formatUsd, 'cost'));
  else cards.push(chartCard('Cost distribution', 'no cost recorded', null));

  // Cases in flight over time.
  const flight = inFlight(rows, subset);
  cards.push(
    chartCard(
      'Cases in flight over time',
      flight.points.length ? `at most ${flight.max} at once (concurrency ${header.concurrency})` : '',
      flight.points.length ? chartSteps(flight.points, { format: formatDuration, label: 'Cases in flight over time', axisLabel: 'time since the first case started' }) : null,
    ),
  );
  return cards;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Few distinct scores: a bar each; otherwise 20 equal bins from the lowest to the highest. */
function scoreBins(scores) {
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  if (distinct.length <= 12) {
    const counts = new Map(distinct.map((v) => [v, 0]));
    for (const s of scores) counts.set(s, counts.get(s) + 1);
    const bins = distinct.map((v) => ({ x0: v, x1: v, count: counts.get(v), label: formatNumber(v) }));
    return { bins, position: (x) => (distinct.length === 1 ? 0.5 : (nearestIndex(distinct, x) + 0.5) / distinct.length) };
  }
  return linearBins(scores, 20, distinct[0], distinct[distinct.length - 1]);
}

function nearestIndex(sorted, x) {
  let best = 0;
  for (let i = 1; i < sorted.length; i++) if (Math.abs(sorted[i] - x) < Math.abs(sorted[best] - x)) best = i;
  return best;
}

function linearBins(values, count, min, max) {
  const span = max - min || 1;
  const bins = Array.from({ length: count }, (_, k) => ({ x0: min + (span * k) / count, x1: min + (span * (k + 1)) / count, count: 0 }));
  for (const v of values) bins[Math.min(count - 1, Math.max(0, Math.floor(((v - min) / span) * count)))].count++;
  return { bins, position: (x) => Math.min(1, Math.max(0, (x - min) / span)) };
}

/** Logarithmic bins when the values span more than two decades, linear otherwise. */
function distributionBins(values, count) {
  let min = Infinity;
  let max = -Infinity;
  let positiveMin = Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    if (v > 0 && v < positiveMin) positiveMin = v;
  }
  if (min >= 0 && positiveMin < Infinity && max / positiveMin > 100) {
    const lo = Math.log10(positiveMin);
    const hi = Math.log10(max);
    const span = hi - lo || 1;
    const bins = Array.from({ length: count }, (_, k) => ({ x0: 10 ** (lo + (span * k) / count), x1: 10 ** (lo + (span * (k + 1)) / count), count: 0 }));
    for (const v of values) bins[v <= 0 ? 0 : Math.min(count - 1, Math.max(0, Math.floor(((Math.log10(v) - lo) / span) * count)))].count++;
    return { bins, log: true, position: (x) => (x <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(x) - lo) / span))) };
  }
  return { ...linearBins(values, count, min, max), log: false };
}

function distributionCard(title, what, values, format, kind) {
  if (values.length === 0) return chartCard(title, 'no cases', null);
  const sorted = Float64Array.from(values).sort();
  const p50 = quantile(sorted, 0.5);
  const p95 = quantile(sorted, 0.95);
  const bins = distributionBins(sorted, 24);
  return chartCard(
    title,
    `${what}: median ${format(p50)}, p95 ${format(p95)}, max ${format(sorted[sorted.length - 1])}${bins.log ? ' (log scale)' : ''}`,
    chartHistogram(bins.bins, { format, label: title, kind, markers: [{ position: bins.position(p50), label: 'p50' }, { position: bins.position(p95), label: 'p95' }] }),
  );
}

/** Cases running at each moment (from their start and end times), at most 400 steps. */
function inFlight(rows, subset) {
  if (subset.length === 0) return { points: [], max: 0 };
  const starts = new Float64Array(subset.length);
  const ends = new Float64Array(subset.length);
  subset.forEach((i, k) => {
    starts[k] = rows.start[i];
    ends[k] = rows.start[i] + Math.max(0, rows.durationMs[i]);
  });
  starts.sort();
  ends.sort();
  const t0 = starts[0];
  const t1 = ends[ends.length - 1];
  const buckets = 400;
  const span = t1 - t0 || 1;
  const peak = new Float64Array(buckets);
  let current = 0;
  let max = 0;
  let bucket = 0;
  let a = 0;
  let b = 0;
  while (a < starts.length || b < ends.length) {
    const isStart = b >= ends.length || (a < starts.length && starts[a] <= ends[b]);
    const t = isStart ? starts[a] : ends[b];
    const target = Math.min(buckets - 1, Math.floor(((t - t0) / span) * buckets));
    while (bucket < target) {
      bucket++;
      peak[bucket] = Math.max(peak[bucket], current);
    }
    if (isStart) {
      a++;
      current++;
    } else {
      b++;
      current--;
    }
    if (current > peak[bucket]) peak[bucket] = current;
    if (current > max) max = current;
  }
  const points = [];
  for (let k = 0; k < buckets; k++) points.push({ t: (span * k) / buckets, v: peak[k] });
  points.push({ t: span, v: 0 });
  return { points, max };
}

// ---------------------------------------------------------------------------------------------
// The case table: filter, sort, and render only the rows in view

const STATUS_FILTERS = [
  ['all', 'All cases'],
  ['attention', 'Needs attention (failed, errored, cancelled)'],
  ['passed', 'Passed'],
  ['failed', 'Failed'],
  ['error', 'Errored'],
  ['cancelled', 'Cancelled'],
  ['complete', 'Complete (no verdict)'],
];

/** A table cell: numbers as they are (up to 6 significant digits), without thousands separators. */
function cellText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return String(value);
}

function tableColumns(model) {
  const { rows } = model;
  const header = model.run.header;
  const d = derived(model);
  const any = (list) => list.some((v) => v !== null);
  const columns = [
    { key: 'index', label: '#', width: 'minmax(52px, 64px)', min: 52, align: 'right', value: (i) => rows.index[i], cell: (i) => String(rows.index[i]) },
    { key: 'id', label: 'id', width: 'minmax(110px, 1.1fr)', min: 110, cls: 'mono', value: (i) => rows.id[i], cell: (i) => rows.id[i], title: (i) => rows.id[i] },
  ];
  if ((header.repeat ?? 1) > 1) columns.push({ key: 'repeat', label: 'repeat', width: '64px', min: 64, align: 'right', value: (i) => rows.repeat[i], cell: (i) => String(rows.repeat[i]) });
  const rank = { error: 0, cancelled: 1, failed: 2, complete: 3, passed: 4 };
  columns.push({ key: 'status', label: 'status', width: '100px', min: 100, value: (i) => rank[verdictOfRow(rows, i)], cell: (i) => badge(verdictOfRow(rows, i)) });
  if (header.pipeline.hasScore) columns.push({ key: 'score', label: 'score', width: '72px', min: 72, align: 'right', value: (i) => rows.score[i], cell: (i) => cellText(rows.score[i]) });
  if (d.anyKeywords) {
    const text = (i) => rows.keywordSets[rows.keywords[i]].join(', ');
    columns.push({ key: 'keywords', label: 'keywords', width: 'minmax(110px, 1fr)', min: 110, value: (i) => text(i) || null, cell: text, title: text });
  }
  for (const name of Object.keys(rows.columns)) {
    const list = rows.columns[name];
    const numeric = list.every((v) => v === null || typeof v === 'number');
    columns.push({
      key: `col:${name}`,
      label: name,
      width: numeric ? 'minmax(64px, 0.6fr)' : 'minmax(90px, 1fr)',
      min: numeric ? 64 : 90,
      align: numeric ? 'right' : undefined,
      value: (i) => (list[i] === null || list[i] === undefined ? null : typeof list[i] === 'boolean' ? String(list[i]) : list[i]),
      cell: (i) => cellText(list[i]),
      title: (i) => cellText(list[i]),
    });
  }
  columns.push({ key: 'duration', label: 'duration', width: '86px', min: 86, align: 'right', value: (i) => rows.durationMs[i], cell: (i) => formatDuration(rows.durationMs[i]) });
  if (any(rows.tokensIn)) {
    columns.push({ key: 'tokens', label: 'tokens', width: '96px', min: 96, align: 'right', value: (i) => (rows.tokensIn[i] === null ? null : rows.tokensIn[i] + (rows.tokensOut[i] ?? 0)), cell: (i) => (rows.tokensIn[i] === null ? '' : `${formatCount(rows.tokensIn[i])} / ${formatCount(rows.tokensOut[i] ?? 0)}`), title: () => 'input / output tokens' });
  }
  if (any(rows.cost)) columns.push({ key: 'cost', label: 'cost', width: '86px', min: 86, align: 'right', value: (i) => rows.cost[i], cell: (i) => (rows.cost[i] === null ? '' : formatUsd(rows.cost[i])) });
  if (any(rows.errorMessage)) {
    const text = (i) => (rows.errorMessage[i] === null ? '' : `${rows.errorStage[i] ?? 'case'}: ${rows.errorMessage[i]}`);
    columns.push({ key: 'error', label: 'error', width: 'minmax(160px, 2fr)', min: 160, cls: 'error-cell', value: (i) => text(i) || null, cell: text, title: text });
  }
  return columns;
}

function createCaseTable(model, { onOpen, onChange, isOpen }) {
  const header = model.run.header;
  const state = { status: 'all', predicate: null, keywordText: '', query: '', sortKey: null, sortDir: 1 };
  let columns = tableColumns(model);
  let columnsSignature = '';
  let visible = [];
  let filteredAll = true;
  let renderedRange = null;

  const statusSelect = h('select', { 'aria-label': 'Status', class: 'status-filter', onchange: () => { state.status = statusSelect.value; apply(); } });
  for (const [value, label] of STATUS_FILTERS) {
    if (!header.pipeline.hasPassed && (value === 'passed' || value === 'failed')) continue;
    if (header.pipeline.hasPassed && value === 'complete') continue;
    statusSelect.append(h('option', { value, text: label }));
  }
  const keywordInput = h('input', { type: 'search', class: 'keyword-filter', placeholder: "keywords, e.g. p0 && !(slow || flaky)", 'aria-label': 'Keyword expression', spellcheck: 'false', autocomplete: 'off' });
  const searchInput = h('input', { type: 'search', class: 'text-filter', placeholder: 'search ids and columns', 'aria-label': 'Search', spellcheck: 'false', autocomplete: 'off' });
  const keywordError = h('div', { class: 'filter-error', role: 'alert' });
  const count = h('span', { class: 'count', 'aria-live': 'polite' });
  let typing = null;
  const later = () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 150);
  };
  keywordInput.addEventListener('input', later);
  searchInput.addEventListener('input', later);
  keywordInput.addEventListener('keydown', (e) => e.key === 'Enter' && apply());
  searchInput.addEventListener('keydown', (e) => e.key === 'Enter' && apply());

  const head = h('div', { class: 'thead', role: 'row' });
  const body = h('div', { class: 'tbody', role: 'rowgroup' });
  const rowsEl = h('div', { class: 'rows' });
  body.append(rowsEl);
  const empty = h('p', { class: 'empty table-empty', hidden: true, text: 'No case matches the filters.' });
  const viewport = h('div', { class: 'viewport', role: 'grid', 'aria-label': 'Cases', tabindex: 0 }, head, body);
  const el = h(
    'div',
    { class: 'case-table' },
    h('div', { class: 'filters' }, statusSelect, h('div', { class: 'keyword-box' }, keywordInput, keywordError), searchInput, count),
    viewport,
    empty,
  );

  viewport.addEventListener('scroll', () => requestAnimationFrame(renderRows), { passive: true });
  window.addEventListener('resize', () => requestAnimationFrame(renderRows));
  rowsEl.addEventListener('click', (event) => {
    const row = event.target.closest('.row');
    if (row) onOpen(Number(row.dataset.line));
  });
  viewport.addEventListener('keydown', (event) => {
    if (event.target.closest('.row') && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      onOpen(Number(event.target.closest('.row').dataset.line));
    }
  });

  function buildHead() {
    const signature = columns.map((c) => c.key).join('|');
    columnsSignature = signature;
    const template = columns.map((c) => c.width).join(' ');
    el.style.setProperty('--cols', template);
    el.style.setProperty('--min-width', `${columns.reduce((sum, c) => sum + c.min, 0) + 16}px`);
    head.replaceChildren(
      ...columns.map((column) => {
        const sorted = state.sortKey === column.key;
        return h(
          'div',
          { class: `th ${column.align === 'right' ? 'r' : ''}`, role: 'columnheader', 'aria-sort': sorted ? (state.sortDir > 0 ? 'ascending' : 'descending') : 'none' },
          h('button', { type: 'button', class: 'sort', dataset: { key: column.key }, title: `Sort by ${column.label}`, onclick: () => sortBy(column.key) }, column.label, h('span', { class: 'arrow', text: sorted ? (state.sortDir > 0 ? ' ▲' : ' ▼') : '' })),
        );
      }),
    );
  }

  function sortBy(key) {
    if (state.sortKey !== key) {
      state.sortKey = key;
      state.sortDir = 1;
    } else if (state.sortDir === 1) state.sortDir = -1;
    else state.sortKey = null;
    buildHead();
    sortVisible();
    viewport.scrollTop = 0;
    renderedRange = null;
    renderRows();
  }

  function sortVisible() {
    const d = derived(model);
    if (state.sortKey === null) {
      visible.sort((x, y) => d.rank[x] - d.rank[y]);
      return;
    }
    const column = columns.find((c) => c.key === state.sortKey);
    if (!column) return;
    const keys = new Map();
    for (const i of visible) keys.set(i, column.value(i));
    const dir = state.sortDir;
    visible.sort((x, y) => {
      const a = keys.get(x);
      const b = keys.get(y);
      if (a === null || a === undefined) return b === null || b === undefined ? d.rank[x] - d.rank[y] : 1;
      if (b === null || b === undefined) return -1;
      if (a < b) return -dir;
      if (a > b) return dir;
      return d.rank[x] - d.rank[y];
    });
  }

  const statusMatch = {
    all: () => true,
    attention: (v) => v === 'failed' || v === 'error' || v === 'cancelled',
    passed: (v) => v === 'passed',
    failed: (v) => v === 'failed',
    error: (v) => v === 'error',
    cancelled: (v) => v === 'cancelled',
    complete: (v) => v === 'complete',
  };

  function apply() {
    const keywordText = keywordInput.value.trim();
    if (keywordText !== state.keywordText) {
      if (keywordText === '') {
        state.predicate = null;
        keywordError.textContent = '';
        keywordInput.removeAttribute('aria-invalid');
      } else {
        try {
          state.predicate = parseKeywordFilter(keywordText);
          keywordError.textContent = '';
          keywordInput.removeAttribute('aria-invalid');
        } catch (error) {
          keywordError.textContent = `Invalid expression: ${error.message}`;
          keywordInput.setAttribute('aria-invalid', 'true');
          return;
        }
      }
      state.keywordText = keywordText;
    }
    state.query = searchInput.value.trim().toLowerCase();
    filter();
    viewport.scrollTop = 0;
    renderedRange = null;
    renderRows();
    onChange();
  }

  function filter() {
    const d = derived(model);
    const { rows } = model;
    const wantStatus = statusMatch[state.status] ?? statusMatch.all;
    const setOk = state.predicate ? d.sets.map((set) => state.predicate(set)) : null;
    const hay = state.query ? haystack(model) : null;
    const query = state.query;
    const out = [];
    for (const i of d.order) {
      if (state.status !== 'all' && !wantStatus(verdictOfRow(rows, i))) continue;
      if (setOk && !setOk[d.setIds[i]]) continue;
      if (hay && !hay[i].includes(query)) continue;
      out.push(i);
    }
    filteredAll = state.status === 'all' && !setOk && !hay;
    visible = out;
    if (state.sortKey !== null) sortVisible();
    count.textContent = filteredAll ? `${plural(model.n, 'case')}` : `${formatCount(visible.length)} of ${plural(model.n, 'case')}`;
    empty.hidden = visible.length > 0 || model.n === 0;
  }

  function renderRows() {
    const top = viewport.scrollTop;
    const height = viewport.clientHeight || 600;
    const headHeight = head.offsetHeight || ROW_HEIGHT;
    body.style.height = `${visible.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor((top - headHeight) / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(visible.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    if (renderedRange && renderedRange[0] === first && renderedRange[1] === last) return;
    renderedRange = [first, last];
    const { rows } = model;
    const fragment = document.createDocumentFragment();
    for (let p = first; p < last; p++) {
      const i = visible[p];
      const line = rows.line[i];
      const row = h('div', { class: `row${isOpen(line) ? ' selected' : ''}`, role: 'row', tabindex: -1, dataset: { line, row: p }, style: { transform: `translateY(${p * ROW_HEIGHT}px)` } });
      for (const column of columns) {
        const content = column.cell(i);
        const cell = h('div', { class: `td ${column.align === 'right' ? 'r' : ''} ${column.cls ?? ''}`, role: 'gridcell' }, content);
        if (column.title) cell.title = column.title(i);
        row.append(cell);
      }
      fragment.append(row);
    }
    rowsEl.replaceChildren(fragment);
  }

  buildHead();
  filter();
  renderRows();

  return {
    el,
    filtered: () => visible,
    isFiltered: () => !filteredAll,
    layout() {
      renderedRange = null;
      renderRows();
    },
    redraw() {
      renderedRange = null;
      renderRows();
    },
    setKeywordFilter(expression) {
      keywordInput.value = expression;
      apply();
      el.scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
    /** After rows were appended (a live run): keep the filters, update everything. */
    refresh() {
      const next = tableColumns(model);
      if (next.map((c) => c.key).join('|') !== columnsSignature) {
        columns = next;
        buildHead();
      } else columns = next;
      const top = viewport.scrollTop;
      filter();
      viewport.scrollTop = top;
      renderedRange = null;
      renderRows();
      onChange();
    },
    reveal(line) {
      const i = derived(model).byLine.get(line);
      const p = i === undefined ? -1 : visible.indexOf(i);
      if (p >= 0) {
        const y = p * ROW_HEIGHT;
        if (y < viewport.scrollTop || y > viewport.scrollTop + viewport.clientHeight - 2 * ROW_HEIGHT) viewport.scrollTop = Math.max(0, y - 3 * ROW_HEIGHT);
      }
      renderedRange = null;
      renderRows();
    },
    /** The line of the row `delta` places from `line` in the table's order, or null. */
    neighbour(line, delta) {
      const i = derived(model).byLine.get(line);
      const p = i === undefined ? -1 : visible.indexOf(i);
      if (p < 0) return null;
      const q = visible[p + delta];
      return q === undefined ? null : model.rows.line[q];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Case detail

function isMessages(value) {
  return Array.isArray(value) && value.length > 0 && value.every((m) => m && typeof m === 'object' && !Array.isArray(m) && typeof m.role === 'string' && 'content' in m);
}

function isLarge(text) {
  if (text.length > 400) return true;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++lines > 12) return true;
  return false;
}

function lineCount(text) {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/**
 * The most characters of one value the page holds until asked for all of it: laying out a 10 MB
 * value takes the browser seconds, so a huge value shows its beginning and a button.
 */
const PREVIEW_CHARS = 20000;

/** The first PREVIEW_CHARS characters of `text`, never half a surrogate pair. */
function previewOf(text) {
  const end = PREVIEW_CHARS - (/[\uD800-\uDBFF]/.test(text[PREVIEW_CHARS - 1] ?? '') ? 1 : 0);
  return text.slice(0, end);
}

/** The size of `text` in UTF-8, as `10.0 MiB`. */
function byteSize(text) {
  return formats.formatBytes(new Blob([text]).size);
}

/**
 * Text in a <pre>; long text is clipped with a button that shows it all. A huge one (more than
 * PREVIEW_CHARS characters) has only its beginning in the page until then, and again after "Show less".
 */
function textBlock(text, kind) {
  const huge = text.length > PREVIEW_CHARS;
  const pre = h('pre', { class: `value ${kind ?? ''}`, text: huge ? previewOf(text) : text });
  if (!isLarge(text)) return pre;
  pre.classList.add('clipped');
  const label = `Show all (${plural(lineCount(text), 'line')}, ${huge ? byteSize(text) : `${formatCount(text.length)} characters`})`;
  const toggle = h('button', { type: 'button', class: 'small expand', text: label });
  toggle.addEventListener('click', () => {
    const clipped = pre.classList.toggle('clipped');
    if (huge) pre.textContent = clipped ? previewOf(text) : text;
    toggle.textContent = clipped ? label : 'Show less';
  });
  return h('div', { class: 'long' }, pre, toggle);
}

/** Text within a line (an error message): a huge one shows its beginning and a button that shows it all. */
function lineText(text) {
  if (text.length <= PREVIEW_CHARS) return h('span', { text });
  const span = h('span', { text: `${previewOf(text)}…` });
  const more = h('button', { type: 'button', class: 'small expand', text: `Show all (${byteSize(text)})` });
  more.addEventListener('click', () => {
    span.textContent = text;
    more.remove();
  });
  return h('span', {}, span, ' ', more);
}

function jsonText(value) {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** A stage output or any value: a conversation, text, or pretty-printed JSON. */
function valueView(value) {
  if (isMessages(value)) return conversation(value);
  if (typeof value === 'string') return textBlock(value, 'text');
  return textBlock(jsonText(value), 'json');
}

function conversation(messages) {
  return h(
    'div',
    { class: 'conversation' },
    messages.map((message) => {
      const role = String(message.role);
      const known = ['system', 'user', 'assistant', 'tool', 'developer'].includes(role) ? role : 'other';
      let content;
      if (typeof message.content === 'string') content = textBlock(message.content, 'text');
      else if (Array.isArray(message.content) && message.content.every((part) => part && typeof part === 'object')) {
        content = message.content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? textBlock(part.text, 'text') : textBlock(jsonText(part), 'json')));
      } else content = textBlock(jsonText(message.content), 'json');
      const extra = Object.keys(message).filter((k) => k !== 'role' && k !== 'content');
      return h('div', { class: `message role-${known}` }, h('div', { class: 'role', text: role }), content, extra.length ? textBlock(jsonText(Object.fromEntries(extra.map((k) => [k, message[k]]))), 'json') : null);
    }),
  );
}

function errorView(error, options = {}) {
  const box = h('div', { class: 'error-box' });
  box.append(h('div', { class: 'error-title' }, h('strong', { text: `${error.name}: ` }), lineText(error.message)));
  const meta = [];
  if (!options.noStage) meta.push(h('span', {}, 'stage ', h('code', { text: error.stage ?? '(none: passed() or score())' })));
  if (error.code) meta.push(h('span', {}, 'code ', h('code', { text: error.code })));
  if (meta.length) box.append(h('div', { class: 'error-meta' }, meta.flatMap((m, k) => (k ? [' · ', m] : [m]))));
  if (error.context && error.context.length > 0) {
    box.append(h('div', { class: 'error-context' }, h('span', { class: 'muted', text: 'while ' }), error.context.flatMap((c, k) => (k ? [h('span', { class: 'sep', text: ' › ' }), h('span', { text: c })] : [h('span', { text: c })]))));
  }
  if (error.stack) box.append(h('details', { class: 'stack' }, h('summary', { text: 'Stack trace' }), error.stack.length > PREVIEW_CHARS ? textBlock(error.stack) : h('pre', { class: 'value', text: error.stack })));
  return box;
}

function usageText(usage) {
  if (!usage) return '';
  const parts = [`${formatCount(usage.inputTokens)} in`, `${formatCount(usage.outputTokens)} out`];
  if (usage.cachedInputTokens) parts.push(`${formatCount(usage.cachedInputTokens)} cached`);
  if (usage.reasoningTokens) parts.push(`${formatCount(usage.reasoningTokens)} reasoning`);
  return `${parts.join(', ')} tokens${usage.calls !== undefined ? ` (${plural(usage.calls, 'call')})` : ''}`;
}

function caseFacts(record, run) {
  const facts = [`index ${record.index}`];
  if ((run.header.repeat ?? 1) > 1) facts.push(`repeat ${record.repeat ?? 0}`);
  if (record.score !== null && record.score !== undefined) facts.push(`score ${formatNumber(record.score)}`);
  facts.push(formatDuration(record.durationMs));
  if (record.usage) facts.push(usageText(record.usage));
  if (record.costUsd !== undefined) facts.push(formatUsd(record.costUsd));
  return facts.join(' · ');
}

function stageNamesOf(run, ...records) {
  const names = run.header.pipeline.stages.map((s) => s.name);
  const known = new Set(names);
  for (const record of records) {
    if (!record) continue;
    for (const name of [...Object.keys(record.stageRecords ?? {}), ...Object.keys(record.stages ?? {})]) {
      if (!known.has(name)) {
        known.add(name);
        names.push(name);
      }
    }
  }
  return names;
}

/** An object as a table of its fields: strings as text, small values as one line of JSON. */
function keyValues(object) {
  const table = h('table', { class: 'kv' });
  for (const [key, value] of Object.entries(object)) {
    let view;
    if (typeof value === 'string') view = textBlock(value, 'text');
    else {
      const compact = JSON.stringify(value) ?? String(value);
      view = compact.length <= 100 ? textBlock(compact, 'json') : textBlock(jsonText(value), 'json');
    }
    table.append(h('tr', {}, h('th', { class: 'mono', text: key }), h('td', {}, view)));
  }
  return table;
}

function section(title, ...content) {
  return h('section', { class: 'detail-section' }, h('h3', { text: title }), ...content);
}

/** Bars of each stage's start and end within the case. */
function stageTimeline(record, names) {
  const span = Math.max(1e-9, record.endMs - record.startMs);
  const table = h('div', { class: 'waterfall' });
  for (const name of names) {
    const stage = record.stageRecords?.[name];
    const bar = h('div', { class: 'track' });
    if (stage && stage.startMs !== undefined && stage.endMs !== undefined) {
      const left = Math.max(0, ((stage.startMs - record.startMs) / span) * 100);
      const width = Math.max(0.4, ((stage.endMs - stage.startMs) / span) * 100);
      bar.append(h('div', { class: `span ${stage.status}`, style: { left: `${left}%`, width: `${Math.min(width, 100 - left)}%` } }));
    }
    table.append(h('div', { class: 'wf-name mono', text: name }), bar, h('div', { class: 'wf-time', text: stage?.durationMs !== undefined ? formatDuration(stage.durationMs) : stage ? stage.status : '' }));
  }
  return table;
}

/** A table of class `plain <kind>`: a head row of `headings`, then a row of cells per item. */
function plainTable(kind, headings, items, cells) {
  return h('table', { class: `plain ${kind}` }, h('thead', {}, h('tr', {}, headings.map((t) => h('th', { text: t })))), h('tbody', {}, items.map((item) => h('tr', {}, cells(item)))));
}

function callsTable(calls) {
  return plainTable('calls', ['model', 'status', 'cache', 'attempts', 'duration', 'waited', 'tokens', 'cost'], calls, (call) => [
    h('td', {}, h('span', { class: 'mono', text: call.profile ?? '' }), call.model && call.model !== call.profile ? h('span', { class: 'muted', text: ` ${call.model}` }) : null, call.provider ? h('span', { class: 'muted', text: ` (${call.provider})` }) : null),
    h('td', {}, call.status === 'ok' ? h('span', { class: 'good', text: 'ok' }) : h('span', { class: 'bad', text: `${call.status}${call.error ? `: ${call.error}` : ''}` })),
    h('td', { text: call.cache ?? '' }),
    h('td', { text: Array.isArray(call.attempts) ? String(call.attempts.length) : '' }),
    h('td', { text: formatDuration(call.durationMs) }),
    h('td', { text: call.waitedMs || call.rateLimitWaitMs ? formatDuration((call.waitedMs ?? 0) + (call.rateLimitWaitMs ?? 0)) : '' }),
    h('td', { text: call.usage ? `${formatCount(call.usage.inputTokens)} / ${formatCount(call.usage.outputTokens)}${call.usageEstimated ? ' (est.)' : ''}` : '' }),
    h('td', { text: call.costUsd !== undefined ? formatUsd(call.costUsd) : '' }),
  ]);
}

function stageHead(name, stage) {
  const facts = [];
  if (stage?.reason) facts.push(stage.reason);
  if (stage?.reused) facts.push('reused from the parent run');
  if (stage?.durationMs !== undefined) facts.push(formatDuration(stage.durationMs));
  if (stage?.usage) facts.push(usageText(stage.usage));
  if (stage?.costUsd !== undefined) facts.push(formatUsd(stage.costUsd));
  const status = stage ? stage.status : 'not recorded';
  return h('div', { class: 'stage-head' }, h('span', { class: 'stage-name mono', text: name }), h('span', { class: `pill ${status}`, text: status }), h('span', { class: 'muted', text: facts.join(' · ') }));
}

/**
 * What a stage did: its error, model calls, prompts, events, artifacts and output. `part` holds the
 * stages and their records (the case, or one turn of a multi-turn case); `owner` is the case, which
 * holds the events and artifacts of every turn.
 */
function stageBody(part, name, owner = part, turn = undefined) {
  const stage = part.stageRecords?.[name];
  const parts = [];
  if (stage?.error) parts.push(errorView(stage.error, { noStage: true }));
  if (Array.isArray(stage?.calls) && stage.calls.length > 0) parts.push(callsTable(stage.calls));
  let loops = 0;
  if (Array.isArray(stage?.llm)) {
    for (const llm of stage.llm) {
      if (!llm || !Array.isArray(llm.messages)) continue;
      parts.push(h('div', { class: 'prompt' }, h('div', { class: 'sub', text: `Prompt sent to ${llm.model ?? 'the model'}` }), conversation(llm.messages)));
      if (Array.isArray(llm.rounds)) {
        parts.push(toolLoopView(llm));
        loops++;
      }
    }
  }
  const mine = (item) => item && item.stage === name && item.turn === turn;
  const events = Array.isArray(owner.events) ? owner.events.filter(mine) : [];
  if (events.length > 0) parts.push(h('div', { class: 'events' }, h('div', { class: 'sub', text: 'Events' }), eventsTable(events)));
  const artifacts = Array.isArray(owner.artifacts) ? owner.artifacts.filter(mine) : [];
  if (artifacts.length > 0) parts.push(h('div', { class: 'artifacts' }, h('div', { class: 'sub', text: 'Artifacts' }), artifactsTable(artifacts)));
  if (part.stages && Object.prototype.hasOwnProperty.call(part.stages, name)) {
    const value = part.stages[name];
    // The tool loop above shows a text answer already; a parsed one (llm() with output) is shown too.
    if (loops === 0 || !isToolLoopOutput(value)) parts.push(h('div', { class: 'output' }, valueView(value)));
    else if (value.answer !== null && typeof value.answer !== 'string') parts.push(h('div', { class: 'output' }, h('div', { class: 'sub', text: 'Answer' }), valueView(value.answer)));
  } else if (!stage?.error) parts.push(h('p', { class: 'muted', text: 'No output.' }));
  return parts;
}

/** What an llm() stage with tools returns: { answer, outcome, rounds, toolCalls, messages }. */
function isToolLoopOutput(value) {
  return value && typeof value === 'object' && !Array.isArray(value) && 'answer' in value && typeof value.outcome === 'string' && typeof value.rounds === 'number' && Array.isArray(value.toolCalls) && Array.isArray(value.messages);
}

/** A tool loop, round by round: the model's reply, then each tool call it asked for and what came back. */
function toolLoopView(llm) {
  const calls = llm.rounds.flatMap((round) => (Array.isArray(round.toolCalls) ? round.toolCalls : []));
  const notOk = calls.filter((call) => call.status !== 'ok').length;
  const view = h('div', { class: 'tool-loop' }, h('div', { class: 'sub', text: `Tool loop: ${llm.outcome ?? 'unfinished'} after ${plural(llm.rounds.length, 'round')}, ${plural(calls.length, 'tool call')}${notOk ? ` (${notOk} not ok)` : ''}` }));
  for (const round of llm.rounds) {
    const facts = [formatDuration(round.durationMs)];
    if (round.usage) facts.push(`${formatCount(round.usage.inputTokens)} in, ${formatCount(round.usage.outputTokens)} out tokens`);
    if (round.costUsd !== undefined) facts.push(formatUsd(round.costUsd));
    if (round.cache && round.cache !== 'off') facts.push(`cache ${round.cache}`);
    if (round.finishReason) facts.push(round.finishReason);
    const box = h('div', { class: 'tl-round', 'data-round': String(round.round) }, h('div', { class: 'tl-head' }, h('strong', { text: `Round ${round.round}` }), h('span', { class: 'muted', text: ` · ${facts.join(' · ')}` })));
    if (round.error) box.append(h('div', { class: 'bad', text: round.error }));
    if (round.text) box.append(h('div', { class: 'message role-assistant' }, h('div', { class: 'role', text: 'assistant' }), textBlock(round.text, 'text')));
    if (Array.isArray(round.toolCalls) && round.toolCalls.length > 0) {
      box.append(
        plainTable('tool-calls', ['tool', 'arguments', 'status', 'result', 'duration'], round.toolCalls, (call) => [
          h('td', { class: 'mono', text: String(call.name) }),
          h('td', {}, textBlock(oneLineJson(call.arguments), 'json')),
          h('td', {}, h('span', { class: call.status === 'ok' ? 'good' : 'bad', text: call.error ? `${call.status}: ${call.error.kind}` : String(call.status) })),
          h('td', {}, call.status === 'ok' ? textBlock(oneLineJson(call.result), 'json') : textBlock(call.error?.message ?? call.reason ?? '', 'text')),
          h('td', { class: 'num', text: call.durationMs !== undefined ? formatDuration(call.durationMs) : '' }),
        ]),
      );
    }
    view.append(box);
  }
  return view;
}

/** Events of one stage: when (from the start of the case), what, and their data. */
function eventsTable(events) {
  return plainTable('events', ['at', 'type', 'data'], events, (event) => {
    const data = event.data === undefined ? '' : (JSON.stringify(event.data) ?? '');
    return [h('td', { class: 'num', text: `+${formatDuration(event.t)}` }), h('td', { class: 'mono', text: String(event.type) }), h('td', {}, data ? textBlock(data, 'json') : null)];
  });
}

/** Artifacts of one stage, with their paths relative to the runs folder. */
function artifactsTable(artifacts) {
  return plainTable('artifacts', ['name', 'type', 'size', 'path (in the runs folder)'], artifacts, (artifact) => [
    h('td', { class: 'mono', text: String(artifact.name) }),
    h('td', { text: String(artifact.mime ?? '') }),
    h('td', { class: 'num', text: `${formatCount(artifact.bytes ?? 0)} B` }),
    h('td', { class: 'mono', text: String(artifact.path) }),
  ]);
}

/** The stages of the case, or of one turn, each with its head and body. */
function stagesView(part, names, owner, turn) {
  const stages = h('div', { class: 'stages' });
  for (const name of names) stages.append(h('div', { class: 'stage' }, stageHead(name, part.stageRecords?.[name]), stageBody(part, name, owner, turn)));
  return stages;
}

/** A turn's status, verdict and facts, as one line. */
function turnHead(turn) {
  const facts = [];
  if (turn.passed !== null && turn.passed !== undefined) facts.push(turn.passed ? 'passed' : 'failed');
  if (turn.score !== null && turn.score !== undefined) facts.push(`score ${formatNumber(turn.score)}`);
  if (turn.durationMs !== undefined) facts.push(formatDuration(turn.durationMs));
  if (turn.reason) facts.push(turn.reason);
  return h('div', { class: 'turn-head' }, h('span', { class: 'turn-name', text: `Turn ${turn.index}` }), h('span', { class: `pill ${turn.status}`, text: turn.status }), h('span', { class: 'muted', text: facts.join(' · ') }));
}

function turnView(record, turn, run) {
  const view = h('div', { class: 'turn', 'data-turn': String(turn.index) }, turnHead(turn));
  if (turn.error) view.append(errorView(turn.error));
  if (turn.columns && Object.keys(turn.columns).length > 0) view.append(keyValues(turn.columns));
  if (Object.keys(turn.stageRecords ?? {}).length === 0) return view;
  const names = stageNamesOf(run, turn);
  if (turn.startMs !== undefined && turn.endMs !== undefined) view.append(stageTimeline(turn, names));
  view.append(stagesView(turn, names, record, turn.index));
  return view;
}

function caseDetail(record, run) {
  const root = h('div', { class: 'case-detail' });
  root.append(h('div', { class: 'detail-facts' }, h('span', { text: caseFacts(record, run) })));
  if (record.error) root.append(section('Error', errorView(record.error)));
  root.append(section('Case', keyValues(record.case ?? {})));
  if (record.columns && Object.keys(record.columns).length > 0) root.append(section('Columns', keyValues(record.columns)));
  if (Array.isArray(record.turns)) {
    root.append(section(`Turns (${record.turns.length})`, h('div', { class: 'turns' }, record.turns.map((turn) => turnView(record, turn, run)))));
    return root;
  }
  const names = stageNamesOf(run, record);
  root.append(section('Timing', stageTimeline(record, names)));
  root.append(section('Stages', stagesView(record, names, record, undefined)));
  return root;
}

// ---------------------------------------------------------------------------------------------
// The comparison

const PAIR_KINDS = ['regression', 'fix', 'changed', 'onlyA', 'onlyB', 'unchanged'];
const PAIR_LABELS = { regression: 'Regressions', fix: 'Fixes', changed: 'Other changes', onlyA: 'Only in A', onlyB: 'Only in B', unchanged: 'Unchanged' };
const PAIR_BADGES = { regression: 'REGRESSION', fix: 'FIX', changed: 'CHANGED', onlyA: 'ONLY A', onlyB: 'ONLY B', unchanged: 'SAME' };

function createCompareView(page) {
  const [B, A] = page.runs;
  const comparison = page.comparison;
  const s = comparison.summary;
  const pairs = comparison.pairs;
  const el = h('div', { class: 'compare-view' });

  const banner = h('div', { class: `verdict verdict-${s.verdict.kind}`, role: 'status' }, h('strong', { text: s.verdict.text }));
  const who = h(
    'p',
    { class: 'muted who' },
    'A (baseline): ',
    h('span', { class: 'mono', text: s.a.runId }),
    ` · ${s.a.pipeline} · ${formatLocalTime(s.a.startedAt)} — B: `,
    h('span', { class: 'mono', text: s.b.runId }),
    ` · ${s.b.pipeline} · ${formatLocalTime(s.b.startedAt)}`,
  );
  const stat = (label, a, b, delta, extra, cls) =>
    h('div', { class: `stat ${cls ?? ''}` }, h('div', { class: 'stat-label', text: label }), h('div', { class: 'stat-value' }, h('span', { class: 'muted', text: a }), ' → ', h('span', { text: b })), h('div', { class: 'stat-detail', text: [delta, extra].filter(Boolean).join(' · ') }));
  const cards = [];
  // The change of a metric is colored only when its test says so: anything else is within noise.
  const tone = (m) => (m && m.significant === 'worse' ? 'bad' : m && m.significant === 'better' ? 'good' : '');
  const stats = s.stats;
  if (s.passRate.delta !== null) {
    cards.push(stat('Pass rate', formatRate(s.passRate.a), formatRate(s.passRate.b), formatPoints(s.passRate.delta), interval(s.passRate.ci, 'rate'), tone(stats && stats.pass)));
  }
  if (s.score.pairs > 0) cards.push(stat('Mean score', formatNumber(s.score.a), formatNumber(s.score.b), formatSigned(s.score.delta), interval(s.score.ci, 'plain'), tone(stats && stats.score)));
  const primary = stats && stats.primary ? stats[stats.primary] : null;
  const pDetail = primary ? `one-sided ${formatPValue(Math.min(primary.pWorse, primary.pBetter))}` : '';
  cards.push(h('div', { class: 'stat' }, h('div', { class: 'stat-label', text: 'Regressions / fixes' }), h('div', { class: 'stat-value' }, h('span', { class: 'bad', text: formatCount(s.regressionCount) }), ' / ', h('span', { class: 'good', text: formatCount(s.fixCount) })), h('div', { class: 'stat-detail', text: pDetail })));
  cards.push(stat('Cases', formatCount(s.a.counts.complete + s.a.counts.error + s.a.counts.cancelled), formatCount(s.b.counts.complete + s.b.counts.error + s.b.counts.cancelled), `${formatCount(s.common)} in both`, `${formatCount(s.onlyACount)} only in A, ${formatCount(s.onlyBCount)} only in B`));
  if (s.costUsd.a !== null || s.costUsd.b !== null) cards.push(stat('Cost (common cases)', formatUsd(s.costUsd.a), formatUsd(s.costUsd.b), s.costUsd.delta === null ? '' : formatSigned(s.costUsd.delta, formatUsd)));
  if (s.inputTokens.a !== null || s.inputTokens.b !== null) cards.push(stat('Tokens in / out', `${formatCount(s.inputTokens.a)} / ${formatCount(s.outputTokens.a)}`, `${formatCount(s.inputTokens.b)} / ${formatCount(s.outputTokens.b)}`, s.inputTokens.delta === null ? '' : `${formatSigned(s.inputTokens.delta, formatCount)} in`));
  if (s.latency.mean.a !== null) cards.push(stat('Latency (mean)', formatDuration(s.latency.mean.a), formatDuration(s.latency.mean.b), `p50 ${formatDuration(s.latency.p50.a)} → ${formatDuration(s.latency.p50.b)}`, `p95 ${formatDuration(s.latency.p95.a)} → ${formatDuration(s.latency.p95.b)}`));

  const warnings = s.warnings.length ? h('ul', { class: 'warnings' }, s.warnings.map((w) => h('li', { text: w }))) : null;

  // Outcome transitions, A in rows, B in columns.
  const outcomes = ['passed', 'failed', 'error'];
  const matrix = h('table', { class: 'plain matrix' }, h('thead', {}, h('tr', {}, h('th', { text: 'A ↓ · B →' }), outcomes.map((o) => h('th', { text: o })))));
  const mbody = h('tbody');
  for (const from of outcomes) {
    mbody.append(
      h(
        'tr',
        {},
        h('th', { text: from }),
        outcomes.map((to) => {
          const t = s.transitions.find((x) => x.from === from && x.to === to);
          const cls = from === 'passed' && to !== 'passed' ? 'bad' : from !== 'passed' && to === 'passed' ? 'good' : '';
          return h('td', { class: `r ${t && t.count ? cls : 'muted'}`, text: formatCount(t ? t.count : 0) });
        }),
      ),
    );
  }
  matrix.append(mbody);

  const config = h('div', {}, h('h3', { text: 'Config differences' }));
  if (s.configDiff.length === 0) config.append(h('p', { class: 'muted', text: 'The two runs used the same config.' }));
  else {
    const table = h('table', { class: 'plain' }, h('thead', {}, h('tr', {}, h('th', { text: 'path' }), h('th', { text: 'A' }), h('th', { text: 'B' }))));
    const tbody = h('tbody');
    for (const d of s.configDiff) {
      tbody.append(h('tr', {}, h('td', { class: 'mono', text: d.path }), h('td', { class: 'mono', text: 'a' in d ? oneLineJson(d.a) : '(absent)' }), h('td', { class: 'mono', text: 'b' in d ? oneLineJson(d.b) : '(absent)' })));
    }
    table.append(tbody);
    config.append(table);
  }

  let keywordTable = null;
  if (s.keywords.length > 0) {
    const rows = [...s.keywords].sort((x, y) => x.passRateB - x.passRateA - (y.passRateB - y.passRateA) || (x.keyword < y.keyword ? -1 : 1));
    keywordTable = h('details', { class: 'keywords', open: rows.length <= 8 }, h('summary', {}, h('h3', { class: 'inline', text: `Pass rate by keyword (${plural(rows.length, 'keyword')}, largest drop first)` })));
    const table = h('table', { class: 'plain' }, h('thead', {}, h('tr', {}, ['keyword', 'cases', 'A', 'B', 'change', 'regressions', 'fixes', 'p (Holm)', ''].map((t) => h('th', { text: t })))));
    const tbody = h('tbody');
    for (const k of rows.slice(0, 40)) {
      const change = k.passRateB - k.passRateA;
      tbody.append(
        h(
          'tr',
          {},
          h('td', { class: 'mono', text: k.keyword }),
          h('td', { class: 'r', text: formatCount(k.cases) }),
          h('td', { class: 'r', text: formatRate(k.passRateA) }),
          h('td', { class: 'r', text: formatRate(k.passRateB) }),
          h('td', { class: `r ${k.significant === 'worse' ? 'bad' : k.significant === 'better' ? 'good' : 'muted'}`, text: formatPoints(change) }),
          h('td', { class: 'r', text: formatCount(k.regressions) }),
          h('td', { class: 'r', text: formatCount(k.fixes) }),
          h('td', { class: 'r', text: k.pAdjusted === null ? '—' : formatPValue(k.pAdjusted).replace(/^p = /, '').replace(/^p < /, '< ') }),
          h('td', { class: k.significant === 'worse' ? 'bad' : k.significant === 'better' ? 'good' : 'muted', text: k.significant ?? 'noise' }),
        ),
      );
    }
    table.append(tbody);
    keywordTable.append(table);
    if (rows.length > 40) keywordTable.append(h('p', { class: 'muted', text: `${rows.length - 40} more keywords not shown.` }));
    keywordTable.append(h('p', { class: 'muted', text: formats.keywordNote(s) }));
  }
  const statistics = stats ? h('div', { class: 'statistics' }, h('h3', { text: 'Statistics' }), h('ul', {}, formats.statisticsLines(s).map((line) => h('li', { text: line })))) : null;

  const list = createPairTable(page);
  el.append(
    banner,
    who,
    warnings,
    h('section', { class: 'stat-grid' }, cards),
    h('h2', { class: 'section-title', text: 'Cases' }),
    list.el,
    h('div', { class: 'compare-grid' }, h('div', {}, h('h3', { text: 'Outcomes, A to B' }), matrix), config),
    statistics,
    keywordTable,
  );

  let openPair = null;
  return {
    el,
    shown: () => list.redraw(),
    route(params) {
      const k = params.has('pair') ? Number(params.get('pair')) : null;
      if (k === null || Number.isNaN(k) || k < 0 || k >= pairs.kind.length) {
        openPair = null;
        panel.hide();
        list.redraw();
        return;
      }
      if (k === openPair && panel.isOpen()) return;
      openPair = k;
      list.select(k);
      openPairDetail(page, k, list);
    },
    refresh() {},
  };

  function openPairDetail(page, k, table) {
    const a = pairs.a[k];
    const b = pairs.b[k];
    const kind = PAIR_KINDS[pairs.kind[k]];
    const id = b >= 0 ? B.rows.id[b] : A.rows.id[a];
    const recordA = a >= 0 ? A.details(A.rows.line[a]) : Promise.resolve(null);
    const recordB = b >= 0 ? B.details(B.rows.line[b]) : Promise.resolve(null);
    const prev = table.neighbour(k, -1);
    const next = table.neighbour(k, 1);
    const nav = (target, label) => h('button', { type: 'button', class: 'small', disabled: target === null, text: label, onclick: () => setHash({ pair: target }) });
    panel.show({
      heading: h('span', {}, h('span', { class: `badge kind-${kind}`, text: PAIR_BADGES[kind] }), ' ', h('span', { class: 'mono', text: id })),
      actions: [nav(prev, '‹ Previous'), nav(next, 'Next ›')],
      wide: true,
      content: Promise.all([recordA, recordB]).then(([ra, rb]) => sideBySide(ra, rb, A.run, B.run)),
      closeWith: () => setHash({ pair: null }),
    });
  }
}

function createPairTable(page) {
  const [B, A] = page.runs;
  const { pairs } = page.comparison;
  const n = pairs.kind.length;
  const counts = PAIR_KINDS.map((_, k) => pairs.kind.filter((x) => x === k).length);
  let kindFilter = -1;
  let query = '';
  let visible = [];
  let selected = null;
  let renderedRange = null;
  const hasScore = A.run.header.pipeline.hasScore || B.run.header.pipeline.hasScore;
  const names = B.run.header.pipeline.columns;

  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Which cases' });
  const chip = (k, label, count) => h('button', { type: 'button', class: `chip ${k >= 0 ? `kind-${PAIR_KINDS[k]}` : ''}`, 'aria-pressed': String(k === kindFilter), disabled: count === 0 && k >= 0, dataset: { kind: k >= 0 ? PAIR_KINDS[k] : 'all' }, text: `${label} ${formatCount(count)}`, onclick: () => { kindFilter = k; apply(); } });
  const search = h('input', { type: 'search', class: 'text-filter', placeholder: 'search ids and columns', 'aria-label': 'Search', spellcheck: 'false' });
  let typing = null;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 150);
  });
  const countEl = h('span', { class: 'count' });
  const columns = [
    { label: '', width: '110px', min: 110, cell: (k) => h('span', { class: `badge kind-${PAIR_KINDS[pairs.kind[k]]}`, text: PAIR_BADGES[PAIR_KINDS[pairs.kind[k]]] }) },
    { label: '#', width: '56px', min: 56, align: 'right', cell: (k) => String(pairs.b[k] >= 0 ? B.rows.index[pairs.b[k]] : A.rows.index[pairs.a[k]]) },
    { label: 'id', width: 'minmax(110px, 1fr)', min: 110, cls: 'mono', cell: (k) => idOf(k) },
    { label: 'A → B', width: '230px', min: 230, cell: (k) => h('span', {}, pairs.a[k] >= 0 ? badge(verdictOfRow(A.rows, pairs.a[k])) : h('span', { class: 'muted', text: '—' }), ' → ', pairs.b[k] >= 0 ? badge(verdictOfRow(B.rows, pairs.b[k])) : h('span', { class: 'muted', text: '—' })) },
  ];
  if (hasScore) columns.push({ label: 'score A → B', width: '120px', min: 120, align: 'right', cell: (k) => `${pairs.a[k] >= 0 ? cellText(A.rows.score[pairs.a[k]]) || '—' : '—'} → ${pairs.b[k] >= 0 ? cellText(B.rows.score[pairs.b[k]]) || '—' : '—'}` });
  columns.push({ label: 'duration A → B', width: '160px', min: 160, align: 'right', cell: (k) => `${pairs.a[k] >= 0 ? formatDuration(A.rows.durationMs[pairs.a[k]]) : '—'} → ${pairs.b[k] >= 0 ? formatDuration(B.rows.durationMs[pairs.b[k]]) : '—'}` });
  for (const name of names.slice(0, 4)) columns.push({ label: name, width: 'minmax(80px, 1fr)', min: 80, cell: (k) => cellText(valueOf(name, k)) });
  const idOf = (k) => (pairs.b[k] >= 0 ? B.rows.id[pairs.b[k]] : A.rows.id[pairs.a[k]]);
  const valueOf = (name, k) => (pairs.b[k] >= 0 ? B.rows.columns[name]?.[pairs.b[k]] : A.rows.columns[name]?.[pairs.a[k]]);

  const head = h('div', { class: 'thead', role: 'row' }, columns.map((c) => h('div', { class: `th ${c.align === 'right' ? 'r' : ''}`, role: 'columnheader', text: c.label })));
  const rowsEl = h('div', { class: 'rows' });
  const body = h('div', { class: 'tbody', role: 'rowgroup' }, rowsEl);
  const viewport = h('div', { class: 'viewport', role: 'grid', 'aria-label': 'Compared cases' }, head, body);
  const empty = h('p', { class: 'empty table-empty', hidden: true, text: 'No case matches.' });
  const el = h('div', { class: 'case-table pair-table' }, h('div', { class: 'filters' }, chips, search, countEl), viewport, empty);
  el.style.setProperty('--cols', columns.map((c) => c.width).join(' '));
  el.style.setProperty('--min-width', `${columns.reduce((sum, c) => sum + c.min, 0) + 16}px`);
  viewport.addEventListener('scroll', () => requestAnimationFrame(renderRows), { passive: true });
  rowsEl.addEventListener('click', (event) => {
    const row = event.target.closest('.row');
    if (row) setHash({ pair: Number(row.dataset.pair) });
  });

  function apply() {
    query = search.value.trim().toLowerCase();
    chips.replaceChildren(chip(-1, 'All', n), ...PAIR_KINDS.map((kind, k) => chip(k, PAIR_LABELS[kind], counts[k])));
    const hayB = query ? haystack(B) : null;
    const hayA = query ? haystack(A) : null;
    visible = [];
    for (let k = 0; k < n; k++) {
      if (kindFilter >= 0 && pairs.kind[k] !== kindFilter) continue;
      if (query && !((pairs.b[k] >= 0 && hayB[pairs.b[k]].includes(query)) || (pairs.a[k] >= 0 && hayA[pairs.a[k]].includes(query)))) continue;
      visible.push(k);
    }
    countEl.textContent = visible.length === n ? plural(n, 'case') : `${formatCount(visible.length)} of ${plural(n, 'case')}`;
    empty.hidden = visible.length > 0;
    viewport.scrollTop = 0;
    renderedRange = null;
    renderRows();
  }

  function renderRows() {
    const top = viewport.scrollTop;
    const height = viewport.clientHeight || 600;
    body.style.height = `${visible.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(visible.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    if (renderedRange && renderedRange[0] === first && renderedRange[1] === last) return;
    renderedRange = [first, last];
    const fragment = document.createDocumentFragment();
    for (let p = first; p < last; p++) {
      const k = visible[p];
      const row = h('div', { class: `row${k === selected ? ' selected' : ''}`, role: 'row', dataset: { pair: k }, style: { transform: `translateY(${p * ROW_HEIGHT}px)` } });
      for (const column of columns) row.append(h('div', { class: `td ${column.align === 'right' ? 'r' : ''} ${column.cls ?? ''}`, role: 'gridcell' }, column.cell(k)));
      fragment.append(row);
    }
    rowsEl.replaceChildren(fragment);
  }

  apply();
  return {
    el,
    redraw() {
      renderedRange = null;
      renderRows();
    },
    select(k) {
      selected = k;
      const p = visible.indexOf(k);
      if (p >= 0) {
        const y = p * ROW_HEIGHT;
        if (y < viewport.scrollTop || y > viewport.scrollTop + viewport.clientHeight - 2 * ROW_HEIGHT) viewport.scrollTop = Math.max(0, y - 3 * ROW_HEIGHT);
      }
      renderedRange = null;
      renderRows();
    },
    neighbour(k, delta) {
      const p = visible.indexOf(k);
      if (p < 0) return null;
      return visible[p + delta] ?? null;
    },
  };
}

function same(x, y) {
  return JSON.stringify(x) === JSON.stringify(y);
}

/** Two records of one case, A left and B right: facts, errors, case fields, then each stage. */
function sideBySide(recordA, recordB, runA, runB) {
  const root = h('div', { class: 'side-by-side' });
  const cell = (record, run, render) => h('div', { class: 'side' }, record ? render(record, run) : h('p', { class: 'muted', text: 'Not in this run.' }));
  const row = (title, left, right, differs) => h('div', { class: `sbs-row${differs ? ' differs' : ''}` }, h('div', { class: 'sbs-title' }, h('span', { text: title }), differs === undefined ? null : h('span', { class: differs ? 'pill differs' : 'pill same', text: differs ? 'differs' : 'same' })), h('div', { class: 'sbs-cells' }, left, right));
  root.append(
    h('div', { class: 'sbs-cells sbs-head' }, h('div', { class: 'side' }, h('strong', { text: 'A (baseline) ' }), h('span', { class: 'mono muted', text: runA.header.runId })), h('div', { class: 'side' }, h('strong', { text: 'B ' }), h('span', { class: 'mono muted', text: runB.header.runId }))),
  );
  const facts = (record, run) => h('div', { class: 'detail-facts' }, badge(verdictOfRecord(record)), h('span', { text: caseFacts(record, run) }));
  root.append(row('Outcome', cell(recordA, runA, facts), cell(recordB, runB, facts)));
  if (recordA?.error || recordB?.error) {
    const errors = (record) => (record.error ? errorView(record.error) : h('p', { class: 'muted', text: 'No error.' }));
    root.append(row('Error', cell(recordA, runA, errors), cell(recordB, runB, errors), !same(recordA?.error?.message, recordB?.error?.message)));
  }
  const caseA = recordA?.case;
  const caseB = recordB?.case;
  if (recordA && recordB && same(caseA, caseB)) root.append(h('div', { class: 'sbs-row' }, h('div', { class: 'sbs-title' }, h('span', { text: 'Case' }), h('span', { class: 'pill same', text: 'same' })), keyValues(caseA ?? {})));
  else root.append(row('Case', cell(recordA, runA, (r) => keyValues(r.case ?? {})), cell(recordB, runB, (r) => keyValues(r.case ?? {})), Boolean(recordA && recordB)));
  // A multi-turn case compares turn by turn; a single-turn one is one part without a turn.
  const partsOf = (record) => (!record ? [] : Array.isArray(record.turns) ? record.turns : [record]);
  const multi = Array.isArray(recordA?.turns) || Array.isArray(recordB?.turns);
  const partsA = partsOf(recordA);
  const partsB = partsOf(recordB);
  for (let k = 0; k < Math.max(partsA.length, partsB.length, 1); k++) {
    const partA = partsA[k];
    const partB = partsB[k];
    const turnIndex = multi ? (partB ?? partA)?.index ?? k : undefined;
    const missing = multi && recordA && recordB ? 'No such turn in this run.' : 'Not in this run.';
    const partCell = (part, record, render) => h('div', { class: 'side' }, part && record ? render(part, record) : h('p', { class: 'muted', text: missing }));
    if (multi) {
      const head = (part) => h('div', {}, turnHead(part), part.error ? errorView(part.error) : null);
      const differs = partA && partB ? partA.status !== partB.status || partA.passed !== partB.passed || partA.score !== partB.score : undefined;
      root.append(row(`Turn ${turnIndex}`, partCell(partA, recordA, head), partCell(partB, recordB, head), differs));
    }
    const names = stageNamesOf(runB, partA, partB);
    for (const name of names) {
      if (multi && !partA?.stageRecords?.[name] && !partB?.stageRecords?.[name]) continue;
      const stage = (part, record) => h('div', { class: 'stage' }, stageHead(name, part.stageRecords?.[name]), stageBody(part, name, record, turnIndex));
      const differs = partA && partB ? !same(partA.stages?.[name], partB.stages?.[name]) || partA.stageRecords?.[name]?.status !== partB.stageRecords?.[name]?.status : undefined;
      root.append(row(`${multi ? `Turn ${turnIndex} · ` : ''}Stage ${name}`, partCell(partA, recordA, stage), partCell(partB, recordB, stage), differs));
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------
// The run history (tagliots view)

async function renderHistory() {
  const frame = renderFrame({ title: 'Runs', subtitle: BOOT.runsDir ?? '' });
  document.title = 'Runs · tagliots';
  const selected = new Set();
  const compare = h('button', { type: 'button', class: 'primary', disabled: true, text: 'Compare selected', onclick: () => go() });
  const hint = h('span', { class: 'muted', text: 'Select two runs to compare them (the older one is the baseline).' });
  const tableWrap = h('div', { class: 'history' });
  const status = h('p', { class: 'muted' });
  frame.main.append(h('div', { class: 'filters' }, compare, hint), tableWrap, status);
  let runs = [];

  function go() {
    const [a, b] = [...selected].map((id) => runs.find((r) => r.runId === id)).sort((x, y) => (x.runId < y.runId ? -1 : 1));
    location.href = `/compare/${encodeURIComponent(a.runId)}/${encodeURIComponent(b.runId)}`;
  }

  function draw() {
    const table = h('table', { class: 'plain runs' }, h('thead', {}, h('tr', {}, ['', 'started', 'run', 'pipeline', 'suite', 'status', 'cases', 'passed', 'errors', 'pass rate', 'cost'].map((t) => h('th', { text: t })))));
    const tbody = h('tbody');
    for (const run of runs) {
      const box = h('input', { type: 'checkbox', 'aria-label': `Select ${run.runId}`, checked: selected.has(run.runId) });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(run.runId);
        else selected.delete(run.runId);
        compare.disabled = selected.size !== 2;
      });
      const statusText = run.status === 'incomplete' ? 'running or incomplete' : run.status;
      tbody.append(
        h(
          'tr',
          { class: `run-row status-${run.status}` },
          h('td', {}, box),
          h('td', { text: run.startedAt ? formatLocalTime(run.startedAt) : '—' }),
          h('td', {}, h('a', { class: 'mono run-link', href: `/runs/${encodeURIComponent(run.runId)}`, text: shortId(run.runId) })),
          h('td', { text: run.pipeline ?? '—' }),
          h('td', { class: 'mono', text: run.suite ?? '—' }),
          h('td', {}, h('span', { class: `pill ${run.status}`, text: statusText })),
          h('td', { class: 'r', text: run.done === null ? formatCount(run.cases) : `${formatCount(run.done)} / ${formatCount(run.cases)}` }),
          h('td', { class: 'r', text: formatCount(run.passed) }),
          h('td', { class: 'r', text: formatCount(run.errors) }),
          // One decimal, as in the terminal's history table.
          h('td', { class: 'r', text: formatRate(run.passRate, 1) }),
          h('td', { class: 'r', text: run.costUsd === null ? '—' : formatUsd(run.costUsd) }),
        ),
      );
    }
    table.append(tbody);
    tableWrap.replaceChildren(runs.length ? table : h('p', { class: 'empty', text: `No run logs in ${BOOT.runsDir ?? 'the runs folder'} yet.` }));
    compare.disabled = selected.size !== 2;
  }

  async function load() {
    try {
      const data = await getJson('/api/runs');
      runs = data.runs;
      for (const id of [...selected]) if (!runs.some((r) => r.runId === id)) selected.delete(id);
      status.textContent = '';
      draw();
    } catch (error) {
      status.textContent = `Could not list the runs: ${error.message}`;
    }
    setTimeout(load, BOOT.historyPollMs ?? 5000);
  }
  await load();
}

// ---------------------------------------------------------------------------------------------
// Start

function fatal(error) {
  app.replaceChildren(h('div', { class: 'fatal' }, h('h1', { text: 'This report could not be shown' }), h('p', { text: String(error && error.message ? error.message : error) })));
}

async function startLive(runId, model, report) {
  const view = report.views.get('run');
  const banner = h('div', { class: 'live-banner', role: 'status' });
  view.el.prepend(banner);
  const describe = () => {
    banner.textContent = model.run.end ? `The run ended (${model.run.end.status}).` : `Running: ${formatCount(model.n)} of ${formatCount(model.run.header.suite.count * (model.run.header.repeat ?? 1))} cases finished. This page updates as cases finish.`;
    banner.classList.toggle('done', Boolean(model.run.end));
  };
  describe();
  let failures = 0;
  while (!model.run.end) {
    await new Promise((resolve) => setTimeout(resolve, BOOT.pollMs ?? 1000));
    try {
      const data = await getJson(`/api/runs/${encodeURIComponent(runId)}?from=${model.n}`);
      failures = 0;
      const grew = data.rows.id.length > 0;
      if (grew) appendRows(model, data.rows);
      const ended = Boolean(data.run.end) !== Boolean(model.run.end);
      model.run = data.run;
      if (grew || ended) view.refresh();
      describe();
    } catch (error) {
      failures++;
      banner.textContent = `Lost contact with tagliots view (${error.message}); retrying…`;
      if (failures > 30) return;
    }
  }
}

async function start() {
  performance.mark('tg:start');
  if (BOOT.mode === 'static') {
    const data = JSON.parse(await gunzipBase64(document.getElementById('tg-data').textContent));
    performance.mark('tg:data');
    const runs = data.runs.map((run, k) => createRunModel(run, embeddedDetails(k, run.blockStarts), k === 0 ? 'run' : 'baseline'));
    renderReport({ runs, comparison: data.comparison ?? null });
  } else if (BOOT.page === 'history') {
    await renderHistory();
  } else if (BOOT.page === 'run') {
    const data = await getJson(`/api/runs/${encodeURIComponent(BOOT.runId)}`);
    performance.mark('tg:data');
    const model = createRunModel(data, serverDetails(BOOT.runId), 'run');
    const report = renderReport({ runs: [model], comparison: null, live: !data.run.end });
    if (!data.run.end) startLive(BOOT.runId, model, report);
  } else if (BOOT.page === 'compare') {
    const data = await getJson(`/api/compare/${encodeURIComponent(BOOT.a)}/${encodeURIComponent(BOOT.b)}`);
    performance.mark('tg:data');
    const runs = [createRunModel(data.runs[0], serverDetails(BOOT.b), 'run'), createRunModel(data.runs[1], serverDetails(BOOT.a), 'baseline')];
    renderReport({ runs, comparison: data.comparison, defaultTab: 'compare' });
  } else {
    throw new Error('unknown page');
  }
  requestAnimationFrame(() => {
    performance.mark('tg:first-render');
    document.documentElement.dataset.ready = 'true';
  });
}

start().catch(fatal);
