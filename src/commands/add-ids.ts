import { EXIT } from '../errors.ts';
import { formatCount } from '../report/format-value.ts';
import { addIds } from '../suite/add-ids.ts';
import type { Io } from '../util/io.ts';

export interface AddIdsCommandOptions {
  readonly suite: string;
  /** Give every case a new id, repairing invalid and duplicate ones. */
  readonly force?: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** `tagliots add-ids <suite>`: gives every case without an id a new `uuid`, in place. */
export async function addIdsCommand(options: AddIdsCommandOptions, io: Io): Promise<number> {
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
