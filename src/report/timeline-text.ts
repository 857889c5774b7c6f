import Table from 'cli-table3';
import { batchWaitSpans, caseTimeline, toolLoopSpans, type CaseTimeline, type Concurrency } from '../analysis/timeline.ts';
import type { CaseRecord } from '../log/schema.ts';
import { escapeControls as safe } from '../util/terminal-text.ts';
import { formatDuration, formatRate } from '../util/units.ts';
import type { Theme } from './theme.ts';

/**
 * GoTaglio's step table (gotaglio-spec §5.11): one row per stage start or end, in time order, one
 * column per stage, a cell marked while the stage runs. Then the stages as bars on a time scale.
 */
export function renderCaseTimeline(timeline: CaseTimeline, theme: Theme, width: number): string {
  const { chalk } = theme;
  const out = [chalk.bold(`Timeline of case ${timeline.caseId}`), ''];
  const started = timeline.stages.filter((s) => s.startMs !== null);
  if (started.length === 0) {
    out.push('No stage of this case has timing in the log.');
    return `${out.join('\n')}\n`;
  }

  out.push(chalk.bold('Steps') + chalk.dim(' (each row is a stage starting or ending, in time order)'));
  const names = started.map((s) => s.name);
  const table = new Table({
    head: ['step', ...names, 'event'].map((h) => chalk.bold(h)),
    colAligns: ['right', ...names.map(() => 'center' as const), 'left'],
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const step of timeline.steps) {
    const cells = names.map((name) => {
      const range = timeline.stepRange.get(name);
      return range && range.start <= step.step && step.step <= range.end ? chalk.green('█') : '';
    });
    table.push([String(step.step), ...cells, `${step.stage} ${step.kind === 'start' ? 'starts' : 'ends'}`]);
  }
  out.push(table.toString(), '');

  const span = Math.max(timeline.durationMs, ...started.map((s) => s.endMs ?? s.startMs!));
  out.push(chalk.bold('Stages on a time scale') + chalk.dim(` (0 to ${formatDuration(span)})`));
  const nameWidth = Math.max(...timeline.stages.map((s) => s.name.length));
  const labels = timeline.stages.map((s) => (s.startMs === null ? `${s.status}${s.reason ? `: ${s.reason}` : ''}` : `${formatDuration(s.startMs)} → ${formatDuration(s.endMs ?? s.startMs)}  ${s.status}`));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const barWidth = Math.max(10, width - nameWidth - labelWidth - 6);
  timeline.stages.forEach((s, i) => {
    let bar = ' '.repeat(barWidth);
    if (s.startMs !== null) {
      const from = Math.min(barWidth - 1, Math.round((s.startMs / span) * barWidth));
      const to = Math.max(from + 1, Math.min(barWidth, Math.round(((s.endMs ?? s.startMs) / span) * barWidth)));
      const glyph = s.status === 'ok' ? '█' : s.status === 'error' ? '▓' : '░';
      const color = s.status === 'ok' ? chalk.green : s.status === 'error' ? chalk.red : chalk.yellow;
      bar = ' '.repeat(from) + color(glyph.repeat(to - from)) + ' '.repeat(barWidth - to);
    }
    out.push(`${chalk.cyan(s.name.padEnd(nameWidth))} │${bar}│ ${chalk.dim(labels[i]!)}`);
  });
  return `${out.join('\n')}\n`;
}

/**
 * A case's timeline with what the stages recorded: one timeline per turn for a multi-turn case,
 * then the events (`ctx.emit`, retries, timeouts, fallbacks, skipped branches, cache hits) under
 * their stage, and the artifacts as paths relative to the runs folder.
 */
export function renderCaseTimelineWithEvents(record: CaseRecord, order: readonly string[], theme: Theme, width: number): string {
  const { chalk } = theme;
  let out = '';
  if (record.turns) {
    for (const turn of record.turns) {
      out += `${chalk.bold(`Turn ${turn.index + 1}: ${turn.status}${turn.reason ? ` (${safe(turn.reason)})` : ''}`)}\n`;
      if (Object.keys(turn.stageRecords).length > 0) out += renderCaseTimeline(caseTimeline({ ...record, startMs: turn.startMs ?? record.startMs, durationMs: turn.durationMs ?? 0, stageRecords: turn.stageRecords }, order), theme, width);
    }
  } else {
    out += renderCaseTimeline(caseTimeline(record, order), theme, width);
  }
  const lines: string[] = [];
  // Tool loops: each round (a model call) and each tool run, from the case start.
  for (const part of record.turns ?? [record]) {
    const turn = 'index' in part && record.turns ? ` (turn ${part.index + 1})` : '';
    for (const name of order.filter((stage) => part.stageRecords[stage]).concat(Object.keys(part.stageRecords).filter((stage) => !order.includes(stage)))) {
      const spans = toolLoopSpans(part.stageRecords[name], record.startMs);
      if (spans.length === 0) continue;
      lines.push('', chalk.bold(`Tool loop of ${safe(name)}${turn}`) + chalk.dim(' (ms from the case start)'));
      for (const span of spans) {
        const label = span.kind === 'round' ? span.label : `  ${span.label}`;
        const color = span.status === 'ok' ? chalk.green : span.status === 'error' ? chalk.red : chalk.yellow;
        lines.push(`  ${formatDuration(span.startMs).padStart(10)}  ${chalk.cyan(safe(label).padEnd(20))} ${formatDuration(span.endMs - span.startMs).padStart(10)}  ${color(span.status)}`);
      }
    }
  }
  // Batch mode: each model call's wait for the Batch API, from the case start.
  for (const part of record.turns ?? [record]) {
    const turn = 'index' in part && record.turns ? ` (turn ${part.index + 1})` : '';
    for (const name of order.filter((stage) => part.stageRecords[stage]).concat(Object.keys(part.stageRecords).filter((stage) => !order.includes(stage)))) {
      const waits = batchWaitSpans(part.stageRecords[name], record.startMs);
      if (waits.length === 0) continue;
      lines.push('', chalk.bold(`Batch waits of ${safe(name)}${turn}`) + chalk.dim(' (ms from the case start)'));
      for (const wait of waits) lines.push(`  ${formatDuration(wait.startMs).padStart(10)}  ${chalk.cyan(safe(wait.batchId).padEnd(20))} ${formatDuration(wait.endMs - wait.startMs).padStart(10)}`);
    }
  }
  if (record.events && record.events.length > 0) {
    lines.push('', chalk.bold('Events') + chalk.dim(' (ms from the case start)'));
    for (const event of record.events) {
      const where = event.turn === undefined ? event.stage : `${event.stage} (turn ${event.turn + 1})`;
      lines.push(`  ${formatDuration(event.t).padStart(10)}  ${chalk.cyan(safe(where))}  ${safe(event.type)}${event.data === undefined ? '' : chalk.dim(` ${safe(JSON.stringify(event.data))}`)}`);
    }
  }
  if (record.artifacts && record.artifacts.length > 0) {
    lines.push('', chalk.bold('Artifacts') + chalk.dim(' (paths relative to the runs folder)'));
    for (const a of record.artifacts) lines.push(`  ${chalk.cyan(safe(a.stage))}  ${safe(a.name)}: ${safe(a.path)} ${chalk.dim(`(${a.bytes} bytes, ${safe(a.mime)})`)}`);
  }
  return lines.length > 0 ? `${out}${lines.join('\n')}\n` : out;
}

const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Cases in flight over the run: a column chart of the time-weighted mean per slice of time. */
export function renderConcurrency(c: Concurrency, theme: Theme, options: { readonly concurrency: number; readonly total: number }): string {
  const { chalk } = theme;
  const out = [chalk.bold('Cases in flight over time') + chalk.dim(` (${c.cases} case${c.cases === 1 ? '' : 's'} with timing, concurrency limit ${options.concurrency})`)];
  if (c.cases === 0) {
    out.push('No case in the log has timing.');
    return `${out.join('\n')}\n`;
  }
  const top = Math.max(1, c.max);
  const height = Math.min(8, top);
  const axis = String(top).length;
  for (let row = height; row >= 1; row--) {
    const rowTop = (row / height) * top;
    const rowBottom = ((row - 1) / height) * top;
    const cells = c.buckets.map((b) => {
      if (b.mean >= rowTop) return '█';
      if (b.mean <= rowBottom) return ' ';
      return EIGHTHS[Math.max(1, Math.round(((b.mean - rowBottom) / (rowTop - rowBottom)) * 8))]!;
    });
    const label = row === height ? String(top) : row === Math.ceil(height / 2) && height > 2 ? String(Math.round(rowTop)) : '';
    out.push(`${label.padStart(axis)} ┤${chalk.cyan(cells.join(''))}`);
  }
  const span = c.endMs - c.startMs;
  out.push(`${'0'.padStart(axis)} ┼${'─'.repeat(c.buckets.length)}`);
  const end = formatDuration(span);
  out.push(`${' '.repeat(axis + 2)}0${end.padStart(Math.max(end.length, c.buckets.length - 1))}`);
  const utilisation = options.concurrency > 0 ? ` (${formatRate(c.mean / options.concurrency, 0)} of the limit)` : '';
  out.push(`Max in flight: ${c.max} · mean ${c.mean.toFixed(2)}${utilisation} · ${formatDuration(span)} from the first start to the last end`);
  if (options.total > c.cases) out.push(chalk.dim(`${options.total - c.cases} case record${options.total - c.cases === 1 ? '' : 's'} without timing left out.`));
  return `${out.join('\n')}\n`;
}
