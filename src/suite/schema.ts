import { z } from 'zod';

import { isPlainObject } from '../util/json.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';

/** A case id as written: a string, or an integer that stands for its decimal string. */
export const CaseIdSchema = z.union([z.string(), z.int()], { error: 'must be a string or an integer' });

/** One test case. Only the fields tagliots itself reads are checked; the rest belong to the pipeline. */
export const CaseSchema = z.looseObject({
  uuid: CaseIdSchema.optional(),
  id: CaseIdSchema.optional(),
  keywords: z.array(z.string()).optional(),
});

export type CaseShape = z.infer<typeof CaseSchema>;

export const SUITE_OBJECT_KEYS = ['pipeline', 'description', 'config', 'cases'] as const;

/** The object form of a suite file (unknown keys are rejected separately, with a suggestion). */
export const SuiteObjectSchema = z.object({
  pipeline: z.string().min(1, 'must not be empty').optional(),
  description: z.string().optional(),
  config: z.record(z.string(), z.unknown(), { error: 'must be an object of config values' }).optional(),
  cases: z.union([z.array(z.unknown()), z.string().min(1)], {
    error: 'must be an array of cases or the path of a cases file (.json, .yaml, .yml or .jsonl)',
  }),
});

export type SuiteObject = z.infer<typeof SuiteObjectSchema>;

/** A failed check: where in the value (`keywords[1]`, empty for the value itself) and what is wrong. */
export interface Problem {
  path: string;
  message: string;
  hint?: string;
}

export type CaseCheck = { ok: true; id: string | undefined } | { ok: false; problem: Problem };

/**
 * Checks a case's shape and works out its id: `uuid` or `id`, integers as their decimal string.
 * An empty string counts as no id, so `add-ids` can fill it in; `undefined` means the case has none.
 */
export function checkCase(value: unknown): CaseCheck {
  if (!isPlainObject(value)) {
    return { ok: false, problem: { path: '', message: `must be an object, not ${typeName(value)}` } };
  }
  let shape: CaseShape;
  if (hasCaseShape(value)) {
    shape = value;
  } else {
    const result = CaseSchema.safeParse(value);
    if (!result.success) return { ok: false, problem: problemOf(result.error) };
    shape = result.data;
  }
  const uuid = idString(shape.uuid);
  const id = idString(shape.id);
  if (uuid !== undefined && id !== undefined && uuid !== id) {
    return {
      ok: false,
      problem: { path: 'id', message: `'${id}' differs from uuid '${uuid}'`, hint: 'a case has one id: keep either `uuid` or `id`' },
    };
  }
  return { ok: true, id: uuid ?? id };
}

/**
 * The same verdict as `CaseSchema.safeParse(value).success`, without zod's allocations: this runs
 * once per case, a million times for a big suite. zod is still used to describe a failure.
 */
export function hasCaseShape(value: unknown): value is CaseShape {
  if (!isPlainObject(value)) return false;
  const keywords = value.keywords;
  return (
    isIdOrAbsent(value.uuid) &&
    isIdOrAbsent(value.id) &&
    (keywords === undefined || (Array.isArray(keywords) && keywords.every((k) => typeof k === 'string')))
  );
}

function isIdOrAbsent(id: unknown): boolean {
  return id === undefined || typeof id === 'string' || Number.isSafeInteger(id);
}

function idString(id: string | number | undefined): string | undefined {
  if (id === undefined || id === '') return undefined;
  return typeof id === 'number' ? String(id) : id;
}

export type SuiteObjectCheck = { ok: true; suite: SuiteObject } | { ok: false; problem: Problem };

export function checkSuiteObject(value: Record<string, unknown>): SuiteObjectCheck {
  for (const key of Object.keys(value)) {
    if ((SUITE_OBJECT_KEYS as readonly string[]).includes(key)) continue;
    const suggestions = closest(key, SUITE_OBJECT_KEYS).map((s) => `'${s}'`);
    return {
      ok: false,
      problem: {
        path: key,
        message: `unknown key '${key}'${suggestions.length === 0 ? '' : ` (did you mean ${oxfordJoin(suggestions, 'or')}?)`}`,
        hint: `a suite object may only have the keys ${oxfordJoin(SUITE_OBJECT_KEYS)}`,
      },
    };
  }
  if (value.cases === undefined) {
    return { ok: false, problem: { path: 'cases', message: 'is missing', hint: 'give the cases as an array, or the path of a cases file' } };
  }
  const result = SuiteObjectSchema.safeParse(value);
  if (!result.success) return { ok: false, problem: problemOf(result.error) };
  return { ok: true, suite: result.data };
}

function problemOf(error: z.ZodError): Problem {
  const issue = error.issues[0];
  if (issue === undefined) return { path: '', message: 'is invalid' };
  return { path: formatPath(issue.path), message: issue.message.replace(/^Invalid input: /, '') };
}

/** `keywords[1]`, `expected.items[0].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'a non-plain object';
  return `a ${typeof value}`;
}
