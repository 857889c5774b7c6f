/**
 * Finishing a run that was interrupted or killed (`tagliots resume`). The new log (`mode: 'resume'`,
 * `parentRunId`) starts with a copy of every finished record of the original and then runs only
 * the (case, repeat) pairs the original lacks. The original log is never modified, so a resume
 * that is itself killed can be resumed in turn. A resume holds the claim on the original log
 * (src/log/claim.ts) from before it looks at what to run until it ends: a run still running, or
 * being resumed by another process, is refused, so each case runs once.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { configChanges, type ConfigChange } from '../analysis/config-changes.ts';
import { getPath } from '../config/dotted.ts';
import { parseOverrideArgs, type Override } from '../config/overrides.ts';
import { isSecretPath, REDACTED } from '../config/secrets.ts';
import { errnoCode, LogError, SuiteError, UsageError } from '../errors.ts';
import { claimRun, type Claim } from '../log/claim.ts';
import { readGitInfo } from '../log/git.ts';
import { readRunLogEnds, readRunLogRecords } from '../log/reader.ts';
import type { CaseRecord, GitInfo, RunStartRecord } from '../log/schema.ts';
import { listRuns, resolveRun, runLogPath } from '../log/store.ts';
import { journalPath } from '../model/batch/journal.ts';
import { loadProject, type Project } from '../project/load.ts';
import { repeatRounds, runKey } from '../runner/plan.ts';
import type { RunListener } from '../runner/run.ts';
import { runSession, type RunPlace, type RunResult, type RunStart } from '../runner/session.ts';
import { loadSuite, type SuiteCase } from '../suite/load.ts';
import { createCaseSelector, isEmptySelection, type Selection } from '../suite/select.ts';
import { uuidv7 } from '../util/ids.ts';
import { formatCount } from '../util/units.ts';
import { cacheModeOf, checkSecretsSupplied, gitWarning, pipelineOfRun, repeatOf } from './original-run.ts';
import { runPlace, type NothingToRun, type RunOptions } from './run-options.ts';

export interface ResumeOptions extends Omit<RunOptions, 'onStart'> {
  /** The run to finish: `latest`, a run-id prefix or a log file. */
  readonly run: string;
  /** Only for secrets, which the log does not keep: `key.path=value`. */
  readonly overrides?: readonly string[];
  /** Resume even when the suite file changed since the run started (cases are matched by id). */
  readonly allowChangedSuite?: boolean;
  /**
   * Take the run over even though a process on another machine claims it (or its claim file cannot
   * be read): for a claim left by a machine that crashed. Never while that process may still run.
   */
  readonly force?: boolean;
  /** As RunOptions.onStart, with what the resume runs. */
  onStart?(header: RunStartRecord, start: RunStart, resume: ResumeInfo): RunListener | undefined | void;
}

/** What a resume runs, as its configuration block shows it. */
export interface ResumeInfo {
  readonly original: RunStartRecord;
  /** The original run's log, absolute. */
  readonly originalLogPath: string;
  /** Cases of the (selected) suite. */
  readonly cases: number;
  readonly repeat: number;
  /** Finished records copied from the original … */
  readonly finished: number;
  /** … of the records a whole run holds (cases times repeats). */
  readonly total: number;
  /** Items left to run. */
  readonly toRun: number;
  /** The config against the original run's (it differs only when the pipeline's defaults changed). */
  readonly configChanges: readonly ConfigChange[];
}

/**
 * Finishes an interrupted or killed run, as `tagliots resume` does: a new log holding the finished
 * records of the original and the cases it lacks, run with its recorded config, suite, selection
 * and response cache mode. Resolves to the new run, or to a note when there is nothing to resume.
 * Claims the original first: a run still running is refused (`E_RUN_RUNNING`), and so is one that
 * another process is resuming (`E_RESUME_SUPERSEDED`), both RunClaimedErrors thrown before any
 * case runs; a claim made on another host only yields to `force`.
 */
export async function resumeRun(options: ResumeOptions): Promise<RunResult | NothingToRun> {
  const place = runPlace(options);
  const { cwd } = place;
  const warn = (text: string) => options.onWarning?.(text);
  const overrides = parseOverrideArgs(options.overrides ?? []);
  const git = readGitInfo(cwd);
  const project = await loadProject(cwd);
  const runsDir = options.runsDir ?? project.runsDir;
  const logPath = await resolveRun(runsDir, options.run, cwd);
  const runId = options.runId ?? uuidv7();
  // Claimed before anything is decided from the log, and held until the resume ends.
  const claim = await claimOriginal(logPath, runId, options, warn);
  try {
    return await resumeClaimed({ ...options, runId }, { place, overrides, git, project, runsDir, logPath, warn });
  } finally {
    claim?.release();
  }
}

