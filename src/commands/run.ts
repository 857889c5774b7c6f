import { relative } from 'node:path';
import { createSummaryBuilder } from '../analysis/summary.ts';
import { loadPatchFile, parseOverrideArgs, patchToOverrides, type Override } from '../config/overrides.ts';
import { redactArgs, redactConfig, redactDeltas } from '../config/secrets.ts';
import { EXIT, PipelineError, UsageError } from '../errors.ts';
import { LOG_VERSION, type RunEndRecord, type RunStartRecord } from '../log/schema.ts';
import { runLogPath } from '../log/store.ts';
import { createRunLogWriter } from '../log/writer.ts';
import type { PipelineSpec } from '../pipeline/types.ts';
import { DEFAULT_CONCURRENCY } from '../project/config.ts';
import { loadProject, type Project } from '../project/load.ts';
import { createProgress } from '../report/progress.ts';
import { renderRunConfig } from '../report/run-config.ts';
import { renderSummary } from '../report/summary-table.ts';
import { createTheme } from '../report/theme.ts';
import { executeRun, type RunControl } from '../runner/run.ts';
import { prepareRun } from '../runner/setup.ts';
import { toErrorInfo } from '../runner/error-info.ts';
import { loadSuite } from '../suite/load.ts';
import { readGitInfo } from '../util/git.ts';
import { uuidv7 } from '../util/ids.ts';
import { colorEnabled, type Io } from '../util/io.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import { TAGLIOTS_VERSION } from '../version.ts';

export interface RunCommandOptions {
  readonly suite: string;
  /** `key.path=value` arguments. */
  readonly overrides: readonly string[];
  readonly pipeline?: string;
  readonly concurrency?: number;
  readonly runsDir?: string;
  /** `--config` patch files, applied in order after the suite's config and before `overrides`. */
  readonly configFiles?: readonly string[];
  /** Exit 1 when any case errored. */
  readonly strict?: boolean;
  /** Most summary rows to print. @default 100 */
  readonly maxRows?: number;
  /** Milliseconds running cases get to finish after the first Ctrl-C before they are cancelled. @default 5000 */
  readonly graceMs?: number;
}

export async function runCommand(options: RunCommandOptions, io: Io): Promise<number> {
  const cliOverrides = parseOverrideArgs(options.overrides, 'command line');
  const gitInfo = readGitInfo(io.cwd);
  const project = await loadProject(io.cwd);
  const suite = await loadSuite(options.suite, { cwd: io.cwd });
  const spec = selectPipeline(project, options.pipeline ?? suite.pipeline, options.suite);

  const defaults = spec.config ?? {};
  const overrides: Override[] = [];
  if (suite.config !== undefined) overrides.push(...patchToOverrides(suite.config, defaults, `suite ${options.suite}`));
  for (const file of options.configFiles ?? []) overrides.push(...(await loadPatchFile(file, defaults, io.cwd)));
  overrides.push(...cliOverrides);

  const runId = uuidv7();
  const prepared = await prepareRun({ spec, overrides, runId, cwd: io.cwd, projectRoot: project.root });
  const concurrency = options.concurrency ?? project.concurrency ?? DEFAULT_CONCURRENCY;
  const runsDir = options.runsDir ?? project.runsDir;
  const logPath = runLogPath(runsDir, runId);
  const shownLogPath = relative(io.cwd, logPath) || logPath;

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
    suite: { path: options.suite, format: suite.format, sha256: suite.sha256, count: suite.count },
    git: await gitInfo,
    versions: { tagliots: TAGLIOTS_VERSION, node: process.versions.node },
    platform: `${process.platform}-${process.arch}`,
    concurrency,
    parentRunId: null,
  };

  // Opened before anything is printed, so an unwritable runs folder fails with nothing half-done.
  const writer = createRunLogWriter(logPath);
  const theme = createTheme(colorEnabled(io, io.stdout), io.stdout.columns);
  io.stdout.write(renderRunConfig(header, theme, shownLogPath));

  const summary = createSummaryBuilder(header, { maxRows: options.maxRows ?? 100 });
  const progress = createProgress({
    stream: io.stderr,
    theme: createTheme(colorEnabled(io, io.stderr), io.stderr.columns),
    total: suite.count,
    plainIntervalMs: Number(io.env['TAGLIOTS_PROGRESS_INTERVAL_MS']) || 10_000,
  });

  let control: RunControl | undefined;
  let interrupts = 0;
  let graceTimer: NodeJS.Timeout | undefined;
  const graceMs = options.graceMs ?? 5000;
  const removeInterruptHandler = io.onInterrupt(() => {
    interrupts++;
    // The third interrupt exits the process right after this handler: save what is buffered.
    if (interrupts >= 3) return writer.flush();
    if (!control) return;
    if (interrupts === 1) {
      control.stopStarting();
      progress.note(`Stopping: running cases get ${graceMs / 1000} s to finish (Ctrl-C again cancels them)`);
      graceTimer = setTimeout(() => control?.cancelInFlight(), graceMs);
      graceTimer.unref();
    } else {
      control.cancelInFlight();
      progress.note('Cancelling running cases');
    }
  });

  let end: RunEndRecord;
  try {
    writer.write(header);
    end = await executeRun({
      prepared,
      header,
      cases: suite.cases(),
      total: suite.count,
      concurrency,
      listeners: [{ onCaseEnd: (record) => { writer.write(record); summary.add(record); } }, progress],
      onControl: (c) => {
        control = c;
      },
    });
    writer.write(end);
  } catch (error) {
    // A failure of tagliots itself mid-run: record it so the log says why it ends here.
    progress.stop();
    writer.write({
      type: 'run.end',
      status: 'error',
      endedAt: new Date().toISOString(),
      durationMs: 0,
      counts: { total: suite.count, complete: 0, error: 0, cancelled: 0, passed: 0, failed: 0, notRun: suite.count },
      error: toErrorInfo(error, null),
    });
    throw error;
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    removeInterruptHandler();
    writer.close();
  }

  io.stdout.write(renderSummary(summary.finish(end), theme, { allRowsHint: 'run with --rows all to print every row' }));
  io.stdout.write(`\nResults written to ${shownLogPath}\n`);
  if (end.status === 'interrupted') return EXIT.interrupted;
  if (end.status === 'error') {
    io.stderr.write(`The run stopped early: ${end.error?.message ?? 'unknown error'}\n`);
    return EXIT.failure;
  }
  if (options.strict && end.counts.error > 0) {
    io.stderr.write(`--strict: ${end.counts.error} case${end.counts.error === 1 ? '' : 's'} errored.\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

function selectPipeline(project: Project, name: string | undefined, suitePath: string): PipelineSpec {
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
