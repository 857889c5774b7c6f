/**
 * One run: its header (facts and config), totals, charts and case table, and the case the address
 * names (`#case=<id>`, with `&repeat=<n>` for a later repeat) open in the detail panel.
 */
import type { ReportRun } from '../../../../analysis/report-data.ts';
import { formatCompact, formatCount, formatDuration, formatLocalTime, formatNumber, formatPercent, formatUsd } from '../../../../util/units.ts';
import { BOOT } from '../boot.ts';
import { h, oneLineJson, plural, type Child } from '../dom.ts';
import { panel, setHash } from '../frame.ts';
import { badge, caseKey, derived, totalsOf, verdictOfRow, type RunModel } from '../model.ts';
import { caseDetail } from './case-detail.ts';
import { createCaseTable, type CaseTable } from './case-table.ts';
import { runCharts } from './run-charts.ts';

/** A tab's view: shown, routed from the address, refreshed as a live run grows. */
export interface View {
  readonly el: HTMLElement;
  shown(): void;
  route(params: URLSearchParams): void;
  refresh(): void;
}

export interface RunView extends View {
  readonly table: CaseTable;
}

/** How long the charts wait for the filters to settle before they are drawn again. */
const CHARTS_DELAY_MS = 120;

/** The address parameters that name row `i`: its case id, and its repeat when not the first. */
export function caseParams(model: RunModel, i: number | null): { case: string | null; repeat: number | null } {
  if (i === null) return { case: null, repeat: null };
  const repeat = model.rows.repeat[i] ?? 0;
  return { case: model.rows.id[i] ?? null, repeat: repeat === 0 ? null : repeat };
}

export function createRunView(model: RunModel, options: { readonly tab: string; readonly live: boolean }): RunView {
  const el = h('div', { class: 'run-view', dataset: { tab: options.tab } });
  const headerEl = h('section', { class: 'run-header' });
  const totalsEl = h('section', { class: 'totals', 'aria-label': 'Totals' });
  const chartsEl = h('section', { class: 'charts', 'aria-label': 'Charts' });
  const chartsNote = h('span', { class: 'muted' });
  let chartsTimer: ReturnType<typeof setTimeout> | undefined;
  /** The row whose case is open, and the address that opened it. */
  let open: { readonly i: number | null; readonly key: string } | null = null;

  const table = createCaseTable(model, {
    onOpen: (i) => setHash(caseParams(model, i)),
    onChange: () => {
      renderTotals();
      clearTimeout(chartsTimer);
      chartsTimer = setTimeout(renderCharts, CHARTS_DELAY_MS);
    },
    isOpen: (i) => open !== null && open.i === i,
  });

  el.append(headerEl, totalsEl, h('h2', { class: 'section-title' }, 'Charts ', chartsNote), chartsEl, h('h2', { class: 'section-title', text: 'Cases' }), table.el);

  function renderHeader() {
    headerEl.replaceChildren(runHeader(model.run, options.live));
  }

  function renderTotals() {
    totalsEl.replaceChildren(totalsCards(model, table.isFiltered() ? table.filtered() : null));
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
      const id = params.get('case');
      if (id === null) {
        open = null;
        panel.hide();
        table.redraw();
        return;
      }
      const repeat = Number(params.get('repeat') ?? 0) || 0;
      const key = caseKey(id, repeat);
      if (open !== null && open.key === key && panel.isOpen()) return;
      const i = derived(model).byKey.get(key) ?? null;
      open = { i, key };
      if (i === null) {
        panel.show({ heading: h('span', { class: 'mono', text: id }), actions: [], content: Promise.reject(new Error(`no case ${id}${repeat ? ` (repeat ${repeat})` : ''} in this run`)), closeWith: () => setHash({ case: null, repeat: null }) });
        table.redraw();
        return;
      }
      table.reveal(i);
      openCase(model, i, table);
    },
    refresh() {
      renderHeader();
      table.refresh();
    },
  };
}

function openCase(model: RunModel, i: number, table: CaseTable): void {
  const nav = (target: number | null, label: string, key: string) =>
    h('button', { type: 'button', class: 'small', disabled: target === null, title: `${label} (${key})`, text: label, onclick: () => setHash(caseParams(model, target)) });
  const line = model.rows.line[i] ?? 0;
  panel.show({
    heading: [badge(verdictOfRow(model.rows, i)), ' ', h('span', { class: 'mono', text: model.rows.id[i] })],
    actions: [nav(table.neighbour(i, -1), '‹ Previous', 'k'), nav(table.neighbour(i, 1), 'Next ›', 'j')],
    content: model.details(line).then((record) => caseDetail(record, model.run)),
    closeWith: () => setHash({ case: null, repeat: null }),
  });
}

function fact(label: string, ...value: Child[]): HTMLElement[] {
  return [h('dt', { text: label }), h('dd', {}, ...value)];
}

