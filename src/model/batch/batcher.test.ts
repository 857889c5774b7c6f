import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchCoordinator, bodyDigest, customId, readLines, type BatchOutcome } from './batcher.ts';
import { BatchJournal, readJournals } from './journal.ts';
import { createMemoryBatchApi, type MemoryBatchApi } from './memory.ts';
import type { BatchSettings } from './settings.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
async function journalFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tagliots-batch-'));
  dirs.push(dir);
  return join(dir, 'run.batches.log');
}

/** A look at a batch every turn of the event loop: no timer, no wall-clock wait. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const SETTINGS: BatchSettings = { maxRequests: 100, maxWaitMs: 3_600_000, pollIntervalMs: 0 };
const body = (question: string) => ({ model: 'm', messages: [{ role: 'user', content: question }] });

async function setUp(options: { api?: MemoryBatchApi; settings?: Partial<BatchSettings>; known?: string[]; maxCostUsd?: number; journal?: string; ephemeral?: boolean } = {}) {
  const path = options.journal ?? (await journalFile());
  const journal = new BatchJournal(path);
  const api = options.api ?? createMemoryBatchApi();
  const budget: string[] = [];
  const coordinator = new BatchCoordinator({
    runKey: 'run1',
    journal,
    known: readJournals(options.known ?? []),
    sleep: nextTurn,
    ...(options.maxCostUsd !== undefined && { maxCostUsd: options.maxCostUsd, onBudget: () => budget.push('reached') }),
  });
  const batcher = coordinator.profile('local', api, { ...SETTINGS, ...options.settings }, '/v1/chat/completions', async () => 1, { ephemeral: options.ephemeral === true });
  const ask = (id: string, question: string, caseKey?: string) => batcher.request({ id, body: body(question), caseKey });
  return { api, coordinator, batcher, ask, path, journal, budget };
}

const textOf = (outcome: BatchOutcome) => (outcome.ok ? outcome.reply.text : `error: ${outcome.failure.message}`);

describe('customId', () => {
  it('names a request after its run, case, repeat, turn, stage and call, with a digest for names that are long or unusual', () => {
    expect(customId({ run: 'r1', caseId: 'case-7', repeat: 0, turn: null, stage: 'infer', call: 1, attempt: 1 })).toBe('r1/case-7/r0/t-/infer/c1');
    expect(customId({ run: 'r1', caseId: 'case-7', repeat: 2, turn: 3, stage: 'infer', call: 2, attempt: 3 })).toBe('r1/case-7/r2/t3/infer/c2/a3');
    const odd = customId({ run: 'r1', caseId: 'a/b c', repeat: 0, turn: null, stage: 'x'.repeat(60), call: 1, attempt: 1 });
    expect(odd).toMatch(/^r1\/h[0-9a-f]{16}\/r0\/t-\/h[0-9a-f]{16}\/c1$/);
  });

  it('digests a body independently of key order', () => {
    expect(bodyDigest({ a: 1, b: { c: 2, d: 3 } })).toBe(bodyDigest({ b: { d: 3, c: 2 }, a: 1 }));
    expect(bodyDigest({ a: 1 })).not.toBe(bodyDigest({ a: 2 }));
  });
});

describe('BatchCoordinator', () => {
  it('holds requests until every case in flight waits for a batch, then submits them as one', async () => {
    const { api, coordinator, ask } = await setUp();
    coordinator.activity(3, true);
    const a = ask('a', 'one', '0/0');
    const b = ask('b', 'two', '1/0');
    await nextTurn();
    expect(api.batches).toHaveLength(0);
    const c = ask('c', 'three', '2/0');
    expect((await Promise.all([a, b, c])).map(textOf)).toEqual(['one', 'two', 'three']);
    expect(api.batches.map((batch) => batch.customIds)).toEqual([['a', 'b', 'c']]);
    await coordinator.close();
  });

  it('does not submit while another case can still start', async () => {
    const { api, coordinator, ask } = await setUp();
    coordinator.activity(1, false);
    const a = ask('a', 'one', '0/0');
    await nextTurn();
    expect(api.batches).toHaveLength(0);
    coordinator.activity(1, true);
    expect(textOf(await a)).toBe('one');
    await coordinator.close();
  });

  it('submits a full queue at once, in batches of maxRequests', async () => {
    const { api, coordinator, ask } = await setUp({ settings: { maxRequests: 2 } });
    const replies = Promise.all(['a', 'b', 'c', 'd'].map((id) => ask(id, id)));
    expect((await replies).map(textOf)).toEqual(['a', 'b', 'c', 'd']);
    expect(api.batches.map((batch) => batch.customIds)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    await coordinator.close();
  });

  it('journals the file and the batch before waiting, without the requests themselves', async () => {
    const { coordinator, ask, path } = await setUp({ settings: { maxRequests: 1 } });
    await ask('a', 'a secret question');
    await coordinator.close();
    coordinator.options.journal.close();
    const text = await readFile(path, 'utf8');
    expect(text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string })).toMatchObject([
      { type: 'uploaded', profile: 'local', fileId: 'file-1', requests: [{ id: 'a', digest: bodyDigest(body('a secret question')) }] },
      { type: 'submitted', profile: 'local', fileId: 'file-1', batchId: 'batch_1' },
      { type: 'ended', profile: 'local', batchId: 'batch_1', status: 'completed' },
    ]);
    expect(text).not.toContain('secret');
  });

  it('re-attaches to the batch of an earlier run for the same request, and submits a changed one anew', async () => {
    const api = createMemoryBatchApi({ released: false });
    const first = await setUp({ api, settings: { maxRequests: 2 } });
    const pending = Promise.all([first.ask('a', 'one'), first.ask('b', 'two')]);
    while (api.batches.length === 0) await nextTurn();
    // The run stops (killed, interrupted) while its batch runs.
    await first.coordinator.close();
    first.journal.close();
    expect((await pending).map((outcome) => outcome.ok)).toEqual([false, false]);

    api.release();
    const second = await setUp({ api, known: [first.path], settings: { maxRequests: 1 } });
    const [a, b] = await Promise.all([second.ask('a', 'one'), second.ask('b', 'two, changed')]);
    expect([textOf(a), textOf(b)]).toEqual(['one', 'two, changed']);
    expect(a.ok && a.batchId).toBe('batch_1');
    expect(api.batches.map((batch) => batch.customIds)).toEqual([['a', 'b'], ['b']]);
    await second.coordinator.close();
  });

  it('ephemeral (an in-memory Batch API, gone with its process): an earlier run\'s requests are submitted anew, and nothing is left running', async () => {
    const first = await setUp({ api: createMemoryBatchApi({ released: false }), ephemeral: true });
    first.coordinator.activity(1, true);
    const pending = first.ask('a', 'one', '0/0');
    while (first.api.batches.length === 0) await nextTurn();
    expect(await first.coordinator.close()).toEqual([]);
    first.journal.close();
    expect((await pending).ok).toBe(false);

    // A new process: a new memory API, where the journal's batch_1 never existed.
    const second = await setUp({ known: [first.path], ephemeral: true });
    second.coordinator.activity(1, true);
    const again = await second.ask('a', 'one', '0/0');
    expect(textOf(again)).toBe('one');
    expect(second.api.batches.map((batch) => batch.customIds)).toEqual([['a']]);
    await second.coordinator.close();
  });

  it('after a crash between upload and creation: finds the batch made of the file, or creates it, once', async () => {
    for (const created of [true, false]) {
      const api = createMemoryBatchApi();
      const fileId = await api.upload('f.jsonl', [{ custom_id: 'a', body: body('one') }, { custom_id: 'b', body: body('two') }].map((line) => JSON.stringify(line)).join('\n'));
      if (created) await api.create(fileId, '/v1/chat/completions', {});
      const path = await journalFile();
      await writeFile(path, JSON.stringify({ type: 'uploaded', profile: 'local', fileId, requests: [{ id: 'a', digest: bodyDigest(body('one')) }, { id: 'b', digest: bodyDigest(body('two')) }] }) + '\n{"type":"submi');
      const { coordinator, ask } = await setUp({ api, known: [path] });
      expect((await Promise.all([ask('a', 'one'), ask('b', 'two')])).map(textOf)).toEqual(['one', 'two']);
      expect(api.batches).toHaveLength(1);
      await coordinator.close();
    }
  });

  it('a batch created though its creation seemed to fail is found, not created again', async () => {
    const api = createMemoryBatchApi();
    const create = api.create.bind(api);
    api.create = async (...args) => {
      await create(...args);
      throw Object.assign(new Error('socket hang up'), { status: 502 });
    };
    const { coordinator, ask } = await setUp({ api, settings: { maxRequests: 1 } });
    expect(textOf(await ask('a', 'one'))).toBe('one');
    expect(api.batches).toHaveLength(1);
    await coordinator.close();
  });

  it('fails error lines with their status, and the requests an expired batch left, as worth retrying', async () => {
    const api = createMemoryBatchApi({ answer: (b, id) => (id === 'b' ? { status: 500, message: 'busy' } : String((b['messages'] as { content: string }[])[0]!.content)), end: () => ({ status: 'expired', answered: 2 }) });
    const { coordinator, ask } = await setUp({ api, settings: { maxRequests: 3 } });
    const [a, b, c] = await Promise.all([ask('a', 'one'), ask('b', 'two'), ask('c', 'three')]);
    expect(textOf(a)).toBe('one');
    expect(b).toMatchObject({ ok: false, failure: { kind: 'server', retryable: true, status: 500, message: 'HTTP 500: busy' }, batchId: 'batch_1' });
    expect(c).toMatchObject({ ok: false, failure: { retryable: true, message: 'batch batch_1: its batch ended expired before answering it' } });
    await coordinator.close();
  });

  it('leaves out of a batch the requests that would pass the budget, and says so once', async () => {
    const { api, coordinator, ask, budget } = await setUp({ settings: { maxRequests: 3 }, maxCostUsd: 2 });
    const outcomes = await Promise.all([ask('a', 'one'), ask('b', 'two'), ask('c', 'three')]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false]);
    expect(textOf(outcomes[2]!)).toContain('not submitted: its batch would pass the --max-cost budget of $2');
    expect(api.batches[0]!.customIds).toEqual(['a', 'b']);
    expect(budget).toEqual(['reached']);
    await coordinator.close();
  });

  it('a cancelled call leaves the queue unsubmitted, and the end of the run ends every queued call', async () => {
    const { api, coordinator, batcher } = await setUp();
    const stop = new AbortController();
    const a = batcher.request({ id: 'a', body: body('one'), signal: stop.signal });
    const b = batcher.request({ id: 'b', body: body('two') });
    stop.abort();
    expect(await a).toMatchObject({ ok: false, failure: { kind: 'aborted' }, batchId: null });
    await coordinator.close();
    expect(await b).toMatchObject({ ok: false, failure: { kind: 'aborted' }, batchId: null });
    expect(api.batches).toHaveLength(0);
  });

  it('close: returns the batches still running, or cancels them', async () => {
    for (const cancel of [false, true]) {
      const api = createMemoryBatchApi({ released: false });
      const { coordinator, ask } = await setUp({ api, settings: { maxRequests: 1 } });
      void ask('a', 'one');
      while (api.batches.length === 0 || api.batches[0]!.status === 'validating') await nextTurn();
      expect(await coordinator.close({ cancel })).toEqual(cancel ? [] : [{ profile: 'local', batchId: 'batch_1' }]);
      expect(api.batches[0]!.status).toBe(cancel ? 'cancelling' : 'in_progress');
    }
  });
});

describe('readLines', () => {
  it('reads replies and failures by custom_id; a body that is not a chat completion is a malformed reply', () => {
    const lines = new Map<string, unknown>();
    readLines(
      [
        JSON.stringify({ custom_id: 'a', response: { status_code: 200, body: { choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } } } }),
        JSON.stringify({ custom_id: 'b', response: { status_code: 400, body: { error: { message: 'bad request' } } } }),
        JSON.stringify({ custom_id: 'c', response: { status_code: 200, body: { nothing: true } } }),
        JSON.stringify({ custom_id: 'd', response: null, error: { code: 'batch_expired', message: 'expired' } }),
        '{"custom_id": "torn',
      ].join('\n'),
      lines as never,
    );
    expect(Object.fromEntries(lines)).toMatchObject({
      a: { ok: true, reply: { text: 'hi', usage: { inputTokens: 3, outputTokens: 1 }, finishReason: 'stop', status: 200 } },
      b: { ok: false, failure: { kind: 'client', retryable: false, status: 400, message: 'HTTP 400: bad request' } },
      c: { ok: false, failure: { kind: 'malformed', retryable: true } },
      d: { ok: false, failure: { kind: 'server', retryable: true, status: null, message: 'expired (batch_expired)' } },
    });
  });
});
