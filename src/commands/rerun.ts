import type { RerunInfo, RerunOptions } from '../engine/rerun.ts';
import { EXIT } from '../errors.ts';
import type { RunStartRecord } from '../log/schema.ts';
import type { Theme } from '../report/theme.ts';
import type { Io } from '../util/io.ts';
import { formatCount } from '../util/units.ts';
import type { RunTerminalOptions } from './shared/run-terminal.ts';
import { addModelRunOptions, addRunOptions, addSelectionOptions, Command, modelRunOptionsFrom, Option, runFlagsFrom, selectionFrom, type CommandEnv } from './shared/flags.ts';

/** `tagliots rerun`: its flags, help and handler. */
export function rerunCommand(env: CommandEnv) {
  const command = new Command('rerun')
    .description("run an earlier run's cases again, with its pipeline and config plus new overrides")
    .argument('<run>', "the run to repeat: 'latest', a run-id prefix or a log file")
    .argument('[overrides...]', 'config overrides on top of the original config: key.path=value, key.path:=<json>')
    .addOption(new Option('--only <which>', 'which cases of the run: failed (failed or errored), errored, or all').choices(['failed', 'errored', 'all'] as const).default('all' as const))
    .option('--from <stage>', 'reuse the outputs of the stages <stage> depends on from the original run; run the rest');
  return addSelectionOptions(addModelRunOptions(addRunOptions(command, 'run every chosen case N times (default: each record once, as in the original run)')))
    .addHelpText(
      'after',
      `
Cases come from the original run's log, not from the suite file; templates and other files the
config names are read again. Config changes are shown against the original run.

Examples:
  $ tagliots rerun latest --only failed
  $ tagliots rerun 019aa1 infer.model.name=perfect
  $ tagliots rerun latest --from extract

Exit codes: 0 success, 1 the run stopped early (a full disk, an unexpected error), errored cases with --strict, 2 usage/config/input error (nothing ran), 3 stopped at --max-cost, 130 interrupted.`,
    )
    .action(async (run, overrides, opts) => {
      const selection = selectionFrom(opts);
      env.setExit(
        await rerun(
          {
            run,
            overrides,
            only: opts.only,
            ...(opts.from !== undefined && { from: opts.from }),
            ...runFlagsFrom(opts),
            ...modelRunOptionsFrom(opts),
            ...(selection && { selection }),
          },
          env.io,
        ),
      );
    });
}

export interface RerunCommandOptions
  extends RunTerminalOptions,
    Pick<RerunOptions, 'run' | 'configFiles' | 'only' | 'from' | 'selection' | 'repeat' | 'concurrency' | 'runsDir' | 'cache' | 'maxCostUsd' | 'batch'> {
  /** `key.path=value` arguments, applied on top of the original run's config. */
  readonly overrides: readonly string[];
}

/** Runs the cases of an earlier run again, showing progress and the summary. */
export async function rerun(options: RerunCommandOptions, io: Io): Promise<number> {
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { rerunRun, ONLY_TEXT, createRunTerminal, gitLine, renderCarryOver, renderConfigChanges } = await import('./shared/engine.ts');
  const terminal = createRunTerminal(io, options);

  /** The "Rerun configuration" block printed before the first case. */
  const renderRerunConfig = (header: RunStartRecord, rerun: RerunInfo, theme: Theme, logPath: string): string => {
    const { chalk } = theme;
    const lines = [chalk.bold('Rerun configuration')];
    lines.push(`  id: ${header.runId}`);
    lines.push(`  rerun of: ${rerun.original.runId} (${terminal.shown(rerun.originalLogPath)})`);
    const runs = rerun.runs === rerun.cases ? '' : `, ${formatCount(rerun.runs)} runs`;
    const why = [ONLY_TEXT[rerun.only], rerun.selected ? 'selected' : ''].filter(Boolean).join(', ');
    lines.push(`  cases: ${formatCount(rerun.cases)} of ${formatCount(rerun.ofCases)}${runs}${why ? ` (${why})` : ''}`);
    lines.push(`  pipeline: ${header.pipeline.name}`);
    lines.push(...renderConfigChanges(rerun.configChanges, theme, 'same config as the original run'));
    lines.push(...renderCarryOver(rerun.converted, rerun.notCarried, theme));
    if (rerun.from) {
      const { stage, reused } = rerun.from;
      lines.push(`  from: ${reused.length > 0 ? `${stage} (reusing ${reused.join(', ')})` : `${stage} (no stage runs before it: every stage runs)`}`);
    }
    if (rerun.repeat > 1) lines.push(`  repeat: ${rerun.repeat}`);
    lines.push(`  concurrency: ${header.concurrency}`);
    if (header.git) lines.push(gitLine(header.git, theme));
    lines.push(`  log: ${logPath}`);
    return `${lines.join('\n')}\n\n`;
  };

  const result = await terminal.run(
    rerunRun({
      ...options,
      ...terminal.options,
      onStart: (header, start, rerun) => terminal.start(header, start, renderRerunConfig(header, rerun, terminal.theme, terminal.shown(start.logPath))),
    }),
  );
  if (result.status === 'nothing') {
    io.stdout.write(`${result.note}\n`);
    return EXIT.ok;
  }
  terminal.printSummary(result);
  return terminal.exitCode(result);
}
