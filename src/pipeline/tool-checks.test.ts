import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkToolArguments, checkToolCalled, checkToolCalls, checkToolNotCalled, checkToolOrder, checkToolRounds, isSubset, scoreToolCalls } from './tool-checks.ts';

/** An llm() output with tools, as the checks read it. */
const agent = {
  answer: 'Refunded $20.',
  outcome: 'answer',
  rounds: 3,
  toolCalls: [
    { round: 1, id: 'a', name: 'lookup_order', arguments: { orderId: 'A1', verbose: true }, status: 'ok', result: {} },
    { round: 2, id: 'b', name: 'issue_refund', arguments: { orderId: 'A1', amount: 20, reason: 'late' }, status: 'ok', result: {} },
    { round: 2, id: 'c', name: 'lookup_order', arguments: { orderId: 'B2' }, status: 'error' },
  ],
  messages: [],
};
const none = { ...agent, rounds: 1, toolCalls: [] };

describe('tool checks', () => {
  it('toolCalled counts the calls of a tool, with bounds', () => {
    expect(checkToolCalled(agent, 'lookup_order')).toEqual({ type: 'toolCalled', passed: true, value: 2, detail: 'lookup_order was called 2 times' });
    expect(checkToolCalled(agent, 'lookup_order', { times: 1 })).toMatchObject({ passed: false, detail: 'lookup_order was called 2 times, not exactly 1' });
    expect(checkToolCalled(agent, 'lookup_order', { min: 1, max: 2 }).passed).toBe(true);
    expect(checkToolCalled(agent, 'escalate')).toMatchObject({ passed: false, detail: 'escalate was not called; the calls were lookup_order, issue_refund, lookup_order' });
    expect(checkToolCalled(none, 'escalate', { times: 0 }).passed).toBe(true);
    expect(checkToolCalled('hello', 'x')).toMatchObject({ passed: false, detail: '"hello" holds no tool calls (an llm() output with tools, or a list of { name, arguments })' });
  });

  it('toolNotCalled: a tool, or any tool', () => {
    expect(checkToolNotCalled(agent, 'escalate')).toMatchObject({ passed: true, detail: 'escalate was not called' });
    expect(checkToolNotCalled(agent, 'issue_refund')).toMatchObject({ passed: false, detail: 'issue_refund was called 1 time' });
    expect(checkToolNotCalled(none)).toMatchObject({ passed: true, detail: 'no tool was called' });
    expect(checkToolNotCalled(agent)).toMatchObject({ passed: false, value: 3 });
    // A bare list of calls works too.
    expect(checkToolNotCalled([{ name: 'escalate', arguments: {} }], 'escalate').passed).toBe(false);
  });

  it('toolArguments: subset (default), exact, schema; some call or every call', () => {
    expect(checkToolArguments(agent, 'lookup_order', { orderId: 'A1' })).toMatchObject({ passed: true, detail: 'lookup_order was called with arguments that match {"orderId":"A1"} (subset)' });
    expect(checkToolArguments(agent, 'lookup_order', { orderId: 'A1' }, { match: 'exact' }).passed).toBe(false);
    expect(checkToolArguments(agent, 'lookup_order', { orderId: 'A1' }, { every: true })).toMatchObject({
      passed: false,
      detail: 'a call of lookup_order has arguments matching {"orderId":"A1"} (subset): {"orderId":"B2"}',
    });
    expect(checkToolArguments(agent, 'issue_refund', z.object({ amount: z.number().max(50) })).passed).toBe(true);
    const schema = { type: 'object', properties: { amount: { type: 'number', maximum: 10 } }, required: ['amount'] };
    expect(checkToolArguments(agent, 'issue_refund', schema, { match: 'schema' })).toMatchObject({ passed: false, detail: 'no call of issue_refund has arguments matching the schema: {"orderId":"A1","amount":20,"reason":"late"}' });
    expect(checkToolArguments(none, 'issue_refund', {})).toMatchObject({ passed: false, detail: 'issue_refund was not called; no tool was called' });
  });

  it('toolOrder: a subsequence, or exactly with strict', () => {
    expect(checkToolOrder(agent, ['lookup_order', 'issue_refund'])).toMatchObject({ passed: true, detail: 'called in order: lookup_order, issue_refund' });
    expect(checkToolOrder(agent, ['issue_refund', 'escalate'])).toMatchObject({
      passed: false,
      detail: 'issue_refund, escalate were not called in this order; the calls were lookup_order, issue_refund, lookup_order',
    });
    expect(checkToolOrder(agent, ['lookup_order', 'issue_refund'], { strict: true }).passed).toBe(false);
    expect(checkToolOrder(agent, ['lookup_order', 'issue_refund', 'lookup_order'], { strict: true }).passed).toBe(true);
  });

  it('toolRounds reads the rounds of an llm() output', () => {
    expect(checkToolRounds(agent, { max: 3 })).toEqual({ type: 'toolRounds', passed: true, value: 3, detail: '3 rounds' });
    expect(checkToolRounds(agent, { max: 2 })).toMatchObject({ passed: false, detail: '3 rounds, more than 2' });
    expect(checkToolRounds(none, { min: 2 })).toMatchObject({ passed: false, detail: '1 round, fewer than 2' });
    expect(checkToolRounds([], { max: 1 }).passed).toBe(false);
  });

  it('toolCalls scores precision, recall and F1 against the expected calls, each call used once', () => {
    const expected = [
      { name: 'lookup_order', arguments: { orderId: 'A1' } },
      [{ name: 'issue_refund', arguments: { orderId: 'A1', amount: 20 } }],
    ];
    expect(scoreToolCalls(agent, expected)).toEqual({ precision: 0.667, recall: 1, f1: 0.8, matched: 2, made: 3, expected: 2 });
    expect(checkToolCalls(agent, expected)).toEqual({
      type: 'toolCalls',
      passed: false,
      value: 0.8,
      detail: 'f1 0.8 < 1: 2 of 2 expected calls made, 1 unexpected (precision 0.667, recall 1)',
    });
    expect(checkToolCalls(agent, expected, { metric: 'recall' }).passed).toBe(true);
    expect(checkToolCalls(agent, expected, { arguments: 'exact' })).toMatchObject({ value: 0, detail: 'f1 0 < 1: 0 of 2 expected calls made (2 missing), 3 unexpected (precision 0, recall 0)' });
    // No call expected and none made: a perfect score; one made: precision 0.
    expect(scoreToolCalls(none, [])).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(scoreToolCalls(agent, [])).toMatchObject({ precision: 0, recall: 1, f1: 0 });
    expect(scoreToolCalls(none, expected)).toMatchObject({ precision: 1, recall: 0, f1: 0 });
  });

  it('toolCalls pairs calls for the most matches, not first come first served', () => {
    const made = [{ name: 'a', arguments: { x: 1 } }, { name: 'a', arguments: { y: 2 } }];
    // Greedy would pair { x: 1 } with the expected call without arguments and leave { x: 1 } unmatched.
    expect(scoreToolCalls(made, [{ name: 'a' }, { name: 'a', arguments: { x: 1 } }])).toMatchObject({ matched: 2, f1: 1 });
    expect(checkToolCalls(made, 'nope')).toMatchObject({ passed: false, detail: 'expected "nope" is not a list of { name, arguments } calls' });
  });

  it('isSubset compares nested objects key by key and anything else exactly', () => {
    expect(isSubset({ a: { b: 1, c: 2 }, d: [1, 2] }, { a: { b: 1 }, d: [1, 2] })).toBe(true);
    expect(isSubset({ d: [1, 2, 3] }, { d: [1, 2] })).toBe(false);
    expect(isSubset('x', 'x')).toBe(true);
  });
});
