/**
 * The comparison of a run (B) with its baseline (A): the verdict, the metrics with their intervals,
 * the cases of both runs, outcome transitions, config differences, the statistics and the pass rate
 * by keyword. The case the address names (`#pair=<id>`, with `&repeat=<n>`) opens side by side.
 */
import type { ReportComparison } from '../../../../analysis/report-data.ts';
import { formatPValue } from '../../../../analysis/stats.ts';
import { interval, keywordNote, statisticsLines } from '../../../compare-format.ts';
import { formatCount, formatDuration, formatLocalTime, formatNumber, formatPoints, formatRate, formatSigned, formatUsd } from '../../../../util/units.ts';
import { h, oneLineJson, plural } from '../dom.ts';
import { panel, setHash } from '../frame.ts';
import { caseKey } from '../model.ts';
import { PAIR_BADGES, createPairTable, pairCase, pairKind, pairsByCase, type Compared, type PairTable } from './pair-table.ts';
import type { View } from './run.ts';
import { warningList } from './run.ts';
import { sideBySide } from './side-by-side.ts';

type Summary = ReportComparison['summary'];
type Significance = { readonly significant: 'worse' | 'better' | null } | null | undefined;

/** Most keywords listed in the keyword table. */
const MOST_KEYWORDS = 40;

/** The change of a metric is coloured only when its test says so: anything else is within noise. */
function tone(m: Significance): string {
  return m?.significant === 'worse' ? 'bad' : m?.significant === 'better' ? 'good' : '';
}

/** The address parameters that name pair `k`. */
function pairParams(compared: Compared, k: number | null): { pair: string | null; repeat: number | null } {
  if (k === null) return { pair: null, repeat: null };
  const { id, repeat } = pairCase(compared, k);
  return { pair: id, repeat: repeat === 0 ? null : repeat };
}

function statCards(s: Summary): HTMLElement[] {
  const stat = (label: string, a: string, b: string, delta: string, extra = '', cls = '') =>
    h(
      'div',
      { class: `stat ${cls}` },
      h('div', { class: 'stat-label', text: label }),
      h('div', { class: 'stat-value' }, h('span', { class: 'muted', text: a }), ' → ', h('span', { text: b })),
      h('div', { class: 'stat-detail', text: [delta, extra].filter(Boolean).join(' · ') }),
    );
  const cards: HTMLElement[] = [];
  const stats = s.stats;
  if (s.passRate.delta !== null) cards.push(stat('Pass rate', formatRate(s.passRate.a), formatRate(s.passRate.b), formatPoints(s.passRate.delta), interval(s.passRate.ci, 'rate'), tone(stats?.pass)));
  if (s.score.pairs > 0) cards.push(stat('Mean score', formatNumber(s.score.a), formatNumber(s.score.b), formatSigned(s.score.delta), interval(s.score.ci, 'plain'), tone(stats?.score)));
  const primary = stats?.primary ? stats[stats.primary] : null;
  const pDetail = primary ? `one-sided ${formatPValue(Math.min(primary.pWorse, primary.pBetter))}` : '';
  cards.push(
    h(
      'div',
      { class: 'stat' },
      h('div', { class: 'stat-label', text: 'Regressions / fixes' }),
      h('div', { class: 'stat-value' }, h('span', { class: 'bad', text: formatCount(s.regressionCount) }), ' / ', h('span', { class: 'good', text: formatCount(s.fixCount) })),
      h('div', { class: 'stat-detail', text: pDetail }),
    ),
  );
  cards.push(stat('Cases', formatCount(s.a.counts.complete + s.a.counts.error + s.a.counts.cancelled), formatCount(s.b.counts.complete + s.b.counts.error + s.b.counts.cancelled), `${formatCount(s.common)} in both`, `${formatCount(s.onlyACount)} only in A, ${formatCount(s.onlyBCount)} only in B`));
  if (s.costUsd.a !== null || s.costUsd.b !== null) cards.push(stat('Cost (common cases)', formatUsd(s.costUsd.a), formatUsd(s.costUsd.b), s.costUsd.delta === null ? '' : formatSigned(s.costUsd.delta, formatUsd)));
  if (s.inputTokens.a !== null || s.inputTokens.b !== null) {
    cards.push(stat('Tokens in / out', `${formatCount(s.inputTokens.a)} / ${formatCount(s.outputTokens.a)}`, `${formatCount(s.inputTokens.b)} / ${formatCount(s.outputTokens.b)}`, s.inputTokens.delta === null ? '' : `${formatSigned(s.inputTokens.delta, formatCount)} in`));
  }
  if (s.latency.mean.a !== null) {
    cards.push(stat('Latency (mean)', formatDuration(s.latency.mean.a), formatDuration(s.latency.mean.b), `p50 ${formatDuration(s.latency.p50.a)} → ${formatDuration(s.latency.p50.b)}`, `p95 ${formatDuration(s.latency.p95.a)} → ${formatDuration(s.latency.p95.b)}`));
  }
  return cards;
}

