import Table from 'cli-table3';
import type { Summary, SummaryRow } from '../analysis/summary.ts';
import { formatCount, formatDuration, oneLine, percent } from './format-value.ts';
import type { Theme } from './theme.ts';

export interface RenderSummaryOptions {
  /** The command that shows every row, mentioned when rows were left out. */
  readonly allRowsHint?: string;
}

/** The summary table and totals, as `run` and `summarize` print them. */
export function renderSummary(summary: Summary, theme: Theme, options: RenderSummaryOptions = {}): string {
  const { chalk } = theme;
  const out: string[] = [];
  out.push(chalk.bold(`Summary for ${summary.runId}`));
  if (summary.rows.length > 0) out.push(renderTable(summary, theme));
  else out.push('No results.');
  if (summary.hiddenRows > 0) {
    out.push(
      chalk.dim(`… ${formatCount(summary.hiddenRows)} more row${summary.hiddenRows === 1 ? '' : 's'} not shown (errors and failures are shown first)${options.allRowsHint ? `; ${options.allRowsHint}` : ''}.`),
    );
  }
  out.push('');
  out.push(...renderTotals(summary, theme));
  return `${out.join('\n')}\n`;
}

function renderTable(summary: Summary, theme: Theme): string {
  const { chalk } = theme;
  const anyError = summary.rows.some((row) => row.error !== null);
  const head = ['id', 'status'];
  if (summary.hasPassed) head.push('passed');
  if (summary.hasScore) head.push('score');
  if (summary.anyKeywords) head.push('keywords');
  head.push(...summary.columns);
  if (anyError) head.push('error');
  const cellWidth = Math.max(12, Math.floor((theme.width - 30) / Math.max(1, head.length - 2)));
  const table = new Table({
    head: head.map((h) => chalk.bold(h)),
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const row of summary.rows) table.push(renderRow(row, summary, theme, cellWidth, anyError));
  return table.toString();
}

function renderRow(row: SummaryRow, summary: Summary, theme: Theme, cellWidth: number, anyError: boolean): string[] {
  const { chalk } = theme;
  const cells = [chalk.cyan(row.caseId.slice(0, summary.idPrefixLength)), statusCell(row, theme)];
  if (summary.hasPassed) cells.push(row.passed === null ? '' : row.passed ? chalk.green('yes') : chalk.red('no'));
  if (summary.hasScore) cells.push(row.score === null ? '' : formatScore(row.score));
  if (summary.anyKeywords) cells.push(oneLine(row.keywords.join(', '), cellWidth));
  for (const column of summary.columns) {
    const value = row.columns[column];
    cells.push(value === null || value === undefined ? '' : oneLine(typeof value === 'number' ? formatScore(value) : String(value), cellWidth));
  }
  if (anyError) cells.push(row.error ? chalk.red(oneLine(row.error, Math.max(cellWidth, 40))) : '');
  return cells;
}

function statusCell(row: SummaryRow, theme: Theme): string {
  const { chalk } = theme;
  switch (row.status) {
    case 'complete':
      return chalk.green('COMPLETE');
    case 'error':
      return chalk.red.bold('ERROR');
    case 'cancelled':
      return chalk.yellow('CANCELLED');
  }
}

function formatScore(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) >= 100 ? 1 : 3).replace(/0+$/, '').replace(/\.$/, '');
}

/** GoTaglio's totals (Total / Complete / Error / Passed / Failed with percentages), plus what we add. */
export function renderTotals(summary: Summary, theme: Theme): string[] {
  const { chalk } = theme;
  const { counts } = summary;
  const total = counts.total;
  const lines = [`Total: ${formatCount(total)}`];
  lines.push(`Complete: ${formatCount(counts.complete)}/${formatCount(total)} (${percent(counts.complete, total)})`);
  lines.push(`Error: ${formatCount(counts.error)}/${formatCount(total)} (${percent(counts.error, total)})`);
  if (counts.cancelled > 0) lines.push(chalk.yellow(`Cancelled: ${formatCount(counts.cancelled)}/${formatCount(total)} (${percent(counts.cancelled, total)})`));
  if (counts.notRun > 0) lines.push(chalk.yellow(`Not run: ${formatCount(counts.notRun)}/${formatCount(total)} (${percent(counts.notRun, total)})`));
  if (summary.hasPassed) {
    lines.push(chalk.green(`Passed: ${formatCount(counts.passed)}/${formatCount(total)} (${percent(counts.passed, total)})`));
    lines.push((counts.failed > 0 ? chalk.red : (s: string) => s)(`Failed: ${formatCount(counts.failed)}/${formatCount(total)} (${percent(counts.failed, total)})`));
  } else {
    lines.push(chalk.dim('Passed/Failed: not evaluated (the pipeline defines no passed())'));
  }
  if (summary.hasScore && summary.meanScore !== null) lines.push(`Mean score: ${formatScore(summary.meanScore)}`);
  if (summary.usage) {
    const u = summary.usage;
    lines.push(`Tokens: ${formatCount(u.inputTokens)} in, ${formatCount(u.outputTokens)} out (${formatCount(u.calls)} model call${u.calls === 1 ? '' : 's'})`);
  }
  if (summary.durationMs !== null) {
    const done = counts.complete + counts.error + counts.cancelled;
    const rate = summary.durationMs > 0 ? ` (${formatCount(Math.round((done * 1000) / summary.durationMs))} cases/s)` : '';
    lines.push(`Duration: ${formatDuration(summary.durationMs)}${rate}`);
  }
  if (summary.status === 'interrupted') lines.push(chalk.yellow('Run interrupted: the log holds every case that finished.'));
  if (summary.status === 'incomplete') lines.push(chalk.yellow('Run incomplete: the log has no run.end record (crashed, killed or still running).'));
  return lines;
}
