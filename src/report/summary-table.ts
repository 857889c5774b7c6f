import Table from 'cli-table3';
import { OUTCOME_LEGEND, type RepeatStats } from '../analysis/repeats.ts';
import type { Summary, SummaryRow, TurnStats } from '../analysis/summary.ts';
import type { RunEndRecord } from '../log/schema.ts';
import { escapeControls } from '../util/terminal-text.ts';
import { formatCount, formatDuration, formatNumber, formatPercent, formatUsd } from '../util/units.ts';
import { oneLine } from './format-value.ts';
import type { Theme } from './theme.ts';

export interface RenderSummaryOptions {
  /** The command that shows every row, mentioned when rows were left out. */
  readonly allRowsHint?: string;
  /** The run's run.end record: model-call totals (cache hits, retries) and the cost budget come from it. */
  readonly end?: RunEndRecord | null;
}

/** The summary table and totals, as `run` and `summarize` print them. */
export function renderSummary(summary: Summary, theme: Theme, options: RenderSummaryOptions = {}): string {
  const { chalk } = theme;
  const out: string[] = [];
  out.push(chalk.bold(`Summary for ${escapeControls(summary.runId)}`));
  if (summary.rows.length > 0) out.push(renderTable(summary, theme));
  else out.push('No results.');
  if (summary.hiddenRows > 0) {
    out.push(
      chalk.dim(`… ${formatCount(summary.hiddenRows)} more row${summary.hiddenRows === 1 ? '' : 's'} not shown (errors and failures are shown first)${options.allRowsHint ? `; ${options.allRowsHint}` : ''}.`),
    );
  }
  out.push('');
  out.push(...renderTotals(summary, theme, options.end));
  if (summary.repeats) out.push('', ...renderRepeats(summary.repeats, summary.idPrefixLength, theme));
  return `${out.join('\n')}\n`;
}

function renderTable(summary: Summary, theme: Theme): string {
  const { chalk } = theme;
  const anyError = summary.rows.some((row) => row.error !== null);
  const head = summary.repeat > 1 ? ['id', 'repeat', 'status'] : ['id', 'status'];
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
  const id = escapeControls(row.caseId.slice(0, summary.idPrefixLength));
  const cells = [row.turn === undefined ? chalk.cyan(id) : chalk.cyan(`${id}.${String(row.turn).padStart(2, '0')}`)];
  if (summary.repeat > 1) cells.push(String(row.repeat));
  cells.push(statusCell(row, theme));
  if (summary.hasPassed) cells.push(row.passed === null ? '' : row.passed ? chalk.green('yes') : chalk.red('no'));
  if (summary.hasScore) cells.push(row.score === null ? '' : formatNumber(row.score));
  if (summary.anyKeywords) cells.push(oneLine(row.keywords.join(', '), cellWidth));
  for (const column of summary.columns) {
    const value = row.columns[column];
    cells.push(value === null || value === undefined ? '' : oneLine(typeof value === 'number' ? columnNumber(value) : String(value), cellWidth));
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
    case 'skipped':
      return chalk.yellow('SKIPPED');
  }
}

/** A number in a pipeline's column: integers as they are (a year or an id takes no separators), others as scores. */
function columnNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : formatNumber(value);
}

