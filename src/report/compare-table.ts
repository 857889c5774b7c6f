import Table from 'cli-table3';
import type { CaseChange, Comparison, Outcome, RunInfo } from '../analysis/compare.ts';
import { formatPValue } from '../analysis/stats.ts';
import { caseName, describeRun, interval, intervalMethod } from './compare-format.ts';
import { uniquePrefixLength } from '../util/ids.ts';
import { formatCount, formatDuration, formatNumber, formatPoints, formatRate, formatSigned, formatUsd, toPercent } from '../util/units.ts';
import { formatValue, oneLine } from './format-value.ts';
import type { Theme } from './theme.ts';

export interface RenderComparisonOptions {
  /** Most rows of the case table. @default 100 */
  readonly maxRows?: number;
}

const table = (head: string[], theme: Theme, align?: ('left' | 'right')[]) =>
  new Table({ head: head.map((h) => theme.chalk.bold(h)), style: { head: [], border: [], compact: true }, wordWrap: false, ...(align && { colAligns: align }) });

function outcomeCell(outcome: Outcome, theme: Theme): string {
  const { chalk } = theme;
  return outcome === 'passed' ? chalk.green(outcome) : chalk.red.bold(outcome);
}

/** `tagliots compare A B` as text: runs, warnings, config differences, cases, metrics, keywords, statistics, verdict. */
export function renderComparison(c: Comparison, theme: Theme, options: RenderComparisonOptions = {}): string {
  const { chalk } = theme;
  const maxRows = options.maxRows ?? 100;
  const out: string[] = [];
  out.push(chalk.bold('Comparing B with A'));
  out.push(`  A: ${c.a.runId}  ${describeRun(c.a)}`);
  out.push(`  B: ${c.b.runId}  ${describeRun(c.b)}`);
  if (c.sameRun) out.push('', chalk.yellow('A and B are the same run: every case compares with itself.'));

  if (c.warnings.length > 0) {
    out.push('', chalk.bold('Warnings'));
    for (const warning of c.warnings) out.push(chalk.yellow(`  ! ${warning}`));
  }

  out.push('', chalk.bold('Config differences (A => B)'));
  if (c.configDiff.length === 0) out.push(chalk.dim('  (none)'));
  for (const d of c.configDiff) {
    const side = (has: boolean, value: unknown) => (has ? formatValue(value) : '(absent)');
    out.push(`  ${d.path}: ${chalk.dim(side('a' in d, d.a))} => ${chalk.cyan(side('b' in d, d.b))}`);
  }

  out.push('', `Cases: ${formatCount(c.common)} in both, ${formatCount(c.onlyA.length)} only in A, ${formatCount(c.onlyB.length)} only in B`);
  if (!c.a.hasPassed && !c.b.hasPassed) out.push(chalk.dim("  (the pipeline defines no passed(): 'passed' means the case completed)"));

  if (c.common === 0) {
    out.push(...onlyLists(c, theme));
    out.push('', chalk.bold(c.verdict.text));
    return `${out.join('\n')}\n`;
  }

  // The case table, GoTaglio's grouping.
  out.push(...caseTable(c, theme, maxRows));

  out.push('', chalk.bold('Transitions (A => B)'));
  const width = Math.max(...c.transitions.map((t) => `${t.from} => ${t.to}`.length));
  for (const t of c.transitions) {
    if (t.count === 0) continue;
    const line = `  ${`${t.from} => ${t.to}`.padEnd(width)}  ${formatCount(t.count).padStart(7)}`;
    out.push(t.from === 'passed' && t.to !== 'passed' ? chalk.red(line) : t.from !== 'passed' && t.to === 'passed' ? chalk.green(line) : line);
  }

  out.push('', chalk.bold(`Regressions (${formatCount(c.regressions.length)}): passed in A, not in B`));
  out.push(...changeList(c.regressions, theme));
  out.push('', chalk.bold(`Fixes (${formatCount(c.fixes.length)}): passed in B, not in A`));
  out.push(...changeList(c.fixes, theme));
  out.push(...onlyLists(c, theme));

  out.push('', chalk.bold(`Metrics over the ${formatCount(c.common)} common case${c.common === 1 ? '' : 's'}`));
  out.push(metricsTable(c, theme));

  if (c.keywords.length > 0) {
    out.push('', chalk.bold('Keywords'));
    const t = table(['keyword', 'cases', 'passed A', 'passed B', 'regressions', 'fixes'], theme, ['left', 'right', 'right', 'right', 'right', 'right']);
    const kwWidth = Math.max(16, Math.min(40, theme.width - 60));
    for (const k of c.keywords) {
      t.push([oneLine(k.keyword, kwWidth), formatCount(k.cases), formatRate(k.passRateA), formatRate(k.passRateB), k.regressions > 0 ? chalk.red(formatCount(k.regressions)) : '0', k.fixes > 0 ? chalk.green(formatCount(k.fixes)) : '0']);
    }
    out.push(t.toString());
  }

  out.push('', chalk.bold(`Statistics over ${formatCount(c.common)} paired case${c.common === 1 ? '' : 's'}`));
  out.push(...statisticsLines(c));
  out.push('', verdictLine(c, theme));
  return `${out.join('\n')}\n`;
}

