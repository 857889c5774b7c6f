import type { CaseRecord, RunEndRecord } from '../../log/schema.ts';
import type { RunListener } from '../../runner/run.ts';
import type { ModelEvent } from '../../model/types.ts';
import type { OutputStream } from '../../util/io.ts';
import { formatCount, formatDuration, formatRate, formatUsd } from '../../util/units.ts';
import type { Theme } from '../../report/theme.ts';

export interface ProgressOptions {
  readonly stream: OutputStream;
  readonly theme: Theme;
  readonly total: number;
  /** Milliseconds between plain progress lines when the stream is not a terminal. @default 10000 */
  readonly plainIntervalMs?: number;
}

export interface Progress extends RunListener {
  /** A note shown with the progress (e.g. "stopping: waiting for 3 cases"). */
  note(text: string): void;
  stop(): void;
}

/**
 * Live progress on a terminal (one line redrawn ten times a second), or a plain line every
 * `plainIntervalMs` otherwise (CI logs). Counts every finished case, errors included.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, theme, total } = options;
  const { chalk } = theme;
  const tty = stream.isTTY;
  const startedAt = performance.now();
  let done = 0;
  let errors = 0;
  let failed = 0;
  let running = 0;
  let noteText = '';
  // Configured models: calls waiting for their rate limiter now, retries, cost and cache hits so far.
  let waitingOnLimit = 0;
  let retries = 0;
  let rateLimited = 0;
  let calls = 0;
  let cacheHits = 0;
  let costUsd = 0;
  let drawn = false;
  // Batch mode: each batch's state and counts as last seen, and the time spent waiting for batches.
  const batches = new Map<string, { status: string; total: number; completed: number; failed: number }>();
  let batchWaitSince: number | undefined;
  let batchWaitMs = 0;

  const line = (): string => {
    const elapsed = performance.now() - startedAt;
    const fraction = total > 0 ? done / total : 1;
    const eta = done > 0 && done < total ? ` ~${formatDuration((elapsed / done) * (total - done))} left` : '';
    const parts = [`${formatCount(done)}/${formatCount(total)} (${formatRate(fraction, 0)})`, `${running} running`];
    if (errors > 0) parts.push(chalk.red(`${formatCount(errors)} error${errors === 1 ? '' : 's'}`));
    if (failed > 0) parts.push(chalk.yellow(`${formatCount(failed)} failed`));
    if (waitingOnLimit > 0) parts.push(chalk.yellow(`${formatCount(waitingOnLimit)} waiting on rate limit`));
    if (retries > 0) parts.push(chalk.yellow(`${formatCount(retries)} retr${retries === 1 ? 'y' : 'ies'}${rateLimited > 0 ? ` (${formatCount(rateLimited)}× 429)` : ''}`));
    if (cacheHits > 0) parts.push(`cache hits ${formatCount(cacheHits)}/${formatCount(calls)}`);
    if (costUsd > 0) parts.push(formatUsd(costUsd));
    if (batches.size > 0) parts.push(batchPart(batches, batchWaitMs + (batchWaitSince !== undefined ? performance.now() - batchWaitSince : 0)));
    parts.push(`${formatDuration(elapsed)} elapsed${eta}`);
    if (noteText) parts.push(chalk.yellow(noteText));
    if (!tty) return `progress: ${parts.join(', ')}`;
    const width = Math.max(10, Math.min(30, theme.width - 70));
    const filled = Math.round(fraction * width);
    // One terminal line at most: a wrapped line could not be redrawn in place.
    return fitToWidth(`${chalk.cyan('█'.repeat(filled))}${chalk.dim('░'.repeat(width - filled))} ${parts.join(' │ ')}`, theme.width - 1);
  };

  const draw = () => {
    if (tty) {
      stream.write(`\r\x1b[2K${line()}`);
      drawn = true;
    } else {
      stream.write(`${line()}\n`);
    }
  };

  const timer = setInterval(draw, tty ? 100 : (options.plainIntervalMs ?? 10_000));
  timer.unref();

  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };

  return {
    onCaseStart() {
      running++;
    },
    onCaseEnd(record: CaseRecord) {
      running--;
      done++;
      if (record.status === 'error') errors++;
      if (record.passed === false) failed++;
    },
    onModelEvent(event: ModelEvent) {
      if (event.type === 'wait') waitingOnLimit += event.waiting ? 1 : -1;
      else if (event.type === 'retry') {
        retries++;
        if (event.status === 429) rateLimited++;
      } else if (event.type === 'batch') {
        batches.set(event.batchId, { status: event.status, total: event.total, completed: event.completed, failed: event.failed });
        const waiting = [...batches.values()].some((batch) => !BATCH_ENDED.has(batch.status));
        if (waiting && batchWaitSince === undefined) batchWaitSince = performance.now();
        else if (!waiting && batchWaitSince !== undefined) {
          batchWaitMs += performance.now() - batchWaitSince;
          batchWaitSince = undefined;
        }
      } else {
        calls++;
        if (event.cache === 'hit') cacheHits++;
        costUsd += event.costUsd;
      }
    },
    onRunEnd(_end: RunEndRecord) {
      clearInterval(timer);
      clear();
    },
    note(text) {
      noteText = text;
      if (tty) draw();
      else stream.write(`${text}\n`);
    },
    stop() {
      clearInterval(timer);
      clear();
    },
  };
}

const BATCH_ENDED = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** Batch mode's part of the progress line: the batches by state, their requests answered, and the time spent waiting for them. */
export function batchPart(batches: ReadonlyMap<string, { status: string; total: number; completed: number; failed: number }>, waitMs: number): string {
  const states = new Map<string, number>();
  let total = 0;
  let answered = 0;
  for (const batch of batches.values()) {
    states.set(batch.status, (states.get(batch.status) ?? 0) + 1);
    total += batch.total;
    answered += batch.completed + batch.failed;
  }
  const byState = [...states].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => `${n} ${state}`).join(', ');
  return `batches: ${byState} (${formatCount(answered)}/${formatCount(total)} requests), waited ${formatDuration(waitMs)}`;
}

// eslint-disable-next-line no-control-regex -- matching terminal colour codes is the point
const ESCAPE = /\x1b\[[0-9;]*m/y;

/** Cuts `text` to `width` visible characters, keeping colour codes intact. */
export function fitToWidth(text: string, width: number): string {
  let visible = 0;
  let i = 0;
  while (i < text.length) {
    ESCAPE.lastIndex = i;
    const match = ESCAPE.exec(text);
    if (match) {
      i += match[0].length;
      continue;
    }
    if (visible === width) return `${text.slice(0, i)}\x1b[0m`;
    visible++;
    i++;
  }
  return text;
}
