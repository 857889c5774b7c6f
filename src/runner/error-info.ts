import { contextOf } from '../pipeline/context-chain.ts';
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
