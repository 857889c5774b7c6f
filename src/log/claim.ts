/**
 * Claims on runs: which process may write a run's cases. A claim is a small JSON file beside the
 * run log (`<run-id>.lock` for `<run-id>.jsonl`) naming the process that holds it: its pid, host,
 * start mark, the run it writes and since when. A run holds the claim on its own log from before
 * the log exists until `run.end` is written; a resume also holds the claim on the log it finishes,
 * from before it decides what to run until it ends. So one run's cases are written by one process
 * at a time: a second resume, or a resume of a run still running, is refused.
 *
 * A claim file appears whole or not at all (written under a temporary name, then hard-linked into
 * place, which fails when the name exists), so whoever creates it holds the claim. A claim is
 * stale when its process is gone: a pid that no process on this host has, or has been given to a
 * later process (its start mark differs). A stale claim is taken over under a short-lived second
 * claim (`<run-id>.lock.takeover`), so two processes finding the same stale claim never both win.
 * A claim made on another host cannot be checked from here: it is refused unless forced.
 * docs/run-log.md ("Claims") describes the protocol for users.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { describeFileError, errnoCode, hardLinksUnsupported, LogError, RunClaimedError, writeFailureExitCode } from '../errors.ts';
import { hostName, onProcessExit, pid, processAlive, processStartMark } from '../host.ts';
import { sleep } from '../util/sleep.ts';
import { tempPathBeside } from '../util/paths.ts';

/** What a claim file holds. */
export interface ClaimRecord {
  /** The process holding the claim. */
  readonly pid: number;
  readonly host: string;
  /** Tells this process from a later one given the same pid (Linux: boot id and start time); absent where unknown. */
  readonly processStart?: string;
  /** The run the holder writes: the claimed run itself, or the resume finishing it. */
  readonly runId: string;
  /** How the holder started: `run` (or `rerun`) writing its own log, `resume` finishing the claimed run. */
  readonly mode: 'run' | 'rerun' | 'resume';
  /** When the claim was made (ISO 8601). */
  readonly claimedAt: string;
  /** Tells claims of one process apart. */
  readonly nonce: string;
}

/** A claim this process holds. */
export interface Claim {
  /** The claim file, absolute. */
  readonly path: string;
  readonly record: ClaimRecord;
  /** Removes the claim file (only if it is still this claim's); idempotent. Also runs when the process exits. */
  release(): void;
}

export interface ClaimOptions {
  /** The run log to claim; it need not exist yet. */
  readonly logPath: string;
  /** The id of the run the log holds, for messages. */
  readonly runId: string;
  /** Who claims it: the run this process writes, and how it started. */
  readonly holder: Pick<ClaimRecord, 'runId' | 'mode'>;
  /** Take over a claim that cannot be checked (made on another host, or unreadable). @default false */
  readonly force?: boolean;
  /** The clock of `claimedAt`. @default the system clock */
  readonly now?: () => Date;
}

/** The claim file of a run log: `<run-id>.lock` beside `<run-id>.jsonl` (`<name>.lock` for other names). */
export function claimPathOf(logPath: string): string {
  return `${logPath.replace(/\.jsonl$/, '')}.lock`;
}

/**
 * The claims this process holds, by nonce, with what releases each: a claim file with this pid
 * and another nonce was left by an earlier process.
 */
const held = new Map<string, () => void>();
/** Removes the exit hook that releases the claims still held when the process exits; set while any is held. */
let removeExitHook: (() => void) | undefined;

/** Tries before giving up on a takeover another process keeps starting and never finishes. */
const TAKEOVER_TRIES = 200;
/** How long to wait for another process's takeover (a few file operations) before looking again. */
const TAKEOVER_WAIT_MS = 10;

/**
 * Claims the run whose log is `logPath` for this process, taking over a stale claim. Throws a
 * RunClaimedError (`E_RUN_RUNNING`, `E_RESUME_SUPERSEDED` or `E_RUN_CLAIMED`) naming the holder
 * when another process holds it, and a LogError when the claim file cannot be written.
 */
