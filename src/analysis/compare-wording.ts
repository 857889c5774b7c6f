/**
 * The words of a comparison, shared by its verdict, the gate's rules and every report (terminal,
 * Markdown, the report page, which bundles this module for the browser): how a change, its
 * interval, its p-value and what the comparison could detect are written.
 */
import type { ComparisonInterval, ComparisonStatistics, Metric, MetricComparison } from './compare.ts';
import { formatPValue } from './stats.ts';
import { formatCount, formatPoints, toPercent } from '../util/units.ts';

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : word.endsWith('x') ? 'es' : 's'}`;

/** A signed plain number with up to three significant digits: "+0.25", "-1.5", "0". */
export function signedNumber(x: number): string {
  // Differences of sums of floating-point scores can be a rounding error away from 0.
  if (Math.abs(x) < 1e-12) return '0';
  const text = Number.isInteger(x) ? String(x) : x.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return x > 0 ? `+${text}` : text;
}

/** "90% CI -9.8 to -0.9 pp" (pass rates) or "90% CI -0.52 to -0.47" (scores). */
export function describeInterval(interval: ComparisonInterval, metric: Metric): string {
  const level = `${Math.round(interval.level * 1000) / 10}% CI`;
  if (metric === 'pass') return `${level} ${toPercent(interval.low, 1)} to ${toPercent(interval.high, 1)} pp`;
  return `${level} ${signedNumber(interval.low)} to ${signedNumber(interval.high)}`;
}

/** "pass rate -5.3 pp (90% CI -9.8 to -0.9 pp)" or "mean score -0.5 (90% CI -0.52 to -0.47)". */
export function describeChange(m: MetricComparison): string {
  const change = m.metric === 'pass' ? formatPoints(m.estimate, 1) : signedNumber(m.estimate);
  return `${m.metric === 'pass' ? 'pass rate' : 'mean score'} ${change} (${describeInterval(m.interval, m.metric)})`;
}

/** The p-value a metric's verdict stands on: the one-sided p in the direction it moved, e.g. "p = 0.021 (one-sided)". */
export function describeP(m: MetricComparison): string {
  return `${formatPValue(Math.min(m.pWorse, m.pBetter))} (one-sided)`;
}

/** "40 regressions vs 23 fixes" (pass/fail) or "120 cases lower vs 80 higher" (repeats, scores). */
export function describeCounts(m: MetricComparison): string {
  if (m.method === 'mcnemar-exact') return `${plural(m.worse, 'regression')} vs ${plural(m.better, 'fix')}`;
  return `${formatCount(m.worse)} case${m.worse === 1 ? '' : 's'} lower vs ${formatCount(m.better)} higher`;
}

/**
 * The sentence on what a comparison of this size can see: "With 300 cases and 21% of them flipping,
 * a drop smaller than 6.9 pp would likely go unnoticed (80% power, one-sided at α = 0.05)."
 */
export function describeSensitivity(stats: ComparisonStatistics, m: MetricComparison): string {
  const cases = stats.repeats > 1 ? `${formatCount(m.cases)} cases × ${stats.repeats} repeats` : `${plural(m.cases, 'case')}`;
  const moving =
    m.method === 'mcnemar-exact' ? `${toPercent(m.changed / Math.max(1, m.cases), 0)}% of them flipping` : `${toPercent(m.changed / Math.max(1, m.cases), 0)}% of them changing`;
  const power = `(80% power, one-sided at α = ${formatAlpha(m.alpha)})`;
  if (!(m.mde < m.range)) return `With ${cases} and ${moving}, this comparison cannot tell any drop from noise ${power}.`;
  const drop = m.metric === 'pass' ? `${toPercent(m.mde, 1)} pp` : twoDigits(m.mde);
  const what = m.metric === 'pass' ? 'a pass-rate drop' : 'a mean-score drop';
  return `With ${cases} and ${moving}, ${what} smaller than ${drop} would likely go unnoticed ${power}.`;
}

/** Two significant digits: 0.47, 1.5. */
const twoDigits = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(2));

/** 0.05 → "0.05", 0.025 → "0.025". */
export function formatAlpha(alpha: number): string {
  return String(Number(alpha.toPrecision(3)));
}
