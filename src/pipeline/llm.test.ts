import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModelRegistry } from '../model/registry.ts';
import type { CompletionRequest, LlmCallInfo, Model, ModelRegistry } from '../model/types.ts';
import { llm, LlmOutputError, stripFence } from './llm.ts';
import type { StageContext } from './types.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A model that answers from a list and keeps the requests. */
function scripted(replies: string[], structuredOutput = false): Model & { requests: CompletionRequest[] } {
  const requests: CompletionRequest[] = [];
  return {
    name: 'scripted',
    description: 'test',
    kind: 'test',
    structuredOutput,
    requests,
    async complete(request) {
      requests.push(request);
      return { text: replies[Math.min(requests.length - 1, replies.length - 1)]! };
    },
  };
}

function context(models?: ModelRegistry): StageContext<any, any, any> & { recorded: LlmCallInfo[] } {
  const recorded: LlmCallInfo[] = [];
  return {
    case: { id: 'c1', question: 'What is 6*7?', base: 10 },
    caseId: 'c1',
    caseIndex: 0,
    repeat: 0,
    runId: 'run',
    stage: 'infer',
    stages: { prepare: 'ready' },
    config: { tone: 'terse' },
    signal: new AbortController().signal,
    models: models ?? createModelRegistry(),
    recordUsage() {},
    recordLlm: (info: LlmCallInfo) => recorded.push(info),
    recorded,
  } as never;
}