/** Outcome transitions, A in rows, B in columns. */
function transitionMatrix(s: Summary): HTMLElement {
  const outcomes = ['passed', 'failed', 'error'] as const;
  return h(
    'table',
    { class: 'plain matrix' },
    h('thead', {}, h('tr', {}, h('th', { text: 'A ↓ · B →' }), outcomes.map((o) => h('th', { text: o })))),
    h(
      'tbody',
      {},
      outcomes.map((from) =>
        h(
          'tr',
          {},
          h('th', { text: from }),
          outcomes.map((to) => {
            const count = s.transitions.find((x) => x.from === from && x.to === to)?.count ?? 0;
            const cls = from === 'passed' && to !== 'passed' ? 'bad' : from !== 'passed' && to === 'passed' ? 'good' : '';
            return h('td', { class: `r ${count ? cls : 'muted'}`, text: formatCount(count) });
          }),
        ),
      ),
    ),
  );
}

function configDifferences(s: Summary): HTMLElement {
  const config = h('div', {}, h('h3', { text: 'Config differences' }));
  if (s.configDiff.length === 0) config.append(h('p', { class: 'muted', text: 'The two runs used the same config.' }));
  else {
    config.append(
      h(
        'table',
        { class: 'plain' },
        h('thead', {}, h('tr', {}, h('th', { text: 'path' }), h('th', { text: 'A' }), h('th', { text: 'B' }))),
        h(
          'tbody',
          {},
          s.configDiff.map((d) => h('tr', {}, h('td', { class: 'mono', text: d.path }), h('td', { class: 'mono', text: 'a' in d ? oneLineJson(d.a) : '(absent)' }), h('td', { class: 'mono', text: 'b' in d ? oneLineJson(d.b) : '(absent)' }))),
        ),
      ),
    );
  }
  return config;
}

/** Pass rate by keyword, largest drop first; nothing when the runs have no keywords. */
function keywordTable(s: Summary): HTMLElement | null {
  if (s.keywords.length === 0) return null;
  const rows = [...s.keywords].sort((x, y) => x.passRateB - x.passRateA - (y.passRateB - y.passRateA) || (x.keyword < y.keyword ? -1 : 1));
  const significance = (k: (typeof rows)[number]) => (k.significant === 'worse' ? 'bad' : k.significant === 'better' ? 'good' : 'muted');
  return h(
    'details',
    { class: 'keywords', open: rows.length <= 8 },
    h('summary', {}, h('h3', { class: 'inline', text: `Pass rate by keyword (${plural(rows.length, 'keyword')}, largest drop first)` })),
    h(
      'table',
      { class: 'plain' },
      h('thead', {}, h('tr', {}, ['keyword', 'cases', 'A', 'B', 'change', 'regressions', 'fixes', 'p (Holm)', ''].map((t) => h('th', { text: t })))),
      h(
        'tbody',
        {},
        rows.slice(0, MOST_KEYWORDS).map((k) =>
          h(
            'tr',
            {},
            h('td', { class: 'mono', text: k.keyword }),
            h('td', { class: 'r', text: formatCount(k.cases) }),
            h('td', { class: 'r', text: formatRate(k.passRateA) }),
            h('td', { class: 'r', text: formatRate(k.passRateB) }),
            h('td', { class: `r ${significance(k)}`, text: formatPoints(k.passRateB - k.passRateA) }),
            h('td', { class: 'r', text: formatCount(k.regressions) }),
            h('td', { class: 'r', text: formatCount(k.fixes) }),
            h('td', { class: 'r', text: k.pAdjusted === null ? '—' : formatPValue(k.pAdjusted).replace(/^p = /, '').replace(/^p < /, '< ') }),
            h('td', { class: significance(k), text: k.significant ?? 'noise' }),
          ),
        ),
      ),
    ),
    rows.length > MOST_KEYWORDS ? h('p', { class: 'muted', text: `${rows.length - MOST_KEYWORDS} more keywords not shown.` }) : null,
    h('p', { class: 'muted', text: keywordNote(s) }),
  );
}

