import { Option, type Command } from 'commander';
import { addSelectionOptions, selectionFromOptions, type CommandEnv } from '../options.ts';

export function registerExport(program: Command, env: CommandEnv): void {
  const command = program
    .command('export')
    .description('export the cases of a run as JSON, CSV, JSONL, Markdown or JUnit XML; or print the run-log JSON Schema')
    .argument('[run]', "the run: 'latest', a run-id prefix, or a path to a log file")
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv', 'jsonl', 'md', 'junit']))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--schema', 'print the JSON Schema of a run-log line instead')
    .option('--runs-dir <dir>', 'folder of run logs (default: the project config, else runs/)');
  addSelectionOptions(command)
    .addHelpText(
      'after',
      `
Columns: id, index, repeat, status, passed, score, keywords (joined with ;), durationMs,
inputTokens, outputTokens, costUsd, errorStage, errorMessage, then the pipeline's columns.
Rows are in the log's order (the order cases finished); sort by index for suite order.

Examples:
  $ tagliots export latest --format csv --out results.csv
  $ tagliots export latest --format junit --out junit.xml
  $ tagliots export --schema > run-log.schema.json

Exit codes: 0 success, 1 unexpected error, 2 usage error, unknown run or unreadable log.`,
    )
    .action(async (run: string | undefined, opts: Record<string, unknown>) => {
      const selection = selectionFromOptions(opts);
      const { exportCommand } = await import('../../commands/export.ts');
      env.setExit(
        await exportCommand(
          {
            ...(run !== undefined ? { run } : {}),
            ...(opts['format'] !== undefined ? { format: opts['format'] as string } : {}),
            ...(opts['out'] !== undefined ? { out: opts['out'] as string } : {}),
            ...(opts['runsDir'] !== undefined ? { runsDir: opts['runsDir'] as string } : {}),
            schema: opts['schema'] === true,
            ...(selection ? { selection } : {}),
          },
          env.io,
        ),
      );
    });
}
