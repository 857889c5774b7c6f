/**
 * Checking a pipeline and a suite without running a case or calling a model: the project config,
 * the YAML pipeline file, the suite, the config (prompt() values supplied, types), `stages()` setup
 * (templates compile, models exist, schemas compile), the stage graph and model keys. Prompts then
 * render against the first cases: YAML pipelines' templates directly, code pipelines' stages up to
 * their first model call; and the suite's tokens and cost are estimated.
 */
import { basename } from 'node:path';
import { loadPatchFile, parseOverrideArgs, patchToOverrides, type Override } from '../config/overrides.ts';
import { processCwd, processEnv } from '../host.ts';
import type { ModelProfile } from '../model/profiles.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { isPipelineFilePath, yamlSourceOf } from '../pipeline/yaml/index.ts';
import { defaultProject, loadPipelineFile, loadProject } from '../project/load.ts';
import { selectPipeline } from '../project/select-pipeline.ts';
import { createCallRecorder, dryRun } from '../runner/dry-run.ts';
import type { Estimate } from '../runner/estimate.ts';
import { loadProjectProfiles, loadRunModels, type RunModels } from '../runner/run-models.ts';
import { prepareRun, type PreparedRun } from '../runner/setup.ts';
import { loadSuite, type Suite } from '../suite/load.ts';
import { formatCount } from '../util/units.ts';
import { checkTemplates, describeProblem } from './check-templates.ts';

export interface CheckOptions {
  /** A pipeline file (`*.pipeline.yaml`), a pipeline name of the project, or a suite file. */
  readonly target: string;
  /** Config overrides: `key.path=value`, `key.path:=<json>`. */
  readonly overrides?: readonly string[];
  /** JSON or YAML config patches, applied before the overrides. */
  readonly configFiles?: readonly string[];
  /** The pipeline for a suite: a name or a pipeline file. @default the one the suite names, or the project's only one */
  readonly pipeline?: string;
  /**
   * Most cases prompts are rendered against, and problems listed for: the first N of the suite.
   * @default DEFAULT_CHECK_CASES (2,000)
   */
  readonly cases?: number;
  /** Where the project config is looked for, and relative paths start. @default the process's working folder */
  readonly cwd?: string;
  /** The environment model keys are read from. @default the process's environment */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Cases `check` renders by default: every case of most suites, in seconds. */
export const DEFAULT_CHECK_CASES = 2000;

/** What checkPipeline() found. */
export interface CheckReport {
  /** The pipeline checked, and its file when it has one; undefined when it could not be loaded. */
  readonly pipeline: { readonly name: string; readonly file: string | undefined } | undefined;
  /** The suite checked, when the target is one and it loads. */
  readonly suite: { readonly path: string; readonly cases: number } | undefined;
  /** What passed, one line each, in the order checked. */
  readonly passed: readonly string[];
  /**
   * Cases of the suite whose prompts were rendered (problems are listed for these only): all of
   * them, or the first `cases`. Undefined when none was rendered (no suite, a broken pipeline, or a
   * pipeline without prompts), so there is nothing to say about the cases.
   */
  readonly checkedCases: number | undefined;
  /** The suite's estimated tokens and cost, when prompts rendered. */
  readonly estimate: Estimate | undefined;
  /** How the estimate was made, and what check could not do. */
  readonly notes: readonly string[];
  /** Every problem found (code, message and hint): the pipeline and suite are valid when there is none. */
  readonly problems: readonly string[];
}

/**
 * Checks a pipeline (and a suite) without running a case or calling a model, listing every
 * problem rather than stopping at the first. Never throws for a problem of the project, pipeline,
 * suite or config: those are in `problems`.
 */
export async function checkPipeline(options: CheckOptions): Promise<CheckReport> {
  const cwd = options.cwd ?? processCwd();
  const env = options.env ?? processEnv();
  const problems: string[] = [];
  const passed: string[] = [];
  const notes: string[] = [];
  const attempt = async <T>(what: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await what();
    } catch (error) {
      problems.push(describeProblem(error));
      return undefined;
    }
  };
  const sampleSize = options.cases ?? DEFAULT_CHECK_CASES;

  const cliOverrides = (await attempt(() => parseOverrideArgs(options.overrides ?? [], 'command line'))) ?? [];
  const pipelineFile = isPipelineFilePath(options.target) ? options.target : undefined;
  let project = await attempt(() => loadProject(cwd));
  if (project) passed.push(`project config ${basename(project.configPath ?? '')} loads (${project.pipelines.size} pipeline${project.pipelines.size === 1 ? '' : 's'})`);
  project ??= defaultProject(cwd);

