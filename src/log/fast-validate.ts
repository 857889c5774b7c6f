/**
 * A fast check of case records, the lines a large log is made of: zod validation costs more than
 * parsing the JSON. It accepts exactly what CaseRecordSchema accepts; the reader calls zod only
 * when it fails, to describe the problem.
 *
 * The check is not written by hand: `npm run gen:schema` (scripts/gen-schema.mjs) compiles the
 * JSON Schema zod gives for CaseRecordSchema into plain JavaScript with ajv, in
 * `generated/case-record-validator.js`, and a test fails when that file is stale.
 * `fast-validate.test.ts` compares it with zod on every fixture log and on altered records.
 */
import { validateCaseRecord } from './generated/case-record-validator.js';
import type { CaseRecord } from './schema.ts';

/** True when `value` is a valid case record (CaseRecordSchema would accept it). */
export function isCaseRecord(value: unknown): value is CaseRecord {
  return validateCaseRecord(value);
}