/** The claim on the run being finished; none (with a warning) when its folder is read-only. */
async function claimOriginal(logPath: string, runId: string, options: ResumeOptions, warn: (text: string) => void): Promise<Claim | undefined> {
  const { header } = await readRunLogEnds(logPath);
  try {
    return await claimRun({ logPath, runId: header.runId, holder: { runId, mode: 'resume' }, ...(options.force && { force: true }), ...(options.now && { now: options.now }) });
  } catch (error) {
    const code = error instanceof LogError && error.code === 'E_LOG_WRITE' ? errnoCode(error.cause) : undefined;
    if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw error;
    warn(`Warning: cannot claim run ${header.runId} (its folder is read-only): make sure no other process runs or resumes it meanwhile.`);
    return undefined;
  }
}

/** What resumeRun found out before it claimed the run. */
interface ResumeContext {
  readonly place: RunPlace;
  readonly overrides: readonly Override[];
  readonly git: Promise<GitInfo | null>;
  readonly project: Project;
  readonly runsDir: string;
  readonly logPath: string;
  readonly warn: (text: string) => void;
}

async function resumeClaimed(options: ResumeOptions & { readonly runId: string }, context: ResumeContext): Promise<RunResult | NothingToRun> {
  const { place, overrides, git, project, runsDir, logPath, warn } = context;
  const { cwd } = place;
  const shownLog = relative(cwd, logPath) || logPath;
  const { header: original, end } = await readRunLogEnds(logPath);

  if (end?.status === 'completed') {
    return { status: 'nothing', note: `Run ${original.runId} completed: all ${formatCount(end.counts.total)} cases ran. Nothing to resume.` };
  }
  if (original.mode === 'rerun') {
    // A rerun's cases were chosen from its parent's log (--only, --from), which its header does
    // not fully record: resuming it from the suite would run other cases.
    throw new UsageError('E_RESUME_RERUN', `Run ${original.runId} is a rerun of run ${original.parentRunId ?? '(unknown)'}: resume finishes runs started by \`tagliots run\`.`, {
      hint: `Start the rerun again: tagliots ${original.command.join(' ')}`,
    });
  }
  const child = await resumedBy(resolve(cwd, runsDir), original.runId);
  if (child) {
    if (child.complete) return { status: 'nothing', note: `Run ${original.runId} was resumed already by run ${child.runId}, which completed. Nothing to resume.` };
    throw new UsageError('E_RESUME_SUPERSEDED', `Run ${original.runId} was resumed already by run ${child.runId}, which did not finish either.`, {
      hint: `Resume that one instead: tagliots resume ${child.runId}`,
    });
  }

  for (const override of overrides) {
    if (!isSecretPath(override.path) || getPath(original.config, override.path) !== REDACTED) {
      throw new UsageError('E_RESUME_OVERRIDE', `resume runs with the recorded config of run ${original.runId}, so '${override.path}' cannot be changed.`, {
        hint: `Only secrets the log does not keep may be given again. To change the config, use: tagliots rerun ${original.runId.slice(0, 8)} ${override.path}=...`,
      });
    }
  }
  checkSecretsSupplied(original, overrides, 'resume');
  const spec = pipelineOfRun(project, original, shownLog);

  // The suite, as the original run read it: its path is relative to the original working folder.
  const fromOriginalCwd = resolve(original.cwd, original.suite.path);
  const suite = await loadSuite(existsSync(fromOriginalCwd) ? fromOriginalCwd : original.suite.path, { cwd });
  if (suite.sha256 !== original.suite.sha256 && !options.allowChangedSuite) {
    throw new SuiteError(
      'E_RESUME_SUITE_CHANGED',
      `The suite ${original.suite.path} changed since run ${original.runId} started (sha256 ${original.suite.sha256.slice(0, 12)} then, ${suite.sha256.slice(0, 12)} now): resuming would mix cases from two versions of it.`,
      { hint: 'Restore the suite and resume, start a new run, or pass --allow-changed-suite to resume anyway (finished cases are kept by id; cases no longer in the suite are dropped).' },
    );
  }

  // The same cases as the original run: its selection applied to the same suite.
  const selection = selectionOf(original);
  let count = suite.count;
  let source = (): AsyncIterable<SuiteCase> => suite.cases();
  if (selection) {
    const selector = createCaseSelector(selection);
    count = await selector.plan(() => suite.cases());
    source = () => selector.select(suite.cases());
  }
  const repeat = original.repeat ?? 1;
  const ids = new Set<string>();
  for await (const c of source()) ids.add(c.id);

  // Finished records, one per (case, repeat). Cancelled cases did not finish: they run again.
  const isCopied = (record: CaseRecord, seen: Set<string>): boolean => {
    if (record.status === 'cancelled' || !ids.has(record.caseId) || (record.repeat ?? 0) >= repeat) return false;
    const key = runKey(record.caseId, record.repeat);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const done = new Set<string>();
  for await (const { record } of readRunLogRecords(logPath)) if (record.type === 'case') isCopied(record, done);
  const total = count * repeat;
  const toRun = total - done.size;
  let changes: ConfigChange[] = [];
  const { onStart } = options;
  // The run's own cache mode: a run made with --cache off is not finished from the cache.
  const cache = options.cache ?? cacheModeOf(original);

  return runSession(
    {
      project,
      spec,
      overrides,
      ...repeatOf(original, 'resume'),
      suite: { ...original.suite, sha256: suite.sha256, count },
      ...(selection && { selection }),
      repeat,
      git,
      batch: await batchHistory(logPath, original, resolve(cwd, runsDir)),
      copied: {
        count: done.size,
        async *records() {
          const seen = new Set<string>();
          for await (const { record } of readRunLogRecords(logPath)) if (record.type === 'case' && isCopied(record, seen)) yield record;
        },
      },
      cases: () => ({
        items: (async function* () {
          for await (const item of repeatRounds(source, repeat)) if (!done.has(runKey(item.id, item.repeat))) yield item;
        })(),
        total: toRun,
      }),
      beforeStart: (header) => {
        changes = configChanges(original.config, header.config);
        if (changes.length > 0) warn(`Warning: the config differs from run ${original.runId}'s (see below): the finished cases used the old one.`);
        const warning = gitWarning(original.git, header.git, 'this resume');
        if (warning) warn(warning);
        if (suite.sha256 !== original.suite.sha256) warn(`Warning: the suite changed since run ${original.runId} started (--allow-changed-suite).`);
      },
    },
    {
      ...options,
      // A run made in batch mode is finished in batch mode: its requests in the provider's hands are re-attached to, not sent again.
      ...(!options.batch?.all && batchedAll(original) && { batch: { ...options.batch, all: true } }),
      concurrency: options.concurrency ?? original.concurrency,
      ...(cache && { cache }),
      onStart:
        onStart &&
        ((header, start) =>
          onStart(header, start, { original, originalLogPath: logPath, cases: count, repeat, finished: done.size, total, toRun, configChanges: changes })),
    },
    place,
  );
}

/**
 * Batch mode: the run a resume names its requests after (the first of the chain of resumes), and
 * the batch journals of every run of the chain, so the resume re-attaches to their batches
 * instead of paying for the same requests again.
 */
async function batchHistory(logPath: string, original: RunStartRecord, runsDir: string): Promise<{ runKey: string; journals: string[] }> {
  const journals = [journalPath(logPath)];
  let header = original;
  // A chain of resumes is short; the bound only guards against a log that names itself.
  for (let depth = 0; header.mode === 'resume' && header.parentRunId !== null && depth < 100; depth++) {
    const parentLog = runLogPath(runsDir, header.parentRunId);
    if (!existsSync(parentLog)) break;
    journals.push(journalPath(parentLog));
    header = (await readRunLogEnds(parentLog)).header;
  }
  return { runKey: header.runId, journals };
}

/** Whether every configured model of a run was called in batch mode (`--batch`): its header records each one's batch settings. */
function batchedAll(header: RunStartRecord): boolean {
  const models = Object.values(header.models ?? {});
  return models.length > 0 && models.every((model) => typeof model['batch'] === 'object' && model['batch'] !== null);
}

/** The selection a run recorded, as a Selection to apply again. */
function selectionOf(header: RunStartRecord): Selection | undefined {
  const recorded = header.selection;
  if (!recorded) return undefined;
  const selection: Selection = {
    ...(recorded.filter !== undefined && { filter: recorded.filter }),
    ...(recorded.ids !== undefined && { ids: recorded.ids }),
    ...(recorded.limit !== undefined && { limit: recorded.limit }),
    ...(recorded.sample !== undefined && { sample: recorded.sample }),
    ...(recorded.seed !== undefined && { seed: recorded.seed }),
    ...(recorded.shard !== undefined && { shard: { index: recorded.shard.index, count: recorded.shard.count } }),
  };
  return isEmptySelection(selection) ? undefined : selection;
}

/** A later run that resumes `runId`, if any (the newest). Logs that cannot be read are skipped. */
async function resumedBy(runsDir: string, runId: string): Promise<{ runId: string; complete: boolean } | undefined> {
  const later = (await listRuns(runsDir)).filter((run) => run.runId.toLowerCase() > runId.toLowerCase()).reverse();
  for (const run of later) {
    try {
      const { header, end } = await readRunLogEnds(run.path);
      if (header.mode === 'resume' && header.parentRunId === runId) return { runId: header.runId, complete: end?.status === 'completed' };
    } catch {
      // Not a readable log: not a resume of this run.
    }
  }
  return undefined;
}
