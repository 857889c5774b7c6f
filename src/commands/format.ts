import { EXIT, UsageError } from '../errors.ts';
import type { CaseRecord } from '../log/schema.ts';
import type { Selection } from '../suite/select.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { shownPath } from '../util/paths.ts';
import { addRunsDirOption, addSelectionOptions, Command, selectionFrom, type CommandEnv } from './shared/flags.ts';
import { createOutput, engineContext, warnAboutLog } from './shared/output.ts';

/** `tagliots format`: its flags, help and handler. */
export function formatCommand(env: CommandEnv) {
  const command = addRunsDirOption(
    new Command('format')
      .description('print a readable report of each case of a run')
      .argument('<run>', "the run: 'latest', a run-id prefix, or a path to a log file")
      .argument('[case-id-prefix]', 'only the cases whose id starts with this'),
  )
    .option('--md', 'Markdown (long values collapsed in <details>)')
    .option('--failed', 'only failed and errored cases')
    .option('--out <file>', 'write to this file instead of stdout');
  return addSelectionOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots format latest
  $ tagliots format latest b52
  $ tagliots format 019aa1 --failed --md --out report.md

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or case, unreadable log.`,
    )
    .action(async (run, casePrefix, opts) =>
      env.setExit(
        await format(
          { run, casePrefix, runsDir: opts.runsDir, markdown: opts.md === true, failed: opts.failed === true, out: opts.out, selection: selectionFrom(opts) },
          env.io,
        ),
      ),
    );
}

export interface FormatOptions {
  readonly run: string;
  /** Only cases whose id starts with this. */
  readonly casePrefix?: string;
  readonly runsDir?: string;
  /** Markdown instead of terminal text. */
  readonly markdown?: boolean;
  /** Only failed and errored cases. */
  readonly failed?: boolean;
  /** Write to this file instead of stdout. */
  readonly out?: string;
  readonly selection?: Selection;
}

/**
 * Prints a readable report of each case, in suite order. The cases to print are held in memory to
 * sort them; select with a prefix, --failed or --limit on very large runs.
 */
export async function format(options: FormatOptions, io: Io): Promise<number> {
  const { readRunLog, LEGACY_VERSION, runFacts, sortCases, renderCaseMarkdown, renderRunHeaderMarkdown, renderCaseTerminal, renderRunHeaderTerminal, createTheme } = await import('./shared/engine.ts');
  const log = await readRunLog(options.run, { runsDir: options.runsDir, selection: options.selection, ...engineContext(io) });
  const shown = shownPath(log.path, io.cwd);
  const { header } = log;
  const prefix = options.casePrefix;
  const picked: CaseRecord[] = [];
  let seen = 0;
  let matched = 0;
  // The first three case ids in suite order, for the hint when the prefix matches none.
  const someIds: { index: number; id: string }[] = [];
  await log.forEachCase((record) => {
    seen++;
    if (!someIds.some((s) => s.id === record.caseId) && (someIds.length < 3 || record.index < someIds[2]!.index)) {
      someIds.push({ index: record.index, id: record.caseId });
      someIds.sort((a, b) => a.index - b.index);
      someIds.length = Math.min(someIds.length, 3);
    }
    if (prefix !== undefined && !record.caseId.startsWith(prefix)) return;
    matched++;
    if (options.failed && !(record.status === 'error' || (record.status === 'complete' && record.passed === false))) return;
    picked.push(record);
  });
  const end = await log.end();
  warnAboutLog(io, { shown, warnings: log.warnings, ended: end !== null });
  if (prefix !== undefined && matched === 0) {
    throw new UsageError('E_CASE_NOT_FOUND', `No case id starts with '${prefix}' in ${shown} (${seen} case record${seen === 1 ? '' : 's'}${options.selection ? ' selected' : ''}).`, {
      hint: someIds.length > 0 ? `Case ids look like ${someIds.map((s) => s.id).join(', ')}. \`tagliots summarize ${header.runId}\` lists them.` : 'The log holds no cases.',
    });
  }
  picked.sort(sortCases);

  const facts = runFacts(header, end, header.versions.tagliots === LEGACY_VERSION);
  const out = createOutput(io, options.out);
  try {
    if (options.markdown) {
      out.write(renderRunHeaderMarkdown(facts));
      for (const record of picked) out.write(renderCaseMarkdown(record, header));
    } else {
      // Colour only on a terminal: never in a file.
      const theme = createTheme(options.out === undefined && colorEnabled(io, io.stdout), io.stdout.columns);
      out.write(renderRunHeaderTerminal(facts, theme));
      for (const record of picked) out.write(renderCaseTerminal(record, header, theme));
    }
    if (picked.length === 0) out.write(options.markdown ? '\n_No cases to show._\n' : '\nNo cases to show.\n');
  } finally {
    out.close();
  }
  if (options.out !== undefined) io.stderr.write(`Wrote ${picked.length} case${picked.length === 1 ? '' : 's'} to ${options.out}\n`);
  return EXIT.ok;
}
