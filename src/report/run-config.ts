import type { RunStartRecord } from '../log/schema.ts';
import { formatCount, formatValue } from './format-value.ts';
import type { Theme } from './theme.ts';

/** The "Run configuration" block printed before a run starts. */
export function renderRunConfig(header: RunStartRecord, theme: Theme, logPath: string): string {
  const { chalk } = theme;
  const lines = [chalk.bold('Run configuration')];
  lines.push(`  id: ${header.runId}`);
  lines.push(`  suite: ${header.suite.path} (${formatCount(header.suite.count)} case${header.suite.count === 1 ? '' : 's'})`);
  lines.push(`  pipeline: ${header.pipeline.name}`);
  for (const delta of header.deltas) {
    const from = delta.prompt ? 'PROMPT' : formatValue(delta.from);
    lines.push(`    ${delta.path}: ${chalk.dim(from)} => ${chalk.cyan(formatValue(delta.to))}`);
  }
  if (header.deltas.length === 0) lines.push(chalk.dim('    (defaults)'));
  lines.push(`  concurrency: ${header.concurrency}`);
  if (header.git) lines.push(`  git: ${header.git.sha?.slice(0, 12) ?? '(no commits)'}${header.git.dirty ? chalk.yellow(' (uncommitted changes)') : ''}`);
  lines.push(`  log: ${logPath}`);
  return `${lines.join('\n')}\n\n`;
}
