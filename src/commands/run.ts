import { relative } from 'node:path';
import { createSummaryBuilder } from '../analysis/summary.ts';
import { loadPatchFile, parseOverrideArgs, patchToOverrides, type Override } from '../config/overrides.ts';
import { redactArgs, redactConfig, redactDeltas } from '../config/secrets.ts';
import { EXIT, PipelineError, UsageError } from '../errors.ts';
import type { CaseRecord, GitInfo, RunEndRecord, RunStartRecord } from '../log/schema.ts';
import { LOG_VERSION } from '../log/version.ts';
import { runLogPath } from '../log/store.ts';
import { addUsage } from '../log/usage.ts';
import { createRunLogWriter } from '../log/writer.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { DEFAULT_CONCURRENCY } from '../project/config.ts';
import { loadPipelineFile, loadProject, type Project } from '../project/load.ts';
import { isPipelineFilePath } from '../pipeline/yaml/load.ts';
import { createProgress } from '../report/progress.ts';
import { renderRunConfig } from '../report/run-config.ts';
import { renderSummary } from '../report/summary-table.ts';
import { createTheme, type Theme } from '../report/theme.ts';
import { repeatRounds } from '../runner/plan.ts';
import { executeRun, type RunControl, type RunItem } from '../runner/run.ts';
import { prepareRun, type PreparedRun } from '../runner/setup.ts';
import { toErrorInfo } from '../runner/error-info.ts';
import { loadSuite } from '../suite/load.ts';
import { createCaseSelector, isEmptySelection, type Selection } from '../suite/select.ts';
import { readGitInfo } from '../util/git.ts';
import { uuidv7 } from '../util/ids.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import { TAGLIOTS_VERSION } from '../version.ts';
import type { CacheMode } from '../model/cache.ts';
import { formatUsd } from '../model/pricing.ts';
import type { GateOptions } from './gate.ts';
import { loadRunModels } from './models.ts';
import { addCalls, emptyCallTotals, finishCallTotals } from '../model/accounting.ts';
import type { ModelCallRecord } from '../model/types.ts';

export interface RunCommandOptions extends RunOutputOptions {
  readonly suite: string;
  /** `key.path=value` arguments. */
  readonly overrides: readonly string[];
  readonly pipeline?: string;
  /** `--config` patch files, applied in order after the suite's config and before `overrides`. */
  readonly configFiles?: readonly string[];
  /** Which cases of the suite to run (--filter, --ids, --limit, --sample/--seed). */
  readonly selection?: Selection;
  /** Times each case runs. @default 1 */
  readonly repeat?: number;
}

/** Options every command that runs cases shares (run, rerun, resume). */
export interface RunOutputOptions {
  readonly concurrency?: number;
  readonly runsDir?: string;
  /** Exit 1 when any case errored. */
  readonly strict?: boolean;
  /** Most summary rows to print. @default 100 */
  readonly maxRows?: number;
  /** Milliseconds running cases get to finish after the first Ctrl-C before they are cancelled. @default 5000 */
  readonly graceMs?: number;
  /** The response cache of configured models (--cache). @default the project's cache.mode, else rw */
  readonly cache?: CacheMode;
  /** Stop starting cases once model calls have cost this many US dollars (--max-cost). */
  readonly maxCostUsd?: number;
  /** Gate rules checked on the finished log (--min-pass-rate, --baseline, …): a failed gate exits 1. */
  readonly gate?: GateOptions;
}

export async function runCommand(options: RunCommandOptions, io: Io): Promise<number> {
  const cliOverrides = parseOverrideArgs(options.overrides, 'command line');
  const git = readGitInfo(io.cwd);
  const project = await loadProject(io.cwd);
  const suite = await loadSuite(options.suite, { cwd: io.cwd });
  const spec =
    options.pipeline !== undefined && isPipelineFilePath(options.pipeline)
      ? await loadPipelineFile(options.pipeline, io.cwd)
      : selectPipeline(project, options.pipeline ?? suite.pipeline, options.suite);

  const defaults = spec.config ?? {};
  const overrides: Override[] = [];
  if (suite.config !== undefined) overrides.push(...patchToOverrides(suite.config, defaults, `suite ${options.suite}`));
  for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, io.cwd)));
  overrides.push(...cliOverrides);

  const selection = isEmptySelection(options.selection) ? undefined : options.selection;
  let count = suite.count;
  let source = () => suite.cases();
  if (selection) {
    const selector = createCaseSelector(selection);
    count = await selector.plan(() => suite.cases());
    // An empty shard is a part of the work like any other (its log joins the others in merge).
    if (count === 0 && !selection.shard) throw noCasesSelected(`the ${suite.count} cases of ${options.suite}`);
    source = () => selector.select(suite.cases());
  }
  const repeat = options.repeat ?? 1;

  return executePlan(
    {
      ...outputOptions(options),
      project,
      spec,
      overrides,
      suite: { path: options.suite, format: suite.format, sha256: suite.sha256, count },
      mode: 'run',
      parentRunId: null,
      ...(selection && { selection }),
      repeat,
      git,
      cases: () => ({ items: repeatRounds(source, repeat), total: count * repeat }),
    },
    io,
  );
}

