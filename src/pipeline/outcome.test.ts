import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../log/schema.ts';
import { CaseRecordSchema } from '../log/schema.ts';
import { createModelRegistry } from '../model/registry.ts';
import { startCase, type CaseEnvironment } from '../runner/case.ts';
import { createSummaryBuilder } from '../analysis/summary.ts';
import { buildStageGraph } from './dag.ts';
import { cancel, fail, isOutcome, ok, skip } from './outcome.ts';
import type { PipelineSpec, StageContext, Stages } from './types.ts';
import type { JsonObject } from '../util/json.ts';

type Ctx = StageContext<any, any, any>;

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function environment(stages: Stages<any, any, any>, spec: Partial<PipelineSpec<any, any, any>> = {}, artifactsDir?: string): CaseEnvironment {
  return {
    runId: 'run-1',
    spec: { name: 'p', description: 'test', stages: () => stages, ...spec } as PipelineSpec,
    graph: buildStageGraph(stages, 'p'),
    config: {},
    models: createModelRegistry({ expected: () => 'x' }),
    ...(artifactsDir && { artifactsDir }),
  };
}

const run = (stages: Stages<any, any, any>, spec: Partial<PipelineSpec<any, any, any>> = {}, c: JsonObject = { id: 'c1' }, artifactsDir?: string): Promise<CaseRecord> =>
  startCase(environment(stages, spec, artifactsDir), { index: 0, id: String(c['id']), case: c }).done;

describe('outcome constructors', () => {
  it('brands outcomes so plain outputs with a status field are never taken for one', () => {
    expect(isOutcome(ok(1))).toBe(true);
    expect(isOutcome({ status: 'ok', value: 1 })).toBe(false);
    expect(isOutcome(skip('n/a'))).toBe(true);
    expect(fail('bad', { data: { x: 1 }, retryable: true })).toMatchObject({ status: 'fail', message: 'bad', data: { x: 1 }, retryable: true });
    expect(Object.isFrozen(cancel('stop'))).toBe(true);
  });
});

describe('the runner and outcomes', () => {
  it('ok(value) is the output; a plain { status } object is stored as it is', async () => {
    const record = await run({ a: () => ok({ n: 1 }), b: () => ({ status: 'skip', reason: 'not an outcome' }) });
    expect(record.status).toBe('complete');
    expect(record.stages).toEqual({ a: { n: 1 }, b: { status: 'skip', reason: 'not an outcome' } });
  });

  it('skip: the stage and its dependents are skipped, the case completes and passed() sees the missing output', async () => {
    const seen: unknown[] = [];
    const record = await run(
      [
        { name: 'guard', stage: () => skip('no tools in this case') },
        { name: 'tools', stage: () => 'used', inputs: ['guard'] },
        { name: 'after', stage: () => 'ran', inputs: ['tools'] },
        { name: 'other', stage: () => 'independent' },
      ],
      {
        passed: ({ stages }) => {
          seen.push(stages);
          return stages['other'] === 'independent';
        },
      },
    );
    expect(record.status).toBe('complete');
    expect(record.passed).toBe(true);
    expect(seen).toEqual([{ other: 'independent' }]);
    expect(record.stageRecords['guard']).toMatchObject({ status: 'skipped', reason: 'no tools in this case' });
    expect(record.stageRecords['guard']!.startMs).toBeTypeOf('number');
    expect(record.stageRecords['tools']).toEqual({ status: 'skipped', reason: "input 'guard' was skipped" });
    expect(record.stageRecords['after']).toEqual({ status: 'skipped', reason: "input 'tools' was skipped" });
    expect(record.error).toBeNull();
  });

  it('cancel: the case is cancelled by the stage (not an error), dependents skipped, running siblings aborted', async () => {
    const record = await run([
      { name: 'guard', stage: async () => cancel('refused: unsafe request') },
      { name: 'next', stage: () => 1, inputs: ['guard'] },
      {
        name: 'slow',
        stage: (ctx: Ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
          }),
      },
    ]);
    expect(record.status).toBe('cancelled');
    expect(record.error).toBeNull();
    expect(record.passed).toBeNull();
    expect(record.cancel).toEqual({ reason: 'stage', stage: 'guard', message: 'refused: unsafe request' });
    expect(record.stageRecords['guard']).toMatchObject({ status: 'cancelled', reason: 'refused: unsafe request' });
    expect(record.stageRecords['next']).toEqual({ status: 'skipped', reason: "input 'guard' did not complete" });
    expect(record.stageRecords['slow']).toMatchObject({ status: 'cancelled', reason: "aborted because stage 'guard' cancelled the case" });
  });

  it('fail: the stage errors like a throw, with its data and retry hint', async () => {
    const record = await run({ a: () => fail('no answer found', { data: { tried: 3 }, retryable: false }), b: () => 1 });
    expect(record.status).toBe('error');
    expect(record.error).toEqual({ name: 'StageFailure', message: 'no answer found', stage: 'a', context: [], data: { tried: 3 }, retryable: false });
    expect(record.stageRecords['b']).toEqual({ status: 'skipped', reason: "input 'a' failed" });
    expect(CaseRecordSchema.safeParse(record).success).toBe(true);
  });

  it('the summary counts skipped stages and stage cancellations', async () => {
    const header = { runId: 'r', pipeline: { name: 'p', columns: [], hasPassed: false, hasScore: false }, suite: { count: 2 } } as never;
    const builder = createSummaryBuilder(header);
    builder.add(await run({ a: () => skip('n/a'), b: () => 1 }));
    builder.add(await run({ a: () => cancel('stop') }));
    const summary = builder.finish(null);
    expect(summary.skippedStages).toBe(2);
    expect(summary.stageCancelled).toBe(1);
  });
});

