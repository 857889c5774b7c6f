import Table from 'cli-table3';
import type { KeywordRow } from '../analysis/keyword-breakdown.ts';
import { formatCount, formatNumber, formatRate } from '../util/units.ts';
import { oneLine } from './format-value.ts';
import type { Theme } from './theme.ts';

/** The `summarize --by keyword` table: one row per keyword. */
export function renderKeywordTable(rows: readonly KeywordRow[], theme: Theme, options: { readonly hasPassed: boolean; readonly hasScore: boolean }): string {
  const { chalk } = theme;
  const head = ['keyword', 'cases', 'complete', 'errors'];
  if (options.hasPassed) head.push('passed', 'pass rate');
  if (options.hasScore) head.push('mean score');
  const table = new Table({
    head: head.map((h) => chalk.bold(h)),
    colAligns: head.map((h) => (h === 'keyword' ? 'left' : 'right')),
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  const keywordWidth = Math.max(16, theme.width - 64);
  for (const row of rows) {
    const cells = [
      row.keyword === null ? chalk.dim('(no keywords)') : chalk.cyan(oneLine(row.keyword, keywordWidth)),
      formatCount(row.cases),
      formatCount(row.complete),
      row.errors > 0 ? chalk.red(formatCount(row.errors)) : '0',
    ];
    if (options.hasPassed) cells.push(formatCount(row.passed), row.passRate === null ? '' : formatRate(row.passRate));
    if (options.hasScore) cells.push(row.meanScore === null ? '' : formatNumber(row.meanScore));
    table.push(cells);
  }
  return `${chalk.bold('By keyword')}\n${rows.length > 0 ? table.toString() : 'No results.'}\n`;
}
