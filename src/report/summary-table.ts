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
  // No row shown while there are some: `--rows 0`, the totals only.
  const totalsOnly = summary.rows.length === 0 && summary.hiddenRows > 0;
  if (summary.rows.length > 0) out.push(renderTable(summary, theme));
  else if (!totalsOnly) out.push('No results.');
  if (summary.hiddenRows > 0 && !totalsOnly) {
    out.push(
      chalk.dim(`… ${formatCount(summary.hiddenRows)} more row${summary.hiddenRows === 1 ? '' : 's'} not shown (errors and failures are shown first)${options.allRowsHint ? `; ${options.allRowsHint}` : ''}.`),
    );
  }
  if (!totalsOnly) out.push('');
  out.push(...renderTotals(summary, theme, options.end));
  if (summary.repeats) out.push('', ...renderRepeats(summary.repeats, theme));
  return `${out.join('\n')}\n`;
}

/** A cell before it is fitted: its text on one line (control characters escaped) and its colour. */
interface Cell {
  readonly text: string;
  readonly paint?: (text: string) => string;
}

/**
 * The table fitted to the theme's width (the terminal's, or `--width`): the fixed columns (id,
 * status, verdict, score) keep their width, and the free-text ones (keywords, the pipeline's
 * columns, error) share the rest, the widest cut first, so a narrow column is never cut to make
 * room for a wide one. A table that cannot fit with every free column at its narrowest is left
 * wider than the width.
 */
function renderTable(summary: Summary, theme: Theme): string {
  const { chalk } = theme;
  const anyError = summary.rows.some((row) => row.error !== null);
  const head = summary.repeat > 1 ? ['id', 'repeat', 'status'] : ['id', 'status'];
  if (summary.hasPassed) head.push('passed');
  if (summary.hasScore) head.push('score');
  const fixed = head.length;
  if (summary.anyKeywords) head.push('keywords');
  head.push(...summary.columns);
  if (anyError) head.push('error');
  const rows = summary.rows.map((row) => rowCells(row, summary, theme, anyError));
  const minWidths = head.slice(fixed).map((_, i) => (anyError && fixed + i === head.length - 1 ? MIN_ERROR_WIDTH : MIN_FREE_WIDTH));
  const widths = fitWidths(head, rows, fixed, theme.width, minWidths);
  const table = new Table({
    head: head.map((h, c) => chalk.bold(cut(escapeControls(h), widths[c]!))),
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const cells of rows) table.push(cells.map((cell, c) => (cell.paint ? cell.paint(cut(cell.text, widths[c]!)) : cut(cell.text, widths[c]!))));
  return table.toString();
}

/**
 * Narrowest a free-text column is cut to, whatever the width: 12 characters, 40 for the error
 * (a table too wide for the terminal beats an error cut to a few words).
 */
const MIN_FREE_WIDTH = 12;
const MIN_ERROR_WIDTH = 40;

/**
 * Each column's width: what its longest cell (or heading) needs, free-text columns (those from
 * `fixed` on) cut to fit `width`: the widest first, never below `minWidths`.
 */
function fitWidths(head: readonly string[], rows: readonly (readonly Cell[])[], fixed: number, width: number, minWidths: readonly number[]): number[] {
  const natural = head.map((h, c) => Math.max(h.length, ...rows.map((cells) => cells[c]!.text.length)));
  // cli-table3 pads each cell with a space on both sides and draws a border between and around them.
  const overhead = 3 * head.length + 1;
  const room = width - overhead - natural.slice(0, fixed).reduce((a, b) => a + b, 0);
  const free = natural.slice(fixed);
  const floor = free.map((n, i) => Math.min(n, minWidths[i]!));
  const used = (cap: number) => free.reduce((sum, n, i) => sum + Math.max(floor[i]!, Math.min(n, cap)), 0);
  if (used(Number.POSITIVE_INFINITY) <= room) return natural;
  // The largest cap that fits: every free column at most `cap` wide (none below its floor).
  let low = 0;
  let high = Math.max(0, ...free);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (used(mid) <= room) low = mid;
    else high = mid - 1;
  }
  return [...natural.slice(0, fixed), ...free.map((n, i) => Math.max(floor[i]!, Math.min(n, low)))];
}