/** Only the RunOutputOptions of `options`. */
export function outputOptions(options: RunOutputOptions): RunOutputOptions {
  const { concurrency, runsDir, strict, maxRows, graceMs, cache, maxCostUsd, gate } = options;
  return {
    ...(gate !== undefined && { gate }),
    ...(cache !== undefined && { cache }),
    ...(maxCostUsd !== undefined && { maxCostUsd }),
    ...(concurrency !== undefined && { concurrency }),
    ...(runsDir !== undefined && { runsDir }),
    ...(strict !== undefined && { strict }),
    ...(maxRows !== undefined && { maxRows }),
    ...(graceMs !== undefined && { graceMs }),
  };
}

/** What to run, for `executePlan`: built by run, rerun and resume. */
export interface RunPlan extends RunOutputOptions {
  readonly project: Project;
  readonly spec: PipelineSpec;
  readonly overrides: readonly Override[];
  /** A resolved config (of an earlier run) to start from instead of the pipeline defaults. */
  readonly base?: Record<string, unknown>;
  /** The suite as the header records it; `count` is the number of (selected) cases. */
  readonly suite: RunStartRecord['suite'];
  readonly mode: 'run' | 'rerun' | 'resume';
  readonly parentRunId: string | null;
  readonly selection?: Selection;
  /** Times each case runs; 1 (the default) records no repeat. */
  readonly repeat?: number;
  readonly git: Promise<GitInfo | null>;
  /**
   * The cases to run, asked for after setup (so they may depend on the stage graph) and before
   * anything is printed or written; may throw. `total` counts items: cases times repeats.
   */
  cases(prepared: PreparedRun): RunCases | Promise<RunCases>;
  /** Finished records of an earlier log, copied into this one before any case runs (resume). */
  readonly copied?: { readonly count: number; records(): AsyncIterable<CaseRecord> };
  /** The block printed before the first case. @default renderRunConfig */
  renderConfig?(header: RunStartRecord, theme: Theme, logPath: string): string;
  /** Called with the header just before it is written, for warnings on stderr. May throw. */
  beforeStart?(header: RunStartRecord, prepared: PreparedRun): void;
}

export interface RunCases {
  readonly items: AsyncIterable<RunItem> | Iterable<RunItem>;
  readonly total: number;
}

/**
 * The run machinery `run`, `rerun` and `resume` share: setup, header, log writer, progress, Ctrl-C
 * handling, the run loop, summary and exit code.
 */
