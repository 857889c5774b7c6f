import Table from 'cli-table3';
import type { CaseChange, Comparison, KeywordComparison, MetricComparison, Outcome, RunInfo } from '../analysis/compare.ts';
import { formatAlpha } from '../analysis/compare-wording.ts';
import { formatPValue } from '../analysis/stats.ts';
import { caseName, describeRun, interval, keywordNote, statisticsLines, totalRows } from './compare-format.ts';
import { uniquePrefixLength } from '../util/ids.ts';
import { formatCount, formatDuration, formatNumber, formatPoints, formatRate, formatSigned, formatUsd, toPercent } from '../util/units.ts';
import { oneLine } from './format-value.ts';
import { formatConfigValue } from './run-config.ts';
import { escapeControls } from '../util/terminal-text.ts';
import type { Theme } from './theme.ts';

export interface RenderComparisonOptions {
  /** Most rows of the case table. @default 100 */
  readonly maxRows?: number;
}

const table = (head: string[], theme: Theme, align?: ('left' | 'right')[]) =>
  new Table({ head: head.map((h) => theme.chalk.bold(h)), style: { head: [], border: [], compact: true }, wordWrap: false, ...(align && { colAligns: align }) });

function outcomeCell(outcome: Outcome, theme: Theme, infra = false): string {
  const { chalk } = theme;
  if (infra) return chalk.yellow('error (infra)');
  return outcome === 'passed' ? chalk.green(outcome) : chalk.red.bold(outcome);
}

/** An outcome in a list: `error (infra)` for an infrastructure error. */
const outcomeText = (outcome: Outcome, infra: boolean | undefined) => (infra ? 'error (infra)' : outcome);

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
    const side = (has: boolean, value: unknown) => (has ? formatConfigValue(value) : '(absent)');
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
  out.push(...toolCallList(c, theme));
  out.push(...onlyLists(c, theme));

  out.push('', chalk.bold(`Metrics over the ${formatCount(c.common)} common case${c.common === 1 ? '' : 's'}`));
  out.push(metricsTable(c, theme));

  if (c.keywords.length > 0) {
    out.push('', chalk.bold('Keywords'));
    const t = table(['keyword', 'cases', 'passed A', 'passed B', 'regressions', 'fixes', 'p (Holm)', ''], theme, ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left']);
    const kwWidth = Math.max(16, Math.min(40, theme.width - 75));
    for (const k of c.keywords) {
      t.push([
        oneLine(k.keyword, kwWidth),
        formatCount(k.cases),
        formatRate(k.passRateA),
        formatRate(k.passRateB),
        k.regressions > 0 ? chalk.red(formatCount(k.regressions)) : '0',
        k.fixes > 0 ? chalk.green(formatCount(k.fixes)) : '0',
        k.pAdjusted === null ? '—' : shortP(k.pAdjusted),
        keywordMark(k, theme),
      ]);
    }
    out.push(t.toString());
    out.push(...wrap(keywordNote(c), theme.width, '', '').map((line) => chalk.dim(line)));
  }

  out.push('', chalk.bold('Statistics'));
  for (const line of statisticsLines(c)) out.push(...wrap(line, theme.width, '  ', '    '));
  out.push('', ...wrap(c.verdict.text, theme.width, '', '  ').map((line) => verdictColor(c, theme)(line)));
  return `${out.join('\n')}\n`;
}

function verdictColor(c: Comparison, theme: Theme): (text: string) => string {
  const { chalk } = theme;
  return c.verdict.kind === 'worse' ? chalk.red.bold : c.verdict.kind === 'better' ? chalk.green.bold : chalk.bold;
}

/** Words of `text` in lines of at most `width` characters: the first indented by `first`, the others by `rest`. */
export function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    const indent = lines.length === 0 ? first : rest;
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else line = line.length > indent.length ? `${line} ${word}` : `${line}${word}`;
  }
  lines.push(line);
  return lines;
}

/** The mark of a keyword row: only rows significant after Holm's adjustment get one. */
function keywordMark(k: KeywordComparison, theme: Theme): string {
  if (k.significant === 'worse') return theme.chalk.red.bold('worse');
  if (k.significant === 'better') return theme.chalk.green.bold('better');
  return theme.chalk.dim('noise');
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
    cells.push(outcomeCell(row.a, theme, row.infraA), outcomeCell(row.b, theme, row.infraB));
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
    return `  ${`${outcomeText(ch.a, ch.infraA)} => ${outcomeText(ch.b, ch.infraB)}`.padEnd(17)} ${chalk.cyan(caseName(ch).padEnd(idWidth))}${keywords}`.trimEnd();
  });
}

