/**
 * `judge()`: an LLM grades a stage's work against a rubric and answers a score from 0 to 1 with
 * its reason. It is an `llm()` stage with a fixed output schema, so the call is logged like any
 * model call (the rendered rubric, the parse attempts, tokens and cost), cached and retried the
 * same way, and the `perfect` mock can play it (see PERFECT_JUDGEMENT).
 */
import { z } from 'zod';
import { PipelineError } from '../errors.ts';
import { llm, type LlmMessage, type LlmOptions, type LlmStage } from './llm.ts';
import type { StageContext } from './types.ts';

type AnyContext = StageContext<any, any, any>;

/** What a judge's model must answer: a score from 0 (fails the rubric) to 1 (meets it fully) and why. */
export const JudgeOutput = z.object({ score: z.number().min(0).max(1), reason: z.string() });

/** What the `perfect` mock answers for a judge: full marks. Return it from `expected()` for a judge stage. */
export const PERFECT_JUDGEMENT = { score: 1, reason: 'perfect mock: full marks' } as const;

/** A judge's verdict: the model's score and reason, and `passed` when a threshold was given. */
export interface Judgement {
  /** From 0 to 1. */
  readonly score: number;
  readonly reason: string;
  /** `score >= threshold`; only with `threshold`. */
  readonly passed?: boolean;
}

export interface JudgeOptions<TContext extends AnyContext = AnyContext> {
  /** The judge model: a `Model` from `setup.models.get(name)`, a name, or a function of the context. */
  readonly model: LlmOptions<Judgement, TContext>['model'];
  /**
   * The rubric, sent as the user message: an inline nunjucks template (it sees `case`, `stages`,
   * `config`, `turn`, `turnCase`, `turns` and `vars`), or `{ file }`, a template file relative to `baseDir`. Say what earns a
   * high score; the reply format (JSON with `score` and `reason`) is asked for by `judge()`.
   */
  readonly rubric: string | { readonly file: string };
  /** An optional system message template. */
  readonly system?: string;
  /** What a rubric `file` is relative to: the pipeline's `import.meta.url`, or a folder. */
  readonly baseDir?: string | URL;
  /** Template variables besides `case`, `stages`, `config`, `turn`, `turnCase` and `turns`. */
  readonly vars?: LlmOptions<Judgement, TContext>['vars'];
  /** Generation parameters for the judge (e.g. `{ temperature: 0 }`). */
  readonly params?: LlmOptions<Judgement, TContext>['params'];
  /** How many times a reply that is not a valid judgement is sent back. @default 2 */
  readonly parseRetries?: number;
  /** A score of at least this passes: the judgement then has `passed`. */
  readonly threshold?: number;
}

/**
 * Builds a judge stage. Await it in `stages()`; its output is a {@link Judgement}.
 * @example
 * grade: await judge({
 *   model: models.get(config.judge),
 *   rubric: 'Question: {{ case.question }}\nAnswer: {{ stages.answer }}\nScore 1 if the answer is correct and concise, 0 if wrong.',
 *   threshold: 0.7,
 * }),
 */
export async function judge<TContext extends AnyContext = AnyContext>(options: JudgeOptions<TContext>): Promise<LlmStage<Judgement, TContext>> {
  const { threshold } = options;
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) {
    throw new PipelineError('E_LLM_OPTIONS', `judge(): threshold must be a number from 0 to 1 (got ${String(threshold)}).`);
  }
  const messages: LlmMessage[] = [
    ...(options.system !== undefined ? [{ role: 'system', template: options.system } as const] : []),
    typeof options.rubric === 'string' ? { role: 'user', template: options.rubric } : { role: 'user', file: options.rubric.file },
  ];
  const call = await llm<Judgement, TContext>({
    model: options.model,
    messages,
    output: JudgeOutput,
    ...(options.baseDir !== undefined && { baseDir: options.baseDir }),
    ...(options.vars !== undefined && { vars: options.vars }),
    ...(options.params !== undefined && { params: options.params }),
    ...(options.parseRetries !== undefined && { parseRetries: options.parseRetries }),
  });
  return async (ctx) => {
    const { score, reason } = await call(ctx);
    return { score, reason, ...(threshold !== undefined && { passed: score >= threshold }) };
  };
}
