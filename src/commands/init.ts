import { relative } from 'node:path';
import { EXIT } from '../errors.ts';
import type { Io } from '../util/io.ts';
import { Command, type CommandEnv } from './shared/flags.ts';

/** `tagliots init`: its flags, help and handler. */
export function initCommand(env: CommandEnv) {
  return new Command('init')
    .description('write a ready project: package.json scripts, tsconfig, config, an example pipeline and suite, .gitignore and a CI workflow')
    .argument('[dir]', 'the project folder (created when missing)', '.')
    .option('--force', 'replace files that exist (an existing package.json and .gitignore are always extended, never replaced)')
    .addHelpText(
      'after',
      `
Then: npm install, npm run eval (runs suites/example.json offline with the perfect mock model),
npx tsc --noEmit. See docs/project-setup.md.

Examples:
  $ npx tagliots init
  $ npx tagliots init evals --force

Exit codes: 0 written, 2 a file would be replaced (nothing is written without --force).`,
    )
    .action(async (dir, opts) => env.setExit(await init({ dir, force: opts.force === true }, env.io)));
}

export interface InitCommandOptions {
  readonly dir: string;
  readonly force?: boolean;
}

/** Writes the project files and lists them, with the next steps. */
export async function init(options: InitCommandOptions, io: Io): Promise<number> {
  const { initProject } = await import('./shared/engine.ts');
  const result = await initProject({ cwd: io.cwd, dir: options.dir, force: options.force === true });
  const shown = relative(io.cwd, result.dir);
  io.stdout.write(`Initialised a tagliots project in ${shown === '' ? 'this folder' : shown}:\n`);
  for (const file of result.files) io.stdout.write(`  ${file.action.padEnd(9)} ${file.path}\n`);
  const cd = shown === '' ? '' : `cd ${shown} && `;
  io.stdout.write(`\nNext: ${cd}npm install && npm run eval\n`);
  return EXIT.ok;
}
