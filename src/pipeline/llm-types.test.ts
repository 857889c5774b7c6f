/**
 * Types flow into llm() callbacks from the pipeline they are used in: ctx carries the pipeline's
 * case, stages and config. The `@ts-expect-error` lines are checked by `tsc --noEmit` (npm run
 * typecheck): a misspelt field there must stay a compile error.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { prompt } from '../config/markers.ts';
import { definePipeline } from './define.ts';
import { judge, type Judgement } from './judge.ts';
import { llm } from './llm.ts';
import type { StageContext } from './types.ts';

interface QaCase {
  readonly id: string;
  readonly question: string;
}
interface QaStages {
  readonly answer: string;
  readonly parsed: { readonly value: number };
  readonly grade: Judgement;
}
const config = { model: prompt('Model'), params: { temperature: 0 } };

const pipeline = definePipeline<QaCase, QaStages, typeof config>({
  name: 'qa',
  description: 'typed callbacks',
  config,
  stages: async ({ config, models }) => ({
    answer: await llm({
      model: models.get(config.model),
      messages: (ctx) => {
        expectTypeOf(ctx.case).toEqualTypeOf<QaCase>();
        expectTypeOf(ctx.stages.parsed).toEqualTypeOf<{ readonly value: number } | undefined>();
        return [{ role: 'user', content: ctx.case.question }];
      },
      // @ts-expect-error: 'parms' is not a config field (the params would silently not be sent).
      params: (ctx) => ctx.config.parms,
    }),
    parsed: await llm({
      model: (ctx) => ctx.config.model,
      // @ts-expect-error: 'questoin' is not a field of the case.
      vars: (ctx) => ({ q: ctx.case.questoin }),
      messages: [{ role: 'user', template: '{{ q }}' }],
      output: z.object({ value: z.number() }),
    }),
    grade: await judge({
      model: models.get(config.model),
      rubric: 'Grade {{ stages.answer }}',
      params: (ctx) => ctx.config.params,
    }),
  }),
});

describe('llm() types', () => {
  it('infer the stage context from the pipeline', () => {
    expectTypeOf(pipeline.name).toBeString();
    // Used outside a pipeline, callbacks get the context of any stage.
    type Built = Awaited<ReturnType<typeof llm<string>>>;
    expectTypeOf<Parameters<Built>[0]>().toEqualTypeOf<StageContext<any, any, any>>();
  });
});
