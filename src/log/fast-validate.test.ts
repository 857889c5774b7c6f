import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isCaseRecord } from './fast-validate.ts';
import { CaseRecordSchema } from './schema.ts';

const logsDir = fileURLToPath(new URL('../../test/fixtures/logs/', import.meta.url));
/** Every fixture log under test/fixtures/logs/, in sub-folders too. */
const fixtures = readdirSync(logsDir, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.jsonl'))
  .sort();
/** The case lines of the fixtures that are JSON (truncated.jsonl ends in a cut line), with where they are. */
const caseLines = fixtures.flatMap((name) =>
  readFileSync(logsDir + name, 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      if (!line.startsWith('{"type":"case"')) return [];
      try {
        return [{ where: `${name}:${i + 1}`, record: JSON.parse(line) as Record<string, unknown> }];
      } catch {
        return [];
      }
    }),
);
const caseRecords = caseLines.map(({ record }) => record);

const stageRecord = (startMs: number) => ({
  status: 'error',
  startMs,
  endMs: startMs + 12.5,
  durationMs: 12.5,
  reason: 'why',
  error: { name: 'StageError', message: 'failed', stack: 'at x', code: 'E_X', stage: 'answer', context: ['outer', 'inner'], data: { a: [1, null] }, retryable: false },
  usage: { calls: 2, inputTokens: 30, outputTokens: 7, cachedInputTokens: 4, reasoningTokens: 2 },
  costUsd: 0.0012,
  reused: false,
  queuedMs: 0.5,
  calls: [
    {
      profile: 'fast',
      model: 'gpt-x',
      provider: 'openai',
      status: 'error',
      cache: 'miss',
      attempts: [
        { attempt: 1, rateLimitWaitMs: 0, backoffMs: 0, durationMs: 3, status: 429, outcome: 'retry', error: 'rate limited', retryAfterMs: 10 },
        { attempt: 2, rateLimitWaitMs: 1, backoffMs: 10, durationMs: 4, status: null, outcome: 'error', error: 'timeout', batchId: 'b1', customId: 'r1' },
      ],
      waitedMs: 10,
      rateLimitWaitMs: 1,
      durationMs: 17,
      usage: { inputTokens: 15, outputTokens: 3, cachedInputTokens: 2, reasoningTokens: 1 },
      usageEstimated: true,
      costUsd: 0.0006,
      finishReason: 'tool_calls',
      error: 'timeout',
      loop: 1,
      round: 2,
      batch: { batchId: 'b1', customId: 'r1', startMs: 1_767_225_600_000, waitMs: 60_000, savedUsd: 0.0006 },
    },
  ],
  llm: [
    {
      model: 'fast',
      templates: [{ role: 'system', source: '(inline)', sha256: 'ab' }],
      messages: [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'add', arguments: '{"a":1}' }] },
        { role: 'tool', content: '2', toolCallId: 'c1' },
      ],
      output: { schemaSha256: 'cd', mode: 'json_schema' },
      parseAttempts: [{ attempt: 1, ok: false, issues: ['bad'], text: '{' }],
      loop: 1,
      tools: [{ name: 'add', sha256: 'ef' }],
      rounds: [
        {
          round: 1,
          startMs,
          durationMs: 2,
          usage: { inputTokens: 15, outputTokens: 3, cachedInputTokens: 0, reasoningTokens: 0 },
          costUsd: 0.0003,
          cache: 'off',
          finishReason: 'tool_calls',
          text: '',
          toolCalls: [
            { round: 1, id: 'c1', name: 'add', arguments: { a: 1 }, status: 'ok', result: 2, startMs, durationMs: 0.1 },
            { round: 1, id: 'c2', name: 'sub', arguments: 'not json', status: 'error', error: { kind: 'unknown_tool', message: 'no tool sub' } },
            { round: 1, id: 'c3', name: 'add', arguments: {}, status: 'skipped', reason: 'budget' },
          ],
          error: 'stopped',
        },
      ],
      outcome: 'budget',
    },
  ],
});

