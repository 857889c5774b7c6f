import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMockModel } from '../mocks.ts';
import type { CallOptions, CompletionRequest, ModelCallRecord } from '../types.ts';
import { BatchCoordinator } from './batcher.ts';
import { BatchJournal } from './journal.ts';
import { createMockBatchApi, MOCK_BATCH_ENDPOINT, withMockBatch } from './mock.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setUp() {
  const dir = await mkdtemp(join(tmpdir(), 'tagliots-mock-batch-'));
  dirs.push(dir);
  const coordinator = new BatchCoordinator({ runKey: 'run1', journal: new BatchJournal(join(dir, 'run.batches.log')), sleep: nextTurn });
  // One case in flight, and nothing else can start: each call is submitted as soon as it is queued.
  coordinator.activity(1, true);
  const batches = createMockBatchApi();
  const wrap = (model: ReturnType<typeof createMockModel>) => withMockBatch(model, coordinator.profile(model.name, batches.api, { maxRequests: 100, maxWaitMs: 3_600_000, pollIntervalMs: 0 }, MOCK_BATCH_ENDPOINT, undefined, { ephemeral: true }), batches);
  return { coordinator, batches, wrap };
}

const request: CompletionRequest = { messages: [{ role: 'user', content: 'Where is order A1?' }], tools: [{ name: 'lookup_order', description: 'Looks an order up', parameters: { type: 'object' } }] };

/** The options a stage gives a call of case 0, recording its calls in `calls`. */
const caseOptions = (kase: Record<string, unknown>, calls: ModelCallRecord[]): CallOptions => ({ case: kase, caseIndex: 0, caseId: 'c0', stage: 'answer', recordCall: (call) => calls.push(call) });

describe('withMockBatch', () => {
  it("answers through a batch exactly what the mock answers online: text, tool calls, usage and finish reason", async () => {
    const { coordinator, batches, wrap } = await setUp();
    const script = { replies: [{ toolCalls: [{ id: 'call_7', name: 'lookup_order', arguments: { orderId: 'A1' } }] }, 'It has shipped.'] };
    const online = createMockModel('scripted', undefined);
    const batched = wrap(createMockModel('scripted', undefined));
    const kase = { ...script };
    const calls: ModelCallRecord[] = [];
    for (let n = 0; n < 2; n++) {
      const expected = await online.complete(request, caseOptions(script, []));
      expect(await batched.complete(request, caseOptions(kase, calls))).toEqual(expected);
    }
    expect(batches.api.batches.map((batch) => batch.customIds)).toEqual([['run1/c0/r0/t-/answer/c1'], ['run1/c0/r0/t-/answer/c2']]);
    expect(calls).toMatchObject([
      { profile: 'scripted', model: 'scripted', provider: 'mock', status: 'ok', costUsd: 0, finishReason: 'tool_calls', batch: { batchId: 'batch_1', customId: 'run1/c0/r0/t-/answer/c1', savedUsd: 0 } },
      { status: 'ok', finishReason: 'stop', batch: { batchId: 'batch_2' } },
    ]);
    await coordinator.close();
  });

  it("fails a call with the mock's own error, carried by an error line and never retried", async () => {
    const { coordinator, batches, wrap } = await setUp();
    const batched = wrap(createMockModel('scripted', undefined));
    const calls: ModelCallRecord[] = [];
    await expect(batched.complete(request, caseOptions({ replies: [{ error: 'the tool server is down' }] }, calls))).rejects.toThrow(/^the tool server is down$/);
    expect(batches.api.batches).toHaveLength(1);
    expect(calls).toMatchObject([{ status: 'error', error: 'the tool server is down', attempts: [{ attempt: 1, outcome: 'error', status: 400, batchId: 'batch_1' }] }]);
    await coordinator.close();
  });

  it('answers a call made outside a case online: it has no place in a batch', async () => {
    const { coordinator, batches, wrap } = await setUp();
    const parrot = wrap(createMockModel('parrot', undefined));
    expect(await parrot.complete({ messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({ text: 'hi' });
    expect(batches.api.batches).toHaveLength(0);
    await coordinator.close();
  });
});
