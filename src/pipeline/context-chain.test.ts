import { describe, expect, it } from 'vitest';
import { contextOf, withContext, withContextSync } from './context-chain.ts';

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('withContext / withContextSync', () => {
  it('return what the function returns when nothing throws', async () => {
    expect(withContextSync('parsing', () => 42)).toBe(42);
    expect(await withContext('parsing', () => 'sync value')).toBe('sync value');
    expect(await withContext('parsing', async () => 'async value')).toBe('async value');
  });

  it('rethrow the same error, unchanged but for the context it records', async () => {
    const original = new RangeError('could not convert');
    const error = await rejectionOf(
      withContext('Extracting numerical answer from LLM response.', () => {
        throw original;
      }),
    );
    expect(error).toBe(original);
    expect((error as Error).message).toBe('could not convert');
    expect(contextOf(error)).toEqual(['Extracting numerical answer from LLM response.']);
  });

  it('record a rejected promise the same way as a throw', async () => {
    const error = await rejectionOf(withContext('calling the model', async () => Promise.reject(new Error('timeout'))));
    expect(contextOf(error)).toEqual(['calling the model']);
  });

  it('build a chain outermost first when nested, across sync and async layers', async () => {
    const error = await rejectionOf(
      withContext('outer', () =>
        withContext('middle', async () =>
          withContextSync('inner', () => {
            throw new Error('deep');
          }),
        ),
      ),
    );
    expect(contextOf(error)).toEqual(['outer', 'middle', 'inner']);
  });

  it('keep the chain off enumerable properties, so logging the error shows nothing extra', () => {
    const error = thrownBy(() =>
      withContextSync('parsing', () => {
        throw new Error('bad');
      }),
    );
    expect(Object.keys(error as object)).toEqual([]);
  });

  it('wrap a thrown string in an Error keeping the string as message and as `thrown`', () => {
    const error = thrownBy(() =>
      withContextSync('parsing', () => {
        throw 'plain text';
      }),
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('plain text');
    expect((error as { thrown?: unknown }).thrown).toBe('plain text');
    expect(contextOf(error)).toEqual(['parsing']);
  });

  it('wrap a thrown object with a readable message, not [object Object]', () => {
    const thrown = { code: 7, reason: 'quota' };
    const error = thrownBy(() =>
      withContextSync('calling', () => {
        throw thrown;
      }),
    );
    expect((error as Error).message).toBe('{"code":7,"reason":"quota"}');
    expect((error as { thrown?: unknown }).thrown).toBe(thrown);
  });

  it('wrap a thrown non-Error only once when nested', () => {
    const error = thrownBy(() =>
      withContextSync('outer', () =>
        withContextSync('inner', () => {
          throw 404;
        }),
      ),
    );
    expect((error as Error).message).toBe('404');
    expect((error as { thrown?: unknown }).thrown).toBe(404);
    expect(contextOf(error)).toEqual(['outer', 'inner']);
  });

  it('keep the chains of concurrent calls apart (GoTaglio bug 16)', async () => {
    const fail = (label: string, ms: number) =>
      withContext(`case ${label}`, async () => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return withContext(`stage of ${label}`, async () => {
          throw new Error(label);
        });
      });
    const [a, b] = await Promise.all([rejectionOf(fail('a', 5)), rejectionOf(fail('b', 1))]);
    expect(contextOf(a)).toEqual(['case a', 'stage of a']);
    expect(contextOf(b)).toEqual(['case b', 'stage of b']);
  });
});

describe('contextOf', () => {
  it('is empty for errors without context and for values that are not objects', () => {
    expect(contextOf(new Error('plain'))).toEqual([]);
    expect(contextOf('text')).toEqual([]);
    expect(contextOf(null)).toEqual([]);
    expect(contextOf(undefined)).toEqual([]);
  });
});
