/**
 * The report's charts, drawn as inline SVG from plain numbers: stacked bars (pass rate by keyword),
 * histograms (score, latency, cost) and a step chart (cases in flight over time). Labels and
 * tooltips are Text nodes, like everything else on the page.
 */
import { formatCompact, formatCount } from '../../../util/units.ts';
import { h, svg } from './dom.ts';

const CHART_WIDTH = 560;

function cutLabel(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface BarSegment {
  readonly value: number;
  /** The CSS class of the segment's colour (`seg <kind>`), shared with its legend entry. */
  readonly kind: string;
  readonly name: string;
}

export interface BarItem {
  readonly label: string;
  readonly title?: string;
  readonly segments: readonly BarSegment[];
  readonly note?: string;
  readonly onClick?: (() => void) | null;
}

/** Horizontal bars, one per item, each split into segments. */
export function chartStackedBars(items: readonly BarItem[], options: { readonly label?: string } = {}): SVGSVGElement {
  const rowHeight = 24;
  const labelWidth = 160;
  const noteWidth = 124;
  const barWidth = CHART_WIDTH - labelWidth - noteWidth;
  const height = Math.max(1, items.length) * rowHeight + 4;
  const root = svg('svg', { viewBox: `0 0 ${CHART_WIDTH} ${height}`, class: 'chart bars', role: 'img', 'aria-label': options.label ?? 'bar chart' });
  items.forEach((item, row) => {
    const y = row * rowHeight + 2;
    const total = item.segments.reduce((sum, s) => sum + s.value, 0);
    const group = svg('g', { class: item.onClick ? 'bar-row clickable' : 'bar-row', ...(item.onClick ? { onclick: item.onClick, tabindex: 0 } : {}) });
    group.append(svg('title', { text: item.title ?? item.label }));
    group.append(svg('text', { x: labelWidth - 8, y: y + rowHeight / 2 + 4, 'text-anchor': 'end', class: 'label', text: cutLabel(item.label, 19) }));
    group.append(svg('rect', { x: labelWidth, y: y + 3, width: barWidth, height: rowHeight - 8, class: 'track' }));
    let x = labelWidth;
    for (const segment of item.segments) {
      if (segment.value <= 0 || total === 0) continue;
      const width = (segment.value / total) * barWidth;
      group.append(
        svg('rect', { x, y: y + 3, width: Math.max(width, 0.5), height: rowHeight - 8, class: `seg ${segment.kind}` }, svg('title', { text: `${item.label}: ${formatCount(segment.value)} ${segment.name}` })),
      );
      x += width;
    }
    group.append(svg('text', { x: labelWidth + barWidth + 8, y: y + rowHeight / 2 + 4, class: 'note', text: item.note ?? '' }));
    root.append(group);
  });
  return root;
}

/** The key of a stacked bar chart: a swatch of each segment's colour and its name. */
export function chartLegend(entries: readonly Pick<BarSegment, 'kind' | 'name'>[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    entries.map((entry) =>
      h('li', { dataset: { kind: entry.kind } }, h('span', { class: `swatch ${entry.kind}`, 'aria-hidden': 'true' }), h('span', { text: entry.name })),
    ),
  );
}

export interface HistogramBin {
  readonly x0: number;
  readonly x1: number;
  count: number;
  readonly label?: string;
}

export interface HistogramOptions {
  readonly format?: (x: number) => string;
  /** Vertical lines: `position` from 0 (left) to 1 (right); null draws nothing. */
  readonly markers?: readonly { readonly position: number | null; readonly label: string }[];
  readonly label?: string;
  readonly kind?: string;
  readonly axisLabel?: string;
}

/** The frame of the charts with axes (histogram, steps): margins for the labels around the plot. */
const AXES_FRAME = (() => {
  const height = 190;
  const left = 54;
  const right = 14;
  const top = 14;
  const bottom = 32;
  return { height, left, top, bottom, width: CHART_WIDTH - left - right, plotHeight: height - top - bottom };
})();

/** Vertical bars of counts over bins of equal width on screen. */
export function chartHistogram(bins: readonly HistogramBin[], options: HistogramOptions = {}): SVGSVGElement {
  const { height, left, top, bottom, width, plotHeight } = AXES_FRAME;
  const format = options.format ?? String;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const root = svg('svg', { viewBox: `0 0 ${CHART_WIDTH} ${height}`, class: 'chart histogram', role: 'img', 'aria-label': options.label ?? 'histogram' });
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    root.append(svg('line', { x1: left, x2: left + width, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick', text: formatCompact(Math.round(max * fraction)) }));
  }
  const step = width / Math.max(1, bins.length);
  bins.forEach((bin, i) => {
    const barHeight = (bin.count / max) * plotHeight;
    const rect = svg('rect', {
      x: left + i * step + (step > 4 ? 1 : 0),
      y: top + plotHeight - barHeight,
      width: Math.max(0.5, step - (step > 4 ? 2 : 0)),
      height: Math.max(bin.count > 0 ? 1 : 0, barHeight),
      class: `hbar ${options.kind ?? ''}`,
    });
    rect.append(svg('title', { text: `${bin.label ?? `${format(bin.x0)} – ${format(bin.x1)}`}: ${formatCount(bin.count)}` }));
    root.append(rect);
  });
  // x labels: each bin when they are few and labelled, else the two ends and the middle.
  const first = bins[0];
  const last = bins[bins.length - 1];
  const mid = bins[Math.floor(bins.length / 2)];
  if (bins.length <= 12 && bins.every((b) => b.label !== undefined)) {
    bins.forEach((bin, i) => root.append(svg('text', { x: left + (i + 0.5) * step, y: height - bottom + 16, 'text-anchor': 'middle', class: 'tick', text: cutLabel(bin.label ?? '', 10) })));
  } else if (first && last && mid) {
    root.append(svg('text', { x: left, y: height - bottom + 16, 'text-anchor': 'start', class: 'tick', text: format(first.x0) }));
    root.append(svg('text', { x: left + Math.floor(bins.length / 2) * step, y: height - bottom + 16, 'text-anchor': 'middle', class: 'tick', text: format(mid.x0) }));
    root.append(svg('text', { x: left + width, y: height - bottom + 16, 'text-anchor': 'end', class: 'tick', text: format(last.x1) }));
  }
  for (const marker of options.markers ?? []) {
    if (marker.position === null) continue;
    const x = left + marker.position * width;
    root.append(svg('line', { x1: x, x2: x, y1: top - 4, y2: top + plotHeight, class: 'marker' }));
    const nearEnd = x > left + width - 40;
    root.append(svg('text', { x: nearEnd ? x - 3 : x + 3, y: top + 6, 'text-anchor': nearEnd ? 'end' : 'start', class: 'marker-label', text: marker.label }));
  }
  if (options.axisLabel) root.append(svg('text', { x: left + width / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis', text: options.axisLabel }));
  return root;
}

export interface StepOptions {
  readonly format?: (x: number) => string;
  readonly label?: string;
  readonly title?: string;
  readonly axisLabel?: string;
}

/** A step chart of a count over time. points: t ascending from 0. */
export function chartSteps(points: readonly { readonly t: number; readonly v: number }[], options: StepOptions = {}): SVGSVGElement {
  const { height, left, top, bottom, width, plotHeight } = AXES_FRAME;
  const format = options.format ?? String;
  const tMax = Math.max(1e-9, points[points.length - 1]?.t ?? 1);
  const vMax = Math.max(1, ...points.map((p) => p.v));
  const root = svg('svg', { viewBox: `0 0 ${CHART_WIDTH} ${height}`, class: 'chart steps', role: 'img', 'aria-label': options.label ?? 'step chart' });
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight * (1 - fraction);
    root.append(svg('line', { x1: left, x2: left + width, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick', text: formatCompact(vMax * fraction) }));
  }
  const X = (t: number) => left + (t / tMax) * width;
  const Y = (v: number) => top + plotHeight * (1 - v / vMax);
  const start = points[0];
  if (start) {
    let d = `M${X(start.t).toFixed(1)},${Y(0).toFixed(1)}`;
    let previous = 0;
    for (const p of points) {
      d += `L${X(p.t).toFixed(1)},${Y(previous).toFixed(1)}L${X(p.t).toFixed(1)},${Y(p.v).toFixed(1)}`;
      previous = p.v;
    }
    d += `L${X(tMax).toFixed(1)},${Y(previous).toFixed(1)}L${X(tMax).toFixed(1)},${Y(0).toFixed(1)}Z`;
    root.append(svg('path', { d, class: 'area' }, svg('title', { text: options.title ?? '' })));
  }
  root.append(svg('text', { x: left, y: height - bottom + 16, 'text-anchor': 'start', class: 'tick', text: format(0) }));
  root.append(svg('text', { x: left + width / 2, y: height - bottom + 16, 'text-anchor': 'middle', class: 'tick', text: format(tMax / 2) }));
  root.append(svg('text', { x: left + width, y: height - bottom + 16, 'text-anchor': 'end', class: 'tick', text: format(tMax) }));
  if (options.axisLabel) root.append(svg('text', { x: left + width / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis', text: options.axisLabel }));
  return root;
}

/** A chart card: a title, a caption and the chart (or a note when there is nothing to draw), then an optional legend. */
export function chartCard(title: string, caption: string, chart: Element | null, legend?: Element | null): HTMLElement {
  return h(
    'figure',
    { class: 'card chart-card' },
    h('figcaption', {}, h('span', { class: 'chart-title', text: title }), caption ? h('span', { class: 'muted', text: caption }) : null),
    chart ?? h('p', { class: 'empty', text: 'Nothing to draw.' }),
    chart ? legend : null,
  );
}
