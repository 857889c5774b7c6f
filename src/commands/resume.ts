import type { ResumeInfo, ResumeOptions } from '../engine/resume.ts';
import { EXIT } from '../errors.ts';
import type { RunStartRecord } from '../log/schema.ts';
import type { Theme } from '../report/theme.ts';
import type { Io } from '../util/io.ts';
import { formatCount } from '../util/units.ts';
import type { RunTerminalOptions } from './shared/run-terminal.ts';
import { addModelRunOptions, addRunOutputOptions, Command, modelRunOptionsFrom, positiveInteger, runOutputFrom, type CommandEnv } from './shared/flags.ts';

/** `tagliots resume`: its flags, help and handler. */
export function resumeCommand(env: CommandEnv) {
  const command = new Command('resume')
    .description('finish an interrupted or killed run: run only the cases its log lacks')
    .argument('<run>', "the run to finish: 'latest', a run-id prefix or a log file")
    .argument('[secrets...]', 'secrets the log does not keep, again: key.path=value')
    .option('-c, --concurrency <n>', 'cases in flight at once (default: as in the original run)', positiveInteger('--concurrency'))
    .option('--allow-changed-suite', 'resume even though the suite file changed since the run started')
    .option('--force', 'take the run over although a process on another machine claims it (a machine that crashed)');
  return addModelRunOptions(addRunOutputOptions(command, 100))
    .addHelpText(
      'after',
      `
Writes a new log that copies every finished case of the original (cancelled ones run again) and
runs the rest, with the recorded config and the same suite and selection. The original log is
left as it is. A run still running, or being resumed by another process, is refused: its log is
claimed (<run-id>.lock beside it) until that process ends.

Examples:
  $ tagliots resume latest
  $ tagliots resume 019aa1 -c 4

Exit codes: 0 success (or nothing to resume), 1 the run stopped early (a full disk, an unexpected error), errored cases with --strict, 2 usage/config/input error or a run claimed by another process (nothing ran), 3 stopped at --max-cost, 130 interrupted.`,
    )
    .action(async (run, secrets, opts) =>
      env.setExit(
        await resume(
          {
            run,
            overrides: secrets,
            allowChangedSuite: opts.allowChangedSuite === true,
            force: opts.force === true,
            ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }),
            ...runOutputFrom(opts),
            ...modelRunOptionsFrom(opts),
          },
          env.io,
        ),
      ),
    );
}

export type ResumeCommandOptions = RunTerminalOptions & Pick<ResumeOptions, 'run' | 'overrides' | 'allowChangedSuite' | 'force' | 'concurrency' | 'runsDir' | 'cache' | 'maxCostUsd' | 'batch'>;

/** Finishes an interrupted or killed run, showing progress and the summary. */
export async function resume(options: ResumeCommandOptions, io: Io): Promise<number> {
  // The engine and the renderers load on first use: `tagliots --help` reads none of them.
  const { resumeRun, createRunTerminal, gitLine, renderConfigChanges } = await import('./shared/engine.ts');
  const terminal = createRunTerminal(io, options);

  /** The "Resume configuration" block printed before the first case. */
  const renderResumeConfig = (header: RunStartRecord, resumed: ResumeInfo, theme: Theme, logPath: string): string => {
    const { chalk } = theme;
    const { cases, repeat } = resumed;
    const lines = [chalk.bold('Resume configuration')];
    lines.push(`  id: ${header.runId}`);
    lines.push(`  resumes: ${resumed.original.runId} (${terminal.shown(resumed.originalLogPath)})`);
    lines.push(`  suite: ${header.suite.path} (${formatCount(cases)} case${cases === 1 ? '' : 's'}${repeat > 1 ? `, ${repeat} times each` : ''})`);
    lines.push(`  finished: ${formatCount(resumed.finished)} of ${formatCount(resumed.total)} (copied); ${formatCount(resumed.toRun)} to run`);
    lines.push(`  pipeline: ${header.pipeline.name}`);
    lines.push(...renderConfigChanges(resumed.configChanges, theme, 'same config as the original run'));
    lines.push(`  concurrency: ${header.concurrency}`);
    if (header.git) lines.push(gitLine(header.git, theme));
    lines.push(`  log: ${logPath}`);
    return `${lines.join('\n')}\n\n`;
  };

  const result = await terminal.run(
    resumeRun({
      ...options,
      ...terminal.options,
      onStart: (header, start, resumed) => terminal.start(header, start, renderResumeConfig(header, resumed, terminal.theme, terminal.shown(start.logPath))),
    }),
  );
  if (result.status === 'nothing') {
    io.stdout.write(`${result.note}\n`);
    return EXIT.ok;
  }
  terminal.printSummary(result);
  return terminal.exitCode(result);
}
