import type { Cell } from '../analysis/export.ts';
import { escapeControls } from '../util/terminal-text.ts';

/** A Markdown table cell: pipes escaped, line breaks as `<br>`, control characters escaped. */
export function markdownCell(value: Cell): string {
  const text = value === null ? '' : typeof value === 'string' ? value : String(value);
  return escapeControls(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function markdownTableHead(columns: readonly string[]): string {
  return `| ${columns.map(markdownCell).join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`;
}

export function markdownTableRow(values: readonly Cell[]): string {
  return `| ${values.map(markdownCell).join(' | ')} |\n`;
}
