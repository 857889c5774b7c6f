import Table from 'cli-table3';
import type { HistoryEntry } from '../analysis/history.ts';
import { formatCount, formatLocalTime, formatRate, formatUsd } from '../util/units.ts';
import { oneLine } from './format-value.ts';
import type { Theme } from './theme.ts';

/** One decimal: the history table has a dozen columns to fit in a terminal. */
const HISTORY_RATE_DIGITS = 1;

/** The `tagliots history` table, newest first, then the logs that could not be read. */
export function renderHistory(entries: readonly HistoryEntry[], theme: Theme, options: { readonly idLength: number; readonly hidden: number }): string {
  const { chalk } = theme;
  if (entries.length === 0) return 'No runs yet.\n';
  const anyCost = entries.some((e) => e.costUsd !== null);
  const head = ['id', 'started', 'pipeline', 'suite', 'cases', 'passed', 'errors'];
  if (anyCost) head.push('cost');
  head.push('status');
  const table = new Table({
    head: head.map((h) => chalk.bold(h)),
    colAligns: head.map((h) => (['cases', 'passed', 'errors', 'cost'].includes(h) ? 'right' : 'left')),
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  const suiteWidth = Math.max(24, theme.width - 76 - (anyCost ? 10 : 0));
  for (const e of entries) {
    const cells = [
      chalk.cyan(e.runId.slice(0, options.idLength)),
      e.startedAt ? formatLocalTime(e.startedAt) : '',
      e.pipeline ?? '',
      e.suite === null ? '' : oneLine(e.suite || '(unknown)', suiteWidth),
      e.cases === null ? '' : e.done !== null && e.done < e.cases ? `${formatCount(e.done)}/${formatCount(e.cases)}` : formatCount(e.cases),
      e.passRate === null ? '' : formatRate(e.passRate, HISTORY_RATE_DIGITS),
      e.errors === null ? '' : e.errors > 0 ? chalk.red(formatCount(e.errors)) : '0',
    ];
    if (anyCost) cells.push(e.costUsd === null ? '' : formatUsd(e.costUsd));
    cells.push(statusText(e, theme));
    table.push(cells);
  }
  const out = [table.toString()];
  if (options.hidden > 0) out.push(chalk.dim(`… ${formatCount(options.hidden)} older run${options.hidden === 1 ? '' : 's'} not shown; use -n all to list every run.`));
  const problems = entries.filter((e) => e.problem !== null);
  if (problems.length > 0) {
    out.push('', chalk.yellow(`${problems.length} log${problems.length === 1 ? '' : 's'} could not be read:`));
    for (const e of problems) out.push(`  ${e.runId.slice(0, options.idLength)}: ${e.problem}`);
  }
  return `${out.join('\n')}\n`;
}

function statusText(e: HistoryEntry, theme: Theme): string {
  const { chalk } = theme;
  const text = e.gotaglio ? `${e.status} (GoTaglio)` : e.status;
  switch (e.status) {
    case 'completed':
      return chalk.green(text);
    case 'interrupted':
    case 'budget':
    case 'incomplete':
      return chalk.yellow(text);
    case 'error':
    case 'unreadable':
      return chalk.red(text);
  }
}
