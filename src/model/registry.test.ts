import { describe, expect, it, vi } from 'vitest';
import { ModelError } from '../errors.ts';
import { assertModelName, createModelRegistry } from './registry.ts';
import type { Model, UsageInput } from './types.ts';

const answerOf = (options: { case?: unknown }) => (options.case as { answer?: unknown }).answer;

function configured(name: string, usage?: UsageInput): Model {
  return { name, description: `${name} model`, kind: 'openai', complete: vi.fn(async () => ({ text: `from ${name}`, ...(usage ? { usage } : {}) })) };
}

function caught(fn: () => unknown): ModelError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error('expected a ModelError');
}

describe('createModelRegistry: lookup', () => {
  it('finds the mocks and the configured models, and reuses one instance per name', () => {
    const registry = createModelRegistry({ expected: answerOf, models: { gpt4o: configured('gpt4o') } });
    for (const name of ['perfect', 'flakey', 'parrot', 'gpt4o']) {
      expect(registry.has(name)).toBe(true);
      expect(registry.get(name).name).toBe(name);
      expect(registry.get(name)).toBe(registry.get(name));
    }
    expect(registry.get('gpt4o').kind).toBe('openai');
    expect(registry.get('parrot').kind).toBe('mock');
  });

  it('shares the flakey cycle between lookups of the same registry', async () => {
    const registry = createModelRegistry({ expected: answerOf });
    const options = { case: { answer: 'right' }, caseIndex: 0 };
    expect((await registry.get('flakey').complete({ messages: [] }, options)).text).toBe('right');
    expect((await registry.get('flakey').complete({ messages: [] }, options)).text).toBe('hello world');
  });

  it('knows nothing of names it does not hold, including Object.prototype keys', () => {
    const registry = createModelRegistry();
    for (const name of ['gpt9', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(registry.has(name)).toBe(false);
      expect(caught(() => registry.get(name)).code).toBe('E_MODEL_UNKNOWN');
    }
  });

  it('lists every model sorted by name', () => {
    const registry = createModelRegistry({ models: { zeta: configured('zeta'), alpha: configured('alpha') } });
    expect(registry.list().map(({ name, kind }) => `${name}:${kind}`)).toEqual([
      'alpha:openai',
      'flakey:mock',
      'parrot:mock',
      'perfect:mock',
      'scripted:mock',
      'zeta:openai',
    ]);
    expect(registry.list().find((m) => m.name === 'alpha')!.description).toBe('alpha model');
  });
});

describe('createModelRegistry: errors', () => {
  it('names every model, Oxford comma and all, when a name is unknown, and suggests the closest', () => {
    const error = caught(() => createModelRegistry().get('parot'));
    expect(error.code).toBe('E_MODEL_UNKNOWN');
    expect(error.message).toBe("Model 'parot' not found. Available models include flakey, parrot, perfect, and scripted.");
    expect(error.hint).toBe("Did you mean 'parrot'?");
  });

  it('includes configured models in the list, sorted', () => {
    const error = caught(() => createModelRegistry({ models: { gpt4o: configured('gpt4o'), phi3: configured('phi3') } }).get('gpt9'));
    expect(error.message).toBe("Model 'gpt9' not found. Available models include flakey, gpt4o, parrot, perfect, phi3, and scripted.");
    expect(error.hint).toBe("Did you mean 'gpt4o'?");
  });

  it('points to `tagliots models` when nothing is close', () => {
    const error = caught(() => createModelRegistry().get('claude-opus'));
    expect(error.hint).toBe('Run `tagliots models` to list them.');
  });

  it.each(['perfect', 'flakey'])('fails when %s is looked up by a pipeline without expected()', (name) => {
    const registry = createModelRegistry();
    expect(registry.has(name)).toBe(true);
    expect(caught(() => registry.get(name)).code).toBe('E_MOCK_NO_EXPECTED');
    expect(registry.get('parrot').name).toBe('parrot');
  });

  it('rejects a configured model that takes the name of a mock', () => {
    const error = caught(() => createModelRegistry({ models: { perfect: configured('perfect') } }));
    expect(error.code).toBe('E_MODEL_DUPLICATE');
    expect(error.message).toBe("Model 'perfect' is a built-in mock; give the configured model another name.");
  });

  it('accepts a configured model whose name only looks like an object key', () => {
    const registry = createModelRegistry({ models: { constructor: configured('constructor') } });
    expect(registry.has('constructor')).toBe(true);
    expect(registry.get('constructor').name).toBe('constructor');
  });
});

describe('createModelRegistry: usage', () => {
  it("records each call's usage through the caller's recordUsage", async () => {
    const registry = createModelRegistry({ models: { gpt4o: configured('gpt4o', { inputTokens: 12, outputTokens: 3, cachedInputTokens: 4 }) } });
    const recordUsage = vi.fn();
    const reply = await registry.get('gpt4o').complete({ messages: [{ role: 'user', content: 'hi' }] }, { recordUsage });
    expect(reply.text).toBe('from gpt4o');
    expect(recordUsage).toHaveBeenCalledExactlyOnceWith({ inputTokens: 12, outputTokens: 3, cachedInputTokens: 4 });
  });

  it('passes the request and options through to the model', async () => {
    const model = configured('gpt4o');
    const registry = createModelRegistry({ models: { gpt4o: model } });
    const request = { messages: [{ role: 'user', content: 'hi' }], params: { temperature: 0 } };
    const options = { caseIndex: 2 };
    await registry.get('gpt4o').complete(request, options);
    expect(model.complete).toHaveBeenCalledWith(request, options);
  });

  it('records nothing when the model reports no usage, or nobody asks', async () => {
    const registry = createModelRegistry({ models: { quiet: configured('quiet') } });
    const recordUsage = vi.fn();
    await registry.get('quiet').complete({ messages: [] }, { recordUsage });
    expect(recordUsage).not.toHaveBeenCalled();
    await expect(registry.get('parrot').complete({ messages: [] })).resolves.toMatchObject({ text: '' });
  });

  it('records the synthetic usage of the mocks', async () => {
    const recordUsage = vi.fn();
    await createModelRegistry().get('parrot').complete({ messages: [{ role: 'user', content: 'abcdefgh' }] }, { recordUsage });
    expect(recordUsage).toHaveBeenCalledExactlyOnceWith({ inputTokens: 2, outputTokens: 2 });
  });
});

describe('model names that are not strings', () => {
  it('are refused with the config path that holds them, not a TypeError', () => {
    const error = caught(() => createModelRegistry().get(42 as never));
    expect(error.code).toBe('E_MODEL_NAME');
    expect(error.message).toBe('A model name must be a string, but got 42 (a number).');
    const named = caught(() => assertModelName(['gpt'], { infer: { model: { name: ['gpt'] } }, judge: { model: 'perfect' } }));
    expect(named.message).toBe(`A model name must be a string, but got ["gpt"] (a list).`);
    const value = { name: 7 };
    const found = caught(() => assertModelName(7, { infer: { model: value }, other: 7 }));
    expect(found.message).toBe("A model name must be a string, but config 'infer.model.name' or 'other' is 7 (a number).");
    expect(found.hint).toBe(`Set it to a model name, e.g. infer.model.name=perfect, or with := a JSON string: infer.model.name:='"perfect"'.`);
  });
});
