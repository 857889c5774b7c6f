import type { ConfigChange } from '../analysis/config-changes.ts';
import type { GitInfo, RunStartRecord } from '../log/schema.ts';
import { escapeControls } from '../util/terminal-text.ts';
import { formatCount } from '../util/units.ts';
import { formatValue } from './format-value.ts';
import type { Theme } from './theme.ts';

/** The "Run configuration" block printed before a run starts; text from the run (paths, names, values) has its control characters escaped. */
export function renderRunConfig(header: RunStartRecord, theme: Theme, logPath: string): string {
  const { chalk } = theme;
  const lines = [chalk.bold('Run configuration')];
  lines.push(`  id: ${escapeControls(header.runId)}`);
  lines.push(`  suite: ${escapeControls(header.suite.path)} (${formatCount(header.suite.count)} case${header.suite.count === 1 ? '' : 's'})`);
  lines.push(`  pipeline: ${escapeControls(header.pipeline.name)}`);
  for (const delta of header.deltas) {
    const from = delta.prompt ? 'PROMPT' : formatValue(delta.from);
    lines.push(`    ${escapeControls(delta.path)}: ${chalk.dim(from)} => ${chalk.cyan(formatValue(delta.to))}`);
  }
  if (header.deltas.length === 0) lines.push(chalk.dim('    (defaults)'));
  lines.push(`  concurrency: ${header.concurrency}`);
  if (header.git) lines.push(gitLine(header.git, theme));
  lines.push(`  log: ${escapeControls(logPath)}`);
  return `${lines.join('\n')}\n\n`;
}

/** The `git:` line of a configuration block: the commit, and whether the working tree had changes. */
export function gitLine(git: GitInfo, theme: Theme): string {
  return `  git: ${git.sha?.slice(0, 12) ?? '(no commits)'}${git.dirty ? theme.chalk.yellow(' (uncommitted changes)') : ''}`;
}

/** The config lines of a rerun's or a resume's configuration block: each change against the original run, or `(none)`. */
export function renderConfigChanges(changes: readonly ConfigChange[], theme: Theme, none: string): string[] {
  const { chalk } = theme;
  if (changes.length === 0) return [chalk.dim(`    (${none})`)];
  const show = (value: unknown) => (value === undefined ? '(none)' : formatValue(value));
  return changes.map((change) => `    ${escapeControls(change.path)}: ${chalk.dim(show(change.from))} => ${chalk.cyan(show(change.to))}`);
}
