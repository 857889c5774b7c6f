/** The charts of a run, over the rows the case table shows: outcomes by keyword, score, latency, cost, and cases in flight. */
import { formatCount, formatDuration, formatNumber, formatPercent, formatUsd } from '../../../../util/units.ts';
import { chartCard, chartHistogram, chartLegend, chartStackedBars, chartSteps, type BarSegment, type HistogramBin } from '../charts.ts';
import { plural } from '../dom.ts';
import { derived, verdictOfRow, type RunModel, type Verdict } from '../model.ts';
import type { ReportRows } from '../../../../analysis/report-data.ts';

/** Keywords drawn at most; the rest are counted in the caption. */
const MOST_KEYWORDS = 16;

/** A keyword as the filter box takes it: quoted when it is not a bare word. */
function quoteKeyword(keyword: string): string {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/.test(keyword)) return keyword;
  return keyword.includes("'") ? `"${keyword}"` : `'${keyword}'`;
}

type Counts = Record<Verdict, number>;

/** The segments of a bar, in the order they are drawn and listed in the legend. */
const SEGMENTS: readonly (Omit<BarSegment, 'value'> & { readonly verdict: Verdict })[] = [
  { verdict: 'passed', kind: 'passed', name: 'passed' },
  { verdict: 'failed', kind: 'failed', name: 'failed' },
  { verdict: 'error', kind: 'error', name: 'errored' },
  { verdict: 'cancelled', kind: 'cancelled', name: 'cancelled' },
  { verdict: 'complete', kind: 'complete', name: 'complete (no verdict)' },
];

const noCounts = (): Counts => ({ passed: 0, failed: 0, error: 0, cancelled: 0, complete: 0 });

export function runCharts(model: RunModel, subset: readonly number[], onKeyword: (expression: string) => void): HTMLElement[] {
  const { rows } = model;
  const header = model.run.header;
  const d = derived(model);

  // Pass rate by keyword: outcome counts per keyword set, then per keyword.
  const perSet = new Map<number, Counts>();
  for (const i of subset) {
    const id = d.setIds[i] ?? 0;
    let c = perSet.get(id);
    if (!c) perSet.set(id, (c = noCounts()));
    c[verdictOfRow(rows, i)]++;
  }
  const perKeyword = new Map<string | null, { counts: Counts; n: number }>();
  const add = (key: string | null, c: Counts) => {
    let t = perKeyword.get(key);
    if (!t) perKeyword.set(key, (t = { counts: noCounts(), n: 0 }));
    for (const { verdict } of SEGMENTS) {
      t.counts[verdict] += c[verdict];
      t.n += c[verdict];
    }
  };
  for (const [id, c] of perSet) {
    const list = d.setLists[id] ?? [];
    if (list.length === 0) add(null, c);
    for (const keyword of list) add(keyword, c);
  }
  const hasPassed = header.pipeline.hasPassed;
  const sorted = [...perKeyword.entries()].sort(([a, x], [b, y]) => Number(a === null) - Number(b === null) || y.n - x.n || (a! < b! ? -1 : a! > b! ? 1 : 0));
  const hidden = Math.max(0, sorted.length - MOST_KEYWORDS);
  const shown = sorted.slice(0, MOST_KEYWORDS);
  const bars = shown.map(([keyword, { counts, n }]) => ({
    label: keyword === null ? (d.anyKeywords ? '(no keywords)' : 'all cases') : keyword,
    title: `${keyword ?? 'cases without keywords'}: ${formatCount(counts.passed)} passed, ${formatCount(counts.failed)} failed, ${formatCount(counts.error)} errored of ${formatCount(n)}${keyword === null ? '' : ' (click to filter)'}`,
    segments: SEGMENTS.map((s) => ({ value: counts[s.verdict], kind: s.kind, name: s.name })),
    note: hasPassed ? `${formatPercent(counts.passed, n)} of ${formatCount(n)}` : `${formatCount(n)} cases`,
    onClick: keyword === null ? null : () => onKeyword(quoteKeyword(keyword)),
  }));
  // The legend names the outcomes the bars hold.
  const present = SEGMENTS.filter((s) => shown.some(([, t]) => t.counts[s.verdict] > 0));
  const cards = [
    chartCard(
      hasPassed ? 'Pass rate by keyword' : 'Outcomes by keyword',
      hidden > 0 ? `the ${MOST_KEYWORDS} most common keywords; ${hidden} more` : 'click a keyword to filter',
      bars.length > 0 ? chartStackedBars(bars, { label: 'Pass rate by keyword' }) : null,
      chartLegend(present),
    ),
  ];

  // Score distribution.
  if (header.pipeline.hasScore) {
    const scores: number[] = [];
    for (const i of subset) {
      const score = rows.score[i];
      if (score !== null && score !== undefined) scores.push(score);
    }
    const bins = scoreBins(scores);
    const mean = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    cards.push(
      chartCard(
        'Score distribution',
        scores.length ? `${plural(scores.length, 'score')}, mean ${formatNumber(mean)}` : 'no scores',
        scores.length ? chartHistogram(bins.bins, { format: formatNumber, label: 'Score distribution', kind: 'score', markers: mean === null ? [] : [{ position: bins.position(mean), label: 'mean' }] }) : null,
      ),
    );
  }

  // Latency and cost distributions.
  cards.push(distributionCard('Latency distribution', 'case duration', subset.map((i) => rows.durationMs[i] ?? 0), formatDuration, 'latency'));
  const costs: number[] = [];
  for (const i of subset) {
    const cost = rows.cost[i];
    if (cost !== null && cost !== undefined) costs.push(cost);
  }
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

interface Bins {
  readonly bins: HistogramBin[];
  /** Where a value falls, from 0 (left) to 1 (right). */
  readonly position: (x: number) => number;
}

function quantile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const low = sorted[lo] ?? 0;
  return low + ((sorted[hi] ?? 0) - low) * (at - lo);
}