/** GoTaglio's totals (Total / Complete / Error / Passed / Failed with percentages), plus what we add. */
export function renderTotals(summary: Summary, theme: Theme, end?: RunEndRecord | null): string[] {
  const { chalk } = theme;
  const { counts } = summary;
  const total = counts.total;
  const lines = [`Total: ${formatCount(total)}`];
  lines.push(`Complete: ${formatCount(counts.complete)}/${formatCount(total)} (${formatPercent(counts.complete, total)})`);
  lines.push(`Error: ${formatCount(counts.error)}/${formatCount(total)} (${formatPercent(counts.error, total)})`);
  if (counts.cancelled > 0) lines.push(chalk.yellow(`Cancelled: ${formatCount(counts.cancelled)}/${formatCount(total)} (${formatPercent(counts.cancelled, total)})`));
  if (counts.notRun > 0) lines.push(chalk.yellow(`Not run: ${formatCount(counts.notRun)}/${formatCount(total)} (${formatPercent(counts.notRun, total)})`));
  if (summary.hasPassed) {
    lines.push(chalk.green(`Passed: ${formatCount(counts.passed)}/${formatCount(total)} (${formatPercent(counts.passed, total)})`));
    lines.push((counts.failed > 0 ? chalk.red : (s: string) => s)(`Failed: ${formatCount(counts.failed)}/${formatCount(total)} (${formatPercent(counts.failed, total)})`));
  } else {
    lines.push(chalk.dim('Passed/Failed: not evaluated (the pipeline defines no passed())'));
  }
  if (summary.hasScore && summary.meanScore !== null) lines.push(`Mean score: ${formatNumber(summary.meanScore)}`);
  const { stageCancelled = 0, skippedStages = 0 } = summary;
  if (stageCancelled > 0) lines.push(chalk.yellow(`Cancelled by a stage: ${formatCount(stageCancelled)}/${formatCount(total)} (${formatPercent(stageCancelled, total)})`));
  if (skippedStages > 0) lines.push(chalk.yellow(`Skipped stages: ${formatCount(skippedStages)} (in complete cases; see the stage records for reasons)`));
  if (summary.turns) lines.push(...renderTurnTotals(summary.turns, summary.hasPassed));
  if (summary.usage) {
    const u = summary.usage;
    lines.push(`Tokens: ${formatCount(u.inputTokens)} in, ${formatCount(u.outputTokens)} out (${formatCount(u.calls)} model call${u.calls === 1 ? '' : 's'})`);
  }
  if (summary.costUsd !== null) lines.push(`Cost: ${formatUsd(summary.costUsd)}`);
  if (end?.modelCalls) lines.push(...renderModelCalls(end.modelCalls));
  if (summary.durationMs !== null) {
    const done = counts.complete + counts.error + counts.cancelled;
    const rate = summary.durationMs > 0 ? ` (${formatCount(Math.round((done * 1000) / summary.durationMs))} cases/s)` : '';
    lines.push(`Duration: ${formatDuration(summary.durationMs)}${rate}`);
  }
  if (summary.status === 'interrupted') lines.push(chalk.yellow('Run interrupted: the log holds every case that finished.'));
  if (summary.status === 'budget') {
    const budget = end?.maxCostUsd !== undefined ? ` (--max-cost ${formatUsd(end.maxCostUsd)})` : '';
    lines.push(chalk.yellow(`Run stopped at the cost budget${budget}: no case started after it was reached; the log holds every case that finished.`));
  }
  if (summary.status === 'incomplete') lines.push(chalk.yellow('Run incomplete: the log has no run.end record (crashed, killed or still running).'));
  return lines;
}

