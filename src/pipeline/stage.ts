/**
 * Stage wrappers: `stage(fn, meta?)` turns a stage function into an immutable `Stage` that is still
 * a stage function (it fits stage maps and DAG nodes) and composes: `.withRetry`, `.withTimeout`,
 * `.withFallback`, `.when`, `.cached`, `.map`, `.validate`; plus `parallel` and `loop`. Every method
 * returns a new Stage wrapping the old one, so the order of calls is the order of composition:
 * `s.withTimeout(1000).withRetry({ attempts: 3 })` times each attempt, while
 * `s.withRetry({ attempts: 3 }).withTimeout(1000)` times the whole stage.
 *
 * A Stage never throws: it resolves to an outcome (ok/skip/cancel/fail). Retries, timeouts,
 * fallbacks, skipped branches and cache hits are recorded as events in the case record.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { stableStringify, type Json } from '../util/json.ts';
import { cancel, fail, failFromError, isOutcome, ok, recorderOf, skip, toOutcome, type FailOutcome, type Outcome } from './outcome.ts';
import type { StageContext } from './types.ts';
import { assertZod4Schema } from './zod-schema.ts';
import { deadline, retrying } from '../util/attempts.ts';
import { holding, Limiter } from '../util/limiter.ts';

export { Limiter } from '../util/limiter.ts';

type AnyCtx = StageContext<any, any, any>;

/** What `retryOn`, `withFallback({ on })` and back-off functions see of a failure. */
export interface StageError {
  readonly message: string;
  readonly data?: Json;
  readonly retryable?: boolean;
  /** The thrown value, when the stage threw rather than returning fail(). */
  readonly error?: unknown;
  /** True when the failure is a `.withTimeout` expiry. */
  readonly timeout: boolean;
}

export interface StageMeta {
  readonly name?: string;
  readonly description?: string;
  /** Most instances of this stage in flight across all cases of the run; waits are recorded as `queuedMs`. */
  readonly concurrency?: number;
}

export type Backoff =
  | number
  | { readonly kind: 'constant' | 'linear' | 'exponential'; readonly baseMs: number; readonly maxMs?: number }
  | ((attempt: number, error: StageError) => number);

export interface RetryOptions {
  /** Total attempts, the first included (≥ 1). */
  readonly attempts: number;
  /** Milliseconds to wait before attempt n+1 (n = attempts made so far). @default 0 */
  readonly backoff?: Backoff;
  /**
   * Whether a failure is retried. Default: thrown errors and timeouts unless their `retryable` is
   * false; `fail()` outcomes only with `retryable: true`. skip and cancel are never retried.
   */
  readonly retryOn?: (error: StageError) => boolean;
}

export type StageFnLike<Ctx, Out> = (ctx: Ctx) => Out | Outcome<Out> | Promise<Out | Outcome<Out>> | PromiseLike<Out | Outcome<Out>>;

/** An immutable, composable stage. Call it like a stage function: it resolves to an outcome. */
export interface Stage<Out = unknown, Ctx extends AnyCtx = AnyCtx> {
  (ctx: Ctx): Promise<Outcome<Out>>;
  readonly meta: StageMeta;
  withRetry(options: RetryOptions): Stage<Out, Ctx>;
  /** Aborts the inner stage (through a derived `ctx.signal`) after `ms`: `fail('timeout', { retryable: true })`. */
  withTimeout(ms: number): Stage<Out, Ctx>;
  /** Runs `fallback` when this stage fails (and `on(error)` allows it). */
  withFallback<F>(fallback: StageFnLike<Ctx, F>, options?: { on?: (error: StageError) => boolean }): Stage<Out | F, Ctx>;
  /** Runs only when `condition` holds; otherwise runs `otherwise` or skips (default reason: `condition not met`). */
  when(condition: boolean | ((ctx: Ctx) => boolean | Promise<boolean>), options?: { otherwise?: StageFnLike<Ctx, Out> | { skip: string } }): Stage<Out, Ctx>;
  /** Memoises ok outputs for the run, keyed by a hash of the case (and turn), the stage's inputs and the config. */
  cached(): Stage<Out, Ctx>;
  map<U>(fn: (value: Out, ctx: Ctx) => U | Promise<U>): Stage<U, Ctx>;
  /** Fails (not retryable) when the output does not match the schema; the parsed value is the output. */
  validate<U>(schema: z.ZodType<U>): Stage<U, Ctx>;
}

