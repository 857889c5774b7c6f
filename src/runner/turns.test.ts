import { describe, expect, it } from 'vitest';
import { createSummaryBuilder } from '../analysis/summary.ts';
import { CaseRecordSchema, type CaseRecord } from '../log/schema.ts';
import { cancel } from '../pipeline/outcome.ts';
import type { PipelineSpec, StageContext, Stages } from '../pipeline/types.ts';
import { renderSummary } from '../report/summary-table.ts';
import { createTheme } from '../report/theme.ts';
import type { JsonObject } from '../util/json.ts';
import { runStages } from '../../test/helpers/case-env.ts';

type Ctx = StageContext<any, any, any>;

const conversation: JsonObject = { id: 'conv', turns: [{ say: 'a' }, { say: 'b' }, { say: 'c' }] };
const run = (stages: Stages<any, any, any>, spec: Partial<PipelineSpec<any, any, any>> = {}, c: JsonObject = conversation): Promise<CaseRecord> =>
  runStages(stages, { spec }, c);

describe('multi-turn cases', () => {
  it('runs the stages once per turn; each turn sees its fields and the earlier turns; passed() per turn and for the case', async () => {
    const seen: unknown[] = [];
    const record = await run(
      {
        echo: (ctx: Ctx) => {
          seen.push({ turn: ctx.turn, turnCase: ctx.turnCase, earlier: ctx.turns.map((t) => t.stages['echo']), whole: ctx.case === conversation || ctx.case.id });
          return `${ctx.turns.map((t) => String(t.stages['echo'])).join('')}${String(ctx.turnCase.say)}`;
        },
      },
      { passed: ({ stages, turn }) => (turn === 2 ? stages['echo'] === 'aabc' : true) },
    );
    expect(seen).toEqual([
      { turn: 0, turnCase: { say: 'a' }, earlier: [], whole: true },
      { turn: 1, turnCase: { say: 'b' }, earlier: ['a'], whole: true },
      { turn: 2, turnCase: { say: 'c' }, earlier: ['a', 'ab'], whole: true },
    ]);
    expect(record.status).toBe('complete');
    expect(record.passed).toBe(true);
    expect(record.stages).toEqual({});
    expect(record.turns!.map((t) => [t.index, t.status, t.passed, t.stages['echo']])).toEqual([
      [0, 'complete', true, 'a'],
      [1, 'complete', true, 'ab'],
      [2, 'complete', true, 'aabc'],
    ]);
    expect(CaseRecordSchema.safeParse(record).success).toBe(true);
  });

  it('a failing turn fails the case: status error naming the turn, later turns recorded as skipped', async () => {
    const record = await run(
      {
        step: (ctx: Ctx) => {
          if (ctx.turn === 1) throw new Error('boom in turn 1');
          return ctx.turn;
        },
      },
      { passed: () => true },
    );
    expect(record.status).toBe('error');
    expect(record.passed).toBeNull();
    expect(record.error).toMatchObject({ message: 'boom in turn 1', stage: 'step', context: ['turn 2'] });
    expect(record.turns!.map((t) => [t.status, t.passed, t.reason ?? null])).toEqual([
      ['complete', true, null],
      ['error', null, null],
      ['skipped', null, 'turn 2 failed'],
    ]);
  });

  it('a failed turn (passed false) does not stop the conversation but fails the case', async () => {
    const record = await run({ step: (ctx: Ctx) => ctx.turn }, { passed: ({ stages }) => stages['step'] !== 1 });
    expect(record.status).toBe('complete');
    expect(record.passed).toBe(false);
    expect(record.turns!.map((t) => t.passed)).toEqual([true, false, true]);
  });

  it('a stage cancel() in a turn cancels the case; later turns are skipped', async () => {
    const record = await run({ step: (ctx: Ctx) => (ctx.turn === 0 ? 0 : cancel('customer left')) });
    expect(record.status).toBe('cancelled');
    expect(record.cancel).toEqual({ reason: 'stage', stage: 'step', message: 'customer left' });
    expect(record.turns!.map((t) => t.status)).toEqual(['complete', 'cancelled', 'skipped']);
  });

  it('the summary shows a row per turn, skipped turns included, and the per-turn pass rate', async () => {
    const spec = { passed: ({ stages }: { stages: Record<string, unknown> }) => stages['step'] !== 'bad' };
    const good = await run({ step: (ctx: Ctx) => (ctx.turn === 2 ? 'bad' : 'ok') }, spec);
    const broken = await run({ step: (ctx: Ctx) => (ctx.turn === 0 ? 'ok' : Promise.reject(new Error('down'))) }, spec, { ...conversation, id: 'other' });
    const header = { runId: 'r', pipeline: { name: 'p', columns: [], hasPassed: true, hasScore: false }, suite: { count: 2 } } as never;
    const builder = createSummaryBuilder(header);
    builder.add(good);
    builder.add({ ...broken, index: 1 });
    const summary = builder.finish(null);
    expect(summary.rows.map((r) => `${r.caseId}${r.turn === undefined ? '' : `.${r.turn}`} ${r.status}`)).toEqual([
      'conv complete',
      'conv.0 complete',
      'conv.1 complete',
      'conv.2 complete',
      'other error',
      'other.0 complete',
      'other.1 error',
      'other.2 skipped',
    ]);
    const text = renderSummary(summary, createTheme(false, 100));
    expect(text).toMatch(/│ c\S*\.02 +│ COMPLETE/);
    expect(text).toContain('SKIPPED');
    expect(text).toContain('Turns: 6 in 2 multi-turn cases (4 complete, 1 error, 1 skipped)');
    expect(text).toContain('Turns passed: 3/6 (50.00%)');
    // People read turns from 1: the rows are id.01 to id.03, the rates #1 to #3.
    expect(text).toContain('│ con.01 │ COMPLETE');
    expect(text).toContain('Pass rate per turn: #1 2/2 (100.00%), #2 1/2 (50.00%), #3 0/2 (0.00%)');
  });

  it('a case without turns keeps the single-turn record shape', async () => {
    const record = await run({ a: (ctx: Ctx) => ({ turn: ctx.turn, same: ctx.turnCase === ctx.case }) }, {}, { id: 'single' });
    expect(record.turns).toBeUndefined();
    expect(record.stages).toEqual({ a: { turn: null, same: true } });
  });
});