function runStatusText(run: ReportRun, live: boolean): string {
  const end = run.end;
  if (end) return `${end.status}, ${formatDuration(end.durationMs)}`;
  if (live) return 'running (updates live)';
  return 'incomplete: no run.end record (crashed, killed or still running)';
}

/** A list of warnings, or nothing when there are none. */
export function warningList(warnings: readonly string[]): HTMLElement | null {
  return warnings.length > 0 ? h('ul', { class: 'warnings' }, warnings.map((w) => h('li', { text: w }))) : null;
}

function runHeader(run: ReportRun, live: boolean): HTMLElement {
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
    const changes = git.changes && git.changes.length > 0 ? h('details', { class: 'inline' }, h('summary', { text: plural(git.changes.length, 'change') }), h('pre', { class: 'value', text: git.changes.join('\n') })) : null;
    facts.append(...fact('Git', h('span', { class: 'mono', text: git.sha ? git.sha.slice(0, 12) : '(no commits)' }), git.branch ? ` on ${git.branch}` : '', git.dirty ? h('span', { class: 'warn', text: ' (uncommitted changes)' }) : '', changes));
  }
  if (run.models.length > 0) {
    facts.append(...fact('Models', ...run.models.flatMap((m, k) => [k > 0 ? ', ' : '', h('span', { class: 'mono', text: m.name }), h('span', { class: 'muted', text: ` (${m.detail ? `${m.detail}, ` : ''}${m.source})` })])));
  }
  facts.append(...fact('Concurrency', String(header.concurrency)));
  if (header.parentRunId) {
    // Served by `tagliots view`, the parent run is a page of its own.
    const parent = BOOT.mode === 'server' ? h('a', { class: 'mono', href: `/runs/${encodeURIComponent(header.parentRunId)}`, text: header.parentRunId }) : h('span', { class: 'mono', text: header.parentRunId });
    facts.append(...fact(header.mode === 'resume' ? 'Resumes' : 'Re-runs', parent));
  }
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
  return h(
    'div',
    { class: 'header-grid' },
    h('div', {}, h('h1', { class: 'run-title' }, h('span', { text: header.pipeline.name }), h('span', { class: 'muted', text: header.pipeline.description ? ` · ${header.pipeline.description}` : '' })), facts, warningList(run.warnings)),
    deltas,
  );
}

function totalsCards(model: RunModel, subset: readonly number[] | null): HTMLElement {
  const header = model.run.header;
  const t = totalsOf(model, subset);
  const total = subset ? t.cases : Math.max(t.cases, model.run.end?.counts?.total ?? header.suite.count * (header.repeat ?? 1));
  const notRun = subset ? 0 : Math.max(0, total - t.cases);
  const card = (label: string, value: string, detail: string | null, cls = '') => h('div', { class: `stat ${cls}` }, h('div', { class: 'stat-label', text: label }), h('div', { class: 'stat-value', text: value }), detail ? h('div', { class: 'stat-detail', text: detail }) : null);
  const cards = [card(subset ? 'Cases (filtered)' : 'Cases', formatCount(t.cases), subset ? `of ${formatCount(model.n)}` : notRun > 0 ? `of ${formatCount(total)}; ${formatCount(notRun)} not run` : null)];
  if (header.pipeline.hasPassed) {
    cards.push(card('Passed', formatCount(t.passed), formatPercent(t.passed, total), 'good'));
    cards.push(card('Failed', formatCount(t.failed), formatPercent(t.failed, total), t.failed > 0 ? 'bad' : ''));
  } else {
    cards.push(card('Complete', formatCount(t.completed), formatPercent(t.completed, total)));
  }
  cards.push(card('Errors', formatCount(t.error), formatPercent(t.error, total), t.error > 0 ? 'bad' : ''));
  if (t.cancelled > 0) cards.push(card('Cancelled', formatCount(t.cancelled), formatPercent(t.cancelled, total), 'warn'));
  if (header.pipeline.hasScore) cards.push(card('Mean score', t.scored ? formatNumber(t.scoreSum / t.scored) : '—', t.scored ? `over ${plural(t.scored, 'score')}` : null));
  if (t.tokened > 0) cards.push(card('Tokens', `${formatCompact(t.tokensIn)} in`, `${formatCount(t.tokensIn)} in, ${formatCount(t.tokensOut)} out`));
  if (t.costed > 0) cards.push(card('Cost', formatUsd(t.cost), t.cases ? `${formatUsd(t.cost / t.costed)} a case` : null));
  cards.push(card('Mean duration', t.cases ? formatDuration(t.duration / t.cases) : '—', model.run.end && !subset ? `run ${formatDuration(model.run.end.durationMs)}` : null));
  return h('div', { class: 'stat-grid' }, cards);
}
