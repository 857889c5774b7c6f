/**
 * The case table of a run: filters by status, keyword expression (the `--filter` grammar, parsed by
 * the same code as the CLI) and text; sorts by any column; renders only the rows in view. Rows are
 * named by their position in the run's rows.
 */
import { FilterSyntaxError, parseFilter, type KeywordPredicate } from '../../../../suite/filter.ts';
import { formatCount, formatDuration, formatUsd } from '../../../../util/units.ts';
import { h, plural, type Child } from '../dom.ts';
import { badge, derived, haystack, verdictOfRow, type RunModel, type Verdict } from '../model.ts';

export const ROW_HEIGHT = 30;
/** Rows rendered above and below the ones in view. */
export const OVERSCAN = 10;

type StatusFilter = 'all' | 'attention' | Verdict;

const STATUS_FILTERS: readonly (readonly [StatusFilter, string])[] = [
  ['all', 'All cases'],
  ['attention', 'Needs attention (failed, errored, cancelled)'],
  ['passed', 'Passed'],
  ['failed', 'Failed'],
  ['error', 'Errored'],
  ['cancelled', 'Cancelled'],
  ['complete', 'Complete (no verdict)'],
];

const STATUS_MATCH: Readonly<Record<StatusFilter, (v: Verdict) => boolean>> = {
  all: () => true,
  attention: (v) => v === 'failed' || v === 'error' || v === 'cancelled',
  passed: (v) => v === 'passed',
  failed: (v) => v === 'failed',
  error: (v) => v === 'error',
  cancelled: (v) => v === 'cancelled',
  complete: (v) => v === 'complete',
};

/** A table cell: numbers as they are (up to 6 significant digits), without thousands separators. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return String(value);
}

type SortValue = string | number | null;

interface Column {
  readonly key: string;
  readonly label: string;
  /** A CSS grid track. */
  readonly width: string;
  /** Its least width in pixels. */
  readonly min: number;
  readonly align?: 'right';
  readonly cls?: string;
  readonly value: (i: number) => SortValue;
  readonly cell: (i: number) => Child;
  readonly title?: (i: number) => string;
}

function tableColumns(model: RunModel): Column[] {
  const { rows } = model;
  const header = model.run.header;
  const d = derived(model);
  const any = (list: readonly unknown[]) => list.some((v) => v !== null);
  const columns: Column[] = [
    { key: 'index', label: '#', width: 'minmax(52px, 64px)', min: 52, align: 'right', value: (i) => rows.index[i] ?? null, cell: (i) => String(rows.index[i]) },
    { key: 'id', label: 'id', width: 'minmax(110px, 1.1fr)', min: 110, cls: 'mono', value: (i) => rows.id[i] ?? null, cell: (i) => rows.id[i], title: (i) => rows.id[i] ?? '' },
  ];
  if ((header.repeat ?? 1) > 1) columns.push({ key: 'repeat', label: 'repeat', width: '64px', min: 64, align: 'right', value: (i) => rows.repeat[i] ?? null, cell: (i) => String(rows.repeat[i]) });
  const rank: Readonly<Record<Verdict, number>> = { error: 0, cancelled: 1, failed: 2, complete: 3, passed: 4 };
  columns.push({ key: 'status', label: 'status', width: '100px', min: 100, value: (i) => rank[verdictOfRow(rows, i)], cell: (i) => badge(verdictOfRow(rows, i)) });
  if (header.pipeline.hasScore) columns.push({ key: 'score', label: 'score', width: '72px', min: 72, align: 'right', value: (i) => rows.score[i] ?? null, cell: (i) => cellText(rows.score[i]) });
  if (d.anyKeywords) {
    const text = (i: number) => (rows.keywordSets[rows.keywords[i] ?? -1] ?? []).join(', ');
    columns.push({ key: 'keywords', label: 'keywords', width: 'minmax(110px, 1fr)', min: 110, value: (i) => text(i) || null, cell: text, title: text });
  }
  for (const [name, list] of Object.entries(rows.columns)) {
    const numeric = list.every((v) => v === null || typeof v === 'number');
    columns.push({
      key: `col:${name}`,
      label: name,
      width: numeric ? 'minmax(64px, 0.6fr)' : 'minmax(90px, 1fr)',
      min: numeric ? 64 : 90,
      ...(numeric && { align: 'right' as const }),
      value: (i) => {
        const v = list[i];
        return v === null || v === undefined ? null : typeof v === 'boolean' ? String(v) : v;
      },
      cell: (i) => cellText(list[i]),
      title: (i) => cellText(list[i]),
    });
  }
  columns.push({ key: 'duration', label: 'duration', width: '86px', min: 86, align: 'right', value: (i) => rows.durationMs[i] ?? null, cell: (i) => formatDuration(rows.durationMs[i]) });
  if (any(rows.tokensIn)) {
    columns.push({
      key: 'tokens',
      label: 'tokens',
      width: '96px',
      min: 96,
      align: 'right',
      value: (i) => {
        const tokensIn = rows.tokensIn[i];
        return tokensIn === null || tokensIn === undefined ? null : tokensIn + (rows.tokensOut[i] ?? 0);
      },
      cell: (i) => (rows.tokensIn[i] === null ? '' : `${formatCount(rows.tokensIn[i])} / ${formatCount(rows.tokensOut[i] ?? 0)}`),
      title: () => 'input / output tokens',
    });
  }
  if (any(rows.cost)) columns.push({ key: 'cost', label: 'cost', width: '86px', min: 86, align: 'right', value: (i) => rows.cost[i] ?? null, cell: (i) => (rows.cost[i] === null ? '' : formatUsd(rows.cost[i])) });
  if (any(rows.errorMessage)) {
    const text = (i: number) => (rows.errorMessage[i] === null ? '' : `${rows.errorStage[i] ?? 'case'}: ${rows.errorMessage[i]}`);
    columns.push({ key: 'error', label: 'error', width: 'minmax(160px, 2fr)', min: 160, cls: 'error-cell', value: (i) => text(i) || null, cell: text, title: text });
  }
  return columns;
}

