import { EXIT, UsageError } from '../errors.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { addRunsDirOption, Command, idList, positiveInteger, probability, rowLimit, type CommandEnv } from './shared/flags.ts';
import { engineContext } from './shared/output.ts';

/** `tagliots compare`: its flags, help and handler. */
export function compareCommand(env: CommandEnv) {
  const command = new Command('compare')
    .description('compare runs case by case: regressions, fixes, deltas and paired statistics')
    .argument('<runs...>', 'two or more runs (baseline first): run id prefixes, `latest`, or log files')
    .option('--json', 'print the whole comparison as JSON')
    .option('--md', 'print Markdown for a pull-request comment')
    .option('--filter <expr>', "only cases whose keywords match the expression, e.g. 'p0 && !slow'")
    .option('--ids <ids>', 'only these cases: comma-separated case ids or id prefixes', idList('--ids'))
    .option('--limit <n>', 'only the first N cases in suite order', positiveInteger('--limit'))
    .option('--rows <n>', "list every common case up to N of them, else only the changed ones; 'all'", rowLimit, 100)
    .option('--alpha <p>', 'significance level of the verdict, one-sided each way ("worse", "better")', probability('--alpha'), 0.05);
  return addRunsDirOption(command)
    .addHelpText(
      'after',
      `
Cases are aligned by case id and repeat index. A is the first run (the baseline), B the second;
with more runs, each is compared with the baseline and printed as one row. The statistics pair
per case (repeats averaged), leave out infrastructure errors, and judge "worse" and "better" each
one-sided at --alpha, with the interval whose ends are the matching bounds (90% at 0.05): the same
test and wording as gate. See docs/statistics.md.

Examples:
  $ tagliots compare 019aa1f4 latest
  $ tagliots compare main.jsonl runs/019aa1f5-….jsonl --md > comment.md
  $ tagliots compare baseline.jsonl b.jsonl c.jsonl d.jsonl

Exit codes: 0 compared, 2 usage error or a run that cannot be read.`,
    )
    .action(async (runs, opts) => {
      if (opts.json && opts.md) throw new UsageError('E_USAGE', '--json and --md cannot be combined.', { hint: 'Pick one output format.' });
      const format = opts.json ? 'json' : opts.md ? 'md' : 'text';
      const { filter, ids, limit, rows: maxRows, alpha, runsDir } = opts;
      env.setExit(await compare({ runs, format, filter, ids, limit, maxRows, alpha, runsDir }, env.io));
    });
}

export type OutputFormat = 'text' | 'json' | 'md';

export interface CompareCommandOptions {
  /** Run references: the baseline first. */
  readonly runs: readonly string[];
  readonly runsDir?: string;
  /** @default 'text' */
  readonly format?: OutputFormat;
  /** Only cases whose keywords match this expression. */
  readonly filter?: string;
  /** Only these cases: ids or id prefixes. */
  readonly ids?: readonly string[];
  /** Only the first N cases in suite order. */
  readonly limit?: number;
  /** List every common case when there are at most this many. @default 100 */
  readonly maxRows?: number;
  /** Significance level of the verdict. @default 0.05 */
  readonly alpha?: number;
}

/** Compares each run with the first (the baseline) and prints the comparison as text, JSON or Markdown. */
export async function compare(options: CompareCommandOptions, io: Io): Promise<number> {
  if (options.runs.length < 2) {
    throw new UsageError('E_USAGE', `compare needs at least two runs (got ${options.runs.length}).`, {
      hint: 'tagliots compare <baseline> <run> [more runs...]: each a run id prefix, `latest` or a log file.',
    });
  }
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { compareToBaseline, comparisonMarkdown, multiComparisonMarkdown, renderComparison, renderMultiComparison, createTheme } = await import('./shared/engine.ts');
  const [first, ...others] = options.runs;
  const { runs: _runs, format = 'text', ...compareOptions } = options;
  const result = await compareToBaseline(first!, others, { ...compareOptions, ...engineContext(io) });
  const { baseline, comparisons } = result;
  const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  if (comparisons.length === 1) {
    const comparison = comparisons[0]!;
    if (format === 'json') io.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    else if (format === 'md') io.stdout.write(comparisonMarkdown(comparison));
    else io.stdout.write(renderComparison(comparison, theme, { maxRows: options.maxRows ?? 100 }));
  } else if (format === 'json') {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (format === 'md') {
    io.stdout.write(multiComparisonMarkdown(baseline, comparisons));
  } else {
    io.stdout.write(renderMultiComparison(baseline, comparisons, theme));
  }
  return EXIT.ok;
}
