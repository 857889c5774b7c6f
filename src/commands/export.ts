import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, TagliotsError, UsageError } from '../errors.ts';
import type { Selection } from '../suite/select.ts';
import type { Io } from '../util/io.ts';
import { shownPath } from '../util/paths.ts';
import { addRunsDirOption, addSelectionOptions, Command, Option, selectionFrom, type CommandEnv } from './shared/flags.ts';
import { engineContext, warnAboutLog, writeOutput } from './shared/output.ts';

/** What `--format` takes. */
const EXPORT_FORMATS = ['json', 'csv', 'jsonl', 'md', 'junit'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `tagliots export`: its flags, help and handler. */
export function exportCommand(env: CommandEnv) {
  const command = new Command('export')
    .description('export the cases of a run as JSON, CSV, JSONL, Markdown or JUnit XML; or print the run-log JSON Schema')
    .argument('[run]', "the run: 'latest', a run-id prefix, or a path to a log file")
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--schema', 'print the JSON Schema of a run-log line instead');
  return addSelectionOptions(addRunsDirOption(command))
    .addHelpText(
      'after',
      `
Columns: id, index, repeat, status, passed, score, keywords (joined with ;), durationMs,
inputTokens, outputTokens, costUsd, errorStage, errorMessage, then the pipeline's columns.
Rows are in the log's order (the order cases finished); sort by index for suite order.

Examples:
  $ tagliots export latest --format csv --out results.csv
  $ tagliots export latest --format junit --out junit.xml
  $ tagliots export --schema > run-log.schema.json

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or unreadable log.`,
    )
    .action(async (run, opts) =>
      env.setExit(await exportRun({ run, format: opts.format, out: opts.out, runsDir: opts.runsDir, schema: opts.schema === true, selection: selectionFrom(opts) }, env.io)),
    );
}

export interface ExportOptions {
  /** Required unless `schema`. */
  readonly run?: string;
  /** Required unless `schema`. */
  readonly format?: ExportFormat;
  readonly out?: string;
  readonly runsDir?: string;
  /** Print the run-log JSON Schema instead. */
  readonly schema?: boolean;
  readonly selection?: Selection;
}

/**
 * Writes one row per case record, streamed in the log's order (the order cases finished; `index`
 * gives the suite order), so a million-case log needs little memory.
 */
export async function exportRun(options: ExportOptions, io: Io): Promise<number> {
  if (options.schema) {
    if (options.run !== undefined) throw new UsageError('E_USAGE', '--schema takes no run.', { hint: 'tagliots export --schema > run-log.schema.json' });
    await writeOutput(io, options.out, (out) => out.write(readFileSync(schemaPath(), 'utf8')));
    return EXIT.ok;
  }
  if (options.run === undefined) throw new UsageError('E_USAGE', 'Which run should be exported?', { hint: 'tagliots export <run> --format csv (or tagliots export --schema)' });
  const format = options.format;
  if (format === undefined) throw new UsageError('E_USAGE', 'export needs --format.', { hint: `--format takes: ${EXPORT_FORMATS.join(', ')}.` });

  const { readRunLog, exportLayout, exportRow, csvLine, markdownTableHead, markdownTableRow, junitFooter, junitHeader, junitTestcase } = await import('./shared/engine.ts');
  const log = await readRunLog(options.run, { runsDir: options.runsDir, selection: options.selection, ...engineContext(io) });
  const shown = shownPath(log.path, io.cwd);
  const { header } = log;
  const layout = exportLayout(header);

  // JUnit puts the totals first: count them in a pass of their own unless run.end has them.
  let junitCounts: { tests: number; failed: number; error: number; cancelled: number; seconds: number } | undefined;
  if (format === 'junit') {
    const end = options.selection ? null : await log.end();
    if (end) {
      const c = end.counts;
      junitCounts = { tests: c.complete + c.error + c.cancelled, failed: c.failed, error: c.error, cancelled: c.cancelled, seconds: end.durationMs / 1000 };
    } else {
      junitCounts = { tests: 0, failed: 0, error: 0, cancelled: 0, seconds: 0 };
      const counts = junitCounts;
      await log.forEachCase((record) => {
        counts.tests++;
        if (record.status === 'error') counts.error++;
        else if (record.status === 'cancelled') counts.cancelled++;
        else if (record.passed === false) counts.failed++;
        counts.seconds += record.durationMs / 1000;
      });
    }
  }

  let rows = 0;
  await writeOutput(io, options.out, async (out) => {
    if (format === 'csv') out.write(csvLine(layout.columns));
    else if (format === 'md') out.write(markdownTableHead(layout.columns));
    else if (format === 'json') out.write('[');
    else if (format === 'junit') out.write(junitHeader(header, junitCounts!, junitCounts!.seconds));
    await log.forEachCase((record) => {
      if (format === 'junit') {
        out.write(junitTestcase(record, header));
      } else {
        const row = exportRow(record, layout);
        if (format === 'csv') out.write(csvLine(layout.columns.map((c) => row[c] ?? null)));
        else if (format === 'md') out.write(markdownTableRow(layout.columns.map((c) => row[c] ?? null)));
        else if (format === 'jsonl') out.write(`${JSON.stringify(row)}\n`);
        else out.write(`${rows === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`);
      }
      rows++;
    });
    if (format === 'json') out.write(rows === 0 ? ']\n' : '\n]\n');
    else if (format === 'junit') out.write(junitFooter());
  });
  warnAboutLog(io, { shown, warnings: log.warnings, ended: (await log.end()) !== null });
  if (options.out !== undefined) io.stderr.write(`Exported ${rows} row${rows === 1 ? '' : 's'} to ${options.out}\n`);
  return EXIT.ok;
}

/** `schema/run-log.schema.json` of this package, found from this module whether it runs from src/ or dist/. */
function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'schema', 'run-log.schema.json');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new TagliotsError('E_SCHEMA_MISSING', 'Cannot find schema/run-log.schema.json in the tagliots package.', {
    exitCode: EXIT.failure,
    hint: 'The installation is incomplete: reinstall tagliots.',
  });
}
