/**
 * Per-stage `retry`, `timeout_ms` and `when` of a YAML stage, mapped onto the stage wrappers of
 * src/pipeline/stage.ts.
 */
import { deepEqual } from '../../util/json.ts';
import { stage } from '../stage.ts';
import type { StageContext } from '../types.ts';
import { pathRoot, readPath } from './paths.ts';

type AnyContext = StageContext<any, any, any>;
type StageFn = (ctx: AnyContext) => unknown;

export interface StageOptions {
  readonly retry?: number | { readonly attempts: number; readonly delay_ms?: number | undefined } | undefined;
  readonly timeout_ms?: number | undefined;
  readonly when?: { readonly path: string; readonly equals?: unknown } | undefined;
}

/** Whether a `when` condition holds: `equals` compares deeply, else the value must be truthy. */
export function whenHolds(when: NonNullable<StageOptions['when']>, ctx: { case: unknown; stages: unknown; config: unknown }): boolean {
  const value = readPath(pathRoot(ctx), when.path);
  return when.equals !== undefined ? deepEqual(value, when.equals) : Boolean(value) && !(Array.isArray(value) && value.length === 0);
}

/**
 * Wraps a stage with the options of its YAML definition, through the stage wrappers:
 * `stage(fn).withTimeout(ms).withRetry({ attempts, backoff }).when(...)` (each attempt is timed).
 */
export function applyStageOptions(fn: StageFn, options: StageOptions, name: string): StageFn {
  if (options.timeout_ms === undefined && options.retry === undefined && options.when === undefined) return fn;
  let wrapped = stage(fn, { name });
  if (options.timeout_ms !== undefined) wrapped = wrapped.withTimeout(options.timeout_ms);
  if (options.retry !== undefined) {
    const attempts = typeof options.retry === 'number' ? options.retry : options.retry.attempts;
    const delay = typeof options.retry === 'number' ? 0 : (options.retry.delay_ms ?? 0);
    if (attempts > 1) wrapped = wrapped.withRetry({ attempts, ...(delay > 0 && { backoff: { kind: 'exponential', baseMs: delay } }) });
  }
  const when = options.when;
  if (when !== undefined) {
    const reason = `when: ${when.path}${when.equals !== undefined ? ` is not ${JSON.stringify(when.equals)}` : ' is not set'}`;
    wrapped = wrapped.when((ctx) => whenHolds(when, ctx), { otherwise: { skip: reason } });
  }
  return wrapped;
}
