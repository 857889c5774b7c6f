/**
 * The terminal side of the commands that run cases (`run`, `rerun`, `resume`): the configuration
 * block, live progress on stderr, Ctrl-C, the summary, and the exit code of a finished run. The
 * handlers load it when they run.
 */
import { relative } from 'node:path';
import { createSummaryBuilder, type SummaryBuilder } from '../../analysis/summary.ts';
import type { RunOptions } from '../../engine/run-options.ts';
import { EXIT } from '../../errors.ts';
import type { RunStartRecord } from '../../log/schema.ts';
import { createProgress, type Progress } from './progress.ts';
import { renderSummary } from '../../report/summary-table.ts';
import { createTheme, type Theme } from '../../report/theme.ts';
import type { RunListener } from '../../runner/run.ts';
import type { RunResult, RunStart } from '../../runner/session.ts';
import { colorEnabled, type Io } from '../../util/io.ts';
import { formatUsd } from '../../util/units.ts';
import { escapeControls } from '../../util/terminal-text.ts';

/** How a run is shown and stopped: the values of the run output flags. */
export interface RunTerminalOptions {
  /** Most summary rows to print. @default 100 */
  readonly maxRows?: number;
  /** Milliseconds running cases get to finish after the first Ctrl-C before they are cancelled. @default 5000 */
  readonly graceMs?: number;
  /** Exit 1 when any case errored. */
  readonly strict?: boolean;
}

export interface RunTerminal {
  /** Colours and width of stdout. */
  readonly theme: Theme;
  /** The engine options that tie a run to this terminal: where it runs, its id and clock, Ctrl-C, warnings, the summary. */
  readonly options: Pick<RunOptions, 'cwd' | 'env' | 'command' | 'runId' | 'now' | 'signal' | 'cancelSignal' | 'graceMs' | 'onWarning' | 'onProgress' | 'secrets'>;
  /** A path as the terminal shows it: relative to the working folder. */
  shown(path: string): string;
  /**
   * For the engine's onStart: prints the configuration block, starts the progress display and
   * the Ctrl-C handling, and returns the progress, which listens to the run.
   */
  start(header: RunStartRecord, start: RunStart, configBlock: string): RunListener;
  /** Awaits the run; the progress display and the Ctrl-C handling end however it ends. */
  run<T>(running: Promise<T>): Promise<T>;
  /** Prints the summary table and totals, and where the log is. */
  printSummary(result: RunResult): void;
  /**
   * The exit code of a finished run, printing why when it is not 0: 130 interrupted, 3 stopped at
   * the cost budget, 1 a run that ended in an error, errored cases with `strict`, or a failed gate.
   */
  exitCode(result: RunResult, gatePassed?: boolean): number;
}

export function createRunTerminal(io: Io, options: RunTerminalOptions): RunTerminal {
  const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  const graceMs = options.graceMs ?? 5000;
  const stop = new AbortController();
  const cancel = new AbortController();
  let summary: SummaryBuilder | undefined;
  let progress: Progress | undefined;
  let releaseInterrupts: (() => void) | undefined;
  const shown = (path: string) => relative(io.cwd, path) || path;

  return {
    theme,
    options: {
      cwd: io.cwd,
      env: io.env,
      command: io.argv,
      runId: io.newRunId?.(),
      now: io.now?.bind(io),
      signal: stop.signal,
      cancelSignal: cancel.signal,
      graceMs,
      onWarning: (text) => io.stderr.write(`${text}\n`),
      onProgress: (record) => summary?.add(record),
      // The terminal's scrubber: the keys the run finds are scrubbed from what it prints too.
      secrets: io.secrets,
    },
    shown,
    start(header, start, configBlock) {
      io.stdout.write(configBlock);
      // The total covers every record the run writes: repeats, copied records, a rerun's chosen few.
      summary = createSummaryBuilder(header, { maxRows: options.maxRows ?? 100, total: start.total });
      const display = createProgress({
        stream: io.stderr,
        theme: createTheme(colorEnabled(io, io.stderr), io.stderr.columns),
        total: start.toRun,
        plainIntervalMs: Number(io.env['TAGLIOTS_PROGRESS_INTERVAL_MS']) || 10_000,
      });
      progress = display;
      // The first Ctrl-C stops starting cases, the second cancels the running ones; on the third
      // the process exits (the engine has flushed the log since the second).
      let interrupts = 0;
      releaseInterrupts = io.onInterrupt(() => {
        interrupts++;
        if (interrupts === 1) {
          stop.abort();
          display.note(`Stopping: running cases get ${graceMs / 1000} s to finish (Ctrl-C again cancels them)`);
        } else if (interrupts === 2) {
          cancel.abort();
          display.note('Cancelling running cases');
        }
      });
      return display;
    },
    async run(running) {
      try {
        return await running;
      } finally {
        progress?.stop();
        releaseInterrupts?.();
      }
    },
    printSummary({ runId, end, logPath, batches }) {
      if (!summary) throw new Error('printSummary(): the run never started');
      io.stdout.write(renderSummary(summary.finish(end), theme, { allRowsHint: `run \`tagliots summarize ${runId} --rows all\` to print every row`, end }));
      io.stdout.write(`\nResults written to ${shown(logPath)}\n`);
      if (batches && batches.length > 0) {
        // Their requests are paid for already: a resume takes their answers instead of asking again.
        const ids = batches.map((batch) => escapeControls(batch.batchId)).join(', ');
        io.stderr.write(`${batches.length} batch${batches.length === 1 ? ' is' : 'es are'} still running at the provider (${ids}). Finish the run with their answers: tagliots resume ${runId}\n`);
      }
    },
    exitCode({ runId, end, header }, gatePassed = true) {
      if (end.status === 'interrupted') return EXIT.interrupted;
      if (end.status === 'budget') {
        const notRun = end.counts.notRun;
        io.stderr.write(
          `Stopped at the cost budget: ${formatUsd(end.costUsd ?? 0)} spent of --max-cost ${formatUsd(end.maxCostUsd ?? 0)}; ${notRun} case${notRun === 1 ? '' : 's'} not run. Resume with: tagliots resume ${runId}\n`,
        );
        return EXIT.budget;
      }
      if (end.status === 'error') {
        // A rerun cannot be resumed (its cases came from its parent's log): it is started again.
        const finish = header.mode === 'rerun' ? `Start the rerun again: tagliots ${header.command.join(' ')}` : `Finish the run with: tagliots resume ${runId}`;
        io.stderr.write(`The run stopped early: ${end.error?.message ?? 'unknown error'}\n${finish}\n`);
        return EXIT.failure;
      }
      if (options.strict && end.counts.error > 0) {
        io.stderr.write(`--strict: ${end.counts.error} case${end.counts.error === 1 ? '' : 's'} errored.\n`);
        return EXIT.failure;
      }
      return gatePassed ? EXIT.ok : EXIT.failure;
    },
  };
}
