/** What the compare and gate reports (text and Markdown) share: metric cells, intervals, case and run names. */
import type { CaseRef, RunInfo } from '../analysis/compare.ts';
import type { BootstrapInterval } from '../analysis/stats.ts';
import { formatCount, formatNumber, toPercent } from '../util/units.ts';

/** "95% CI -85.42 to -45.83 pp" style, for a rate difference (`rate`) or a plain difference. */
export function interval(ci: BootstrapInterval | null, kind: 'rate' | 'plain'): string {
  if (!ci) return '';
  const f = kind === 'rate' ? toPercent : formatNumber;
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