export async function claimRun(options: ClaimOptions): Promise<Claim> {
  const path = claimPathOf(options.logPath);
  const now = options.now ?? (() => new Date());
  const marked = processStartMark(pid);
  const record: ClaimRecord = {
    pid,
    host: hostName(),
    ...(marked !== undefined && { processStart: marked }),
    runId: options.holder.runId,
    mode: options.holder.mode,
    claimedAt: now().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(record)}\n`;

  for (let tries = 0; ; tries++) {
    if (createWhole(path, text)) return holdClaim(path, record, text);
    const current = readClaimFile(path);
    if (current === undefined) continue; // released in the meantime: try again
    const state = current.record ? holderState(current.record) : 'unreadable';
    if (state === 'live' || (!options.force && state !== 'dead')) throw claimedError(options, path, current.record, state);
    if (tries >= TAKEOVER_TRIES) {
      throw new LogError('E_LOG_WRITE', `Cannot take over the stale claim ${path}: other processes keep taking it over.`, {
        exitCode: 1,
        hint: 'Try again once the other tagliots processes of this run have ended.',
      });
    }
    await removeStale(path, current.text, text);
  }
}

/** The holder of a claim as this process sees it. */
type HolderState = 'live' | 'dead' | 'elsewhere' | 'unreadable';

function holderState(record: ClaimRecord): HolderState {
  if (record.host !== hostName()) return 'elsewhere';
  // This process's pid: one of its own claims; one of another thread of this process (same start
  // mark); or one left by an earlier process given the same pid (a restarted container).
  if (record.pid === pid) {
    if (held.has(record.nonce)) return 'live';
    return record.processStart !== undefined && record.processStart === processStartMark(pid) ? 'live' : 'dead';
  }
  if (!processAlive(record.pid)) return 'dead';
  const mark = record.processStart === undefined ? undefined : processStartMark(record.pid);
  return mark !== undefined && mark !== record.processStart ? 'dead' : 'live';
}

function holdClaim(path: string, record: ClaimRecord, text: string): Claim {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(record.nonce);
    if (held.size === 0) {
      removeExitHook?.();
      removeExitHook = undefined;
    }
    // Only our own claim: never one a --force took over from us.
    if (readClaimFile(path)?.text === text) unlinkQuietly(path);
  };
  held.set(record.nonce, release);
  // One hook for every claim (a hook each would trip Node's warning about many listeners).
  removeExitHook ??= onProcessExit(() => {
    for (const releaseOne of [...held.values()]) releaseOne();
  });
  return { path, record, release };
}

/**
 * Removes the stale claim whose text is `staleText`, under the takeover claim, so that of two
 * processes that found the same stale claim only one removes it (the other then finds the winner's).
 */
async function removeStale(path: string, staleText: string, ownText: string): Promise<void> {
  const takeover = `${path}.takeover`;
  if (createWhole(takeover, ownText)) {
    try {
      // Still the claim judged stale? (Between the look and now another takeover may have finished.)
      if (readClaimFile(path)?.text === staleText) unlinkQuietly(path);
    } finally {
      unlinkQuietly(takeover);
    }
    return;
  }
  // Another process is taking the claim over, which takes a few file operations; unless it died doing so.
  const other = readClaimFile(takeover);
  if (other && (!other.record || holderState(other.record) === 'dead')) {
    if (readClaimFile(takeover)?.text === other.text) unlinkQuietly(takeover);
    return;
  }
  await sleep(TAKEOVER_WAIT_MS);
}

/**
 * Creates `path` holding `text`, whole: written to a temporary file, then linked to `path`. False
 * when `path` exists. Throws a LogError when the file cannot be written (a full disk).
 */
function createWhole(path: string, text: string): boolean {
  const temp = tempPathBeside(path, pid);
  try {
    const fd = openSync(temp, 'wx');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, path);
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      if (!hardLinksUnsupported(error)) throw error;
    }
    // A file system without hard links: create the name exclusively and write it (a reader may see it empty for a moment).
    let fd2: number;
    try {
      fd2 = openSync(path, 'wx');
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    }
    try {
      writeSync(fd2, text);
    } finally {
      closeSync(fd2);
    }
    return true;
  } catch (error) {
    throw new LogError('E_LOG_WRITE', `Cannot write the claim ${path}: ${describeFileError(error)}`, {
      cause: error,
      exitCode: writeFailureExitCode(error),
      hint: 'A run and its resumes record which process writes them beside the log: check that the folder is writable and its disk has free space.',
    });
  } finally {
    unlinkQuietly(temp);
  }
}

/** The claim file's text and, when it is a claim, its record; undefined when there is no such file. */
export function readClaimFile(path: string): { text: string; record?: ClaimRecord } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    return { text: '' };
  }
  try {
    const value = JSON.parse(text) as Partial<ClaimRecord>;
    const valid = typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.runId === 'string' && typeof value.nonce === 'string';
    return valid ? { text, record: value as ClaimRecord } : { text };
  } catch {
    return { text };
  }
}

function claimedError(options: ClaimOptions, path: string, holder: ClaimRecord | undefined, state: HolderState): RunClaimedError {
  const run = options.runId;
  if (!holder) {
    return new RunClaimedError('E_RUN_CLAIMED', `Run ${run} is claimed by ${path}, which is not a claim tagliots can read.`, {
      hint: `If no tagliots process is running or resuming run ${run}, remove ${basename(path)} or pass --force.`,
    });
  }
  const where = state === 'elsewhere' ? `on host ${holder.host} (another machine: whether it still runs cannot be checked from here)` : `on this machine (${holder.host})`;
  const resuming = holder.runId !== run && holder.mode === 'resume';
  const message = resuming
    ? `Run ${run} is being resumed by pid ${holder.pid} ${where}, as run ${holder.runId}, since ${holder.claimedAt}.`
    : `Run ${run} is still running: pid ${holder.pid} ${where} has been writing it since ${holder.claimedAt}.`;
  const hint =
    state === 'elsewhere'
      ? `If that process is gone (its machine crashed or was switched off), pass --force to take the run over. Never while it may still run: its cases would run twice.`
      : resuming
        ? `Wait for that resume to end. Should it stop before it finishes, \`tagliots resume ${holder.runId}\` continues it.`
        : `Resuming it now would run its cases twice. Wait for it to end, or stop it (Ctrl-C, or kill ${holder.pid}), then resume it.`;
  return new RunClaimedError(resuming ? 'E_RESUME_SUPERSEDED' : 'E_RUN_RUNNING', message, { hint });
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
