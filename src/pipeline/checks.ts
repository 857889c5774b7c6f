/**
 * Built-in checks for assess stages: deterministic comparisons of a stage output with an expected
 * value. Each returns a `CheckResult`; `runChecks` folds several into `{ passed, checks }`, the
 * output of a YAML `type: check` stage. Pure functions: no I/O, no model.
 */
import { z } from 'zod';
import type { Json } from '../util/json.ts';
import { deepEqual } from '../util/json.ts';
import { levenshtein } from '../util/suggest.ts';
import type { ToolCheckType } from './tool-checks.ts';
import { assertZod4Schema, isZod3Schema } from './zod-schema.ts';

export type CheckType = 'equals' | 'contains' | 'regex' | 'jsonSchema' | 'numeric' | 'similarity' | ToolCheckType;

/** The result of one check, as stored in a check stage's output. */
export interface CheckResult {
  readonly type: CheckType;
  /** The check's own name, when the pipeline gave one. */
  readonly name?: string;
  readonly passed: boolean;
  /** What was compared and why it failed, one line. */
  readonly detail: string;
  /** A measured value: the similarity ratio or the numeric difference. */
  readonly value?: number;
}

export interface TextOptions {
  /** Compare strings case-insensitively. @default false */
  readonly ignoreCase?: boolean;
  /** Trim surrounding whitespace of strings before comparing. @default true */
  readonly trim?: boolean;
}

/** A value in a check's detail: its JSON, cut at 80 characters. */
export const show = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
};

function normalizeText(value: unknown, options: TextOptions): unknown {
  if (typeof value !== 'string') return value;
  let text = options.trim === false ? value : value.trim();
  if (options.ignoreCase) text = text.toLowerCase();
  return text;
}

/**
 * Deep equality of two JSON values; strings are trimmed (and lower-cased with `ignoreCase`).
 * @example
 * checkEquals(stages.answer, c.answer, { ignoreCase: true })  // { type: 'equals', passed, detail }
 */
export function checkEquals(actual: unknown, expected: unknown, options: TextOptions = {}): CheckResult {
  const passed = deepEqual(normalizeText(actual, options), normalizeText(expected, options));
  return { type: 'equals', passed, detail: passed ? `equals ${show(expected)}` : `${show(actual)} is not equal to ${show(expected)}` };
}

/**
 * A string contains a substring, or an array contains an element (deep equality).
 * @example
 * checkContains(stages.reply, 'refund', { ignoreCase: true })
 */
export function checkContains(actual: unknown, expected: unknown, options: TextOptions = {}): CheckResult {
  let passed: boolean;
  if (Array.isArray(actual)) {
    const wanted = normalizeText(expected, options);
    passed = actual.some((item) => deepEqual(normalizeText(item, options), wanted));
  } else if (typeof actual === 'string') {
    const haystack = normalizeText(actual, options) as string;
    const needle = normalizeText(typeof expected === 'string' ? expected : JSON.stringify(expected), options) as string;
    passed = haystack.includes(needle);
  } else {
    return { type: 'contains', passed: false, detail: `${show(actual)} is not a string or an array` };
  }
  return { type: 'contains', passed, detail: passed ? `contains ${show(expected)}` : `${show(actual)} does not contain ${show(expected)}` };
}

/**
 * A string matches a regular expression (JavaScript syntax; `flags` such as `i`).
 * @example
 * checkRegex(stages.reply, '^order #\\d+', 'i')
 */
export function checkRegex(actual: unknown, pattern: string, flags = ''): CheckResult {
  if (typeof actual !== 'string') return { type: 'regex', passed: false, detail: `${show(actual)} is not a string` };
  const passed = new RegExp(pattern, flags).test(actual);
  return { type: 'regex', passed, detail: passed ? `matches /${pattern}/${flags}` : `${show(actual)} does not match /${pattern}/${flags}` };
}

/** Compiles a JSON Schema into a zod schema; throws with the reason when it cannot. */
export function compileJsonSchema(schema: Readonly<Record<string, Json>> | boolean): z.ZodType {
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
}

/**
 * A value matches a schema: a zod 4 schema, or a JSON Schema (draft 2020-12) object.
 * @example
 * checkJsonSchema(stages.extract, { type: 'object', required: ['total'], properties: { total: { type: 'number' } } })
 * checkJsonSchema(stages.extract, z.object({ total: z.number() }))
 */
