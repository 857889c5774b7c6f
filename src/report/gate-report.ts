import Table from 'cli-table3';
import type { GateResult, RuleResult } from '../analysis/gate.ts';
import { describeSensitivity } from '../analysis/compare-wording.ts';
import { caseName, describeRun, statisticsLines } from './compare-format.ts';
import { cell, code } from './compare-markdown.ts';
import { formatCount } from '../util/units.ts';
import type { Theme } from './theme.ts';

/** Cases listed under a failed rule before "… and N more". */
const CASES_SHOWN = 20;

const label = (status: RuleResult['status']) => (status === 'pass' ? 'PASS' : status === 'fail' ? 'FAIL' : 'SKIP');

/** The gate as text: one row per rule, then the verdict and, when it failed, why. */
export function renderGate(result: GateResult, theme: Theme, options: { readonly compareHint?: string } = {}): string {
  const { chalk } = theme;
  const out: string[] = [];
  out.push(chalk.bold(`Gate for ${result.run.runId}`));
  out.push(`  run: ${describeRun(result.run)}`);
  if (result.baseline) out.push(`  baseline: ${result.baseline.runId}  ${describeRun(result.baseline)}`);
  const table = new Table({
    head: ['result', 'rule', 'measured', 'threshold'].map((h) => chalk.bold(h)),
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const rule of result.rules) {
    const color = rule.status === 'pass' ? chalk.green : rule.status === 'fail' ? chalk.red.bold : chalk.yellow;
    table.push([color(label(rule.status)), rule.name, rule.measured, rule.threshold]);
  }
  out.push(table.toString());

  const skipped = result.rules.filter((r) => r.status === 'skip');
  if (result.passed) {
    const counted = result.rules.length - skipped.length;
    const holds = counted === 0 ? '' : counted === 1 ? ': the rule holds' : `: all ${counted} rules hold`;
    out.push(chalk.green.bold(`Gate passed${holds}${skipped.length > 0 ? ` (${skipped.length} skipped)` : ''}.`));
  } else {
    out.push(chalk.red.bold(`Gate failed: ${failedSummary(result)} failed.`));
  }
  for (const rule of result.rules) {
    if (rule.status === 'pass' || rule.reason === null) continue;
    const mark = rule.status === 'fail' ? chalk.red('  ✗') : chalk.yellow('  -');
    out.push(`${mark} ${rule.name}: ${rule.reason}`);
    const cases = rule.cases ?? [];
    const width = Math.max(0, ...cases.slice(0, CASES_SHOWN).map((c) => caseName(c).length));
    for (const c of cases.slice(0, CASES_SHOWN)) out.push(`      ${chalk.cyan(caseName(c).padEnd(width))}  ${c.from ? `${c.from} => ` : ''}${c.outcome}`);
    if (cases.length > CASES_SHOWN) {
      out.push(chalk.dim(`      … and ${formatCount(cases.length - CASES_SHOWN)} more${rule.id === 'max-regressions' && options.compareHint ? ` (${options.compareHint} lists them all)` : ''}`));
    }
  }
  const notes = comparisonNotes(result);
  if (notes.length > 0) out.push('', ...notes.map((note) => chalk.dim(note)));
  return `${out.join('\n')}\n`;
}

/**
 * What the gate's comparison concluded, in the words `compare` uses, and what it could have seen:
 * the minimum detectable drop of each metric.
 */
export function comparisonNotes(result: GateResult): string[] {
  const c = result.comparison;
  if (!c?.stats) return [];
  const notes = [`Comparison: ${c.verdict.text}`, statisticsLines(c)[0]!];
  for (const m of [c.stats.pass, c.stats.score]) if (m) notes.push(describeSensitivity(c.stats, m));
  return notes;
}

/** "1 of 5 rules (coverage)" or "2 of 5 rules (coverage, infrastructure errors)". */
function failedSummary(result: GateResult): string {
  const names = result.rules.filter((r) => r.status === 'fail').map((r) => r.name);
  return `${result.failed} of ${result.rules.length} rule${result.rules.length === 1 ? '' : 's'} (${names.join(', ')})`;
}

/** The gate as Markdown, for GITHUB_STEP_SUMMARY (and pull-request comments). */
export function gateMarkdown(result: GateResult): string {
  const out: string[] = [];
  out.push(`### ${result.passed ? '✅ Gate passed' : `❌ Gate failed: ${failedSummary(result)}`}`, '');
  out.push(`Run ${code(result.run.runId)}: ${cell(describeRun(result.run))}`, '');
  if (result.baseline) out.push(`Baseline ${code(result.baseline.runId)}: ${cell(describeRun(result.baseline))}`, '');
  out.push('| | rule | measured | threshold |', '|---|---|---|---|');
  for (const rule of result.rules) {
    const mark = rule.status === 'pass' ? '✅' : rule.status === 'fail' ? '❌' : '⏭️';
    out.push(`| ${mark} | ${cell(rule.name)} | ${cell(rule.measured)} | ${cell(rule.threshold)} |`);
  }
  out.push('');
  for (const note of comparisonNotes(result)) out.push(`> ${cell(note)}`);
  if (result.comparison?.stats) out.push('');
  for (const rule of result.rules) {
    if (rule.status !== 'fail') continue;
    out.push(`- **${cell(rule.name)}**: ${cell(rule.reason ?? '')}`);
    const cases = rule.cases ?? [];
    if (cases.length > 0) {
      const shown = cases.slice(0, 50).map((c) => `${code(caseName(c))} (${c.from ? `${c.from} → ` : ''}${c.outcome})`);
      out.push(`  ${shown.join(', ')}${cases.length > 50 ? `, … and ${formatCount(cases.length - 50)} more` : ''}`);
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