/** Few distinct scores: a bar each; otherwise 20 equal bins from the lowest to the highest. */
function scoreBins(scores: readonly number[]): Bins {
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  if (distinct.length <= 12) {
    const counts = new Map(distinct.map((v) => [v, 0]));
    for (const s of scores) counts.set(s, (counts.get(s) ?? 0) + 1);
    const bins = distinct.map((v) => ({ x0: v, x1: v, count: counts.get(v) ?? 0, label: formatNumber(v) }));
    return { bins, position: (x) => (distinct.length === 1 ? 0.5 : (nearestIndex(distinct, x) + 0.5) / distinct.length) };
  }
  return linearBins(scores, 20, distinct[0] ?? 0, distinct[distinct.length - 1] ?? 0);
}

function nearestIndex(sorted: readonly number[], x: number): number {
  let best = 0;
  for (let i = 1; i < sorted.length; i++) if (Math.abs((sorted[i] ?? 0) - x) < Math.abs((sorted[best] ?? 0) - x)) best = i;
  return best;
}

function linearBins(values: Iterable<number>, count: number, min: number, max: number): Bins {
  const span = max - min || 1;
  const bins = Array.from({ length: count }, (_, k) => ({ x0: min + (span * k) / count, x1: min + (span * (k + 1)) / count, count: 0 }));
  for (const v of values) bins[Math.min(count - 1, Math.max(0, Math.floor(((v - min) / span) * count)))]!.count++;
  return { bins, position: (x) => Math.min(1, Math.max(0, (x - min) / span)) };
}

/** Logarithmic bins when the values span more than two decades, linear otherwise. */
function distributionBins(values: Float64Array, count: number): Bins & { readonly log: boolean } {
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
    for (const v of values) bins[v <= 0 ? 0 : Math.min(count - 1, Math.max(0, Math.floor(((Math.log10(v) - lo) / span) * count)))]!.count++;
    return { bins, log: true, position: (x) => (x <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(x) - lo) / span))) };
  }
  return { ...linearBins(values, count, min, max), log: false };
}

function distributionCard(title: string, what: string, values: readonly number[], format: (x: number) => string, kind: string): HTMLElement {
  if (values.length === 0) return chartCard(title, 'no cases', null);
  const sorted = Float64Array.from(values).sort();
  const p50 = quantile(sorted, 0.5);
  const p95 = quantile(sorted, 0.95);
  const bins = distributionBins(sorted, 24);
  return chartCard(
    title,
    `${what}: median ${format(p50)}, p95 ${format(p95)}, max ${format(sorted[sorted.length - 1] ?? 0)}${bins.log ? ' (log scale)' : ''}`,
    chartHistogram(bins.bins, { format, label: title, kind, markers: [{ position: bins.position(p50), label: 'p50' }, { position: bins.position(p95), label: 'p95' }] }),
  );
}

/** Cases running at each moment (from their start and end times), at most 400 steps. */
function inFlight(rows: ReportRows, subset: readonly number[]): { points: { t: number; v: number }[]; max: number } {
  if (subset.length === 0) return { points: [], max: 0 };
  const starts = new Float64Array(subset.length);
  const ends = new Float64Array(subset.length);
  subset.forEach((i, k) => {
    const start = rows.start[i] ?? 0;
    starts[k] = start;
    ends[k] = start + Math.max(0, rows.durationMs[i] ?? 0);
  });
  starts.sort();
  ends.sort();
  const t0 = starts[0] ?? 0;
  const t1 = ends[ends.length - 1] ?? 0;
  const buckets = 400;
  const span = t1 - t0 || 1;
  const peak = new Float64Array(buckets);
  let current = 0;
  let max = 0;
  let bucket = 0;
  let a = 0;
  let b = 0;
  while (a < starts.length || b < ends.length) {
    const isStart = b >= ends.length || (a < starts.length && starts[a]! <= ends[b]!);
    const t = isStart ? starts[a]! : ends[b]!;
    const target = Math.min(buckets - 1, Math.floor(((t - t0) / span) * buckets));
    while (bucket < target) {
      bucket++;
      peak[bucket] = Math.max(peak[bucket]!, current);
    }
    if (isStart) {
      a++;
      current++;
    } else {
      b++;
      current--;
    }
    if (current > peak[bucket]!) peak[bucket] = current;
    if (current > max) max = current;
  }
  const points: { t: number; v: number }[] = [];
  for (let k = 0; k < buckets; k++) points.push({ t: (span * k) / buckets, v: peak[k]! });
  points.push({ t: span, v: 0 });
  return { points, max };
}
