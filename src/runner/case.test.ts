import { describe, expect, it } from 'vitest';
import type { StageContext } from '../pipeline/types.ts';
import type { JsonObject } from '../util/json.ts';
import { sleep } from '../util/sleep.ts';
import { runStages, stageStatuses } from '../../test/helpers/case-env.ts';

type Ctx = StageContext<any, any, any>;

const theCase: JsonObject = { id: 'case-1', answer: 42 };

describe('startCase: linear pipelines', () => {
  it('stores each output under its stage name and hands earlier outputs to later stages', async () => {
    const record = await runStages(
      {
        prepare: (ctx: Ctx) => [{ role: 'user', content: `${ctx.case.answer}?` }],
        infer: async (ctx: Ctx) => {
          await sleep(1);
          return `${ctx.stages.prepare[0].content} 42`;
        },
        extract: (ctx: Ctx) => Number(ctx.stages.infer.split(' ')[1]),
        assess: (ctx: Ctx) => ctx.stages.extract - ctx.case.answer,
      },
      {},
      theCase,
      3,
    );
    expect(record).toMatchObject({
      type: 'case',
      caseId: 'case-1',
      index: 3,
      status: 'complete',
      passed: null,
      score: null,
      case: theCase,
      error: null,
    });
    expect(record.stages).toEqual({ prepare: [{ role: 'user', content: '42?' }], infer: '42? 42', extract: 42, assess: 0 });
    expect(Object.keys(record.stageRecords)).toEqual(['prepare', 'infer', 'extract', 'assess']);
    expect(stageStatuses(record)).toEqual({ prepare: 'ok', infer: 'ok', extract: 'ok', assess: 'ok' });
    expect(record.usage).toBeUndefined();
    expect(record.columns).toBeUndefined();
  });

  it('runs the stages of a chain strictly one after another', async () => {
    const events: string[] = [];
    const stage = (name: string) => async () => {
      events.push(`${name}+`);
      await sleep(2);
      events.push(`${name}-`);
      return name;
    };
    await runStages({ a: stage('a'), b: stage('b'), c: stage('c') });
    expect(events).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('records an undefined output as null, from sync and async stages alike', async () => {
    const record = await runStages({
      nothing: () => undefined,
      later: async () => undefined,
      after: (ctx: Ctx) => ({ before: ctx.stages.later }),
    });
    expect(record.status).toBe('complete');
    expect(record.stages).toEqual({ nothing: null, later: null, after: { before: null } });
  });
});