describe('llm(): templates', () => {
  it('renders inline templates with case, stages, config and vars, and records them', async () => {
    const model = scripted(['42']);
    const stage = await llm({
      model,
      messages: [
        { role: 'system', template: 'Be {{ config.tone }}. Base {{ case.base }}. {{ extra }}' },
        { role: 'user', template: '{{ case.question }} ({{ stages.prepare }})' },
      ],
      vars: () => ({ extra: 'No units.' }),
      params: { temperature: 0 },
    });
    const ctx = context();
    expect(await stage(ctx)).toBe('42');
    const messages = [
      { role: 'system', content: 'Be terse. Base 10. No units.' },
      { role: 'user', content: 'What is 6*7? (ready)' },
    ];
    expect(model.requests[0]).toEqual({ messages, params: { temperature: 0 } });
    expect(ctx.recorded).toEqual([
      {
        model: 'scripted',
        templates: [
          { role: 'system', source: 'system message (inline)', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
          { role: 'user', source: 'user message (inline)', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        ],
        messages,
      },
    ]);
  });

  it('fails the stage on an undefined variable', async () => {
    const stage = await llm({ model: scripted(['x']), messages: [{ role: 'user', template: '{{ case.nope }}' }] });
    await expect(stage(context())).rejects.toMatchObject({ code: 'E_TEMPLATE_RENDER' });
  });

  it('reads template files relative to the pipeline module (import.meta.url) or a folder, at setup', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-llm-'));
    dirs.push(dir);
    await writeFile(join(dir, 'system.njk'), 'Answer in base {{ case.base }}.');
    const moduleUrl = pathToFileURL(join(dir, 'pipeline.ts')).href;
    for (const baseDir of [moduleUrl, new URL(moduleUrl), dir]) {
      const model = scripted(['ok']);
      const stage = await llm({ model, baseDir, messages: [{ role: 'system', file: 'system.njk' }, { role: 'user', template: 'hi' }] });
      const ctx = context();
      await stage(ctx);
      expect(model.requests[0]!.messages[0]).toEqual({ role: 'system', content: 'Answer in base 10.' });
      expect(ctx.recorded[0]!.templates[0]!.source).toContain('system.njk');
    }
    await expect(llm({ model: scripted([]), baseDir: dir, messages: [{ role: 'system', file: 'missing.njk' }] })).rejects.toMatchObject({ code: 'E_TEMPLATE_NOT_FOUND' });
    await expect(llm({ model: scripted([]), messages: [{ role: 'system', file: 'system.njk' }] })).rejects.toMatchObject({
      code: 'E_LLM_OPTIONS',
      hint: "Pass baseDir: import.meta.url to read it from the pipeline's folder.",
    });
  });

  it('takes ready messages from a function, and then records nothing', async () => {
    const model = scripted(['ok']);
    const stage = await llm({ model, messages: (ctx) => [{ role: 'user', content: String(ctx.case.question) }], params: (ctx) => ({ temperature: ctx.caseIndex }) });
    const ctx = context();
    await stage(ctx);
    expect(model.requests[0]).toEqual({ messages: [{ role: 'user', content: 'What is 6*7?' }], params: { temperature: 0 } });
    expect(ctx.recorded).toEqual([]);
  });

  it('looks a model name up per call, fixed or from the context', async () => {
    const registry = createModelRegistry({ expected: () => '42' });
    for (const model of ['parrot', () => 'parrot'] as const) {
      const stage = await llm({ model, messages: [{ role: 'user', template: 'echo me' }] });
      expect(await stage(context(registry))).toBe('echo me');
    }
  });
});

describe('llm(): structured output', () => {
  const Answer = z.object({ answer: z.number(), unit: z.string().optional() });

  it('sends the schema as a response format to models that take one, and returns the parsed value', async () => {
    const model = scripted(['{"answer": 42}'], true);
    const stage = await llm({ model, messages: [{ role: 'user', template: 'q' }], output: Answer });
    const ctx = context();
    expect(await stage(ctx)).toEqual({ answer: 42 });
    const format = model.requests[0]!.responseFormat as { name: string; schema: Record<string, unknown> };
    expect(format.name).toBe('output');
    expect(format.schema).toMatchObject({ type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] });
    expect(model.requests[0]!.messages).toEqual([{ role: 'user', content: 'q' }]);
    expect(ctx.recorded[0]).toMatchObject({ output: { mode: 'json_schema', schemaSha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, parseAttempts: [{ attempt: 1, ok: true }] });
  });

  it('asks for JSON in the system message of models that take no schema, and strips a code fence', async () => {
    const model = scripted(['```json\n{"answer": 7}\n```']);
    const stage = await llm({ model, messages: [{ role: 'system', template: 'Calculate.' }, { role: 'user', template: 'q' }], output: Answer });
    const ctx = context();
    expect(await stage(ctx)).toEqual({ answer: 7 });
    expect(model.requests[0]!.responseFormat).toBeUndefined();
    expect(model.requests[0]!.messages[0]!.content).toMatch(/^Calculate\.\n\nReply with JSON only, no other text, matching this JSON Schema:\n\{.*"answer"/);
    expect(ctx.recorded[0]!.output!.mode).toBe('json_prompt');
  });

  it('sends a reply that does not match back with the problems, and logs every attempt', async () => {
    const model = scripted(['the answer is 42', '{"answer": "42"}', '{"answer": 42}'], true);
    const stage = await llm({ model, messages: [{ role: 'user', template: 'q' }], output: Answer });
    const ctx = context();
    expect(await stage(ctx)).toEqual({ answer: 42 });
    expect(model.requests).toHaveLength(3);
    expect(model.requests[2]!.messages.slice(1)).toEqual([
      { role: 'assistant', content: 'the answer is 42' },
      { role: 'user', content: 'Your reply did not match the required JSON format:\n- the reply is not valid JSON\nReply again with only the corrected JSON.' },
      { role: 'assistant', content: '{"answer": "42"}' },
      { role: 'user', content: 'Your reply did not match the required JSON format:\n- answer: Invalid input: expected number, received string\nReply again with only the corrected JSON.' },
    ]);
    expect(ctx.recorded[0]!.parseAttempts).toEqual([
      { attempt: 1, ok: false, issues: ['the reply is not valid JSON'], text: 'the answer is 42' },
      { attempt: 2, ok: false, issues: ['answer: Invalid input: expected number, received string'], text: '{"answer": "42"}' },
      { attempt: 3, ok: true },
    ]);
    // Only a reply that parses may be cached.
    expect(model.requests[0]!.cacheable!('{"answer": 1}')).toBe(true);
    expect(model.requests[0]!.cacheable!('nope')).toBe(false);
  });

  it('fails the stage after parseRetries more tries, with the raw text and the issues', async () => {
    const model = scripted(['nope']);
    const stage = await llm({ model, messages: [{ role: 'user', template: 'q' }], output: Answer, parseRetries: 1 });
    const ctx = context();
    const error = (await stage(ctx).catch((e: unknown) => e)) as LlmOutputError;
    expect(error).toBeInstanceOf(LlmOutputError);
    expect(error.code).toBe('E_LLM_OUTPUT');
    expect(error.message).toBe(`The reply of 'scripted' did not match the output schema after 2 attempts: the reply is not valid JSON. Last reply: "nope"`);
    expect(error.text).toBe('nope');
    expect(error.issues).toEqual(['the reply is not valid JSON']);
    expect(model.requests).toHaveLength(2);
    expect(ctx.recorded[0]!.parseAttempts).toHaveLength(2);
  });

  it('works with the perfect mock when expected() gives the JSON', async () => {
    const registry = createModelRegistry({ expected: () => ({ answer: 42 }) });
    const stage = await llm({ model: registry.get('perfect'), messages: [{ role: 'user', template: 'q' }], output: Answer });
    expect(await stage(context(registry))).toEqual({ answer: 42 });
  });
});

describe('stripFence', () => {
  it.each([
    ['{"a":1}', '{"a":1}'],
    ['```json\n{"a":1}\n```', '{"a":1}'],
    ['```\n[1]\n```\n', '[1]'],
    ['  {"a":1}  ', '{"a":1}'],
  ])('%j', (text, json) => expect(stripFence(text)).toBe(json));
});
