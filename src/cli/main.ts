import { Command, CommanderError } from '@commander-js/extra-typings';
import { EXIT, isTagliotsError } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import { modelsCommand } from '../commands/models.ts';
import { cacheCommand } from '../commands/cache.ts';
import { pipelinesCommand } from '../commands/pipelines.ts';
import { runCommand } from '../commands/run.ts';
import { rerunCommand } from '../commands/rerun.ts';
import { resumeCommand } from '../commands/resume.ts';
import { addIdsCommand } from '../commands/add-ids.ts';
import { summarizeCommand } from '../commands/summarize.ts';
import { formatCommand } from '../commands/format.ts';
import { timelineCommand } from '../commands/timeline.ts';
import { historyCommand } from '../commands/history.ts';
import { exportCommand } from '../commands/export.ts';
import { compareCommand } from '../commands/compare.ts';
import { gateCommand } from '../commands/gate.ts';
import { mergeCommand } from '../commands/merge.ts';
import { reportCommand } from '../commands/report.ts';
import { viewCommand } from '../commands/view.ts';
import { checkCommand } from '../commands/check.ts';
import { initCommand } from '../commands/init.ts';
import type { AnyCommand, CommandEnv } from '../commands/shared/flags.ts';
import { withSecretsScrubbed } from '../commands/shared/scrubbed-io.ts';

/**
 * Every command, in the order `tagliots --help` lists them: one file each under src/commands/,
 * exporting a factory of its definition. Command files import only their flags at the top; each
 * handler loads the engine code it needs when it runs, so building this tree stays cheap.
 */
const COMMANDS: readonly ((env: CommandEnv) => AnyCommand)[] = [
  initCommand,
  runCommand,
  rerunCommand,
  resumeCommand,
  addIdsCommand,
  pipelinesCommand,
  checkCommand,
  modelsCommand,
  cacheCommand,
  summarizeCommand,
  formatCommand,
  timelineCommand,
  historyCommand,
  exportCommand,
  compareCommand,
  gateCommand,
  mergeCommand,
  reportCommand,
  viewCommand,
];

/** Builds the command tree. */
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
  for (const define of COMMANDS) program.addCommand(inheritSettings(define(env), program));
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
export async function main(argv: readonly string[], terminal: Io): Promise<number> {
  // No secret we know of reaches the terminal or a file, whatever a command prints.
  const io = await withSecretsScrubbed(terminal);
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    io.stdout.write(program.helpInformation());
    return EXIT.ok;
  }
  // `help <name>` of a name that is no command would print the general help as if asked for it
  // (commander's behaviour); say instead that the command is unknown, as `tagliots <name>` does.
  const [first, topic] = argv;
  const known = (name: string) => program.commands.some((c) => c.name() === name || c.aliases().includes(name));
  const args = first === 'help' && topic !== undefined && !topic.startsWith('-') && !known(topic) ? [topic] : [...argv];
  try {
    await program.parseAsync(args, { from: 'user' });
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
