/**
 * Choosing what a run runs: the pipeline of the project a suite asks for, and the error for a case
 * selection that leaves nothing to run.
 */
import { PipelineError, UsageError } from '../errors.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import type { Project } from './load.ts';

/**
 * The pipeline of `project` named `name` (`-p`, or the suite's `pipeline`), or the only one when
 * no name is given. Throws a UsageError when a name is needed, and a PipelineError naming the
 * closest pipeline for an unknown name. `suitePath` is for the message.
 */
export function selectPipeline(project: Project, name: string | undefined, suitePath: string): PipelineSpec {
  const names = [...project.pipelines.keys()];
  // The pipeline asked for may be in a file that could not be loaded: that file's error says why.
  const unloaded = project.unloaded ?? [];
  const missing = name === undefined ? names.length === 0 : !project.pipelines.has(name);
  if (missing && unloaded.length === 1) throw unloaded[0]!.error;
  if (name === undefined) {
    if (names.length === 1) return project.pipelines.get(names[0]!)!;
    throw new UsageError(
      'E_PIPELINE_REQUIRED',
      names.length === 0
        ? `The project config ${project.configPath} lists no pipelines.`
        : `Which pipeline should run ${suitePath}? The project has ${oxfordJoin(names)}.`,
      { hint: names.length === 0 ? 'Add pipelines: [...] to the project config.' : `Pass -p <name>, or name it in the suite: { "pipeline": "${names[0]}", "cases": [...] }.` },
    );
  }
  const spec = project.pipelines.get(name);
  if (spec) return spec;
  const suggestion = closest(name, names)[0];
  const skipped = unloaded.length > 0 ? ` Pipeline files that could not be loaded: ${oxfordJoin(unloaded.map(({ path, error }) => `${path} (${error.code})`))}.` : '';
  throw new PipelineError('E_PIPELINE_UNKNOWN', `Cannot find pipeline '${name}'. Available pipelines: ${names.length > 0 ? oxfordJoin(names) : '(none)'}.${skipped}`, {
    hint: suggestion ? `Did you mean '${suggestion}'?` : unloaded.length > 0 ? '`tagliots check <file>` shows why a pipeline file cannot be loaded.' : 'Run `tagliots pipelines` to list them.',
  });
}

/** The error for a case selection that matches nothing; `what`: the cases it chose from, e.g. "the 24 cases of suites/calc.json". */
export function noCasesSelected(what: string): UsageError {
  return new UsageError('E_SELECT_EMPTY', `The selection matches none of ${what}.`, {
    hint: "Check the --filter expression (it matches the cases' keywords) and the --ids (case ids or prefixes).",
  });
}
