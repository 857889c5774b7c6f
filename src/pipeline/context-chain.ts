import { messageOf } from '../errors.ts';

/**
 * GoTaglio's ExceptionContext, without its global stack: the messages travel on the error itself
 * as it propagates, so concurrent cases never see each other's context.
 */
const CONTEXT = Symbol.for('tagliots.errorContext');

type WithContext = { [CONTEXT]?: string[] };

/**
 * Runs `fn`; if it throws, the error records `message` as what was being done, and is rethrown.
 * Nested calls build a chain, outermost first, shown as `Context: a > b` and stored in the run log.
 * @example
 * return withContext('Extracting numerical answer from LLM response.', () => parseNumber(ctx.stages.infer));
 */
export async function withContext<T>(message: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw addContext(error, message);
  }
}

/** Like withContext, for synchronous code. */
export function withContextSync<T>(message: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw addContext(error, message);
  }
}

function addContext(error: unknown, message: string): unknown {
  const target = (error instanceof Error ? error : Object.assign(new Error(messageOf(error)), { thrown: error })) as WithContext;
  const chain = target[CONTEXT] ?? [];
  if (!target[CONTEXT]) {
    Object.defineProperty(target, CONTEXT, { value: chain, enumerable: false, configurable: true });
  }
  chain.unshift(message);
  return target;
}

/** The context chain recorded on an error, outermost first. */
export function contextOf(error: unknown): string[] {
  return (typeof error === 'object' && error !== null && (error as WithContext)[CONTEXT]) || [];
}