export interface CaseTable {
  readonly el: HTMLElement;
  /** The rows that pass the filters, in the table's order. */
  filtered(): readonly number[];
  isFiltered(): boolean;
  layout(): void;
  redraw(): void;
  setKeywordFilter(expression: string): void;
  /** After rows were appended (a live run): keep the filters, update everything. */
  refresh(): void;
  /** Scrolls row `i` into view. */
  reveal(i: number): void;
  /** The row `delta` places from row `i` in the table's order, or null. */
  neighbour(i: number, delta: number): number | null;
}

export interface CaseTableOptions {
  readonly onOpen: (i: number) => void;
  readonly onChange: () => void;
  readonly isOpen: (i: number) => boolean;
}

export function createCaseTable(model: RunModel, { onOpen, onChange, isOpen }: CaseTableOptions): CaseTable {
  const header = model.run.header;
  const state: { status: StatusFilter; predicate: KeywordPredicate | null; keywordText: string; query: string; sortKey: string | null; sortDir: 1 | -1 } = {
    status: 'all',
    predicate: null,
    keywordText: '',
    query: '',
    sortKey: null,
    sortDir: 1,
  };
  let columns = tableColumns(model);
  let columnsSignature = '';
  let visible: number[] = [];
  let filteredAll = true;
  let renderedRange: readonly [number, number] | null = null;

  const statusSelect = h('select', {
    'aria-label': 'Status',
    class: 'status-filter',
    onchange: () => {
      state.status = STATUS_FILTERS.find(([value]) => value === statusSelect.value)?.[0] ?? 'all';
      apply();
    },
  });
  for (const [value, label] of STATUS_FILTERS) {
    if (!header.pipeline.hasPassed && (value === 'passed' || value === 'failed')) continue;
    if (header.pipeline.hasPassed && value === 'complete') continue;
    statusSelect.append(h('option', { value, text: label }));
  }
  const keywordInput = h('input', { type: 'search', class: 'keyword-filter', placeholder: 'keywords, e.g. p0 && !(slow || flaky)', 'aria-label': 'Keyword expression', spellcheck: 'false', autocomplete: 'off' });
  const searchInput = h('input', { type: 'search', class: 'text-filter', placeholder: 'search ids and columns', 'aria-label': 'Search', spellcheck: 'false', autocomplete: 'off' });
  const keywordError = h('div', { class: 'filter-error', role: 'alert' });
  const count = h('span', { class: 'count', 'aria-live': 'polite' });
  let typing: ReturnType<typeof setTimeout> | undefined;
  const later = () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 150);
  };
  keywordInput.addEventListener('input', later);
  searchInput.addEventListener('input', later);
  keywordInput.addEventListener('keydown', (e) => e.key === 'Enter' && apply());
  searchInput.addEventListener('keydown', (e) => e.key === 'Enter' && apply());

  const head = h('div', { class: 'thead', role: 'row' });
  const rowsEl = h('div', { class: 'rows' });
  const body = h('div', { class: 'tbody', role: 'rowgroup' }, rowsEl);
  const empty = h('p', { class: 'empty table-empty', hidden: true, text: 'No case matches the filters.' });
  const viewport = h('div', { class: 'viewport', role: 'grid', 'aria-label': 'Cases', tabindex: 0 }, head, body);
  const el = h('div', { class: 'case-table' }, h('div', { class: 'filters' }, statusSelect, h('div', { class: 'keyword-box' }, keywordInput, keywordError), searchInput, count), viewport, empty);

  const rowOf = (target: EventTarget | null): HTMLElement | null => (target instanceof Element ? target.closest<HTMLElement>('.row') : null);
  viewport.addEventListener('scroll', () => requestAnimationFrame(renderRows), { passive: true });
  window.addEventListener('resize', () => requestAnimationFrame(renderRows));
  rowsEl.addEventListener('click', (event) => {
    const row = rowOf(event.target);
    if (row) onOpen(Number(row.dataset['i']));
  });
  viewport.addEventListener('keydown', (event) => {
    const row = rowOf(event.target);
    if (row && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      onOpen(Number(row.dataset['i']));
    }
  });

  function buildHead() {
    columnsSignature = columns.map((c) => c.key).join('|');
    el.style.setProperty('--cols', columns.map((c) => c.width).join(' '));
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

  function sortBy(key: string) {
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
    const { rank } = derived(model);
    const byRank = (x: number, y: number) => (rank[x] ?? 0) - (rank[y] ?? 0);
    if (state.sortKey === null) {
      visible.sort(byRank);
      return;
    }
    const column = columns.find((c) => c.key === state.sortKey);
    if (!column) return;
    const keys = new Map<number, SortValue>();
    for (const i of visible) keys.set(i, column.value(i));
    const dir = state.sortDir;
    visible.sort((x, y) => {
      const a = keys.get(x) ?? null;
      const b = keys.get(y) ?? null;
      if (a === null) return b === null ? byRank(x, y) : 1;
      if (b === null) return -1;
      if (a < b) return -dir;
      if (a > b) return dir;
      return byRank(x, y);
    });
  }

  function apply() {
    const keywordText = keywordInput.value.trim();
    if (keywordText !== state.keywordText) {
      if (keywordText === '') {
        state.predicate = null;
        keywordError.textContent = '';
        keywordInput.removeAttribute('aria-invalid');
      } else {
        try {
          state.predicate = parseFilter(keywordText);
          keywordError.textContent = '';
          keywordInput.removeAttribute('aria-invalid');
        } catch (error) {
          keywordError.textContent = `Invalid expression: ${error instanceof FilterSyntaxError ? `${error.problem} at column ${error.column}` : String(error)}`;
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
    const wantStatus = STATUS_MATCH[state.status];
    const predicate = state.predicate;
    const setOk = predicate ? d.sets.map((set) => predicate(set)) : null;
    const hay = state.query ? haystack(model) : null;
    const query = state.query;
    const out: number[] = [];
    for (const i of d.order) {
      if (state.status !== 'all' && !wantStatus(verdictOfRow(rows, i))) continue;
      if (setOk && !setOk[d.setIds[i] ?? -1]) continue;
      if (hay && !hay[i]?.includes(query)) continue;
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
    const fragment = document.createDocumentFragment();
    for (let p = first; p < last; p++) {
      const i = visible[p];
      if (i === undefined) continue;
      const row = h('div', { class: `row${isOpen(i) ? ' selected' : ''}`, role: 'row', tabindex: -1, dataset: { i, row: p }, style: { transform: `translateY(${p * ROW_HEIGHT}px)` } });
      for (const column of columns) {
        const cell = h('div', { class: `td ${column.align === 'right' ? 'r' : ''} ${column.cls ?? ''}`, role: 'gridcell' }, column.cell(i));
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

  const redraw = () => {
    renderedRange = null;
    renderRows();
  };
  return {
    el,
    filtered: () => visible,
    isFiltered: () => !filteredAll,
    layout: redraw,
    redraw,
    setKeywordFilter(expression) {
      keywordInput.value = expression;
      apply();
      el.scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
    refresh() {
      const next = tableColumns(model);
      const changed = next.map((c) => c.key).join('|') !== columnsSignature;
      columns = next;
      if (changed) buildHead();
      const top = viewport.scrollTop;
      filter();
      viewport.scrollTop = top;
      redraw();
      onChange();
    },
    reveal(i) {
      const p = visible.indexOf(i);
      if (p >= 0) {
        const y = p * ROW_HEIGHT;
        if (y < viewport.scrollTop || y > viewport.scrollTop + viewport.clientHeight - 2 * ROW_HEIGHT) viewport.scrollTop = Math.max(0, y - 3 * ROW_HEIGHT);
      }
      redraw();
    },
    neighbour(i, delta) {
      const p = visible.indexOf(i);
      if (p < 0) return null;
      return visible[p + delta] ?? null;
    },
  };
}