export async function executePlan(plan: RunPlan, io: Io): Promise<number> {
  const { project, spec } = plan;
  const runId = uuidv7();
  const runModels = await loadRunModels(project, io, plan.cache);
  const prepared = await prepareRun({
    spec,
    overrides: plan.overrides,
    runId,
    cwd: io.cwd,
    projectRoot: project.root,
    models: runModels.models,
    ...(plan.base && { base: plan.base }),
  });
  runModels.check(prepared.modelsUsed);
  runModels.warm(prepared.modelsUsed);
  const { items, total: toRun } = await plan.cases(prepared);
  const copiedCount = plan.copied?.count ?? 0;
  const total = copiedCount + toRun;
  const concurrency = plan.concurrency ?? project.concurrency ?? DEFAULT_CONCURRENCY;
  const runsDir = plan.runsDir ?? project.runsDir;
  const gate = plan.gate && (await (await import('./gate.ts')).checkRunGate(plan.gate, runsDir, io));
  const logPath = runLogPath(runsDir, runId);
  const shownLogPath = relative(io.cwd, logPath) || logPath;
  const repeat = plan.repeat ?? 1;

  const header: RunStartRecord = {
    type: 'run.start',
    v: LOG_VERSION,
    runId,
    startedAt: new Date().toISOString(),
    command: redactArgs(io.argv),
    cwd: io.cwd,
    pipeline: {
      name: spec.name,
      description: spec.description,
      stages: prepared.graph.nodes.map((node) => ({ name: node.name, inputs: [...node.inputs] })),
      columns: Object.keys(spec.columns ?? {}),
      hasPassed: typeof spec.passed === 'function',
      hasScore: typeof spec.score === 'function',
    },
    // A secret given as config (an API key on the command line) never reaches the log or the terminal.
    config: redactConfig(prepared.config as Record<string, unknown>),
    deltas: redactDeltas(prepared.deltas),
    suite: plan.suite,
    git: await plan.git,
    versions: { tagliots: TAGLIOTS_VERSION, node: process.versions.node },
    platform: `${process.platform}-${process.arch}`,
    concurrency,
    parentRunId: plan.parentRunId,
    ...(plan.mode !== 'run' && { mode: plan.mode }),
    ...(repeat > 1 && { repeat }),
    ...(plan.selection && { selection: selectionRecord(plan.selection) }),
    ...runModels.header(prepared.modelsUsed),
  };
  plan.beforeStart?.(header, prepared);

  // Opened before anything is printed, so an unwritable runs folder fails with nothing half-done.
  const writer = createRunLogWriter(logPath);
  const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  io.stdout.write((plan.renderConfig ?? renderRunConfig)(header, theme, shownLogPath));

  // The total covers every record the run writes: repeats, copied records, a rerun's chosen few.
  const summary = createSummaryBuilder(header, { maxRows: plan.maxRows ?? 100, total });
  const progress = createProgress({
    stream: io.stderr,
    theme: createTheme(colorEnabled(io, io.stderr), io.stderr.columns),
    total: toRun,
    plainIntervalMs: Number(io.env['TAGLIOTS_PROGRESS_INTERVAL_MS']) || 10_000,
  });

  let control: RunControl | undefined;
  let interrupts = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const graceMs = plan.graceMs ?? 5000;
  const stopStarting = (c: RunControl) => {
    c.stopStarting();
    progress.note(`Stopping: running cases get ${graceMs / 1000} s to finish (Ctrl-C again cancels them)`);
    graceTimer = setTimeout(() => control?.cancelInFlight(), graceMs);
    graceTimer.unref();
  };
  const removeInterruptHandler = io.onInterrupt(() => {
    interrupts++;
    // The third interrupt exits the process right after this handler: save what is buffered.
    if (interrupts >= 3) return writer.flush();
    if (!control) return;
    if (interrupts === 1) {
      stopStarting(control);
    } else {
      control.cancelInFlight();
      progress.note('Cancelling running cases');
    }
  });

  // Totals of the copied records (resume), added to run.end so it describes the whole run.
  const copied = { counts: { complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0 }, usage: undefined as RunEndRecord['usage'], costUsd: undefined as number | undefined, calls: emptyCallTotals() };
  let end: RunEndRecord;
  try {
    writer.write(header);
    if (plan.copied) {
      for await (const record of plan.copied.records()) {
        writer.write(record);
        summary.add(record);
        copied.counts[record.status]++;
        if (record.passed === true) copied.counts.passed++;
        else if (record.status === 'complete' && record.passed === false) copied.counts.failed++;
        if (record.usage) copied.usage = addUsage(copied.usage, record.usage);
        if (record.costUsd !== undefined) copied.costUsd = (copied.costUsd ?? 0) + record.costUsd;
        for (const stageRecord of Object.values(record.stageRecords)) {
          if (stageRecord.calls && !stageRecord.reused) addCalls(copied.calls, stageRecord.calls as ModelCallRecord[]);
        }
      }
    }
    end = await executeRun({
      prepared,
      header,
      cases: items,
      total: toRun,
      concurrency,
      ...(plan.maxCostUsd !== undefined && { maxCostUsd: plan.maxCostUsd }),
      artifactsDir: logPath.replace(/\.jsonl$/, '.artifacts'),
      listeners: [{ onCaseEnd: (record) => { writer.write(record); summary.add(record); } }, progress],
      onControl: (c) => {
        control = c;
        // Ctrl-C pressed while the earlier records were being copied.
        if (interrupts === 1) stopStarting(c);
        else if (interrupts === 2) c.cancelInFlight();
      },
    });
    if (plan.copied) {
      const counts = { ...end.counts, total };
      for (const key of ['complete', 'error', 'cancelled', 'passed', 'failed'] as const) counts[key] += copied.counts[key];
      const usage = copied.usage && end.usage ? addUsage(copied.usage, end.usage) : (copied.usage ?? end.usage);
      const costUsd = copied.costUsd === undefined ? end.costUsd : Math.round((copied.costUsd + (end.costUsd ?? 0)) * 1e9) / 1e9;
      end = { ...end, counts, ...(usage && { usage }), ...(costUsd !== undefined && { costUsd }) };
      if (copied.calls.calls > 0) {
        const calls = copied.calls;
        const now = end.modelCalls;
        if (now) for (const key of Object.keys(calls) as (keyof typeof calls)[]) calls[key] += now[key] ?? 0;
        end.modelCalls = finishCallTotals(calls);
      }
    }
    writer.write(end);
  } catch (error) {
    // A failure of tagliots itself mid-run: record it so the log says why it ends here.
    progress.stop();
    writer.write({
      type: 'run.end',
      status: 'error',
      endedAt: new Date().toISOString(),
      durationMs: 0,
      counts: { total, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: total },
      error: toErrorInfo(error, null),
    });
    throw error;
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    removeInterruptHandler();
    writer.close();
  }

  io.stdout.write(renderSummary(summary.finish(end), theme, { allRowsHint: `run \`tagliots summarize ${runId} --rows all\` to print every row`, end }));
  io.stdout.write(`\nResults written to ${shownLogPath}\n`);
  const gatePassed = gate ? await (await import('./gate.ts')).gateFinishedRun(logPath, { ...gate, runsDir }, io) : true;
  if (end.status === 'interrupted') return EXIT.interrupted;
  if (end.status === 'budget') return budgetStop(end, runId, io);
  if (end.status === 'error') {
    io.stderr.write(`The run stopped early: ${end.error?.message ?? 'unknown error'}\n`);
    return EXIT.failure;
  }
  if (plan.strict && end.counts.error > 0) {
    io.stderr.write(`--strict: ${end.counts.error} case${end.counts.error === 1 ? '' : 's'} errored.\n`);
    return EXIT.failure;
  }
  return gatePassed ? EXIT.ok : EXIT.failure;
}