function verdictLine(c: Comparison, theme: Theme): string {
  const { chalk } = theme;
  const color = c.verdict.kind === 'worse' ? chalk.red.bold : c.verdict.kind === 'better' ? chalk.green.bold : chalk.bold;
  return color(c.verdict.text);
}

/** McNemar and the bootstrap intervals, one line each. */
export function statisticsLines(c: Comparison): string[] {
  const lines: string[] = [];
  const m = c.mcnemar;
  if (m) lines.push(`  McNemar exact test on pass/fail flips: ${formatCount(m.regressions)} regression${m.regressions === 1 ? '' : 's'} vs ${formatCount(m.fixes)} fix${m.fixes === 1 ? '' : 'es'}, ${formatPValue(m.pTwoSided)} (two-sided)`);
  const pr = c.passRate;
  if (pr.delta !== null) {
    lines.push(`  Pass rate B - A: ${formatPoints(pr.delta)}${pr.ci ? `, ${interval(pr.ci, 'rate')} (${intervalMethod(pr.ci)})` : ''}`);
  }
  const s = c.score;
  if (s.delta !== null) {
    lines.push(`  Mean score B - A: ${formatSigned(s.delta)}${s.ci ? `, ${interval(s.ci, 'plain')}` : ''} over ${formatCount(s.pairs)} case${s.pairs === 1 ? '' : 's'} scored in both`);
  }
  return lines;
}

function caseTable(c: Comparison, theme: Theme, maxRows: number): string[] {
  const { chalk } = theme;
  const rows = c.cases.slice(0, maxRows);
  const out: string[] = [''];
  if (rows.length === 0) {
    out.push(chalk.dim(`No case changed: all ${formatCount(c.common)} common cases have the same outcome and score.`));
    return out;
  }
  const anyScore = c.a.hasScore || c.b.hasScore;
  const anyRepeat = c.a.repeat > 1 || c.b.repeat > 1;
  const head = anyRepeat ? ['id', 'repeat', 'A', 'B'] : ['id', 'A', 'B'];
  if (anyScore) head.push('score A => B');
  head.push('keywords');
  const t = table(head, theme);
  const kwWidth = Math.max(12, theme.width - 50);
  for (const row of rows) {
    const cells = [chalk.cyan(row.caseId.slice(0, c.idPrefixLength))];
    if (anyRepeat) cells.push(String(row.repeat));
    cells.push(outcomeCell(row.a, theme), outcomeCell(row.b, theme));
    if (anyScore) cells.push(scoreCell(row));
    cells.push(oneLine(row.keywords.join(', '), kwWidth));
    t.push(cells);
  }
  out.push(t.toString());
  const unchanged = c.common - c.changed;
  const notShown = c.cases.length - rows.length;
  if (c.casesListed === 'changed' && unchanged > 0) {
    out.push(chalk.dim(`Only changed cases are listed: ${formatCount(unchanged)} unchanged case${unchanged === 1 ? '' : 's'} not shown.`));
  }
  if (notShown > 0) out.push(chalk.dim(`… ${formatCount(notShown)} more changed case${notShown === 1 ? '' : 's'} not shown; run with --rows all to list every one (or --json).`));
  return out;
}

