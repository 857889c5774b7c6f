import { EXIT } from '../errors.ts';
import type { CheckOptions } from '../engine/check.ts';
import type { Estimate } from '../runner/estimate.ts';
import type { Io } from '../util/io.ts';
import { formatCount, formatUsd } from '../util/units.ts';
import { collect, Command, positiveInteger, type CommandEnv } from './shared/flags.ts';

/** `tagliots check`: its arguments, flags, help and handler. */
export function checkCommand(env: CommandEnv) {
  return new Command('check')
    .description('validate a pipeline and a suite without running anything; estimate tokens and cost')
    .argument('<target>', 'a suite file, a pipeline file (*.pipeline.yaml), or a pipeline name')
    .argument('[overrides...]', 'config overrides: key.path=value, key.path:=<json>')
    .option('-p, --pipeline <name>', 'pipeline for the suite: a name or a *.pipeline.yaml file (default: the one the suite names, or the only one)')
    .option('--config <file>', 'a JSON or YAML config patch (repeatable; applied before key=value overrides)', collect, [])
    .option('--cases <n>', 'render prompts against the first N cases of the suite (default: 2,000)', positiveInteger('--cases'))
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots check suites/qa.json
  $ tagliots check suites/qa.json infer.model=gpt-4o-mini --cases 10000
  $ tagliots check samples/qa/qa.pipeline.yaml infer.model=perfect judge.model=perfect

No model is called and no case runs. Exit codes: 0 valid, 2 problems found (all listed).`,
    )
    .action(async (target, overrides, opts) =>
      env.setExit(
        await check(
          { target, overrides, configFiles: opts.config, ...(opts.cases !== undefined && { cases: opts.cases }), ...(opts.pipeline !== undefined && { pipeline: opts.pipeline }) },
          env.io,
        ),
      ),
    );
}

/** What `check` checks: checkPipeline()'s options but the working folder and environment, which come from the Io. */
export type CheckCommandOptions = Omit<CheckOptions, 'cwd' | 'env'>;

/** Validates a pipeline and a suite without running a case or calling a model, and prints every problem found. */
export async function check(options: CheckCommandOptions, io: Io): Promise<number> {
  const { checkPipeline } = await import('./shared/engine.ts');
  const report = await checkPipeline({ ...options, cwd: io.cwd, env: io.env });
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const { pipeline, suite, problems } = report;
  out(`Checking ${pipeline ? `pipeline '${pipeline.name}'${pipeline.file !== undefined ? ` (${pipeline.file})` : ''}` : options.target}${suite ? ` with suite ${suite.path} (${suite.cases} cases)` : ''}`);
  for (const line of report.passed) out(`  ok  ${line}`);
  if (report.estimate) {
    out();
    for (const line of estimateLines(report.estimate)) out(line);
  }
  for (const note of report.notes) out(`\nNote: ${note}`);
  out();
  if (problems.length === 0) {
    out(noProblems(suite?.cases, report.checkedCases));
    return EXIT.ok;
  }
  out(`${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
  problems.forEach((problem, i) => out(`  ${i + 1}. ${problem.replace(/\n/g, '\n     ')}`));
  return EXIT.usage;
}

/** Says "no problems" only about what was looked at: cases after the first --cases were not rendered. */
function noProblems(suiteCases: number | undefined, checked: number | undefined): string {
  if (suiteCases === undefined || checked === undefined || checked >= suiteCases) return 'No problems found.';
  const rest = suiteCases - checked;
  return `No problems found in the first ${formatCount(checked)} of ${formatCount(suiteCases)} cases; the other ${formatCount(rest)} were not rendered (--cases ${suiteCases} checks them all).`;
}

/** The estimate as a table: a row per stage and model, and their total when the rows are every call. */
function estimateLines(estimate: Estimate): string[] {
  const { rows } = estimate;
  const fmt = (n: number) => n.toLocaleString('en-US');
  const table = [
    ['stage', 'model', 'calls', 'input tokens', 'output tokens (max)', 'cost (max)'],
    ...rows.map((r) => [r.stage, r.model, fmt(r.calls), fmt(r.inputTokens), r.maxOutputTokens === undefined ? '?' : fmt(r.maxOutputTokens), r.maxCostUsd === undefined ? 'no pricing' : formatUsd(r.maxCostUsd)]),
  ];
  if (estimate.complete) {
    const cost = rows.reduce((sum, r) => sum + (r.maxCostUsd ?? 0), 0);
    const totalCost = rows.every((r) => r.maxCostUsd !== undefined) ? formatUsd(cost) : rows.some((r) => r.maxCostUsd !== undefined) ? `${formatUsd(cost)} (priced models only)` : 'unknown';
    table.push([
      'total',
      '',
      fmt(rows.reduce((n, r) => n + r.calls, 0)),
      fmt(rows.reduce((n, r) => n + r.inputTokens, 0)),
      rows.every((r) => r.maxOutputTokens !== undefined) ? fmt(rows.reduce((n, r) => n + (r.maxOutputTokens ?? 0), 0)) : '?',
      totalCost,
    ]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  // What `run --batch` would cost: the Batch API's prices (half, where the provider documents it).
  const batched = rows.filter((r) => r.batchMaxCostUsd !== undefined);
  const batchCost = formatUsd(batched.reduce((sum, r) => sum + r.batchMaxCostUsd!, 0));
  const batchLine =
    batched.length > 0 ? [`  in batch mode (run --batch): ${batchCost}${estimate.complete ? '' : ' for the calls above'}${batched.length < rows.length ? ' (priced models only)' : ''}`] : [];
  return [
    `Estimate for ${estimate.cases} case${estimate.cases === 1 ? '' : 's'} (no model was called):`,
    ...table.map((row) => `  ${row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')}`.trimEnd()),
    ...batchLine,
  ];
}
