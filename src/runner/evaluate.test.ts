import { describe, expect, it, vi } from 'vitest';
import { withContextSync } from '../pipeline/context-chain.ts';
import type { JsonObject } from '../util/json.ts';
import { runStages } from '../../test/helpers/case-env.ts';

const theCase: JsonObject = { id: 'case-1', answer: 42 };

describe('evaluate: passed(), score() and columns', () => {
  it('stores the verdict, the score and the columns of a complete case', async () => {
    const views: unknown[] = [];
    const record = await runStages(
      { answer: () => 42 },
      {
        spec: {
          passed: (result) => {
            views.push(result);
            return result.stages.answer === result.case.answer;
          },
          score: () => 0.5,
          columns: {
            answer: ({ stages }) => stages.answer,
            label: () => 'x',
            object: () => ({ a: 1 }) as never,
            missing: () => undefined as never,
            nan: () => Number.NaN,
            failing: () => {
              throw new Error('no column');
            },
          },
        },
        config: { answer: 42 },
      },
      theCase,
    );
    expect(record.status).toBe('complete');
    expect(record.passed).toBe(true);
    expect(record.score).toBe(0.5);
    expect(record.columns).toEqual({ answer: 42, label: 'x', object: '{"a":1}', missing: null, nan: null, failing: null });
    expect(views).toEqual([{ case: theCase, caseId: 'case-1', stages: { answer: 42 }, config: { answer: 42 }, status: 'complete', error: null }]);
  });

  it('stores the format sections in order: text, Markdown, left out, failed, and a value that is not text', async () => {
    const record = await runStages(
      { answer: () => 42 },
      {
        spec: {
          format: {
            Plain: ({ stages }) => `answer ${String(stages.answer)}`,
            Rich: () => ({ markdown: '**42**' }),
            Boxed: () => ({ text: 'in a box' }),
            Absent: () => null,
            Failing: () => {
              throw new RangeError('no section');
            },
            Number: () => 42 as never,
          },
        },
      },
      theCase,
    );
    expect(record.status).toBe('complete');
    expect(record.sections).toEqual([
      { name: 'Plain', format: 'text', content: 'answer 42' },
      { name: 'Rich', format: 'markdown', content: '**42**' },
      { name: 'Boxed', format: 'text', content: 'in a box' },
      { name: 'Failing', format: 'text', content: '', error: 'RangeError: no section' },
      { name: 'Number', format: 'text', content: '', error: 'TypeError: it returned 42; it must return a string, { markdown: string }, { text: string }, or null.' },
    ]);
  });

  it('stores passed false and a null score', async () => {
    const record = await runStages({ answer: () => 41 }, { spec: { passed: () => false, score: () => null } });
    expect(record).toMatchObject({ status: 'complete', passed: false, score: null, error: null });
  });

  it('turns a passed() that does not return a boolean into a case error with context', async () => {
    const record = await runStages({ answer: () => 42 }, { spec: { passed: () => 'yes' as never, score: () => 1 } });
    expect(record.status).toBe('error');
    expect(record.passed).toBeNull();
    expect(record.score).toBeNull();
    expect(record.error).toMatchObject({
      name: 'TypeError',
      message: 'passed() returned the string "yes"; it must return true or false.',
      stage: null,
      context: ["evaluating the pipeline's passed()"],
    });
    expect(record.stageRecords['answer']!.status).toBe('ok');
  });

  it('turns a NaN score into a case error, dropping the verdict already computed', async () => {
    const record = await runStages({ answer: () => 42 }, { spec: { passed: () => true, score: () => Number.NaN } });
    expect(record.status).toBe('error');
    expect(record.passed).toBeNull();
    expect(record.error).toMatchObject({
      message: 'score() returned NaN; it must return a finite number or null.',
      stage: null,
      context: ["evaluating the pipeline's score()"],
    });
  });

  it('records a throwing passed() with the evaluation context before its own withContext chain', async () => {
    const record = await runStages(
      { answer: () => 42 },
      {
        spec: {
          passed: () =>
            withContextSync('comparing carts', () => {
              throw new Error('cart missing');
            }),
        },
      },
    );
    expect(record.error).toMatchObject({ message: 'cart missing', stage: null, context: ["evaluating the pipeline's passed()", 'comparing carts'] });
  });

  it('does not call passed() or score() for a case that did not complete, but still computes columns', async () => {
    const passed = vi.fn(() => true);
    const score = vi.fn(() => 1);
    const record = await runStages(
      {
        a: () => 'a',
        b: () => {
          throw new Error('b broke');
        },
      },
      { spec: { passed, score, columns: { a: ({ stages }) => stages.a, b: ({ stages }) => stages.b.length, status: ({ status }) => status } } },
    );
    expect(passed).not.toHaveBeenCalled();
    expect(score).not.toHaveBeenCalled();
    expect(record).toMatchObject({ status: 'error', passed: null, score: null });
    expect(record.columns).toEqual({ a: 'a', b: null, status: 'error' });
  });
});
