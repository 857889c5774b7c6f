/** The cases of a comparison, one row per case of either run: kind chips, text search, only the rows in view rendered. */
import { PAIR_KINDS, type ReportComparison } from '../../../../analysis/report-data.ts';
import { formatCount, formatDuration } from '../../../../util/units.ts';
import { h, plural, type Child } from '../dom.ts';
import { badge, caseKey, haystack, verdictOfRow, type RunModel } from '../model.ts';
import { OVERSCAN, ROW_HEIGHT, cellText } from './case-table.ts';

export type PairKind = (typeof PAIR_KINDS)[number];

export const PAIR_LABELS: Readonly<Record<PairKind, string>> = { regression: 'Regressions', fix: 'Fixes', changed: 'Other changes', onlyA: 'Only in A', onlyB: 'Only in B', unchanged: 'Unchanged' };
export const PAIR_BADGES: Readonly<Record<PairKind, string>> = { regression: 'REGRESSION', fix: 'FIX', changed: 'CHANGED', onlyA: 'ONLY A', onlyB: 'ONLY B', unchanged: 'SAME' };

/** Most of the pipeline's columns shown in the table. */
const MOST_COLUMNS = 4;

/** The two runs of a comparison: B (the run) and A (its baseline), and their pairs of rows. */
export interface Compared {
  readonly B: RunModel;
  readonly A: RunModel;
  readonly comparison: ReportComparison;
}

export function pairKind(compared: Compared, k: number): PairKind {
  return PAIR_KINDS[compared.comparison.pairs.kind[k] ?? 0] ?? 'unchanged';
}

/** The case of pair `k`: its id and repeat, from B when it is there, else from A. */
export function pairCase(compared: Compared, k: number): { readonly id: string; readonly repeat: number } {
  const { A, B, comparison } = compared;
  const b = comparison.pairs.b[k] ?? -1;
  const a = comparison.pairs.a[k] ?? -1;
  return b >= 0 ? { id: B.rows.id[b] ?? '', repeat: B.rows.repeat[b] ?? 0 } : { id: A.rows.id[a] ?? '', repeat: A.rows.repeat[a] ?? 0 };
}

/** Pair positions by caseKey(id, repeat). */
export function pairsByCase(compared: Compared): Map<string, number> {
  const byCase = new Map<string, number>();
  for (let k = 0; k < compared.comparison.pairs.kind.length; k++) {
    const { id, repeat } = pairCase(compared, k);
    byCase.set(caseKey(id, repeat), k);
  }
  return byCase;
}

export interface PairTable {
  readonly el: HTMLElement;
  redraw(): void;
  select(k: number | null): void;
  neighbour(k: number, delta: number): number | null;
}

interface PairColumn {
  readonly label: string;
  readonly width: string;
  readonly min: number;
  readonly align?: 'right';
  readonly cls?: string;
  readonly cell: (k: number) => Child;
}

export function createPairTable(compared: Compared, onOpen: (k: number) => void): PairTable {
  const { A, B, comparison } = compared;
  const { pairs } = comparison;
  const n = pairs.kind.length;
  const counts = PAIR_KINDS.map((_, k) => pairs.kind.filter((x) => x === k).length);
  let kindFilter = -1;
  let query = '';
  let visible: number[] = [];
  let selected: number | null = null;
  let renderedRange: readonly [number, number] | null = null;
  const hasScore = A.run.header.pipeline.hasScore || B.run.header.pipeline.hasScore;
  const names = B.run.header.pipeline.columns;
  const inA = (k: number) => pairs.a[k] ?? -1;
  const inB = (k: number) => pairs.b[k] ?? -1;

  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Which cases' });
  const chip = (k: number, label: string, count: number) =>
    h('button', {
      type: 'button',
      class: `chip ${k >= 0 ? `kind-${PAIR_KINDS[k]}` : ''}`,
      'aria-pressed': String(k === kindFilter),
      disabled: count === 0 && k >= 0,
      dataset: { kind: k >= 0 ? (PAIR_KINDS[k] ?? '') : 'all' },
      text: `${label} ${formatCount(count)}`,
      onclick: () => {
        kindFilter = k;
        apply();
      },
    });
  const search = h('input', { type: 'search', class: 'text-filter', placeholder: 'search ids and columns', 'aria-label': 'Search', spellcheck: 'false' });
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(apply, 150);
  });
  const countEl = h('span', { class: 'count' });
  const missing = () => h('span', { class: 'muted', text: '—' });
  const kindBadge = (k: number) => h('span', { class: `badge kind-${pairKind(compared, k)}`, text: PAIR_BADGES[pairKind(compared, k)] });
  const valueOf = (name: string, k: number) => (inB(k) >= 0 ? B.rows.columns[name]?.[inB(k)] : A.rows.columns[name]?.[inA(k)]);
  const columns: PairColumn[] = [
    { label: '', width: '110px', min: 110, cell: kindBadge },
    { label: '#', width: '56px', min: 56, align: 'right', cell: (k) => String(inB(k) >= 0 ? B.rows.index[inB(k)] : A.rows.index[inA(k)]) },
    { label: 'id', width: 'minmax(110px, 1fr)', min: 110, cls: 'mono', cell: (k) => pairCase(compared, k).id },
    { label: 'A → B', width: '230px', min: 230, cell: (k) => h('span', {}, inA(k) >= 0 ? badge(verdictOfRow(A.rows, inA(k))) : missing(), ' → ', inB(k) >= 0 ? badge(verdictOfRow(B.rows, inB(k))) : missing()) },
  ];
  if (hasScore) columns.push({ label: 'score A → B', width: '120px', min: 120, align: 'right', cell: (k) => `${inA(k) >= 0 ? cellText(A.rows.score[inA(k)]) || '—' : '—'} → ${inB(k) >= 0 ? cellText(B.rows.score[inB(k)]) || '—' : '—'}` });
  columns.push({ label: 'duration A → B', width: '160px', min: 160, align: 'right', cell: (k) => `${inA(k) >= 0 ? formatDuration(A.rows.durationMs[inA(k)]) : '—'} → ${inB(k) >= 0 ? formatDuration(B.rows.durationMs[inB(k)]) : '—'}` });
  for (const name of names.slice(0, MOST_COLUMNS)) columns.push({ label: name, width: 'minmax(80px, 1fr)', min: 80, cell: (k) => cellText(valueOf(name, k)) });

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
    const row = event.target instanceof Element ? event.target.closest<HTMLElement>('.row') : null;
    if (row) onOpen(Number(row.dataset['pair']));
  });

  function apply() {
    query = search.value.trim().toLowerCase();
    chips.replaceChildren(chip(-1, 'All', n), ...PAIR_KINDS.map((kind, k) => chip(k, PAIR_LABELS[kind], counts[k] ?? 0)));
    const hayB = query ? haystack(B) : null;
    const hayA = query ? haystack(A) : null;
    visible = [];
    for (let k = 0; k < n; k++) {
      if (kindFilter >= 0 && pairs.kind[k] !== kindFilter) continue;
      if (query && !((inB(k) >= 0 && hayB?.[inB(k)]?.includes(query)) || (inA(k) >= 0 && hayA?.[inA(k)]?.includes(query)))) continue;
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
      if (k === undefined) continue;
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
      const p = k === null ? -1 : visible.indexOf(k);
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
