import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, isTagliotsError } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { TAGLIOTS_VERSION } from '../version.ts';

function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name} must be a whole number of at least 1 (got '${value}').`);
    }
    return n;
  };
}

function rowLimit(value: string): number {
  if (value === 'all') return Number.POSITIVE_INFINITY;
  return positiveInteger('--rows')(value);
}

function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number of seconds (got '${value}').`);
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

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

  program
    .command('run')
    .description('run a suite through a pipeline and write a run log')
    .argument('<suite>', 'suite file: .json, .yaml/.yml or .jsonl')
    .argument('[overrides...]', 'config overrides: key.path=value (typed like the default), key.path:=<json>')
    .option('-p, --pipeline <name>', 'pipeline to run (default: the one the suite names, or the only one)')
    .option('-c, --concurrency <n>', 'cases in flight at once (default: the project config, else 8)', positiveInteger('--concurrency'))
    .option('--config <file>', 'a JSON or YAML config patch (repeatable; applied before key=value overrides)', collect, [])
    .option('--runs-dir <dir>', 'folder for run logs (default: the project config, else runs/)')
    .option('--rows <n>', "most summary rows to print, or 'all'", rowLimit, 100)
    .addOption(new Option('--grace <seconds>', 'after Ctrl-C, how long running cases may finish before they are cancelled').argParser(seconds).default(5))
    .option('--strict', 'exit with code 1 when any case errored')
    .addHelpText(
      'after',
      `
Examples:
  $ tagliots run suites/calc.json
  $ tagliots run suites/calc.json infer.model.name=flakey -c 4
  $ tagliots run suites/calc.json --config patch.yaml prepare.template=samples/calc/template2.txt

Exit codes: 0 success, 1 unexpected error (or errored cases with --strict), 2 usage/config/input error, 130 interrupted.`,
    )
    .action(async (suite: string, overrides: string[], opts: Record<string, unknown>) => {
      const { runCommand } = await import('../commands/run.ts');
      setExit(
        await runCommand(
          {
            suite,
            overrides,
            ...(opts['pipeline'] !== undefined ? { pipeline: opts['pipeline'] as string } : {}),
            ...(opts['concurrency'] !== undefined ? { concurrency: opts['concurrency'] as number } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            configFiles: opts['config'] as string[],
            strict: opts['strict'] === true,
            maxRows: opts['rows'] as number,
            graceMs: (opts['grace'] as number) * 1000,
          },
          io,
        ),
      );
    });

  program
    .command('pipelines')
    .description('list the pipelines of the project config')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { pipelinesCommand } = await import('../commands/pipelines.ts');
      setExit(await pipelinesCommand(opts, io));
    });

  program
    .command('models')
    .description('list the models stages can use')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { modelsCommand } = await import('../commands/models.ts');
      setExit(await modelsCommand(opts, io));
    });

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
