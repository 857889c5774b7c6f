/**
 * Checks of the tool calls an agent made: which tools it called (or did not), with what arguments,
 * in what order, in how many rounds, and how its calls compare with the expected ones (precision,
 * recall, F1). Each takes the output of an `llm()` stage with tools (a {@link ToolLoopResult}) or a
 * list of calls, and returns a `CheckResult` like the other checks, so it can sit in a YAML
 * `check` stage or a code `assess` stage. Pure functions.
 */
import { z } from 'zod';
import type { ExpectedToolCall } from '../model/types.ts';
import { deepEqual, isPlainObject, type Json } from '../util/json.ts';
import { compileJsonSchema, show, type CheckResult } from './checks.ts';
import { hungarian } from './tree-repair.ts';

export type ToolCheckType = 'toolCalled' | 'toolNotCalled' | 'toolArguments' | 'toolOrder' | 'toolRounds' | 'toolCalls';

/** How the arguments of a call are compared with the expected ones. */
export type ArgumentMatch =
  /** Deep equality. */
  | 'exact'
  /** Every expected key is there with an equal value (nested objects likewise); other keys may be present. */
  | 'subset'
  /** Arguments are not compared: the tool name alone decides. */
  | 'ignore';

/** A call as the checks read it: its tool and arguments. */
interface CallSeen {
  readonly name: string;
  readonly arguments: unknown;
}

/**
 * The tool calls in a value: `{ toolCalls: [...] }` (an `llm()` stage with tools) or a list of
 * `{ name, arguments }`. Undefined when the value holds none.
 */
function callsIn(value: unknown): CallSeen[] | undefined {
  const list = isPlainObject(value) && Array.isArray(value['toolCalls']) ? value['toolCalls'] : value;
  if (!Array.isArray(list)) return undefined;
  const calls: CallSeen[] = [];
  for (const item of list.flat()) {
    if (!isPlainObject(item) || typeof item['name'] !== 'string') return undefined;
    calls.push({ name: item['name'], arguments: item['arguments'] });
  }
  return calls;
}

/** The expected calls: a list of `{ name, arguments? }`, where a nested list (one round of parallel calls) counts call by call. */
function expectedIn(value: unknown): ExpectedToolCall[] | undefined {
  const calls = callsIn(value);
  return calls?.map((call) => (call.arguments === undefined ? { name: call.name } : { name: call.name, arguments: call.arguments as Json }));
}

const notCalls = (type: ToolCheckType, actual: unknown): CheckResult => ({
  type,
  passed: false,
  detail: `${show(actual)} holds no tool calls (an llm() output with tools, or a list of { name, arguments })`,
});

const names = (calls: readonly CallSeen[]) => (calls.length === 0 ? 'no tool was called' : `the calls were ${calls.map((call) => call.name).join(', ')}`);
const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;

/** Whether `actual` holds every key of `expected` with an equal value; nested objects are compared likewise. */
export function isSubset(actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected)) {
    return isPlainObject(actual) && Object.keys(expected).every((key) => Object.hasOwn(actual, key) && isSubset(actual[key], expected[key]));
  }
  return deepEqual(actual, expected);
}

/** Whether a call's arguments match the expected ones; expected arguments left out match any. */
export function argumentsMatch(actual: unknown, expected: unknown, match: ArgumentMatch): boolean {
  if (match === 'ignore' || expected === undefined) return true;
  return match === 'exact' ? deepEqual(actual, expected) : isSubset(actual, expected);
}

/**
 * The tool was called: at least once, or exactly `times`, or between `min` and `max` times.
 */