function scoreCell(row: CaseChange): string {
  if (row.scoreA === row.scoreB) return formatNumber(row.scoreA);
  return `${formatNumber(row.scoreA)} => ${formatNumber(row.scoreB)}`;
}

/** Every case of a regression or fix list, by full id: GoTaglio grouped, then by id. */
function changeList(changes: readonly CaseChange[], theme: Theme): string[] {
  const { chalk } = theme;
  if (changes.length === 0) return [chalk.dim('  (none)')];
  const idWidth = Math.max(...changes.map((ch) => caseName(ch).length));
  return changes.map((ch) => {
    const keywords = ch.keywords.length > 0 ? `  ${chalk.dim(ch.keywords.join(', '))}` : '';
    return `  ${`${ch.a} => ${ch.b}`.padEnd(17)} ${chalk.cyan(caseName(ch).padEnd(idWidth))}${keywords}`.trimEnd();
  });
}

function onlyLists(c: Comparison, theme: Theme): string[] {
  const { chalk } = theme;
  const out: string[] = [];
  for (const [name, list] of [['A', c.onlyA], ['B', c.onlyB]] as const) {
    if (list.length === 0) continue;
    out.push('', chalk.bold(`Only in ${name} (${formatCount(list.length)})`));
    for (const ref of list) out.push(`  ${chalk.cyan(caseName(ref))}`);
  }
  return out;
}

function metricsTable(c: Comparison, theme: Theme): string {
  const t = table(['', 'A', 'B', 'B - A'], theme, ['left', 'right', 'right', 'left']);
  const pr = c.passRate;
  t.push(['pass rate', formatRate(pr.a), formatRate(pr.b), pr.delta === null ? '—' : `${formatPoints(pr.delta)}${pr.ci ? ` (${interval(pr.ci, 'rate')})` : ''}`]);
  if (c.score.pairs > 0) {
    const s = c.score;
    t.push(['mean score', formatNumber(s.a), formatNumber(s.b), s.delta === null ? '—' : `${formatSigned(s.delta)}${s.ci ? ` (${interval(s.ci, 'plain')})` : ''}`]);
  }
  if (c.costUsd.delta !== null) t.push(['cost', formatUsd(c.costUsd.a), formatUsd(c.costUsd.b), formatSigned(c.costUsd.delta, formatUsd)]);
  if (c.inputTokens.delta !== null) t.push(['tokens in', formatNumber(c.inputTokens.a), formatNumber(c.inputTokens.b), formatSigned(c.inputTokens.delta, formatNumber)]);
  if (c.outputTokens.delta !== null) t.push(['tokens out', formatNumber(c.outputTokens.a), formatNumber(c.outputTokens.b), formatSigned(c.outputTokens.delta, formatNumber)]);
  for (const [name, d] of [['latency mean', c.latency.mean], ['latency p50', c.latency.p50], ['latency p95', c.latency.p95]] as const) {
    t.push([name, formatDuration(d.a), formatDuration(d.b), formatSigned(d.delta, formatDuration)]);
  }
  return t.toString();
}

/** The shortest prefix (at least 8 characters) that tells the runs apart. */
export function runLabels(ids: readonly string[]): (id: string) => string {
  const length = uniquePrefixLength(new Set(ids), 8);
  return (id) => id.slice(0, length);
}

/**
 * Warnings of several comparisons with one baseline: those about the baseline once, the others
 * under the run they are about.
 */
