/**
 * Running a suite from code: what `tagliots run` does, as one call that returns plain data.
 */
import { loadPatchFile, parseOverrideArgs, patchToOverrides, type Override } from '../config/overrides.ts';
import { UsageError } from '../errors.ts';
import { readGitInfo } from '../log/git.ts';
import { toPipelineSpec, type PipelineLike } from '../pipeline/define.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { isPipelineFilePath } from '../pipeline/yaml/index.ts';
import { defaultProject, findProjectConfig, loadPipelineFile, loadProject, unloadedWarnings, type Project } from '../project/load.ts';
import { noCasesSelected, selectPipeline } from '../project/select-pipeline.ts';
import { repeatRounds } from '../runner/plan.ts';
import { runSession, type RunResult } from '../runner/session.ts';
import { loadSuite, suiteFromCases, type Suite } from '../suite/load.ts';
import { createCaseSelector, isEmptySelection, type Selection } from '../suite/select.ts';
import { runPlace, wholeNumber, type RunOptions } from './run-options.ts';

/** How the log names a suite given as `cases` rather than as a file. */
export const IN_MEMORY_SUITE = '(in-memory cases)';

export interface RunSuiteOptions extends RunOptions {
  /** The suite file (`.json`, `.yaml`/`.yml` or `.jsonl`), relative to `cwd`. Give this or `cases`. */
  readonly suite?: string;
  /** The cases themselves, each an object with a unique `uuid` or `id`. Give this or `suite`. */
  readonly cases?: readonly object[];
  /**
   * The pipeline: a name from the project config, a `*.pipeline.yaml` file, or a pipeline itself
   * (`definePipeline({...})` or a class extending `Pipeline`; then no project config is needed).
   * @default the one the suite names, else the project's only pipeline
   */
  readonly pipeline?: string | PipelineLike;
  /**
   * Config changes, applied last: `key.path=value` strings (typed like the default; `key.path:=<json>`
   * for JSON), or a plain object patch (`{ infer: { model: { name: 'perfect' } } }`).
   */
  readonly overrides?: readonly string[] | Readonly<Record<string, unknown>>;
  /** JSON or YAML config patch files, applied in order after the suite's config and before `overrides`. */
  readonly configFiles?: readonly string[];
  /** Which cases to run: a keyword filter, ids, a limit, a seeded sample, a shard. @default every case */
  readonly selection?: Selection;
  /** Times each case runs (repeat indexes 0 to N-1 in the log). @default 1 */
  readonly repeat?: number;
}

/** A finished run: its id, log, first and last records, and the totals of `run.end`. */
export type RunSuiteResult = RunResult;