describe('ctx.emit and ctx.artifact', () => {
  it('records events with time and stage, and rejects data that is not JSON', async () => {
    const record = await run({
      a: (ctx: Ctx) => {
        ctx.emit('retrieval.done', { hits: 3 });
        expect(() => ctx.emit('bad', new Map() as never)).toThrow(/not JSON/);
        return 1;
      },
    });
    expect(record.events).toHaveLength(1);
    expect(record.events![0]).toMatchObject({ stage: 'a', type: 'retrieval.done', data: { hits: 3 } });
    expect(record.events![0]!.t).toBeGreaterThanOrEqual(0);
  });

  it('stores artifacts content-addressed beside the log, deduplicated, and lists them in the record', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tagliots-artifacts-'));
    dirs.push(root);
    const dir = join(root, 'run-1.artifacts');
    const record = await run(
      {
        a: async (ctx: Ctx) => {
          const ref = await ctx.artifact('prompt.txt', 'a long prompt');
          await ctx.artifact('prompt.txt', 'a long prompt');
          await ctx.artifact('data.json', { x: [1, 2] });
          await expect(ctx.artifact('../escape', 'x')).rejects.toThrow(/name must be/);
          return ref.path;
        },
      },
      {},
      { id: 'c1' },
      dir,
    );
    expect(record.status).toBe('complete');
    expect(record.artifacts).toHaveLength(3);
    const [first, second, third] = record.artifacts!;
    expect(first).toMatchObject({ stage: 'a', name: 'prompt.txt', bytes: 13, mime: 'text/plain; charset=utf-8' });
    expect(first!.path).toBe(`run-1.artifacts/${first!.sha256.slice(0, 16)}/prompt.txt`);
    expect(second!.path).toBe(first!.path);
    expect(third!.mime).toBe('application/json');
    expect(await readFile(join(root, first!.path), 'utf8')).toBe('a long prompt');
    expect((await readdir(dir)).length).toBe(2);
  });

  it('fails the stage with a clear message when the run has no artifacts folder', async () => {
    const record = await run({ a: (ctx: Ctx) => ctx.artifact('x.txt', 'x') });
    expect(record.error?.message).toMatch(/no artifacts folder/);
  });
});