export function groupWarnings(comparisons: readonly Comparison[], label: (id: string) => string): { baseline: string[]; runs: [string, string[]][] } {
  const baseline = new Set<string>();
  const runs: [string, string[]][] = [];
  for (const c of comparisons) {
    const own: string[] = [];
    for (const warning of c.warnings) {
      if (/^A[ :]/.test(warning)) baseline.add(warning.replace(/^A(?=[ :])/, 'The baseline'));
      else own.push(/^B[ :]/.test(warning) ? warning.replace(/^B(?=[ :])/, 'This run') : `${warning} (A is the baseline, B this run)`);
    }
    if (own.length > 0) runs.push([label(c.b.runId), own]);
  }
  return { baseline: [...baseline], runs };
}

/** `tagliots compare <baseline> <B> <C> …`: one row per run, against the baseline. */
export function renderMultiComparison(baseline: RunInfo, comparisons: readonly Comparison[], theme: Theme): string {
  const { chalk } = theme;
  const label = runLabels([baseline.runId, ...comparisons.map((c) => c.b.runId)]);
  const out: string[] = [];
  out.push(chalk.bold(`Comparing ${comparisons.length} runs with the baseline`));
  out.push(`  baseline: ${baseline.runId}  ${describeRun(baseline)}`);
  const withCost = baseline.costUsd !== null || comparisons.some((c) => c.b.costUsd !== null);
  const head = ['run', 'pass rate', 'Δ pass', '95% CI', 'regr.', 'fixes', 'p', ...(withCost ? ['cost'] : []), 'verdict'];
  const t = table(head, theme, ['left', 'right', 'right', 'left', 'right', 'right', 'right', ...(withCost ? (['right'] as const) : []), 'left']);
  const rate = (counts: RunInfo['counts']) => formatRate(counts.total === 0 ? null : counts.passed / counts.total);
  t.push([label(baseline.runId), rate(baseline.counts), '', '', '', '', '', ...(withCost ? [formatUsd(baseline.costUsd)] : []), chalk.dim('baseline')]);
  for (const c of comparisons) {
    const ci = c.passRate.ci;
    const color = c.verdict.kind === 'worse' ? chalk.red : c.verdict.kind === 'better' ? chalk.green : (s: string) => s;
    t.push([
      label(c.b.runId),
      rate(c.b.counts),
      formatPoints(c.passRate.delta, 1),
      ci ? `${toPercent(ci.low, 1)} to ${toPercent(ci.high, 1)}` : '—',
      c.regressions.length > 0 ? chalk.red(formatCount(c.regressions.length)) : '0',
      c.fixes.length > 0 ? chalk.green(formatCount(c.fixes.length)) : '0',
      c.mcnemar ? shortP(c.mcnemar.pTwoSided) : '—',
      ...(withCost ? [formatUsd(c.b.costUsd)] : []),
      color(verdictWord(c)),
    ]);
  }
  out.push(t.toString());
  out.push(chalk.dim("pass rate: over each run's own cases. Δ pass: pass-rate difference with the baseline over the cases both ran,"));
  out.push(chalk.dim('with its paired bootstrap 95% CI in percentage points. regr., fixes: cases that stopped or started'));
  out.push(chalk.dim('passing. p: McNemar exact test on those flips, two-sided.'));
  const warnings = groupWarnings(comparisons, label);
  if (warnings.baseline.length + warnings.runs.length > 0) out.push('', chalk.bold('Warnings'));
  for (const warning of warnings.baseline) out.push(chalk.yellow(`  ! ${warning}`));
  for (const [run, list] of warnings.runs) for (const warning of list) out.push(chalk.yellow(`  ! ${run}: ${warning}`));
  return `${out.join('\n')}\n`;
}

/** The p-value without "p": "0.035", "< 0.001". */
export function shortP(p: number): string {
  return formatPValue(p).replace(/^p = /, '').replace(/^p < /, '< ');
}

export function verdictWord(c: Comparison): string {
  switch (c.verdict.kind) {
    case 'worse':
      return 'worse';
    case 'better':
      return 'better';
    case 'not-significant':
      return 'not significant';
    case 'no-change':
      return 'no change';
    case 'same-run':
      return 'same run';
    case 'no-common-cases':
      return 'no overlap';
  }
}
