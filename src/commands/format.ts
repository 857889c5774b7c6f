import { EXIT, UsageError } from '../errors.ts';
import type { CaseRecord } from '../log/schema.ts';
import { runFacts, sortCases } from '../report/format-case.ts';
import { renderCaseMarkdown, renderRunHeaderMarkdown } from '../report/format-markdown.ts';
import { renderCaseTerminal, renderRunHeaderTerminal } from '../report/format-terminal.ts';
import { createTheme } from '../report/theme.ts';
import { LEGACY_VERSION } from '../log/legacy.ts';
import type { Selection } from '../suite/select.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { createOutput, findRunLog, openLog, shownPath, warnAboutLog } from './log-input.ts';

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
 * `tagliots format <run> [case-id-prefix]`: a readable report of each case, in suite order. The
 * cases to print are held in memory to sort them; select with a prefix, --failed or --limit on
 * very large runs.
 */
export async function formatCommand(options: FormatOptions, io: Io): Promise<number> {
  const path = await findRunLog(options.run, options.runsDir, io);
  const shown = shownPath(path, io.cwd);
  const log = await openLog(path, options.selection);
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
  warnAboutLog(log, io, shown);
  if (prefix !== undefined && matched === 0) {
    throw new UsageError('E_CASE_NOT_FOUND', `No case id starts with '${prefix}' in ${shown} (${seen} case record${seen === 1 ? '' : 's'}${options.selection ? ' selected' : ''}).`, {
      hint: someIds.length > 0 ? `Case ids look like ${someIds.map((s) => s.id).join(', ')}. \`tagliots summarize ${header.runId}\` lists them.` : 'The log holds no cases.',
    });
  }
  picked.sort(sortCases);

  const facts = runFacts(header, log.end(), header.versions.tagliots === LEGACY_VERSION);
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