const STAGE = Symbol.for('tagliots.stage');

export function isStage(value: unknown): value is Stage {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[STAGE] === true;
}

/** Calls a stage function or Stage and returns its outcome; never throws. */
export async function runStage<Ctx, Out>(fn: StageFnLike<Ctx, Out>, ctx: Ctx): Promise<Outcome<Out>> {
  try {
    return toOutcome(await fn(ctx)) as Outcome<Out>;
  } catch (error) {
    return failFromError(error);
  }
}

function errorOf(outcome: FailOutcome): StageError {
  return {
    message: outcome.message,
    ...(outcome.data !== undefined && { data: outcome.data }),
    ...(outcome.retryable !== undefined && { retryable: outcome.retryable }),
    ...(outcome.cause !== undefined && { error: outcome.cause }),
    timeout: outcome.timeout === true,
  };
}

const defaultRetryOn = (error: StageError): boolean =>
  error.timeout || error.error !== undefined ? error.retryable !== false : error.retryable === true;

function backoffMs(backoff: Backoff | undefined, attempt: number, error: StageError): number {
  if (backoff === undefined) return 0;
  if (typeof backoff === 'number') return backoff;
  if (typeof backoff === 'function') return backoff(attempt, error);
  const raw = backoff.kind === 'constant' ? backoff.baseMs : backoff.kind === 'linear' ? backoff.baseMs * attempt : backoff.baseMs * 2 ** (attempt - 1);
  return Math.min(raw, backoff.maxMs ?? Number.POSITIVE_INFINITY);
}


/**
 * A context that is `ctx` except for `overrides`; methods stay bound to the original, so usage,
 * events and model calls recorded through the derived context land in the same stage record.
 */
export function deriveContext<Ctx extends object>(ctx: Ctx, overrides: Record<PropertyKey, unknown>): Ctx {
  return new Proxy(ctx, {
    get(target, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key];
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    has(target, key) {
      return Object.hasOwn(overrides, key) || Reflect.has(target, key);
    },
  });
}

function emit(ctx: unknown, type: string, data?: Json): void {
  recorderOf(ctx)?.event(type, data);
}

