import type { Command } from 'commander';
import type { CommandEnv } from '../options.ts';

export function registerAddIds(program: Command, env: CommandEnv): void {
  program
    .command('add-ids')
    .description('give every case of a suite without an id a new uuid, in place')
    .argument('<suite>', 'suite file: .json, .yaml/.yml or .jsonl (or a suite that names its cases file)')
    .option('-f, --force', 'give every case a new id, replacing existing ones (repairs invalid and duplicate ids)')
    .addHelpText(
      'after',
      `
New ids are random UUIDs (v4) under the key "uuid", added as the first key of a case. JSON keeps
its layout, YAML its comments; the file is replaced atomically. Invalid existing ids (not a
string or an integer, duplicates, uuid and id that differ) stop add-ids without --force.

Examples:
  $ tagliots add-ids suites/new.yaml
  $ tagliots add-ids suites/big.jsonl --force

Exit codes: 0 success, 2 usage or input error (invalid ids without --force, unreadable suite).`,
    )
    .action(async (suite: string, opts: { force?: boolean }) => {
      const { addIdsCommand } = await import('../../commands/add-ids.ts');
      env.setExit(await addIdsCommand({ suite, force: opts.force === true }, env.io));
    });
}
