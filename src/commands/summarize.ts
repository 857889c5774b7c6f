import { EXIT, UsageError } from '../errors.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import type { Selection } from '../suite/select.ts';
import { addRunsDirOption, addSelectionOptions, Command, selectionFrom, summaryRowLimit, tableWidth, type CommandEnv } from './shared/flags.ts';
import { createOutput, engineContext, warnAboutLog } from './shared/output.ts';

/** `tagliots summarize`: its flags, help and handler. */
export function summarizeCommand(env: CommandEnv) {
  const command = addRunsDirOption(
    new Command('summarize').description('print the summary of a run from its log').argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file"),
  )
    .option('--by <what>', "add a breakdown table: 'keyword'")
    .option('--json', 'print the summary as JSON')
    .option('--rows <n>', "most table rows to print, 'all', or 0 for the totals only", summaryRowLimit, 100)
    .option('--width <n>', 'table width in columns (default: the terminal width, 80 when not a terminal)', tableWidth);
  return addSelectionOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots summarize latest
  $ tagliots summarize 019aa1 --by keyword --rows all --width 160
  $ tagliots summarize latest --rows 0
  $ tagliots summarize runs/019aa1f4-3c2e-7d81-b6a9-5e0c2f7d4a13.jsonl --filter 'hexadecimal && !flakey-fails' --json

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or unreadable log.`,
    )
    .action(async (run, opts) =>
      env.setExit(await summarize({ run, runsDir: opts.runsDir, by: opts.by, json: opts.json === true, maxRows: opts.rows, ...(opts.width !== undefined && { width: opts.width }), selection: selectionFrom(opts) }, env.io)),
    );
}

export interface SummarizeOptions {
  /** `latest`, a run-id prefix or a path to a log. */
  readonly run: string;
  readonly runsDir?: string;
  /** `keyword`: add the per-keyword table. */
  readonly by?: string;
  readonly json?: boolean;
  /** Most table rows; 0 prints the totals only. @default 100 */
  readonly maxRows?: number;
  /** Columns the table may take; free-text columns are cut to fit. @default the terminal width (80 when not a terminal) */
  readonly width?: number;
  readonly selection?: Selection;
}

/** What `--by` takes. */
const BY_VALUES = ['keyword'] as const;

/** Prints the summary `run` prints, from the log alone (the engine's summarizeRun(), rendered). */
export async function summarize(options: SummarizeOptions, io: Io): Promise<number> {
  if (options.by !== undefined && !(BY_VALUES as readonly string[]).includes(options.by)) {
    throw new UsageError('E_USAGE', `Unknown --by '${options.by}'.`, { hint: `--by takes: ${BY_VALUES.join(', ')}.` });
  }
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { readRunLog, summarizeLog, LEGACY_VERSION, renderKeywordTable, renderRunConfig, describeSelection, renderSummary, createTheme } = await import('./shared/engine.ts');
  const context = engineContext(io);
  const log = await readRunLog(options.run, { runsDir: options.runsDir, selection: options.selection, ...context });
  const { summary, header, end, table } = await summarizeLog(log, { selection: options.selection, byKeyword: options.by === 'keyword', maxRows: options.maxRows, cwd: io.cwd });
  warnAboutLog(io, { shown: summary.log, warnings: summary.warnings, ended: end !== null });

  const out = createOutput(io, undefined);
  if (options.json) {
    out.write(`${JSON.stringify(summary, null, 2)}\n`);
    out.close();
    return EXIT.ok;
  }

  const theme = createTheme(colorEnabled(io, io.stdout), options.width ?? io.stdout.columns);
  let config = renderRunConfig(header, theme, summary.log);
  if (header.versions.tagliots === LEGACY_VERSION) config = config.replace(/\(defaults\)/, '(GoTaglio logs do not record config deltas)');
  const selected = summary.selectedCases;
  if (options.selection && selected !== undefined && selected !== null) {
    config = config.replace(/\n\n$/, `\n  selection: ${describeSelection(options.selection)} (${selected} case${selected === 1 ? '' : 's'})\n\n`);
  }
  out.write(config);
  // run.end's model-call totals are the whole run's: not shown for a selection.
  out.write(renderSummary(table, theme, { allRowsHint: 'run with --rows all to print every row', end: options.selection ? null : end }));
  if (end?.status === 'error') out.write(theme.chalk.red(`Run stopped early: ${end.error?.message ?? 'the run machinery failed'}\n`));
  if (summary.byKeyword) out.write(`\n${renderKeywordTable(summary.byKeyword, theme, { hasPassed: header.pipeline.hasPassed, hasScore: header.pipeline.hasScore })}`);
  out.close();
  return EXIT.ok;
}