/** Exit code of a run stopped by --max-cost: distinct from success, failure and Ctrl-C, so scripts can tell. */
export const EXIT_BUDGET = 3;

function budgetStop(end: RunEndRecord, runId: string, io: Io): number {
  const spent = formatUsd(end.costUsd ?? 0);
  io.stderr.write(
    `Stopped at the cost budget: ${spent} spent of --max-cost ${formatUsd(end.maxCostUsd ?? 0)}; ${end.counts.notRun} case${end.counts.notRun === 1 ? '' : 's'} not run. Resume with: tagliots resume ${runId}\n`,
  );
  return EXIT_BUDGET;
}

/** The selection as the header records it (only the criteria given). */
function selectionRecord(selection: Selection): NonNullable<RunStartRecord['selection']> {
  return {
    ...(selection.filter !== undefined && { filter: selection.filter }),
    ...(selection.ids !== undefined && selection.ids.length > 0 && { ids: [...selection.ids] }),
    ...(selection.limit !== undefined && { limit: selection.limit }),
    ...(selection.sample !== undefined && { sample: selection.sample, seed: selection.seed ?? 0 }),
    ...(selection.shard !== undefined && { shard: { ...selection.shard } }),
  };
}

/** `what`: the cases the selection chose from, e.g. "the 24 cases of suites/calc.json". */
export function noCasesSelected(what: string): UsageError {
  return new UsageError('E_SELECT_EMPTY', `The selection matches none of ${what}.`, {
    hint: "Check the --filter expression (it matches the cases' keywords) and the --ids (case ids or prefixes).",
  });
}

export function selectPipeline(project: Project, name: string | undefined, suitePath: string): PipelineSpec {
  const names = [...project.pipelines.keys()];
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
  throw new PipelineError('E_PIPELINE_UNKNOWN', `Cannot find pipeline '${name}'. Available pipelines: ${names.length > 0 ? oxfordJoin(names) : '(none)'}.`, {
    hint: suggestion ? `Did you mean '${suggestion}'?` : 'Run `tagliots pipelines` to list them.',
  });
}
