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

export class TagliotsError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: TagliotsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT.usage;
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
/** Run logs: unreadable, malformed, or of a newer version than this tagliots knows. */
export class LogError extends TagliotsError {}
/** A run id, prefix or path that names no run, or more than one. */
export class RunNotFoundError extends TagliotsError {}

export function isTagliotsError(error: unknown): error is TagliotsError {
  return error instanceof TagliotsError;
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