function build<Out, Ctx extends AnyCtx>(run: (ctx: Ctx) => Promise<Outcome<Out>>, meta: StageMeta): Stage<Out, Ctx> {
  const fn = ((ctx: Ctx) => run(ctx)) as Stage<Out, Ctx>;
  const methods: Omit<Stage<Out, Ctx>, 'meta' | never> & ThisType<void> = {
    withRetry(options) {
      const attempts = Math.max(1, Math.floor(options.attempts));
      const retryOn = options.retryOn ?? defaultRetryOn;
      return build<Out, Ctx>(async (ctx) => {
        const nextDelay = (outcome: Outcome<Out>, attempt: number): number | undefined => {
          if (outcome.status !== 'fail' || attempt >= attempts || ctx.signal?.aborted) return undefined;
          const error = errorOf(outcome);
          if (!retryOn(error)) return undefined;
          const delayMs = Math.max(0, backoffMs(options.backoff, attempt, error));
          emit(ctx, 'stage.retry', { attempt, nextAttempt: attempt + 1, error: error.message, timeout: error.timeout, delayMs });
          return delayMs;
        };
        try {
          return await retrying(() => run(ctx), nextDelay, ctx.signal);
        } catch (reason) {
          return failFromError(reason);
        }
      }, meta);
    },
    withTimeout(ms) {
      return build<Out, Ctx>((ctx) => {
        const limit = deadline(ms, ctx.signal, () => {
          const error = new Error(`stage timed out after ${ms} ms`);
          error.name = 'TimeoutError';
          return error;
        });
        const inner = run(deriveContext(ctx, { signal: limit.signal }));
        const expired = limit.whenExpired.then(() => {
          emit(ctx, 'stage.timeout', { ms });
          return Object.freeze({ ...fail('timeout', { retryable: true, data: { ms } }), timeout: true }) as FailOutcome;
        });
        return Promise.race([inner, expired]).finally(() => limit.dispose());
      }, meta);
    },
    withFallback<F>(fallback: StageFnLike<Ctx, F>, options: { on?: (error: StageError) => boolean } = {}) {
      return build<Out | F, Ctx>(async (ctx) => {
        const outcome = await run(ctx);
        if (outcome.status !== 'fail' || ctx.signal?.aborted) return outcome;
        const error = errorOf(outcome);
        if (options.on && !options.on(error)) return outcome;
        emit(ctx, 'stage.fallback', { error: error.message, timeout: error.timeout });
        return runStage<Ctx, Out | F>(fallback, ctx);
      }, meta);
    },
    when(condition, options = {}) {
      return build<Out, Ctx>(async (ctx) => {
        let holds: boolean;
        try {
          holds = typeof condition === 'function' ? await condition(ctx) : condition;
        } catch (error) {
          return failFromError(error);
        }
        if (holds) return run(ctx);
        const otherwise = options.otherwise;
        if (typeof otherwise === 'function') {
          emit(ctx, 'stage.when.otherwise', {});
          return runStage(otherwise, ctx);
        }
        const reason = otherwise?.skip ?? 'condition not met';
        emit(ctx, 'stage.when.skip', { reason });
        return skip(reason);
      }, meta);
    },
    cached() {
      let runId: string | undefined;
      let memo = new Map<string, Promise<Outcome<Out>>>();
      return build<Out, Ctx>(async (ctx) => {
        if (ctx.runId !== runId) {
          runId = ctx.runId;
          memo = new Map();
        }
        const inputs = recorderOf(ctx)?.inputs ?? Object.keys(ctx.stages ?? {});
        const stages: Record<string, unknown> = {};
        for (const name of inputs) stages[name] = (ctx.stages as Record<string, unknown>)[name];
        const key = createHash('sha256')
          .update(stableStringify({ stage: ctx.stage, case: ctx.case, turn: ctx.turn ?? null, turns: (ctx.turns ?? []).map((t) => t.stages), stages, config: ctx.config }))
          .digest('hex');
        const hit = memo.get(key);
        if (hit) {
          const outcome = await hit;
          if (outcome.status === 'ok') {
            emit(ctx, 'cache.hit', { key: key.slice(0, 16) });
            return outcome;
          }
        }
        const pending = run(ctx);
        memo.set(key, pending);
        const outcome = await pending;
        if (outcome.status !== 'ok' && memo.get(key) === pending) memo.delete(key);
        return outcome;
      }, meta);
    },
    map<U>(mapper: (value: Out, ctx: Ctx) => U | Promise<U>) {
      return build<U, Ctx>(async (ctx) => {
        const outcome = await run(ctx);
        if (outcome.status !== 'ok') return outcome;
        try {
          return toOutcome(await mapper(outcome.value, ctx)) as Outcome<U>;
        } catch (error) {
          return failFromError(error);
        }
      }, meta);
    },
    validate<U>(schema: z.ZodType<U>) {
      assertZod4Schema(schema, `stage${meta.name === undefined ? '' : ` '${meta.name}'`}: .validate()`);
      return build<U, Ctx>(async (ctx) => {
        const outcome = await run(ctx);
        if (outcome.status !== 'ok') return outcome;
        const parsed = schema.safeParse(outcome.value);
        if (parsed.success) return ok(parsed.data);
        const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
        return fail(`output does not match the schema: ${issues.join('; ')}`, { retryable: false, data: { issues } });
      }, meta);
    },
  };
  Object.defineProperties(fn, {
    [STAGE]: { value: true },
    meta: { value: Object.freeze({ ...meta }), enumerable: true },
    ...Object.fromEntries(Object.entries(methods).map(([key, value]) => [key, { value, enumerable: false }])),
  });
  return Object.freeze(fn);
}