/** A case record with every field of CaseRecordSchema, at every depth, given a value. */
const FULL: Record<string, unknown> = {
  type: 'case',
  caseId: 'c-1',
  index: 3,
  repeat: 1,
  status: 'cancelled',
  passed: null,
  score: 0.5,
  case: { id: 'c-1', turns: [{ user: 'hi' }] },
  stages: { answer: { text: 'x' } },
  stageRecords: { answer: stageRecord(1000) },
  error: { name: 'Error', message: 'boom', stack: 'at y', code: 'E_Y', stage: null, context: [], data: null, retryable: true },
  startMs: 1000,
  endMs: 1100,
  durationMs: 100,
  columns: { user: 'hi', n: 1, ok: true, none: null },
  sections: [
    { name: 'Answer', format: 'markdown', content: '**x**' },
    { name: 'Trace', format: 'text', content: '', error: 'format failed' },
  ],
  usage: { calls: 2, inputTokens: 30, outputTokens: 7, cachedInputTokens: 4, reasoningTokens: 2 },
  costUsd: 0.0012,
  cancel: { reason: 'stage', stage: 'answer', message: 'enough' },
  events: [{ t: 1.5, stage: 'answer', turn: 0, type: 'stage.retry', data: { attempt: 2 } }],
  artifacts: [{ stage: 'answer', turn: 0, name: 'a.txt', path: 'r.artifacts/ab/a.txt', sha256: 'ab', bytes: 3, mime: 'text/plain' }],
  turns: [
    {
      index: 0,
      status: 'skipped',
      reason: 'an earlier turn failed',
      passed: false,
      score: null,
      stages: { answer: 'x' },
      stageRecords: { answer: stageRecord(1050) },
      error: { name: 'Error', message: 'boom', stack: 'at z', code: 'E_Z', stage: 'answer', context: ['turn 0'], data: 'd', retryable: false },
      startMs: 1050,
      endMs: 1090,
      durationMs: 40,
      columns: { user: 'hi' },
      sections: [{ name: 'Turn', format: 'text', content: 'hi', error: 'none' }],
    },
  ],
};

const agrees = (value: unknown) => expect(isCaseRecord(value), JSON.stringify(value)?.slice(0, 300)).toBe(CaseRecordSchema.safeParse(value).success);

const ODD_VALUES: unknown[] = [undefined, null, true, 0, -0, -1, 1.5, 2 ** 60, Infinity, NaN, '', 'x', 'ok', 'complete', [], ['a'], [1], {}, { a: 1 }];

/** Every path to a value inside `value` (objects and arrays), as key lists. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, v]) => [[...prefix, key], ...paths(v, [...prefix, key])]);
}

function withValue(record: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(record) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined && !Array.isArray(at)) delete at[last];
  else at[last] = value;
  return copy;
}

type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; additionalProperties?: JsonSchemaNode | boolean; items?: JsonSchemaNode; anyOf?: JsonSchemaNode[] };

/** The fields of a JSON Schema, as paths like `stageRecords.*.calls[].attempts[].status`. */
function schemaFields(schema: JsonSchemaNode, path = '', out = new Set<string>()): Set<string> {
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    out.add(`${path}.${key}`);
    schemaFields(sub, `${path}.${key}`, out);
  }
  if (typeof schema.additionalProperties === 'object') schemaFields(schema.additionalProperties, `${path}.*`, out);
  if (schema.items) schemaFields(schema.items, `${path}[]`, out);
  for (const branch of schema.anyOf ?? []) schemaFields(branch, path, out);
  return out;
}

