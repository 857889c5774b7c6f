/** Failures as run-log data: the ErrorInfo of a thrown value or of a stage's fail(), and how GoTaglio printed one. */
import { contextOf } from '../pipeline/context-chain.ts';
import { isOutcome, type FailOutcome } from '../pipeline/outcome.ts';
import type { ErrorInfo } from '../log/schema.ts';

/** Turns anything thrown into the ErrorInfo stored in the run log. */
export function toErrorInfo(error: unknown, stage: string | null, extraContext: readonly string[] = []): ErrorInfo {
  const info: ErrorInfo = {
    name: 'Error',
    message: '',
    stage,
    context: [...extraContext, ...contextOf(error)],
  };
  if (error instanceof Error) {
    info.name = error.name;
    info.message = error.message;
    if (error.stack) info.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
  } else {
    info.name = typeof error;
    info.message = typeof error === 'string' ? error : safeStringify(error);
  }
  return info;
}

/** The ErrorInfo of what a stage ended with: a thrown value, or a fail() outcome with its data and retry hint. */
export function stageErrorInfo(value: unknown, stage: string): ErrorInfo {
  if (!isOutcome(value) || value.status !== 'fail') return toErrorInfo(value, stage);
  const failure = value as FailOutcome;
  const info: ErrorInfo =
    failure.cause !== undefined ? toErrorInfo(failure.cause, stage) : { name: failure.timeout ? 'TimeoutError' : 'StageFailure', message: failure.message, stage, context: [] };
  if (failure.data !== undefined) info.data = failure.data;
  if (failure.retryable !== undefined) info.retryable = failure.retryable;
  return info;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `Context: a > b` + `Error: message`, as GoTaglio prints it. */
export function describeError(info: ErrorInfo): string {
  const where = info.stage ? ` in stage '${info.stage}'` : '';
  const context = info.context.length > 0 ? `Context: ${info.context.join(' > ')}\n` : '';
  return `${context}${info.name}${where}: ${info.message}`;
}