/**
 * Wraps a stage function (or a Stage) as an immutable, composable Stage. With
 * `meta.concurrency`, at most that many instances run at once across all cases of the run (the
 * wait is recorded as the stage record's `queuedMs`).
 */
export function stage<Out = unknown, Ctx extends AnyCtx = AnyCtx>(fn: StageFnLike<Ctx, Out>, meta: StageMeta = {}): Stage<Out, Ctx> {
  if (typeof fn !== 'function') throw new TypeError(`stage() needs a function (got ${fn === null ? 'null' : typeof fn})`);
  const limit = meta.concurrency;
  if (limit === undefined) return build<Out, Ctx>((ctx) => runStage(fn, ctx), meta);
  const limiter = new Limiter(limit);
  return build<Out, Ctx>(async (ctx) => {
    try {
      return await holding(limiter, () => runStage(fn, ctx), ctx.signal, (ms) => recorderOf(ctx)?.queued(ms));
    } catch (reason) {
      // Only the wait for a slot rejects: runStage never throws.
      return failFromError(reason);
    }
  }, meta);
}

type PartsOut<P> = { [K in keyof P]: P[K] extends StageFnLike<any, infer O> ? O : unknown };

/**
 * Runs several stages inside one stage, at most `concurrency` at a time (default all), and returns
 * `{ key: output }`. A part that skips is left out (event `parallel.skip`); the first part that
 * fails fails the whole; a part that cancels cancels it.
 */
export function parallel<P extends Record<string, StageFnLike<any, unknown>>, Ctx extends AnyCtx = AnyCtx>(
  parts: P,
  options: { concurrency?: number } = {},
): Stage<PartsOut<P>, Ctx> {
  const keys = Object.keys(parts);
  return stage<PartsOut<P>, Ctx>(async (ctx) => {
    const limiter = new Limiter(Math.max(1, options.concurrency ?? Math.max(1, keys.length)));
    const outcomes = await Promise.all(
      keys.map(async (key) => {
        return holding(limiter, () => runStage(parts[key]!, ctx));
      }),
    );
    const result: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.status === 'fail') return Object.freeze({ ...outcome, message: `part '${keys[i]}': ${outcome.message}` }) as FailOutcome;
      if (outcome.status === 'cancel') return cancel(`part '${keys[i]}': ${outcome.reason}`);
      if (outcome.status === 'skip') emit(ctx, 'parallel.skip', { part: keys[i]!, reason: outcome.reason });
      else result[keys[i]!] = outcome.value;
    }
    return result as PartsOut<P>;
  });
}

/**
 * Runs `body` up to `max` times, until `until(output, iteration, ctx)` holds. Each iteration sees
 * `ctx.loop = { iteration, previous }`. Returns `{ final, iterations, done }` (`done`: whether
 * `until` held). A failing, skipping or cancelling iteration ends the loop with that outcome.
 */
export function loop<Out, Ctx extends AnyCtx = AnyCtx>(
  body: StageFnLike<Ctx, Out>,
  options: { max: number; until: (output: Out, iteration: number, ctx: Ctx) => boolean | Promise<boolean> },
): Stage<{ final: Out; iterations: Out[]; done: boolean }, Ctx> {
  const max = Math.floor(options.max);
  if (!(max >= 1)) throw new TypeError(`loop() needs max ≥ 1 (got ${String(options.max)})`);
  return stage(async (ctx: Ctx) => {
    const iterations: Out[] = [];
    for (let iteration = 0; iteration < max; iteration++) {
      const outcome = await runStage(body, deriveContext(ctx, { loop: Object.freeze({ iteration, previous: [...iterations] }) }));
      if (outcome.status !== 'ok') return outcome;
      iterations.push(outcome.value);
      const done = await options.until(outcome.value, iteration, ctx);
      emit(ctx, 'loop.iteration', { iteration, done });
      if (done) return { final: outcome.value, iterations, done: true };
    }
    return { final: iterations[iterations.length - 1]!, iterations, done: false };
  });
}

export { isOutcome };
