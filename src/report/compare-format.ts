/**
 * What the compare and gate reports (text, Markdown and the report page) share: intervals, the
 * statistics lines, case and run names. One wording everywhere: the page runs this module too
 * (bundled into src/report/html/client/).
 */
import type { CaseRef, Comparison, ComparisonInterval, MetricComparison, RunInfo } from '../analysis/compare.ts';
import { describeChange, describeCounts, describeInterval, describeSensitivity, formatAlpha } from '../analysis/compare-wording.ts';
import { formatPValue } from '../analysis/stats.ts';
import { formatCount, formatNumber, formatSigned, formatUsd } from '../util/units.ts';

/** "90% CI -9.8 to -0.9 pp" for a rate difference (`rate`), "90% CI -0.52 to -0.47" for a plain one. */
export function interval(ci: ComparisonInterval | null, kind: 'rate' | 'plain'): string {
  return ci ? describeInterval(ci, kind === 'rate' ? 'pass' : 'score') : '';
}

/** How a metric was tested, for the statistics lines. */
export function testMethod(m: MetricComparison): string {
  switch (m.method) {
    case 'mcnemar-exact':
      return "McNemar's exact test, Tango's score interval";
    case 'sign-flip-exact':
      return 'sign-flip test on per-case differences, every sign pattern';
    case 'sign-flip-random':
      return `sign-flip test on per-case differences, ${formatCount(m.resamples ?? 0)} random sign patterns (seed ${m.seed})`;
    case 'sign-flip-normal':
      return 'sign-flip test on per-case differences, normal limit';
  }
}

/** "300 cases" or "300 cases × 3 repeats (averaged per case)". */
export function describeUnits(c: Pick<Comparison, 'stats' | 'common'>): string {
  const stats = c.stats;
  if (!stats) return `${formatCount(c.common)} paired records`;
  const cases = `${formatCount(stats.cases)} case${stats.cases === 1 ? '' : 's'}`;
  return stats.repeats > 1 ? `${cases} × ${stats.repeats} repeats (averaged per case)` : cases;
}

/**
 * The statistics of a comparison as plain lines, for every output: what was tested and how, each
 * metric's change with its interval and one-sided p-values, the records left out, and what a
 * comparison of this size can detect.
 */
export function statisticsLines(c: Pick<Comparison, 'stats' | 'common' | 'a' | 'b'>): string[] {
  const stats = c.stats;
  if (!stats) return [];
  const lines: string[] = [];
  const split = stats.tests > 1 ? `, split over ${stats.tests} tests (Bonferroni: each at ${formatAlpha(stats.alpha / stats.tests)})` : '';
  lines.push(`Over ${describeUnits(c)}: "worse" and "better" each one-sided at α = ${formatAlpha(stats.alpha)}${split}.`);
  for (const m of [stats.pass, stats.score]) {
    if (!m) continue;
    const name = m.metric === 'pass' ? 'Pass rate' : 'Mean score';
    lines.push(
      `${name} B − A: ${describeChange(m).replace(/^(pass rate|mean score) /, '')}, ${describeCounts(m)}; ${formatPValue(m.pWorse).replace('p', 'p(worse)')}, ${formatPValue(m.pBetter).replace('p', 'p(better)')} (${testMethod(m)}).`,
    );
  }
  const { a, b } = stats.excluded;
  if (a + b > 0) {
    lines.push(
      `Infrastructure errors left out, neither regressions nor fixes: ${formatCount(a)} record${a === 1 ? '' : 's'} in A, ${formatCount(b)} in B (rerun them: ${[
        ...(a > 0 ? [c.a.runId] : []),
        ...(b > 0 ? [c.b.runId] : []),
      ]
        .map((id) => `tagliots rerun ${id} --only errored`)
        .join(', ')}).`,
    );
  }
  const pipelineErrors = c.a.errors.pipeline + c.b.errors.pipeline;
  if (pipelineErrors > 0) {
    const scored = stats.score && stats.errorScore !== null ? `, and score ${formatNumber(stats.errorScore)}` : '';
    lines.push(`Pipeline errors count as failures${scored}: ${formatCount(c.a.errors.pipeline)} in A, ${formatCount(c.b.errors.pipeline)} in B.`);
  }
  for (const m of [stats.pass, stats.score]) if (m) lines.push(describeSensitivity(stats, m));
  return lines;
}

/** The note under a keyword table: how its rows were tested. */
export function keywordNote(c: Pick<Comparison, 'keywords' | 'stats'>): string {
  const tested = c.keywords.filter((k) => k.p !== null).length;
  const significant = c.keywords.filter((k) => k.significant !== null).length;
  const metric = c.stats?.primary === 'score' ? 'mean score' : 'pass rate';
  return `Each keyword's ${metric} change is tested over its cases, Holm-adjusted over ${formatCount(tested)} keyword${tested === 1 ? '' : 's'}: ${
    significant === 0 ? 'none is significant, every difference is within noise' : `${formatCount(significant)} significant (marked), the others within noise`
  }.`;
}

/**
 * The rows of cost and token totals: [name, A, B, B − A], for each total at least one run recorded.
 * A run that recorded none (a GoTaglio log has no token counts) reads "unknown", never 0.
 */
export function totalRows(c: Comparison): [string, string, string, string][] {
  const rows: [string, string, string, string][] = [];
  const known = (value: number | null, format: (x: number) => string) => (value === null ? 'unknown' : format(value));
  for (const [name, d, format] of [
    ['cost', c.costUsd, formatUsd],
    ['tokens in', c.inputTokens, formatNumber],
    ['tokens out', c.outputTokens, formatNumber],
  ] as const) {
    if (d.a === null && d.b === null) continue;
    rows.push([name, known(d.a, format), known(d.b, format), d.delta === null ? '' : formatSigned(d.delta, format)]);
  }
  return rows;
}

/** A case id with its repetition when it has one: `3f2c…` or `3f2c… #2`. */
export const caseName = (ref: CaseRef, length = Number.POSITIVE_INFINITY): string =>
  `${ref.caseId.slice(0, length)}${ref.repeat > 0 ? ` #${ref.repeat}` : ''}`;

/** One line about a run: "calc · suites/calc.json (24 cases) · git 3f2c9e1b7a4d (dirty) · completed". */
export function describeRun(info: RunInfo): string {
  // counts.total is cases × repeats.
  const cases = Math.round(info.counts.total / info.repeat);
  const parts = [info.pipeline, `${info.suite.path} (${formatCount(cases)} case${cases === 1 ? '' : 's'}${info.repeat > 1 ? ` × ${info.repeat} repeats` : ''})`];
  if (info.git) parts.push(`git ${info.git.sha?.slice(0, 12) ?? '(no commits)'}${info.git.dirty ? ' (dirty)' : ''}`);
  if (info.status !== 'completed') parts.push(info.status);
  if (info.mergedFrom) parts.push(`merged from ${info.mergedFrom.length} shards${info.shards ? ` (${info.shards.merged.length} of ${info.shards.count})` : ''}`);
  return parts.join(' · ');
}
