import { InvalidArgumentError, type Command } from 'commander';
import { positiveInteger, rowLimit, type CommandEnv } from '../options.ts';

/** A probability strictly between 0 and 1 (--alpha). */
export function probability(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError(`${name} must be a number between 0 and 1 (got '${value}').`);
    return n;
  };
}

/** Comma-separated case ids or prefixes; repeatable. */
export function idList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError(`--ids needs at least one id (got '${value}').`);
  return [...(previous ?? []), ...items];
}

export function registerCompare(program: Command, env: CommandEnv): void {
  program
    .command('compare')
    .description('compare runs case by case: regressions, fixes, deltas and paired statistics')
    .argument('<runs...>', 'two or more runs (baseline first): run id prefixes, `latest`, or log files')
    .option('--json', 'print the whole comparison as JSON')
    .option('--md', 'print Markdown for a pull-request comment')
    .option('--filter <expr>', "only cases whose keywords match the expression, e.g. 'p0 && !slow'")
    .option('--ids <ids>', 'only these cases: comma-separated case ids or id prefixes', idList)
    .option('--limit <n>', 'only the first N cases in suite order', positiveInteger('--limit'))
    .option('--rows <n>', "list every common case up to N of them, else only the changed ones; 'all'", rowLimit, 100)
    .option('--alpha <p>', 'significance level of the verdict', probability('--alpha'), 0.05)
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)')
    .addHelpText(
      'after',
      `
Cases are aligned by case id and repeat index. A is the first run (the baseline), B the second;
with more runs, each is compared with the baseline and printed as one row.

Examples:
  $ tagliots compare 019aa1f4 latest
  $ tagliots compare main.jsonl runs/019aa1f5-….jsonl --md > comment.md
  $ tagliots compare baseline.jsonl b.jsonl c.jsonl d.jsonl

Exit codes: 0 compared, 2 usage error or a run that cannot be read.`,
    )
    .action(async (runs: string[], opts: Record<string, unknown>) => {
      if (opts['json'] && opts['md']) {
        const { UsageError } = await import('../../errors.ts');
        throw new UsageError('E_USAGE', '--json and --md cannot be combined.', { hint: 'Pick one output format.' });
      }
      const { compareCommand } = await import('../../commands/compare.ts');
      env.setExit(
        await compareCommand(
          {
            runs,
            format: opts['json'] ? 'json' : opts['md'] ? 'md' : 'text',
            ...(opts['filter'] !== undefined && { filter: opts['filter'] as string }),
            ...(opts['ids'] !== undefined && { ids: opts['ids'] as string[] }),
            ...(opts['limit'] !== undefined && { limit: opts['limit'] as number }),
            maxRows: opts['rows'] as number,
            alpha: opts['alpha'] as number,
            ...(opts['runsDir'] !== undefined && { runsDir: opts['runsDir'] as string }),
          },
          env.io,
        ),
      );
    });
}