export function checkJsonSchema(actual: unknown, schema: z.ZodType | Readonly<Record<string, Json>>): CheckResult {
  if (isZod3Schema(schema)) assertZod4Schema(schema, 'checkJsonSchema()');
  const compiled = schema instanceof z.ZodType ? schema : compileJsonSchema(schema);
  const result = compiled.safeParse(actual);
  if (result.success) return { type: 'jsonSchema', passed: true, detail: 'matches the schema' };
  const issues = result.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`);
  return { type: 'jsonSchema', passed: false, detail: `does not match the schema: ${issues.join('; ')}` };
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim().replace(/,/g, ''));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** How far a number may be from the expected one: absolute, relative to the expected value, or both (the larger allowance wins). */
export interface NumericTolerance {
  /** Largest allowed difference. @default 0 */
  readonly absolute?: number;
  /** Largest allowed difference as a fraction of |expected| (0.01 = 1%). @default 0 */
  readonly relative?: number;
}

/**
 * Two numbers (or numeric strings such as `"1,234.5"`) differ by at most the tolerance: a number
 * (absolute) or `{ absolute, relative }`. `value` is the absolute difference.
 * @example
 * checkNumeric('3.14', Math.PI, 0.01).passed                // true
 * checkNumeric(1_010, 1_000, { relative: 0.02 }).passed     // true: within 2%
 */
export function checkNumeric(actual: unknown, expected: unknown, tolerance: number | NumericTolerance = 0): CheckResult {
  const { absolute = 0, relative = 0 } = typeof tolerance === 'number' ? { absolute: tolerance } : tolerance;
  const a = asNumber(actual);
  const e = asNumber(expected);
  if (a === undefined) return { type: 'numeric', passed: false, detail: `${show(actual)} is not a number` };
  if (e === undefined) return { type: 'numeric', passed: false, detail: `expected ${show(expected)} is not a number` };
  const difference = Math.abs(a - e);
  const allowed = Math.max(absolute, relative * Math.abs(e));
  const passed = difference <= allowed;
  const shown = relative > 0 ? `${allowed} (${absolute > 0 ? `${absolute} or ` : ''}${relative * 100}% of ${e})` : `${allowed}`;
  return {
    type: 'numeric',
    passed,
    value: difference,
    detail: passed ? `${a} is within ${shown} of ${e}` : `${a} differs from ${e} by ${difference} (tolerance ${shown})`,
  };
}

/** 1 - edit distance / length of the longer string: 1 for equal strings, 0 for nothing in common. */
export function levenshteinRatio(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  return longest === 0 ? 1 : 1 - levenshtein(a, b) / longest;
}

/**
 * The Levenshtein ratio of two strings is at least `threshold` (0..1); `value` is the ratio.
 * @example
 * checkSimilarity(stages.answer, c.answer, 0.8, { ignoreCase: true })
 */
export function checkSimilarity(actual: unknown, expected: unknown, threshold: number, options: TextOptions = {}): CheckResult {
  if (typeof actual !== 'string') return { type: 'similarity', passed: false, detail: `${show(actual)} is not a string` };
  const a = normalizeText(actual, options) as string;
  const e = normalizeText(typeof expected === 'string' ? expected : JSON.stringify(expected), options) as string;
  const ratio = Math.round(levenshteinRatio(a, e) * 1000) / 1000;
  const passed = ratio >= threshold;
  return { type: 'similarity', passed, value: ratio, detail: `similarity ${ratio} ${passed ? '>=' : '<'} ${threshold} with ${show(expected)}` };
}

/** The output of a check stage: passed when every check passed. */
export interface ChecksOutput {
  readonly passed: boolean;
  readonly checks: readonly CheckResult[];
}

/**
 * Folds checks into one stage output: passed when every check passed.
 * @example
 * check: (ctx) => combineChecks([checkEquals(ctx.stages.answer, ctx.case.answer), checkRegex(ctx.stages.answer, '^[A-Z]')]),
 */
export function combineChecks(checks: readonly CheckResult[]): ChecksOutput {
  return { passed: checks.every((check) => check.passed), checks };
}
