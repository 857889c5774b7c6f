/** Number formats shared by the compare and gate reports (text and Markdown). */
import type { CaseRef, Delta, RunInfo } from '../analysis/compare.ts';
import type { BootstrapInterval } from '../analysis/stats.ts';
import { formatCount } from './format-value.ts';

/** 0.3333 → "33.33%". */
export const pct = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);

/** A signed difference of two rates in percentage points: -0.6667 → "-66.67 pp". */
export const pp = (x: number): string => `${x > 0 ? '+' : ''}${(100 * x).toFixed(2)} pp`;

/** A score or any plain number: integers as they are, others with up to 3 decimals. */
export function num(x: number | null): string {
  if (x === null) return '—';
  if (Number.isInteger(x)) return formatCount(x);
  const digits = Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 0.001 ? 3 : 6;
  const text = x.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

export const signed = (x: number, format: (x: number) => string = num): string => (x > 0 ? `+${format(x)}` : format(x));

/** US dollars: 4 decimals under $1, 2 from there. */
export const usd = (x: number | null): string => (x === null ? '—' : `$${x.toFixed(Math.abs(x) >= 1 ? 2 : 4)}`);

/** Milliseconds of case latency: "0.12 ms", "183 ms", "2.41 s". */
export function ms(x: number | null): string {
  if (x === null) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (a >= 100) return `${x.toFixed(0)} ms`;
  if (a >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

/** The B − A cell of a metric, in the metric's own format. */
export function deltaCell(d: Delta, format: (x: number) => string): string {
  return d.delta === null ? '—' : signed(d.delta, format);
}

/** "95% CI -85.42 to -45.83 pp" style, for a rate difference (`rate`) or a plain difference. */
export function interval(ci: BootstrapInterval | null, kind: 'rate' | 'plain'): string {
  if (!ci) return '';
  const f = (x: number) => (kind === 'rate' ? `${(100 * x).toFixed(2)}` : num(x));
  return `${Math.round(ci.level * 100)}% CI ${f(ci.low)} to ${f(ci.high)}${kind === 'rate' ? ' pp' : ''}`;
}

/** How the intervals were computed, for the statistics lines. */
export function intervalMethod(ci: BootstrapInterval | null): string {
  if (!ci) return '';
  return ci.method === 'bootstrap'
    ? `paired bootstrap, ${formatCount(ci.resamples)} resamples, seed ${ci.seed}`
    : 'normal approximation of the paired bootstrap';
}

/** A case id with its repetition when it has one: `3f2c…` or `3f2c… #2`. */
export const caseName = (ref: CaseRef, length = Number.POSITIVE_INFINITY): string =>
  `${ref.caseId.slice(0, length)}${ref.repeat > 0 ? ` #${ref.repeat}` : ''}`;

/** One line about a run: "calc · suites/calc.json (24 cases) · git 3f2c9e1b7a4d (dirty) · completed". */
export function describeRun(info: RunInfo): string {
  const parts = [info.pipeline, `${info.suite.path} (${formatCount(info.counts.total)} case${info.counts.total === 1 ? '' : 's'}${info.repeat > 1 ? `, ${info.repeat} repeats` : ''})`];
  if (info.git) parts.push(`git ${info.git.sha?.slice(0, 12) ?? '(no commits)'}${info.git.dirty ? ' (dirty)' : ''}`);
  if (info.status !== 'completed') parts.push(info.status);
  if (info.mergedFrom) parts.push(`merged from ${info.mergedFrom.length} shards`);
  return parts.join(' · ');
}
