import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { formatCount } from '../util/units.ts';
import { Command, type CommandEnv } from './shared/flags.ts';

/** `tagliots add-ids`: its arguments, flags, help and handler. */
export function addIdsCommand(env: CommandEnv) {
  return new Command('add-ids')
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
    .action(async (suite, opts) => env.setExit(await addIdsToSuite({ suite, force: opts.force === true }, env.io)));
}

export interface AddIdsToSuiteOptions {
  readonly suite: string;
  /** Give every case a new id, repairing invalid and duplicate ones. */
  readonly force?: boolean;
}

/** Gives every case of the suite without an id a new `uuid`, in place, and says what changed. */
export async function addIdsToSuite(options: AddIdsToSuiteOptions, io: Io): Promise<number> {
  // Not in shared/engine.ts: it parses YAML suites with the yaml package, which no other command loads up front.
  const { addIds } = await import('../suite/add-ids.ts');
  const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
  const result = await addIds(options.suite, { cwd: io.cwd, force: options.force === true });
  const { file, cases, added, replaced, problems } = result;
  if (result.pointedFrom !== undefined) io.stdout.write(`${result.pointedFrom} keeps its cases in ${file}.\n`);
  if (!result.changed) {
    io.stdout.write(`${file}: ${plural(cases, 'case')}, all with ids: nothing to change.\n`);
  } else if (options.force) {
    io.stdout.write(`${file}: ${plural(cases, 'case')}, ${plural(added + replaced, 'new id')} (${formatCount(replaced)} replaced, ${formatCount(added)} added).\n`);
  } else {
    io.stdout.write(`${file}: ${plural(cases, 'case')}, ${plural(added, 'id')} added, ${formatCount(cases - added)} already had one.\n`);
  }
  if (problems.length > 0) {
    io.stdout.write(`Repaired ${plural(problems.length, 'invalid id')}:\n`);
    for (const problem of problems.slice(0, 20)) io.stdout.write(`  ${problem.line === undefined ? `case ${problem.index}` : `case ${problem.index} (line ${problem.line})`}: ${problem.message}\n`);
    if (problems.length > 20) io.stdout.write(`  ... and ${formatCount(problems.length - 20)} more\n`);
  }
  return EXIT.ok;
}