  // What to check: a pipeline file, a pipeline of the project, or a suite (and its pipeline).
  let spec: PipelineSpec | undefined;
  let suite: Suite | undefined;
  let shownPipeline: string | undefined;
  if (pipelineFile !== undefined) {
    spec = await attempt(() => loadPipelineFile(pipelineFile, cwd));
    shownPipeline = pipelineFile;
  } else if (project.pipelines.has(options.target) && options.pipeline === undefined) {
    spec = project.pipelines.get(options.target);
  } else {
    const loaded = await attempt(() => loadSuite(options.target, { cwd }));
    suite = loaded;
    if (loaded) {
      passed.push(`suite ${options.target} loads (${loaded.count} case${loaded.count === 1 ? '' : 's'})`);
      const chosen = options.pipeline;
      const chosenFile = chosen !== undefined && isPipelineFilePath(chosen) ? chosen : undefined;
      spec = await attempt(() => (chosenFile !== undefined ? loadPipelineFile(chosenFile, cwd) : selectPipeline(project, chosen ?? loaded.pipeline, options.target)));
      shownPipeline = chosenFile;
    }
  }
  const yaml = spec ? yamlSourceOf(spec) : undefined;
  if (yaml) passed.push(`pipeline file ${yaml.display} validates`);

  let prepared: PreparedRun | undefined;
  let profiles: ReadonlyMap<string, ModelProfile> = new Map();
  let runModels: RunModels | undefined;
  const overrides: Override[] = [];
  if (spec) {
    const pipeline = spec;
    const defaults = pipeline.config ?? {};
    await attempt(async () => {
      if (suite?.config !== undefined) overrides.push(...patchToOverrides(suite.config, defaults, `suite ${options.target}`));
      for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, cwd)));
    });
    overrides.push(...cliOverrides);
    runModels = await attempt(() => loadRunModels(project, { cwd, env, cache: 'off' }));
    profiles = (await attempt(async () => (await loadProjectProfiles(project, { cwd, env })).profiles)) ?? new Map();
    const loaded = runModels;
    if (loaded) {
      const ready = await attempt(() => prepareRun({ spec: pipeline, overrides, runId: 'check', cwd, projectRoot: project.root, models: loaded.models }));
      prepared = ready;
      if (ready) {
        passed.push(`config resolves${ready.deltas.length > 0 ? `: ${ready.deltas.map((d) => `${d.path}=${JSON.stringify(d.to)}`).join(', ')}` : ''}`);
        const graph = ready.graph;
        passed.push(`stages (${graph.linear ? 'linear' : 'graph'}): ${graph.linear ? graph.nodes.map((n) => n.name).join(' → ') : graph.nodes.map((n) => (n.inputs.length > 0 ? `${n.inputs.join('+')} → ${n.name}` : n.name)).join(', ')}`);
        passed.push(`setup: templates compile, output schemas compile, models exist${ready.modelsUsed.length > 0 ? ` (${[...new Set(ready.modelsUsed)].map((name) => `${name}: ${ready.models.list().find((m) => m.name === name)?.kind ?? '?'}`).join(', ')})` : ''}`);
        await attempt(() => loaded.check(ready.modelsUsed));
      }
    }
  }

  // YAML pipelines: render every prompt against the first cases, estimate the whole suite.
  let estimate: Estimate | undefined;
  let checkedCases: number | undefined;
  if (yaml && prepared) {
    const rendered = await checkTemplates(yaml, prepared, suite, sampleSize, profiles);
    problems.push(...rendered.problems);
    if (suite && rendered.estimate) {
      checkedCases = Math.min(sampleSize, suite.count);
      if (rendered.problems.length === 0) passed.push(`templates render for ${casesChecked(checkedCases, suite.count)} (undefined variables are errors)`);
    }
    if (!suite) notes.push('No suite: templates were compiled but not rendered. Check a suite (tagliots check suite.json -p pipeline.yaml) to render them.');
    estimate = rendered.estimate;
    notes.push(...rendered.notes);
  } else if (spec && prepared && suite && runModels) {
    // Code pipelines: run the stages of each case up to its first model call, recording that call.
    const recorder = createCallRecorder();
    const pipeline = spec;
    const { models } = runModels;
    const dry = await attempt(() => prepareRun({ spec: pipeline, overrides, runId: 'check', cwd, projectRoot: project.root, models, interceptModels: recorder.intercept }));
    if (dry) {
      const result = await dryRun(dry, recorder, suite, sampleSize, profiles);
      problems.push(...result.problems);
      checkedCases = Math.min(sampleSize, suite.count);
      if (result.problems.length === 0) passed.push(`stages run up to the first model call for ${casesChecked(checkedCases, suite.count)} (prompts render)`);
      estimate = result.estimate;
      notes.push(...result.notes);
    }
  }

  return {
    pipeline: spec ? { name: spec.name, file: yaml?.display ?? shownPipeline } : undefined,
    suite: suite ? { path: options.target, cases: suite.count } : undefined,
    passed,
    checkedCases,
    estimate,
    notes,
    problems,
  };
}

/** `all 38 cases`, `the first 3 of 38 cases`: never a claim about cases that were not looked at. */
function casesChecked(checked: number, total: number): string {
  if (checked >= total) return total === 1 ? 'the 1 case' : `all ${formatCount(total)} cases`;
  return `the first ${formatCount(checked)} of ${formatCount(total)} cases`;
}
