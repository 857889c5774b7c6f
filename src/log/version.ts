/** The run-log schema version (see log/schema.ts): kept apart so writers need not build the zod schemas. */
export const LOG_VERSION = 1;
