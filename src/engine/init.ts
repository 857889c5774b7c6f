/**
 * `initProject()`: writes a ready tagliots project into a folder (empty, or an existing package):
 * package.json scripts and dependencies, a tsconfig that type-checks pipelines, the project config,
 * an example pipeline and suite that run offline with a mock model, a .gitignore and a CI workflow.
 * It never replaces a file without `force`; an existing package.json and .gitignore are extended.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ProjectError } from '../errors.ts';
import { processCwd } from '../host.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import {
  CONFIG,
  GITIGNORE_LINES,
  INIT_NODE_TYPES_RANGE,
  INIT_SCRIPTS,
  INIT_TYPESCRIPT_RANGE,
  INIT_ZOD_RANGE,
  PIPELINE,
  SUITE,
  TSCONFIG,
  WORKFLOW,
} from './init-templates.ts';

export interface InitOptions {
  /** The working folder `dir` is relative to. @default the process's */
  readonly cwd?: string;
  /** The project folder, relative to `cwd`; created when missing. @default `cwd` */
  readonly dir?: string;
  /** Replace files that exist (and package.json scripts of the same name). @default false */
  readonly force?: boolean;
  /** The version range of tagliots written into package.json. @default `^` the running version */
  readonly tagliotsRange?: string;
}

/** What happened to one file. */
export interface InitFile {
  /** Relative to the project folder, with `/`. */
  readonly path: string;
  readonly action: 'created' | 'replaced' | 'updated' | 'unchanged';
}

export interface InitResult {
  /** The project folder, absolute. */
  readonly dir: string;
  readonly files: readonly InitFile[];
}

interface Planned {
  readonly path: string;
  /** The new text, or undefined when the file stays as it is. */
  readonly text: string | undefined;
  readonly action: InitFile['action'];
}

/**
 * Writes the project files. Checks everything first: when a file that would be replaced exists
 * and `force` is off, nothing is written and the error lists every such file.
 */
export async function initProject(options: InitOptions = {}): Promise<InitResult> {
  const dir = resolve(options.cwd ?? processCwd(), options.dir ?? '.');
  const force = options.force === true;
  const conflicts: string[] = [];
  const plan: Planned[] = [];

  plan.push(await planPackageJson(dir, force, options.tagliotsRange ?? `^${TAGLIOTS_VERSION}`, conflicts));
  plan.push(await planGitignore(dir));
  const fixed: readonly (readonly [string, string])[] = [
    ['tsconfig.json', TSCONFIG],
    ['tagliots.config.ts', CONFIG],
    ['pipelines/example.ts', PIPELINE],
    ['suites/example.json', SUITE],
    ['.github/workflows/eval.yml', WORKFLOW],
  ];
  for (const [path, text] of fixed) {
    const existing = await readIfExists(join(dir, path));
    if (existing === undefined) plan.push({ path, text, action: 'created' });
    else if (existing === text) plan.push({ path, text: undefined, action: 'unchanged' });
    else if (force) plan.push({ path, text, action: 'replaced' });
    else conflicts.push(path);
  }
  if (conflicts.length > 0) {
    throw new ProjectError('E_INIT_EXISTS', `${dir}: ${conflicts.length === 1 ? 'a file' : 'files'} tagliots init would replace already exist: ${conflicts.join(', ')}. Nothing was written.`, {
      hint: 'Move them aside, or run `tagliots init --force` to replace them.',
    });
  }
  for (const { path, text } of plan) {
    if (text === undefined) continue;
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return { dir, files: plan.map(({ path, action }) => ({ path, action })) };
}

async function readIfExists(file: string): Promise<string | undefined> {
  if (!existsSync(file)) return undefined;
  return readFile(file, 'utf8');
}

/** package.json: created, or given the scripts and dev dependencies it lacks (a script of the same name is a conflict). */
async function planPackageJson(dir: string, force: boolean, tagliotsRange: string, conflicts: string[]): Promise<Planned> {
  const path = 'package.json';
  const existing = await readIfExists(join(dir, path));
  let pkg: Record<string, unknown>;
  if (existing === undefined) {
    pkg = { name: packageName(basename(dir)), version: '0.0.0', private: true, type: 'module' };
  } else {
    try {
      const parsed: unknown = JSON.parse(existing);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('it is not a JSON object');
      pkg = parsed as Record<string, unknown>;
    } catch (error) {
      throw new ProjectError('E_INIT_PACKAGE', `${join(dir, path)}: cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}.`, {
        hint: 'Fix package.json, or run tagliots init in an empty folder.',
      });
    }
    if (pkg['type'] !== undefined && pkg['type'] !== 'module') {
      throw new ProjectError('E_INIT_PACKAGE', `${join(dir, path)}: "type" is ${JSON.stringify(pkg['type'])}; the project files tagliots init writes are ES modules.`, {
        hint: 'Set "type": "module" in package.json, or run tagliots init in a folder of its own.',
      });
    }
  }
  const before = JSON.stringify(pkg);
  pkg['type'] = 'module';
  const scripts = { ...(pkg['scripts'] as Record<string, string> | undefined) };
  for (const [name, command] of Object.entries(INIT_SCRIPTS)) {
    if (scripts[name] !== undefined && scripts[name] !== command && !force) conflicts.push(`package.json script "${name}"`);
    else scripts[name] = command;
  }
  pkg['scripts'] = scripts;
  const dependencies = (pkg['dependencies'] ?? {}) as Record<string, string>;
  const devDependencies = { ...(pkg['devDependencies'] as Record<string, string> | undefined) };
  const wanted: Readonly<Record<string, string>> = { '@types/node': INIT_NODE_TYPES_RANGE, tagliots: tagliotsRange, typescript: INIT_TYPESCRIPT_RANGE, zod: INIT_ZOD_RANGE };
  for (const [name, range] of Object.entries(wanted)) {
    if (dependencies[name] === undefined && devDependencies[name] === undefined) devDependencies[name] = range;
  }
  pkg['devDependencies'] = Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (existing !== undefined && JSON.stringify(pkg) === before) return { path, text: undefined, action: 'unchanged' };
  return { path, text: `${JSON.stringify(pkg, null, 2)}\n`, action: existing === undefined ? 'created' : 'updated' };
}

/** .gitignore: created, or given the lines it lacks. */
async function planGitignore(dir: string): Promise<Planned> {
  const path = '.gitignore';
  const existing = await readIfExists(join(dir, path));
  if (existing === undefined) return { path, text: `${GITIGNORE_LINES.join('\n')}\n`, action: 'created' };
  const present = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
  const missing = GITIGNORE_LINES.filter((line) => !present.has(line) && !present.has(line.replace(/\/$/, '')));
  if (missing.length === 0) return { path, text: undefined, action: 'unchanged' };
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  return { path, text: `${existing}${separator}# tagliots\n${missing.join('\n')}\n`, action: 'updated' };
}

/** A valid npm package name from a folder name. */
function packageName(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 214);
  return name === '' ? 'evals' : name;
}
