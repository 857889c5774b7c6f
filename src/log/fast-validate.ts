/**
 * A fast check of case records, the lines a large log is made of: zod validation cost more than
 * parsing the JSON (about 2 µs against 1 µs a record of the calc sample). It accepts exactly what
 * CaseRecordSchema accepts; the reader calls zod only when it fails, to describe the problem.
 *
 * It is built from the zod schema, so it cannot drift from it: each field of the schema's shape is
 * checked by a hand-written function when there is one here, else by that field's own zod schema
 * (a field added to the schema is validated by zod until someone writes a fast check for it). Like
 * z.object, it ignores fields the schema does not know. `fast-validate.test.ts` compares it with
 * zod on generated records.
 */
import type { z } from 'zod';
import { CaseRecordSchema, ErrorInfoSchema, StageRecordSchema, UsageSchema, type CaseRecord } from './schema.ts';

type Check = (value: unknown) => boolean;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isNonNegative: Check = (v) => isNumber(v) && (v as number) >= 0;
const isNonNegativeInt: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);
const oneOf = (...values: string[]): Check => {
  const set = new Set(values);
  return (v) => typeof v === 'string' && set.has(v);
};
const recordOf =
  (check: Check): Check =>
  (v) => {
    if (!isPlainObject(v)) return false;
    for (const key in v) if (!check(v[key])) return false;
    return true;
  };
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);

/**
 * A check of a z.object: every field of its shape, with `fast[field]` where given and the field's
 * zod schema otherwise; an absent field passes only when the schema allows undefined.
 */
function objectCheck(schema: z.ZodObject, fast: Readonly<Record<string, Check>>): Check {
  const fields = Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => ({
    key,
    optional: field.safeParse(undefined).success,
    check: fast[key] ?? ((v: unknown) => field.safeParse(v).success),
  }));
  return (value) => {
    if (!isPlainObject(value)) return false;
    for (const { key, optional, check } of fields) {
      const v = value[key];
      if (v === undefined) {
        if (!optional) return false;
      } else if (!check(v)) {
        return false;
      }
    }
    return true;
  };
}

const usageCheck = objectCheck(UsageSchema, {
  calls: isNonNegativeInt,
  inputTokens: isNonNegative,
  outputTokens: isNonNegative,
  cachedInputTokens: isNonNegative,
  reasoningTokens: isNonNegative,
});

const errorCheck = objectCheck(ErrorInfoSchema, {
  name: isString,
  message: isString,
  stack: isString,
  code: isString,
  stage: nullable(isString),
  context: arrayOf(isString),
});

const stageStatus = oneOf(...StageRecordSchema.shape.status.options);
const stageRecordCheck = objectCheck(StageRecordSchema, {
  status: stageStatus,
  startMs: isNumber,
  endMs: isNumber,
  durationMs: isNonNegative,
  reason: isString,
  error: errorCheck,
  usage: usageCheck,
  costUsd: isNonNegative,
  reused: isBoolean,
});

const columnValue: Check = (v) => v === null || typeof v === 'string' || typeof v === 'boolean' || isNumber(v);

const caseRecordCheck = objectCheck(CaseRecordSchema, {
  type: (v) => v === 'case',
  caseId: isString,
  index: isNonNegativeInt,
  repeat: isNonNegativeInt,
  status: oneOf(...CaseRecordSchema.shape.status.options),
  passed: nullable(isBoolean),
  score: nullable(isNumber),
  case: isPlainObject,
  stages: isPlainObject,
  stageRecords: recordOf(stageRecordCheck),
  error: nullable(errorCheck),
  startMs: isNumber,
  endMs: isNumber,
  durationMs: isNonNegative,
  columns: recordOf(columnValue),
  usage: usageCheck,
  costUsd: isNonNegative,
});

/** True when `value` is a valid case record (CaseRecordSchema would accept it). */
export function isCaseRecord(value: unknown): value is CaseRecord {
  return caseRecordCheck(value);
}