/** Multi-turn totals: every turn, then the pass rate of each turn position. */
function renderTurnTotals(turns: TurnStats, hasPassed: boolean): string[] {
  const { total } = turns;
  const parts = [`${formatCount(turns.complete)} complete`, `${formatCount(turns.error)} error`];
  if (turns.cancelled > 0) parts.push(`${formatCount(turns.cancelled)} cancelled`);
  parts.push(`${formatCount(turns.skipped)} skipped`);
  const lines = [`Turns: ${formatCount(total)} in ${formatCount(turns.cases)} multi-turn case${turns.cases === 1 ? '' : 's'} (${parts.join(', ')})`];
  if (hasPassed) {
    lines.push(`Turns passed: ${formatCount(turns.passed)}/${formatCount(total)} (${formatPercent(turns.passed, total)})`);
    lines.push(`Pass rate per turn: ${turns.perTurn.map((t) => `#${t.turn} ${formatCount(t.passed)}/${formatCount(t.runs)} (${formatPercent(t.passed, t.runs)})`).join(', ')}`);
  }
  return lines;
}

/**
 * `Cache hits: 20 of 24 calls` (always, so a cached answer is never taken for a fresh one), then
 * retries, HTTP 429 answers, rate-limit waits and failed calls when there were any. A 429 is either
 * retried or final (the last attempt of a call, which failed with it): the two are counted apart,
 * so 72 retries and 96 429s read as 72 retried and 24 final, not as more 429 retries than retries.
 */
export function renderModelCalls(calls: NonNullable<RunEndRecord['modelCalls']>): string[] {
  const lines = [`Cache hits: ${formatCount(calls.cacheHits)} of ${formatCount(calls.calls)} call${calls.calls === 1 ? '' : 's'}`];
  // Logs written before final 429s were counted apart say only how many 429s there were.
  const final = calls.rateLimitedFinal;
  const retried429 = final === undefined ? undefined : calls.rateLimited - final;
  if (calls.retries > 0) {
    const cause = retried429 === undefined || retried429 === 0 ? '' : retried429 === calls.retries ? ' (all after HTTP 429)' : ` (${formatCount(retried429)} after HTTP 429)`;
    lines.push(`Retries: ${formatCount(calls.retries)}${cause}; ${formatDuration(calls.backoffMs)} of back-off`);
  }
  if (calls.rateLimited > 0) {
    const answers = `HTTP 429 (rate limited): ${formatCount(calls.rateLimited)} answer${calls.rateLimited === 1 ? '' : 's'}`;
    if (final === undefined || retried429 === undefined) lines.push(answers);
    else if (final === 0) lines.push(`${answers}, ${calls.rateLimited === 1 ? 'retried' : 'all retried'}`);
    else lines.push(`${answers}: ${formatCount(retried429)} retried, ${formatCount(final)} final (${final === 1 ? 'that call' : 'those calls'} failed)`);
  }
  if (calls.rateLimitWaitMs >= 1) lines.push(`Waited on rate limits: ${formatDuration(calls.rateLimitWaitMs)} (summed over calls)`);
  if (calls.failed > 0) lines.push(`Failed model calls: ${formatCount(calls.failed)}`);
  return lines;
}

/** pass@k, pass^k, the pass rate of each repetition and the flakiest cases, under the totals of a repeated run. */
export function renderRepeats(stats: RepeatStats, idPrefixLength: number, theme: Theme): string[] {
  const { chalk } = theme;
  const { k, cases } = stats;
  const runs = stats.perRepeat.reduce((sum, r) => sum + r.runs, 0);
  const lines = [chalk.bold(`Repeats: ${k} per case (${formatCount(cases)} case${cases === 1 ? '' : 's'}, ${formatCount(runs)} run${runs === 1 ? '' : 's'})`)];
  if (stats.passAtK !== null && stats.passAllK !== null && stats.passed !== null) {
    lines.push(`pass@${k}: ${formatCount(stats.passAtK)}/${formatCount(cases)} (${formatPercent(stats.passAtK, cases)}): at least one repetition passed`);
    lines.push(`pass^${k}: ${formatCount(stats.passAllK)}/${formatCount(cases)} (${formatPercent(stats.passAllK, cases)}): every repetition passed`);
    const each = stats.perRepeat.map((r) => `#${r.repeat} ${formatPercent(r.passed, cases)}`).join(', ');
    lines.push(`Pass rate per repetition: ${each} (mean ${formatPercent(stats.passed, cases * k)})`);
  }
  lines.push(`Flaky cases (outcome changed between repetitions): ${formatCount(stats.flakyCases)}/${formatCount(cases)} (${formatPercent(stats.flakyCases, cases)})`);
  if (stats.flakiest.length > 0) {
    const idWidth = Math.max(...stats.flakiest.map((c) => Math.min(c.caseId.length, idPrefixLength)));
    for (const c of stats.flakiest) {
      lines.push(`  ${chalk.cyan(escapeControls(c.caseId.slice(0, idPrefixLength)).padEnd(idWidth))}  ${c.outcomes}  ${c.flips} flip${c.flips === 1 ? '' : 's'}`);
    }
    if (stats.flakyCases > stats.flakiest.length) lines.push(chalk.dim(`  … ${formatCount(stats.flakyCases - stats.flakiest.length)} more`));
    lines.push(chalk.dim(`  (${OUTCOME_LEGEND})`));
  }
  return lines;
}