/**
 * Runs a suite through a pipeline, as `tagliots run` does, and writes the same run log. Prints
 * nothing: follow the run with `onStart`, `onProgress` and `onWarning`, and stop it with `signal`.
 * Errors a user can cause (a suite or config that does not check, a pipeline whose setup fails,
 * a model without its key) are thrown as `TagliotsError`s before any case runs; a failing case
 * is data in the log, and so is a case the log cannot hold (nested too deep: `E_LOG_RECORD`).
 * Resolves once `run.end` is written, whatever its status. A log that cannot be written (a full
 * disk) stops the run: it rejects with `E_LOG_WRITE` (exit code 1), the log left without `run.end`
 * for `resumeRun()` to finish.
 *
 * @example
 * ```js
 * import { definePipeline, runSuite } from 'tagliots';
 *
 * const echo = definePipeline({
 *   name: 'echo',
 *   description: 'Answers with the expected value',
 *   config: { model: 'perfect' },
 *   stages: ({ config, models }) => {
 *     const model = models.get(config.model);
 *     return { infer: async (ctx) => (await model.complete({ messages: [{ role: 'user', content: ctx.case.question }] }, ctx)).text };
 *   },
 *   expected: ({ case: c }) => c.answer,
 *   passed: ({ stages, case: c }) => stages.infer === c.answer,
 * });
 * const run = await runSuite({
 *   cases: [{ id: 'a', question: '1+1', answer: '2' }, { id: 'b', question: '6*7', answer: '42' }],
 *   pipeline: echo,
 *   onProgress: (record, counts) => console.log(`${record.caseId}: ${record.status} (${counts.total - counts.notRun}/${counts.total})`),
 * });
 * console.log(run.status, run.counts.passed, run.logPath);
 * ```
 */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteResult> {
  const place = runPlace(options);
  const { cwd } = place;
  wholeNumber('repeat', options.repeat, 1);
  // Syntax errors of the overrides come first: they are the cheapest to find and to fix.
  const overrideArgs = isOverrideList(options.overrides) ? parseOverrideArgs(options.overrides) : [];
  const git = readGitInfo(cwd);
  const project = await projectFor(options.pipeline, cwd);
  const suite = await suiteOf(options, cwd);
  const spec = await pipelineFor(options.pipeline, project, suite, cwd);
  for (const warning of unloadedWarnings(project)) options.onWarning?.(warning);

  const defaults = spec.config ?? {};
  const overrides: Override[] = [];
  if (suite.config !== undefined) overrides.push(...patchToOverrides(suite.config, defaults, `suite ${suite.path}`));
  for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, cwd)));
  if (isOverrideList(options.overrides)) overrides.push(...overrideArgs);
  else if (options.overrides !== undefined) overrides.push(...patchToOverrides(options.overrides, defaults, 'the overrides option'));

  const selection = isEmptySelection(options.selection) ? undefined : options.selection;
  let count = suite.count;
  let source = () => suite.cases();
  if (selection) {
    const selector = createCaseSelector(selection);
    count = await selector.plan(() => suite.cases());
    // An empty shard is a part of the work like any other (its log joins the others in merge).
    if (count === 0 && !selection.shard) throw noCasesSelected(`the ${suite.count} cases of ${suite.path}`);
    source = () => selector.select(suite.cases());
  }
  const repeat = options.repeat ?? 1;

  return runSession(
    {
      project,
      spec,
      overrides,
      suite: { path: suite.path, format: suite.format, sha256: suite.sha256, count },
      mode: 'run',
      parentRunId: null,
      ...(selection && { selection }),
      repeat,
      git,
      cases: () => ({ items: repeatRounds(source, repeat), total: count * repeat }),
    },
    options,
    place,
  );
}

function isOverrideList(overrides: RunSuiteOptions['overrides']): overrides is readonly string[] {
  return Array.isArray(overrides);
}

/** The suite file, or the `cases` checked as one. */
async function suiteOf(options: RunSuiteOptions, cwd: string): Promise<Suite> {
  if (options.suite !== undefined && options.cases === undefined) return loadSuite(options.suite, { cwd });
  if (options.cases !== undefined && options.suite === undefined) return suiteFromCases(options.cases, IN_MEMORY_SUITE);
  throw new UsageError('E_USAGE', `runSuite() takes a suite file (suite) or an array of cases (cases): ${options.suite === undefined ? 'neither was given' : 'not both'}.`);
}

/** The project config; a pipeline given as such needs none (runs then go to `runs/` in `cwd`). */
async function projectFor(pipeline: RunSuiteOptions['pipeline'], cwd: string): Promise<Project> {
  if (typeof pipeline === 'object' || typeof pipeline === 'function') return findProjectConfig(cwd) ? loadProject(cwd) : defaultProject(cwd);
  return loadProject(cwd);
}

async function pipelineFor(pipeline: RunSuiteOptions['pipeline'], project: Project, suite: Suite, cwd: string): Promise<PipelineSpec> {
  if (typeof pipeline === 'object' || typeof pipeline === 'function') return toPipelineSpec(pipeline, 'the pipeline option');
  if (pipeline !== undefined && isPipelineFilePath(pipeline)) return loadPipelineFile(pipeline, cwd);
  return selectPipeline(project, pipeline ?? suite.pipeline, suite.path);
}
