/**
 * Where runs are: the runs folder of a project, and the log a run reference (`latest`, a run-id
 * prefix or a path) names.
 */
import { dirname, join, resolve } from 'node:path';
import { isTagliotsError, messageOf } from '../errors.ts';
import { processCwd } from '../host.ts';
import { existingLogFile, resolveRun } from '../log/store.ts';
import { DEFAULT_RUNS_DIR } from '../project/config.ts';
import { findProjectConfig, loadProject } from '../project/load.ts';
import { shownPath } from '../util/paths.ts';

/** Where to look for runs: every engine function that names a run takes these. */
export interface RunsDirOptions {
  /**
   * The folder of run logs, relative to `cwd`.
   * @default the project config's `runsDir` when there is a `tagliots.config.*`, else `runs/`
   */
  readonly runsDir?: string;
  /** The folder relative paths start from, and where the project config is looked for. @default the process's working folder */
  readonly cwd?: string;
  /** Called with each warning, e.g. a project config that fails to load. @default warnings are dropped */
  readonly onWarning?: (warning: string) => void;
}

/**
 * The runs folder, absolute: `runsDir`, else the project config's `runsDir` (the config is loaded
 * only when there is one), else `runs/` in `cwd`. A project config that fails to load does not
 * stop code that only reads logs: it falls back to `runs/` next to the config, with a warning.
 */
export async function resolveRunsDir(options: RunsDirOptions = {}): Promise<string> {
  const cwd = options.cwd ?? processCwd();
  if (options.runsDir !== undefined) return resolve(cwd, options.runsDir);
  const configPath = findProjectConfig(cwd);
  if (!configPath) return resolve(cwd, DEFAULT_RUNS_DIR);
  try {
    return (await loadProject(cwd)).runsDir;
  } catch (error) {
    const fallback = join(dirname(configPath), DEFAULT_RUNS_DIR);
    const why = isTagliotsError(error) ? `${error.code}: ${error.message}` : messageOf(error);
    options.onWarning?.(`cannot load ${shownPath(configPath, cwd)} (${why.split('\n')[0]}); reading runs from ${shownPath(fallback, cwd)}. Pass --runs-dir to choose.`);
    return fallback;
  }
}

/**
 * The absolute path of the log `ref` names: `latest` (the newest run), a case-insensitive prefix of
 * a run id in the runs folder (GoTaglio logs included), or a path to a log file. A path needs no
 * runs folder, so the project config is not loaded for one. Throws a RunNotFoundError
 * (`E_RUN_NOT_FOUND`, `E_RUN_AMBIGUOUS`) naming the runs it considered.
 */
export async function findRunLog(ref: string, options: RunsDirOptions = {}): Promise<string> {
  const [path] = await findRunLogs([ref], options);
  return path!;
}

/**
 * findRunLog() for several references, in their order. The runs folder is resolved once, and only
 * when a reference needs it: paths alone never load the project config.
 */
export async function findRunLogs(refs: readonly string[], options: RunsDirOptions = {}): Promise<string[]> {
  const cwd = options.cwd ?? processCwd();
  let runsDir: string | undefined;
  const paths: string[] = [];
  for (const ref of refs) paths.push((await existingLogFile(ref, cwd)) ?? (await resolveRun((runsDir ??= await resolveRunsDir(options)), ref, cwd)));
  return paths;
}
