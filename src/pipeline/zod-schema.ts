/**
 * Schemas handed to tagliots by a pipeline must be zod 4 schemas: tagliots converts them to JSON
 * Schema and validates with zod 4. A project with zod 3 installed makes zod 3 schemas by default,
 * which zod 4 cannot read (it fails deep inside with "Cannot read properties of undefined").
 * Catch that here and say how to fix it.
 */
import { PipelineError } from '../errors.ts';

/** The hint of every zod-version error. */
export const ZOD_4_HINT =
  "tagliots needs zod 4 schemas: upgrade with `npm install zod@^4`, or, with zod 3.25 or later, import zod 4 from its subpath: import { z } from 'zod/v4'.";

/** Whether a value looks like a zod 3 schema (it has zod 3's `_def` and lacks zod 4's `_zod`). */
export function isZod3Schema(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && !('_zod' in value) && '_def' in value;
}

/**
 * Throws a clear error when `schema` is not a zod 4 schema.
 * @param where what took the schema, as the message names it: "llm(): output", "stage 'x'.validate()".
 */
export function assertZod4Schema(schema: unknown, where: string): void {
  if (isZod3Schema(schema)) {
    throw new PipelineError('E_ZOD_VERSION', `${where}: the schema was made with zod 3, which tagliots cannot read.`, { hint: ZOD_4_HINT });
  }
  if ((typeof schema !== 'object' && typeof schema !== 'function') || schema === null || !('_zod' in schema)) {
    throw new PipelineError('E_ZOD_VERSION', `${where}: expected a zod schema (got ${schema === null ? 'null' : typeof schema}).`, { hint: ZOD_4_HINT });
  }
}