export function createCompareView(compared: Compared): View {
  const s = compared.comparison.summary;
  const byCase = pairsByCase(compared);
  const list = createPairTable(compared, (k) => setHash(pairParams(compared, k)));
  const el = h(
    'div',
    { class: 'compare-view' },
    h('div', { class: `verdict verdict-${s.verdict.kind}`, role: 'status' }, h('strong', { text: s.verdict.text })),
    h(
      'p',
      { class: 'muted who' },
      'A (baseline): ',
      h('span', { class: 'mono', text: s.a.runId }),
      ` · ${s.a.pipeline} · ${formatLocalTime(s.a.startedAt)} — B: `,
      h('span', { class: 'mono', text: s.b.runId }),
      ` · ${s.b.pipeline} · ${formatLocalTime(s.b.startedAt)}`,
    ),
    warningList(s.warnings),
    h('section', { class: 'stat-grid' }, statCards(s)),
    h('h2', { class: 'section-title', text: 'Cases' }),
    list.el,
    h('div', { class: 'compare-grid' }, h('div', {}, h('h3', { text: 'Outcomes, A to B' }), transitionMatrix(s)), configDifferences(s)),
    s.stats ? h('div', { class: 'statistics' }, h('h3', { text: 'Statistics' }), h('ul', {}, statisticsLines(s).map((line) => h('li', { text: line })))) : null,
    keywordTable(s),
  );

  let openPair: number | null = null;
  return {
    el,
    shown: () => list.redraw(),
    route(params) {
      const id = params.get('pair');
      const k = id === null ? undefined : byCase.get(caseKey(id, Number(params.get('repeat') ?? 0) || 0));
      if (k === undefined) {
        openPair = null;
        panel.hide();
        list.select(null);
        return;
      }
      if (k === openPair && panel.isOpen()) return;
      openPair = k;
      list.select(k);
      openPairDetail(compared, k, list);
    },
    refresh() {},
  };
}

function openPairDetail(compared: Compared, k: number, table: PairTable): void {
  const { A, B, comparison } = compared;
  const a = comparison.pairs.a[k] ?? -1;
  const b = comparison.pairs.b[k] ?? -1;
  const kind = pairKind(compared, k);
  const recordA = a >= 0 ? A.details(A.rows.line[a] ?? 0) : Promise.resolve(null);
  const recordB = b >= 0 ? B.details(B.rows.line[b] ?? 0) : Promise.resolve(null);
  const nav = (target: number | null, label: string) => h('button', { type: 'button', class: 'small', disabled: target === null, text: label, onclick: () => setHash(pairParams(compared, target)) });
  panel.show({
    heading: [h('span', { class: `badge kind-${kind}`, text: PAIR_BADGES[kind] }), ' ', h('span', { class: 'mono', text: pairCase(compared, k).id })],
    actions: [nav(table.neighbour(k, -1), '‹ Previous'), nav(table.neighbour(k, 1), 'Next ›')],
    wide: true,
    content: Promise.all([recordA, recordB]).then(([ra, rb]) => sideBySide(ra, rb, A.run, B.run)),
    closeWith: () => setHash({ pair: null, repeat: null }),
  });
}
