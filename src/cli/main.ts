import { Command, CommanderError } from 'commander';
import { EXIT, isTagliotsError } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import { registerModels } from './commands/models.ts';
import { registerCache } from './commands/cache.ts';
import { registerPipelines } from './commands/pipelines.ts';
import { registerRun } from './commands/run.ts';
import { registerRerun } from './commands/rerun.ts';
import { registerResume } from './commands/resume.ts';
import { registerAddIds } from './commands/add-ids.ts';
import { registerSummarize } from './commands/summarize.ts';
import { registerFormat } from './commands/format.ts';
import { registerTimeline } from './commands/timeline.ts';
import { registerHistory } from './commands/history.ts';
import { registerExport } from './commands/export.ts';
import { registerCompare } from './commands/compare.ts';
import { registerGate } from './commands/gate.ts';
import { registerMerge } from './commands/merge.ts';
import { registerReport } from './commands/report.ts';
import { registerView } from './commands/view.ts';
import { registerCheck } from './commands/check.ts';
import type { CommandEnv } from './options.ts';

/** Every command, in the order `tagliots --help` lists them. Each file registers one command. */
const COMMANDS = [registerRun, registerRerun, registerResume, registerAddIds, registerPipelines, registerCheck, registerModels, registerCache, registerSummarize, registerFormat, registerTimeline, registerHistory, registerExport, registerCompare, registerGate, registerMerge, registerReport, registerView];

/** Builds the command tree. Command modules are imported only when their command runs. */
function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('tagliots')
    .description('Run LLM evaluation pipelines over suites of cases, and analyse the run logs they write.')
    .version(TAGLIOTS_VERSION, '-v, --version', 'print the tagliots version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const env: CommandEnv = { io, setExit };
  for (const register of COMMANDS) register(program, env);
  return program;
}

/** Runs the CLI and returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    io.stdout.write(program.helpInformation());
    return EXIT.ok;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they already printed their text. Help shown
    // because of a mistake (`tagliots help nope`) went to stderr with a non-zero exit code.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return EXIT.usage;
  }
  if (isTagliotsError(error)) {
    io.stderr.write(`Error (${error.code}): ${error.message}\n`);
    if (error.hint) io.stderr.write(`Hint: ${error.hint.replace(/\n/g, '\n  ')}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`Unexpected error (a bug in tagliots; please report it with the text below):\n${stack}\n`);
  return EXIT.failure;
}
