import { Command, CommanderError } from '@commander-js/extra-typings';
import type { Command as PlainCommand } from 'commander';
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
import { historyCommand } from '../commands/history.ts';
import { registerExport } from './commands/export.ts';
import { registerCompare } from './commands/compare.ts';
import { registerGate } from './commands/gate.ts';
import { registerMerge } from './commands/merge.ts';
import { registerReport } from './commands/report.ts';
import { registerView } from './commands/view.ts';
import { registerCheck } from './commands/check.ts';
import type { AnyCommand, CommandEnv } from '../commands/shared/flags.ts';

/** A command still registered the old way (a function adding it to the program). */
type Registration = (program: PlainCommand, env: CommandEnv) => void;
/** A command defined in one file under src/commands/: a factory of its definition. */
type Definition = (env: CommandEnv) => AnyCommand;

/**
 * Every command, in the order `tagliots --help` lists them. Command files import only their flags
 * at the top; each handler loads the engine code it needs when it runs.
 */
const COMMANDS: readonly { readonly register?: Registration; readonly define?: Definition }[] = [
  { register: registerRun },
  { register: registerRerun },
  { register: registerResume },
  { register: registerAddIds },
  { register: registerPipelines },
  { register: registerCheck },
  { register: registerModels },
  { register: registerCache },
  { register: registerSummarize },
  { register: registerFormat },
  { register: registerTimeline },
  { define: historyCommand },
  { register: registerExport },
  { register: registerCompare },
  { register: registerGate },
  { register: registerMerge },
  { register: registerReport },
  { register: registerView },
];

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
  for (const { register, define } of COMMANDS) {
    if (define) program.addCommand(inheritSettings(define(env), program));
    else register?.(program as unknown as PlainCommand, env);
  }
  return program;
}

/**
 * addCommand() does not pass the program's settings (exitOverride, output, suggestions) on as
 * command() does: copy them into a command defined on its own, and into its subcommands.
 */
function inheritSettings(command: AnyCommand, parent: AnyCommand): AnyCommand {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inheritSettings(sub, command);
  return command;
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
