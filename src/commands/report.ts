import { dirname, resolve } from 'node:path';
import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { formatBytes, formatCount } from '../util/units.ts';
import { shownPath } from '../util/paths.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import { addRunsDirOption, Command, type CommandEnv } from './shared/flags.ts';
import { engineContext, warnAboutLog, writeOutput } from './shared/output.ts';

/** `tagliots report`: its flags, help and handler. */
export function reportCommand(env: CommandEnv) {
  const command = new Command('report')
    .description('write a self-contained HTML report of a run (optionally compared with a baseline)')
    .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
    .option('--baseline <run>', 'compare with this run (A, the baseline); <run> is B')
    .option('-o, --out <file>', 'the HTML file to write (default: <run-id-prefix>.report.html beside the run log, in the runs folder)');
  return addRunsDirOption(command)
    .addHelpText(
      'after',
      `
The file has no outside dependencies: open it from disk or attach it to a CI run. It holds every
case record (compressed); a case's details are unpacked when you open it.

Examples:
  $ tagliots report latest
  $ tagliots report latest --baseline 019aa1 -o compare.html

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or unreadable log.`,
    )
    .action(async (run, opts) => env.setExit(await report({ run, baseline: opts.baseline, out: opts.out, runsDir: opts.runsDir }, env.io)));
}

export interface ReportOptions {
  /** `latest`, a run-id prefix or a path to a log. */
  readonly run: string;
  /** A run to compare with (A, the baseline; `run` is B). */
  readonly baseline?: string;
  /** The HTML file to write. @default `<run-id-prefix>.report.html` beside the run's log (in the runs folder) */
  readonly out?: string;
  readonly runsDir?: string;
}

/** The file name a report gets by default: the run id up to its millisecond timestamp. */
function defaultReportName(runId: string): string {
  return `${runId.slice(0, 13).replace(/[^A-Za-z0-9-]/g, '_')}.report.html`;
}

/** Writes one self-contained HTML file: the report of a run, or its comparison with a baseline. */
export async function report(options: ReportOptions, io: Io): Promise<number> {
  // The HTML page (its script and CSS are hundreds of kilobytes of text) loads apart from the engine: only report and view read it.
  const [{ findRunLog, comparePages, loadRun, permuteRows, suiteOrder }, { createRecordBlockWriter }, { renderReportChunks }] = await Promise.all([
    import('./shared/engine.ts'),
    import('../report/html/embed.ts'),
    import('../report/html/report-page.ts'),
  ]);
  const context = { runsDir: options.runsDir, ...engineContext(io) };
  const path = await findRunLog(options.run, context);
  const basePath = options.baseline === undefined ? undefined : await findRunLog(options.baseline, context);
  const compare = basePath !== undefined;
  // Compressed data would hide a secret from the output file's scrubbing: it is scrubbed before.
  const { secrets } = io;
  // Each run's full records go into the file, packed in gzip blocks.
  const load = async (logPath: string, digest: boolean) => {
    const blocks = createRecordBlockWriter();
    const loaded = await loadRun(logPath, io.cwd, { digest, onCase: (record) => blocks.add(secrets ? secrets.json(record) : JSON.stringify(record)) });
    return { ...loaded, blocks: await blocks.finish() };
  };
  const [b, a] = await Promise.all([load(path, compare), basePath ? load(basePath, true) : null]);
  for (const loaded of [b, a]) {
    if (loaded) warnAboutLog(io, { shown: loaded.run.log, warnings: loaded.run.warnings, ended: loaded.run.end !== null }, 'the report shows the cases it holds');
  }
  const rowsB = permuteRows(b.rows, suiteOrder(b.rows));
  const rowsA = a ? permuteRows(a.rows, suiteOrder(a.rows)) : null;
  const comparison = a && rowsA ? comparePages(a, b, rowsA, rowsB) : null;
  const runs = [{ run: b.run, rows: rowsB, blocks: b.blocks }];
  if (a && rowsA) runs.push({ run: a.run, rows: rowsA, blocks: a.blocks });
  const chunks = renderReportChunks(runs, comparison, { generator: `tagliots ${TAGLIOTS_VERSION}`, ...(secrets && { secrets }) });

  // Beside the run's log (in the runs folder, which projects ignore), not in the working folder.
  const target = options.out ?? resolve(dirname(path), defaultReportName(b.run.header.runId));
  await writeOutput(io, target, (file) => {
    for (const chunk of chunks) file.write(chunk);
  });
  const bytes = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  const cases = b.rows.id.length;
  io.stdout.write(`Report of ${b.run.header.runId} (${formatCount(cases)} case${cases === 1 ? '' : 's'}${a ? `, compared with ${a.run.header.runId}` : ''}) written to ${shownPath(resolve(io.cwd, target), io.cwd)} (${formatBytes(bytes)})\n`);
  return EXIT.ok;
}
