import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCaseRecord } from './fast-validate.ts';
import { CaseRecordSchema } from './schema.ts';

const fixtures = ['complete.jsonl', 'interrupted.jsonl', 'repeat.jsonl', 'dag.jsonl', 'bad-middle-line.jsonl'];
const caseLines = fixtures.flatMap((name) =>
  readFileSync(fileURLToPath(new URL(`../../test/fixtures/logs/${name}`, import.meta.url)), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"type":"case"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>),
);

const agrees = (value: unknown) => expect(isCaseRecord(value), JSON.stringify(value).slice(0, 300)).toBe(CaseRecordSchema.safeParse(value).success);

const ODD_VALUES: unknown[] = [undefined, null, true, 0, -1, 1.5, 2 ** 60, '', 'x', 'ok', 'complete', [], ['a'], [1], {}, { a: 1 }];

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

describe('isCaseRecord', () => {
  it('agrees with CaseRecordSchema on the case lines of the fixtures', () => {
    expect(caseLines.length).toBeGreaterThan(20);
    for (const record of caseLines) agrees(record);
    expect(caseLines.filter((r) => !isCaseRecord(r))).toHaveLength(1); // bad-middle-line.jsonl:3
  });

  it('agrees with CaseRecordSchema when any field, at any depth, is removed or replaced by an odd value', () => {
    const samples = caseLines.slice(0, 8);
    let checked = 0;
    for (const record of samples) {
      for (const path of paths(record)) {
        for (const value of ODD_VALUES) {
          agrees(withValue(record, path, value));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('agrees with CaseRecordSchema on random JSON values put anywhere', () => {
    const record = caseLines.find((r) => r['status'] === 'error')!;
    const all = paths(record);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.jsonValue(), (i, value) => {
        agrees(withValue(record, all[i]!, value));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('accepts fields it does not know, as z.object does, and checks stage-record fields it has no fast check for with zod', () => {
    const record = structuredClone(caseLines[0]!);
    agrees({ ...record, addedLater: { any: 'thing' } });
    const stageRecords = record['stageRecords'] as Record<string, Record<string, unknown>>;
    const first = Object.keys(stageRecords)[0]!;
    stageRecords[first]!['calls'] = [{ profile: 'p' }];
    agrees(record);
    expect(isCaseRecord(record)).toBe(false);
    stageRecords[first]!['calls'] = [];
    expect(isCaseRecord(record)).toBe(true);
  });
});