export function checkToolCalled(actual: unknown, name: string, bounds: { readonly times?: number; readonly min?: number; readonly max?: number } = {}): CheckResult {
  const calls = callsIn(actual);
  if (!calls) return notCalls('toolCalled', actual);
  const count = calls.filter((call) => call.name === name).length;
  const min = bounds.times ?? bounds.min ?? 1;
  const max = bounds.times ?? bounds.max ?? Number.POSITIVE_INFINITY;
  const passed = count >= min && count <= max;
  if (count === 0 && !passed) return { type: 'toolCalled', passed, value: 0, detail: `${name} was not called; ${names(calls)}` };
  const wanted = bounds.times !== undefined ? `exactly ${bounds.times}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
  return { type: 'toolCalled', passed, value: count, detail: `${name} was called ${times(count)}${passed ? '' : `, not ${wanted}`}` };
}

/** The tool was not called; without a name, no tool was called at all. */
export function checkToolNotCalled(actual: unknown, name?: string): CheckResult {
  const calls = callsIn(actual);
  if (!calls) return notCalls('toolNotCalled', actual);
  if (name === undefined) return { type: 'toolNotCalled', passed: calls.length === 0, value: calls.length, detail: names(calls) };
  const count = calls.filter((call) => call.name === name).length;
  return { type: 'toolNotCalled', passed: count === 0, value: count, detail: count === 0 ? `${name} was not called` : `${name} was called ${times(count)}` };
}

/**
 * A call of the tool has matching arguments (with `every`, all its calls do, and there is one):
 * equal to `expected` (`exact`), containing it (`subset`, the default), or valid against a
 * schema (a zod schema, or JSON Schema given with `match: 'schema'`).
 */
export function checkToolArguments(
  actual: unknown,
  name: string,
  expected: unknown,
  options: { readonly match?: ArgumentMatch | 'schema'; readonly every?: boolean } = {},
): CheckResult {
  const calls = callsIn(actual);
  if (!calls) return notCalls('toolArguments', actual);
  const match = expected instanceof z.ZodType ? 'schema' : (options.match ?? 'subset');
  let matches: (args: unknown) => boolean;
  if (match === 'schema') {
    const schema = expected instanceof z.ZodType ? expected : compileJsonSchema(expected as Record<string, Json>);
    matches = (args) => schema.safeParse(args).success;
  } else {
    matches = (args) => argumentsMatch(args, expected, match);
  }
  const ofTool = calls.filter((call) => call.name === name);
  const wanted = match === 'schema' ? 'the schema' : `${show(expected)} (${match})`;
  if (ofTool.length === 0) return { type: 'toolArguments', passed: false, detail: `${name} was not called; ${names(calls)}` };
  const good = ofTool.filter((call) => matches(call.arguments));
  const passed = options.every ? good.length === ofTool.length : good.length > 0;
  if (passed) return { type: 'toolArguments', passed, detail: `${options.every ? `every call of ${name}` : `${name} was called with arguments that`} match ${wanted}` };
  const bad = ofTool.find((call) => !matches(call.arguments))!;
  return {
    type: 'toolArguments',
    passed,
    detail: `${options.every ? `a call of ${name} has` : `no call of ${name} has`} arguments matching ${wanted}: ${show(bad.arguments)}`,
  };
}

/**
 * The tools were called in this order: as a subsequence of the calls (others may come between),
 * or, with `strict`, as exactly the calls made.
 */
export function checkToolOrder(actual: unknown, order: readonly string[], options: { readonly strict?: boolean } = {}): CheckResult {
  const calls = callsIn(actual);
  if (!calls) return notCalls('toolOrder', actual);
  const made = calls.map((call) => call.name);
  let passed: boolean;
  if (options.strict) passed = deepEqual(made, [...order]);
  else {
    let next = 0;
    for (const name of made) if (name === order[next]) next++;
    passed = next === order.length;
  }
  const wanted = order.join(', ');
  return {
    type: 'toolOrder',
    passed,
    detail: passed ? `called ${options.strict ? 'exactly' : 'in order'}: ${wanted}` : `${wanted} were not called ${options.strict ? 'exactly' : 'in this order'}; ${names(calls)}`,
  };
}

/** The loop made between `min` and `max` model calls (the `rounds` of an `llm()` output with tools). */
export function checkToolRounds(actual: unknown, bounds: { readonly min?: number; readonly max?: number }): CheckResult {
  const rounds = isPlainObject(actual) ? actual['rounds'] : undefined;
  if (typeof rounds !== 'number') return { type: 'toolRounds', passed: false, detail: `${show(actual)} has no rounds (an llm() output with tools)` };
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.POSITIVE_INFINITY;
  const passed = rounds >= min && rounds <= max;
  const detail = `${rounds} round${rounds === 1 ? '' : 's'}${passed ? '' : rounds < min ? `, fewer than ${min}` : `, more than ${max}`}`;
  return { type: 'toolRounds', passed, value: rounds, detail };
}

/** How the calls made compare with the expected ones. */
export interface ToolCallScores {
  /** Calls made that were expected, over the calls made (1 when none were made). */
  readonly precision: number;
  /** Expected calls that were made, over the expected calls (1 when none were expected). */
  readonly recall: number;
  /** The harmonic mean of precision and recall (0 when both are 0). */
  readonly f1: number;
  /** Pairs of a call made and an expected call that match, each call used once. */
  readonly matched: number;
  readonly made: number;
  readonly expected: number;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Precision, recall and F1 of the calls made against the expected ones. A call matches an
 * expected call of the same tool whose arguments match (`arguments`: `subset` by default); each
 * call counts once, and the pairing is the one with the most matches, whatever the order.
 */
export function scoreToolCalls(actual: unknown, expected: unknown, options: { readonly arguments?: ArgumentMatch } = {}): ToolCallScores | undefined {
  const made = callsIn(actual);
  const wanted = expectedIn(expected);
  if (!made || !wanted) return undefined;
  const match = options.arguments ?? 'subset';
  const size = Math.max(made.length, wanted.length);
  const cost = Array.from({ length: size }, (_, i) =>
    Array.from({ length: size }, (_, j) => {
      const call = made[i];
      const want = wanted[j];
      return call && want && call.name === want.name && argumentsMatch(call.arguments, want.arguments, match) ? 0 : 1;
    }),
  );
  const assignment = hungarian(cost);
  const matched = assignment.filter((j, i) => cost[i]![j] === 0).length;
  const precision = made.length === 0 ? 1 : matched / made.length;
  const recall = wanted.length === 0 ? 1 : matched / wanted.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision: round3(precision), recall: round3(recall), f1: round3(f1), matched, made: made.length, expected: wanted.length };
}

/** The calls made score at least `threshold` (default 1) on `metric` (default F1) against the expected calls. */
export function checkToolCalls(
  actual: unknown,
  expected: unknown,
  options: { readonly metric?: 'f1' | 'precision' | 'recall'; readonly threshold?: number; readonly arguments?: ArgumentMatch } = {},
): CheckResult {
  if (!expectedIn(expected)) return { type: 'toolCalls', passed: false, detail: `expected ${show(expected)} is not a list of { name, arguments } calls` };
  const scores = scoreToolCalls(actual, expected, options);
  if (!scores) return notCalls('toolCalls', actual);
  const metric = options.metric ?? 'f1';
  const threshold = options.threshold ?? 1;
  const value = scores[metric];
  const passed = value >= threshold;
  const missing = expectedIn(expected)!.length - scores.matched;
  const extra = scores.made - scores.matched;
  const summary = `${scores.matched} of ${scores.expected} expected call${scores.expected === 1 ? '' : 's'} made${missing > 0 ? ` (${missing} missing)` : ''}, ${extra} unexpected`;
  return {
    type: 'toolCalls',
    passed,
    value,
    detail: `${metric} ${value} ${passed ? '>=' : '<'} ${threshold}: ${summary} (precision ${scores.precision}, recall ${scores.recall})`,
  };
}