/** `text` cut to `width` characters, the cut marked with an ellipsis. */
function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(1, width - 1))}…`;
}

function rowCells(row: SummaryRow, summary: Summary, theme: Theme, anyError: boolean): Cell[] {
  const { chalk } = theme;
  const id = escapeControls(row.caseId.slice(0, summary.idPrefixLength));
  // Turns are numbered from 1 wherever people read them; the log keeps its index from 0.
  const cells: Cell[] = [{ text: row.turn === undefined ? id : `${id}.${String(row.turn + 1).padStart(2, '0')}`, paint: chalk.cyan }];
  if (summary.repeat > 1) cells.push({ text: String(row.repeat) });
  cells.push(statusCell(row, theme));
  if (summary.hasPassed) cells.push(row.passed === null ? { text: '' } : row.passed ? { text: 'yes', paint: chalk.green } : { text: 'no', paint: chalk.red });
  if (summary.hasScore) cells.push({ text: row.score === null ? '' : formatNumber(row.score) });
  if (summary.anyKeywords) cells.push({ text: flat(row.keywords.join(', ')) });
  for (const column of summary.columns) {
    const value = row.columns[column];
    cells.push({ text: value === null || value === undefined ? '' : flat(typeof value === 'number' ? columnNumber(value) : String(value)) });
  }
  if (anyError) cells.push(row.error ? { text: flat(row.error), paint: chalk.red } : { text: '' });
  return cells;
}

/** Text on one line, control characters escaped, uncut. */
function flat(text: string): string {
  return oneLine(text, Number.POSITIVE_INFINITY);
}

function statusCell(row: SummaryRow, theme: Theme): Cell {
  const { chalk } = theme;
  switch (row.status) {
    case 'complete':
      return { text: 'COMPLETE', paint: chalk.green };
    case 'error':
      return { text: 'ERROR', paint: chalk.red.bold };
    case 'cancelled':
      return { text: 'CANCELLED', paint: chalk.yellow };
    case 'skipped':
      return { text: 'SKIPPED', paint: chalk.yellow };
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
    // Turns are numbered from 1 wherever people read them.
    lines.push(`Pass rate per turn: ${turns.perTurn.map((t) => `#${t.turn + 1} ${formatCount(t.passed)}/${formatCount(t.runs)} (${formatPercent(t.passed, t.runs)})`).join(', ')}`);
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
  if (calls.batched !== undefined && calls.batched > 0) {
    // Without prices there is nothing saved to show.
    const saved = calls.batchSavedUsd ?? 0;
    lines.push(`Batch API: ${formatCount(calls.batched)} call${calls.batched === 1 ? '' : 's'} answered by batches${saved > 0 ? `, ${formatUsd(saved)} saved against online prices` : ''}`);
  }
  return lines;
}

/** Longest case id the flaky list shows before cutting it. */
const MAX_LISTED_ID = 60;

/** pass@k, pass^k, the pass rate of each repetition and the flakiest cases, under the totals of a repeated run. */
export function renderRepeats(stats: RepeatStats, theme: Theme): string[] {
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
    // Ids in full, unlike the table's unique prefixes: a list of a few cases has the room, and a
    // readable id cut short (`mixed-00`) names no case.
    const ids = stats.flakiest.map((c) => oneLine(c.caseId, MAX_LISTED_ID));
    const idWidth = Math.max(...ids.map((id) => id.length));
    stats.flakiest.forEach((c, i) => lines.push(`  ${chalk.cyan(ids[i]!.padEnd(idWidth))}  ${c.outcomes}  ${c.flips} flip${c.flips === 1 ? '' : 's'}`));
    if (stats.flakyCases > stats.flakiest.length) lines.push(chalk.dim(`  … ${formatCount(stats.flakyCases - stats.flakiest.length)} more`));
    lines.push(chalk.dim(`  (${OUTCOME_LEGEND})`));
  }
  return lines;
}
