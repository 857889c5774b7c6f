/**
 * Errors that tagliots reports to the user. Each carries a stable `code`, the process exit code it
 * maps to, and an optional hint. Only `cli/main.ts` turns them into output; everything else throws.
 */

export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** A run stopped at its cost budget (--max-cost): distinct from success, failure and Ctrl-C, so scripts can tell. */
  budget: 3,
  interrupted: 130,
} as const;

export interface TagliotsErrorOptions {
  hint?: string;
  exitCode?: number;
  cause?: unknown;
}

/**
 * Hints of codes thrown from many places, used when the thrower gives none: every error a user can
 * meet says what to do next.
 */
const DEFAULT_HINTS: Readonly<Record<string, string>> = {
  E_LOG_FORMAT:
    'A run log is what `tagliots run` writes: one JSON record per line, run.start first. Check that this is the file you meant; a log edited or damaged since cannot be read until the line named above is restored or removed.',
  E_LOG_WRITE: 'Check that the runs folder is writable and its disk has free space, or write the logs elsewhere with --runs-dir.',
  E_LOG_READ: 'Check that the file exists and is readable.',
};

/**
 * Brands every error with the names of its classes. `Symbol.for`, so two copies of tagliots in one
 * process (the CLI, and the built library a project's pipeline imports) recognise each other's
 * errors: `instanceof` alone would tell a missing template thrown by the pipeline's copy from the
 * CLI's `TemplateError`.
 */
const KINDS: unique symbol = Symbol.for('tagliots.error.kinds') as never;

export class TagliotsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly [KINDS]: readonly string[];

  constructor(code: string, message: string, options: TagliotsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint ?? DEFAULT_HINTS[code];
    this.exitCode = options.exitCode ?? EXIT.usage;
    const kinds: string[] = [];
    for (let kind: unknown = new.target; kind !== Error && typeof kind === 'function'; kind = Object.getPrototypeOf(kind)) kinds.push((kind as { name: string }).name);
    this[KINDS] = kinds;
  }

  /** `error instanceof LogError` holds for a `LogError` of either copy of tagliots. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const kinds = typeof value === 'object' && value !== null ? (value as { [KINDS]?: unknown })[KINDS] : undefined;
    return Array.isArray(kinds) && kinds.includes(this.name);
  }
}

/** Bad command-line usage: unknown flag, malformed key=value, missing argument. */
export class UsageError extends TagliotsError {}
/** Config overrides, patch files, missing prompt() values, internal() misuse. */
export class ConfigError extends TagliotsError {}
/** Suite files: parse errors with positions, case shape, ids. */
export class SuiteError extends TagliotsError {}
/** Pipeline definitions: DAG validation, setup failures, unknown pipeline. */
export class PipelineError extends TagliotsError {}
/** Project config (`tagliots.config.*`) discovery and loading. */
export class ProjectError extends TagliotsError {}
/** Templates: missing file, syntax error, undefined variable. */
export class TemplateError extends TagliotsError {}
/** Models: unknown name, failed call. */
export class ModelError extends TagliotsError {}
/**
 * Work the run's budget (`--max-cost`) refused, such as a batch request left out of its batch: the
 * case stops as cancelled, not failed, like the cases the budget kept from starting, so that a
 * resume runs it.
 */
export class BudgetReachedError extends TagliotsError {}
/** Run logs: unreadable, malformed, or of a newer version than this tagliots knows. */
export class LogError extends TagliotsError {}
/** A run id, prefix or path that names no run, or more than one. */
export class RunNotFoundError extends TagliotsError {}
/** A run another process holds (see src/log/claim.ts): it is still running, or being resumed. */
export class RunClaimedError extends TagliotsError {}

export function isTagliotsError(error: unknown): error is TagliotsError {
  return error instanceof TagliotsError;
}

/** What the errors of file system calls mean, in words; the code follows in brackets. */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than the file system allows',
  EIO: 'the disk failed to read or write (an input/output error)',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'it already exists',
  EMFILE: 'too many files are open',
};

/** Failures of the storage itself, not of the path given: a full disk, a failing one. */
const STORAGE_FAILURES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

/** The `code` of a Node.js system error (`ENOSPC`, …), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Whether a failed `link` says the file system has no hard links (then a file is created another way). */
export function hardLinksUnsupported(error: unknown): boolean {
  return ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errnoCode(error) ?? '');
}

/** A failed file system call in words: `the disk is full (ENOSPC)`; other errors by their message. */
export function describeFileError(error: unknown): string {
  const code = errnoCode(error);
  const words = code === undefined ? undefined : FILE_ERRORS[code];
  return words === undefined ? messageOf(error) : `${words} (${code})`;
}

/**
 * The exit code of a failed write: 1 when the storage failed (a full or failing disk: nothing was
 * wrong with the command), 2 when the path given cannot be written (a missing folder, no permission).
 */
export function writeFailureExitCode(error: unknown): number {
  const code = errnoCode(error);
  return code !== undefined && STORAGE_FAILURES.has(code) ? EXIT.failure : EXIT.usage;
}

/** The message of anything thrown, without assuming it is an Error. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
