import { createHash } from 'node:crypto';
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
    const from = delta.prompt ? 'PROMPT' : formatConfigValue(delta.from);
    lines.push(`    ${escapeControls(delta.path)}: ${chalk.dim(from)} => ${chalk.cyan(formatConfigValue(delta.to))}`);
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
  const show = (value: unknown) => (value === undefined ? '(none)' : formatConfigValue(value));
  return changes.map((change) => `    ${escapeControls(change.path)}: ${chalk.dim(show(change.from))} => ${chalk.cyan(show(change.to))}`);
}

/**
 * The lines of a rerun's configuration block about the original run's settings it could not use
 * as logged: values converted from text (GoTaglio logged command-line values as text), and
 * settings the pipeline has no place for, each with its reason. None when there are neither.
 */
export function renderCarryOver(
  converted: readonly { readonly path: string; readonly from: string; readonly to: unknown }[],
  notCarried: readonly { readonly path: string; readonly value: unknown; readonly reason: string }[],
  theme: Theme,
): string[] {
  const { chalk } = theme;
  const lines: string[] = [];
  if (converted.length > 0) {
    lines.push('  converted from text to the type of the default:');
    for (const c of converted) lines.push(`    ${escapeControls(c.path)}: ${chalk.dim(formatConfigValue(JSON.stringify(c.from)))} => ${chalk.cyan(formatConfigValue(c.to))}`);
  }
  if (notCarried.length > 0) {
    lines.push(chalk.yellow('  not carried over from the original run (not used by this rerun):'));
    for (const n of notCarried) lines.push(`    ${escapeControls(n.path)}: ${chalk.dim(formatConfigValue(n.value))} ${chalk.yellow(`(${escapeControls(n.reason)})`)}`);
  }
  return lines;
}

/** Longest config value shown whole on a configuration line or in config differences. */
const CONFIG_VALUE_MAX = 80;
/** How much of a long value's first line is shown. */
const CONFIG_VALUE_HEAD = 48;

/**
 * A config value on one line, for configuration blocks and config differences: as `formatValue`,
 * but a multi-line or long value (a template's text) is shortened to the start of its first line,
 * its line count, its length and the start of its sha256, so two versions can still be told apart
 * without printing either.
 */
export function formatConfigValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value);
  if (!text.includes('\n') && text.length <= CONFIG_VALUE_MAX) return formatValue(value);
  const first = text.split('\n', 1)[0]!.trimEnd();
  const head = first.length > CONFIG_VALUE_HEAD ? `${first.slice(0, CONFIG_VALUE_HEAD)}…` : `${first}${text.length > first.length ? '…' : ''}`;
  // A final line break ends the last line; it does not start another.
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const sha = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const facts = [...(lines > 1 ? [`${formatCount(lines)} lines`] : []), `${formatCount(text.length)} characters`, `sha256 ${sha}`];
  return `${escapeControls(head)} (${facts.join(', ')})`;
}