/** The fields of `schema` that `value` gives a value to, as schemaFields names them. */
function fieldsGiven(schema: JsonSchemaNode, value: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) fieldsGiven(schema.items, item, `${path}[]`, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      if (sub) {
        out.add(`${path}.${key}`);
        fieldsGiven(sub, v, `${path}.${key}`, out);
      } else if (typeof schema.additionalProperties === 'object') {
        fieldsGiven(schema.additionalProperties, v, `${path}.*`, out);
      }
    }
  }
  for (const branch of schema.anyOf ?? []) fieldsGiven(branch, value, path, out);
  return out;
}

/** `value` with `key: field` added to every object of it that the schema describes field by field, at any depth. */
function withFieldEverywhere(schema: JsonSchemaNode, value: unknown, key: string, field: unknown): unknown {
  const branch = schema.anyOf?.find((b) => (Array.isArray(value) ? b.items : b.properties ?? b.additionalProperties)) ?? schema;
  if (Array.isArray(value)) return branch.items ? value.map((item) => withFieldEverywhere(branch.items!, item, key, field)) : value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = branch.properties?.[k] ?? (typeof branch.additionalProperties === 'object' ? branch.additionalProperties : undefined);
    out[k] = sub ? withFieldEverywhere(sub, v, key, field) : v;
  }
  if (branch.properties) out[key] = field;
  return out;
}

describe('isCaseRecord (generated from CaseRecordSchema)', () => {
  it('agrees with CaseRecordSchema on the case lines of every fixture log', () => {
    expect(fixtures.length).toBeGreaterThan(8);
    expect(caseLines.length).toBeGreaterThan(20);
    for (const { record } of caseLines) agrees(record);
    expect(caseLines.filter(({ record }) => !isCaseRecord(record)).map(({ where }) => where)).toEqual(['bad-middle-line.jsonl:3', 'future-version.jsonl:2']);
  });

  it('is tried on a record that gives a value to every field of the schema', () => {
    expect(CaseRecordSchema.safeParse(FULL).error).toBeUndefined();
    expect(isCaseRecord(FULL)).toBe(true);
    const schema = z.toJSONSchema(CaseRecordSchema) as JsonSchemaNode;
    const missing = [...schemaFields(schema)].filter((field) => !fieldsGiven(schema, FULL).has(field));
    expect(missing, 'give these fields a value in FULL').toEqual([]);
  });

  it('agrees with CaseRecordSchema when any field, at any depth, is removed or replaced by an odd value', () => {
    let checked = 0;
    // A turn's stage records are checked by the same generated function as the case's: once is enough.
    const once = (path: (string | number)[]) => !(path[0] === 'turns' && path[2] === 'stageRecords' && path.length > 4);
    for (const record of [FULL, ...caseRecords.slice(0, 2)]) {
      for (const path of paths(record).filter(once)) {
        for (const value of ODD_VALUES) {
          agrees(withValue(record, path, value));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('agrees with CaseRecordSchema on random JSON values put anywhere', () => {
    const records = [FULL, caseRecords.find((r) => r['status'] === 'error')!];
    for (const record of records) {
      const all = paths(record);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.jsonValue(), (i, value) => {
          agrees(withValue(record, all[i]!, value));
        }),
        { numRuns: 2000, seed: 42 },
      );
    }
  });

  it('accepts fields it does not know, at any depth, as CaseRecordSchema does (its z.object fields strip them)', () => {
    const schema = z.toJSONSchema(CaseRecordSchema) as JsonSchemaNode;
    for (const value of [1, 'x', null, { any: ['thing'] }]) {
      const record = withFieldEverywhere(schema, FULL, 'addedLater', value);
      expect(JSON.stringify(record).split('"addedLater"').length - 1).toBeGreaterThan(40);
      agrees(record);
      expect(isCaseRecord(record)).toBe(true);
    }
  });

  it('rejects a wrong value in a stage record of a turn', () => {
    const record = structuredClone(FULL) as { turns: { stageRecords: { answer: { calls: unknown[] } } }[] };
    record.turns[0]!.stageRecords.answer.calls = [{ profile: 'p' }];
    agrees(record);
    expect(isCaseRecord(record)).toBe(false);
  });
});