/** The cases whose tool calls differ: A's calls above B's, one per line. */
function toolCallList(c: Comparison, theme: Theme): string[] {
  const { chalk } = theme;
  if (!c.toolCalls) return [];
  const { changed, cases } = c.toolCalls;
  const out = ['', chalk.bold(`Tool calls changed (${formatCount(changed)}): same case, other calls or arguments`)];
  if (changed === 0) out.push(chalk.dim('  (none)'));
  for (const ch of cases) {
    out.push(`  ${chalk.cyan(caseName(ch))}  ${ch.a === ch.b ? ch.a : `${ch.a} => ${ch.b}`}`);
    for (const [side, calls] of [['A', ch.callsA], ['B', ch.callsB]] as const) {
      const lines = calls === null ? ['(no tool loop)'] : calls.length === 0 ? ['(no tool calls)'] : calls;
      lines.forEach((line, k) => out.push(`    ${k === 0 ? `${side}:` : '  '} ${side === 'A' ? chalk.dim(escapeControls(line)) : escapeControls(line)}`));
    }
  }
  if (changed > cases.length) out.push(chalk.dim(`  … and ${formatCount(changed - cases.length)} more (--rows lists more)`));
  return out;
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
  if (pr.delta !== null) t.push(['pass rate', formatRate(pr.a), formatRate(pr.b), `${formatPoints(pr.delta)}${pr.ci ? ` (${interval(pr.ci, 'rate')})` : ''}`]);
  if (c.score.pairs > 0) {
    const s = c.score;
    t.push(['mean score', formatNumber(s.a), formatNumber(s.b), s.delta === null ? '—' : `${formatSigned(s.delta)}${s.ci ? ` (${interval(s.ci, 'plain')})` : ''}`]);
  }
  for (const row of totalRows(c)) t.push(row);
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
  const level = multiLevel(comparisons);
  const head = ['run', 'pass rate', 'Δ', `${level} CI`, 'regr.', 'fixes', 'p', ...(withCost ? ['cost'] : []), 'verdict'];
  const t = table(head, theme, ['left', 'right', 'right', 'left', 'right', 'right', 'right', ...(withCost ? (['right'] as const) : []), 'left']);
  const rate = (counts: RunInfo['counts']) => formatRate(counts.total === 0 ? null : counts.passed / counts.total);
  t.push([label(baseline.runId), rate(baseline.counts), '', '', '', '', '', ...(withCost ? [formatUsd(baseline.costUsd)] : []), chalk.dim('baseline')]);
  for (const c of comparisons) {
    const m = primaryOf(c);
    const color = c.verdict.kind === 'worse' ? chalk.red : c.verdict.kind === 'better' ? chalk.green : (text: string) => text;
    t.push([
      label(c.b.runId),
      rate(c.b.counts),
      m ? changeCell(m) : '—',
      m ? intervalCell(m) : '—',
      c.regressions.length > 0 ? chalk.red(formatCount(c.regressions.length)) : '0',
      c.fixes.length > 0 ? chalk.green(formatCount(c.fixes.length)) : '0',
      m ? shortP(Math.min(m.pWorse, m.pBetter)) : '—',
      ...(withCost ? [formatUsd(c.b.costUsd)] : []),
      color(verdictWord(c)),
    ]);
  }
  out.push(t.toString());
  for (const note of multiNote(comparisons)) for (const line of wrap(note, theme.width, '', '')) out.push(chalk.dim(line));
  const warnings = groupWarnings(comparisons, label);
  if (warnings.baseline.length + warnings.runs.length > 0) out.push('', chalk.bold('Warnings'));
  for (const warning of warnings.baseline) out.push(chalk.yellow(`  ! ${warning}`));
  for (const [run, list] of warnings.runs) for (const warning of list) out.push(chalk.yellow(`  ! ${run}: ${warning}`));
  return `${out.join('\n')}\n`;
}

/** The metric a comparison's row shows: the pass rate, else the mean score. */
export function primaryOf(c: Comparison): MetricComparison | null {
  const stats = c.stats;
  return stats?.primary ? stats[stats.primary] : null;
}

/** "-5.3 pp" or "-0.12". */
export function changeCell(m: MetricComparison): string {
  return m.metric === 'pass' ? formatPoints(m.estimate, 1) : formatSigned(m.estimate);
}

/** "-9.8 to -0.9" (percentage points for a pass rate). */
export function intervalCell(m: MetricComparison): string {
  const f = m.metric === 'pass' ? (x: number) => toPercent(x, 1) : formatNumber;
  return `${f(m.interval.low)} to ${f(m.interval.high)}`;
}

/** The level of the intervals of a table of comparisons: "90%", or "96.7%" for three runs at α = 0.05. */
export function multiLevel(comparisons: readonly Comparison[]): string {
  const m = comparisons.map(primaryOf).find((x) => x !== null);
  return m ? `${Math.round(m.interval.level * 1000) / 10}%` : '90%';
}

/** What the columns of a table of comparisons mean, in lines. */
export function multiNote(comparisons: readonly Comparison[]): string[] {
  const stats = comparisons.find((c) => c.stats)?.stats;
  const metric = stats?.primary === 'score' ? 'mean score' : 'pass rate';
  const alpha = stats ? formatAlpha(stats.alpha) : '0.05';
  const metrics = stats ? [stats.pass, stats.score].filter((m) => m !== null).length : 1;
  const runs = stats ? Math.round(stats.tests / Math.max(1, metrics)) : comparisons.length;
  const together =
    (stats?.tests ?? 1) > 1
      ? ` "Worse" and "better" are each judged at α = ${alpha} split over ${stats!.tests} tests (Bonferroni: ${runs} run${runs === 1 ? '' : 's'} × ${metrics} metric${metrics === 1 ? '' : 's'}), so a verdict holds for the whole table.`
      : ` "Worse" and "better" are each judged at α = ${alpha}.`;
  return [
    `pass rate: over each run's own cases. Δ: ${metric} change against the baseline over the cases both ran, with its interval; regr., fixes: cases that stopped or started passing.`,
    `p: one-sided, in the direction of the change.${together}`,
  ];
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
