import { createKeywordBreakdown } from '../analysis/keyword-breakdown.ts';
import { createSummaryBuilder } from '../analysis/summary.ts';
import { EXIT, UsageError } from '../errors.ts';
import { LEGACY_VERSION } from '../log/legacy.ts';
import { renderKeywordTable } from '../report/keyword-table.ts';
import { renderRunConfig } from '../report/run-config.ts';
import { renderSummary } from '../report/summary-table.ts';
import { createTheme } from '../report/theme.ts';
import type { Selection } from '../suite/select.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { describeSelection } from '../report/selection.ts';
import { createOutput, findRunLog, openLog, shownPath, warnAboutLog } from './log-input.ts';

export interface SummarizeOptions {
  /** `latest`, a run-id prefix or a path to a log. */
  readonly run: string;
  readonly runsDir?: string;
  /** `keyword`: add the per-keyword table. */
  readonly by?: string;
  readonly json?: boolean;
  /** Most table rows. @default 100 */
  readonly maxRows?: number;
  readonly selection?: Selection;
}

export const BY_VALUES = ['keyword'] as const;

/** `tagliots summarize <run>`: the summary `run` prints, from the log alone, streamed. */
export async function summarizeCommand(options: SummarizeOptions, io: Io): Promise<number> {
  if (options.by !== undefined && !(BY_VALUES as readonly string[]).includes(options.by)) {
    throw new UsageError('E_USAGE', `Unknown --by '${options.by}'.`, { hint: `--by takes: ${BY_VALUES.join(', ')}.` });
  }
  const path = await findRunLog(options.run, options.runsDir, io);
  const shown = shownPath(path, io.cwd);
  const log = await openLog(path, options.selection);
  const { header } = log;
  const repeat = header.repeat ?? 1;
  const summary = createSummaryBuilder(header, {
    maxRows: options.maxRows ?? 100,
    ...(log.selection.count !== null ? { total: () => (log.selection.count ?? 0) * repeat } : {}),
  });
  const keywords = options.by === 'keyword' ? createKeywordBreakdown({ hasPassed: header.pipeline.hasPassed }) : undefined;
  await log.forEachCase((record) => {
    summary.add(record);
    keywords?.add(record);
  });
  const end = log.end();
  // A selection's counts are not the run's: run.end only gives the status and the duration.
  const result = summary.finish(end);
  const keywordRows = keywords?.finish();
  warnAboutLog(log, io, shown);

  const out = createOutput(io, undefined);
  if (options.json) {
    out.write(
      `${JSON.stringify(
        {
          runId: header.runId,
          log: shown,
          pipeline: header.pipeline.name,
          suite: header.suite.path,
          status: result.status,
          incomplete: end === null,
          ...(options.selection ? { selection: options.selection, selectedCases: log.selection.count } : {}),
          counts: result.counts,
          meanScore: result.meanScore,
          usage: result.usage ?? null,
          costUsd: result.costUsd,
          durationMs: result.durationMs,
          repeat: result.repeat,
          ...(result.repeats ? { repeats: result.repeats } : {}),
          ...(keywordRows ? { byKeyword: keywordRows } : {}),
          rows: result.rows,
          hiddenRows: result.hiddenRows,
          warnings: [...log.warnings],
        },
        null,
        2,
      )}\n`,
    );
    out.close();
    return EXIT.ok;
  }

  const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  let config = renderRunConfig(header, theme, shown);
  if (header.versions.tagliots === LEGACY_VERSION) config = config.replace(/\(defaults\)/, '(GoTaglio logs do not record config deltas)');
  if (options.selection && log.selection.count !== null) {
    config = config.replace(/\n\n$/, `\n  selection: ${describeSelection(options.selection)} (${log.selection.count} case${log.selection.count === 1 ? '' : 's'})\n\n`);
  }
  out.write(config);
  // run.end's model-call totals are the whole run's: not shown for a selection.
  out.write(renderSummary(result, theme, { allRowsHint: 'run with --rows all to print every row', end: options.selection ? null : end }));
  if (end?.status === 'error') out.write(theme.chalk.red(`Run stopped early: ${end.error?.message ?? 'the run machinery failed'}\n`));
  if (keywordRows) out.write(`\n${renderKeywordTable(keywordRows, theme, { hasPassed: header.pipeline.hasPassed, hasScore: header.pipeline.hasScore })}`);
  out.close();
  return EXIT.ok;
}
