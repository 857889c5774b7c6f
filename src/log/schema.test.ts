import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RunLogRecordSchema } from './schema.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixturesDir = fileURLToPath(new URL('../../test/fixtures/logs/', import.meta.url));
const committedText = readFileSync(new URL('../../schema/run-log.schema.json', import.meta.url), 'utf8');

/** Lines of each fixture that must not validate (1-based), or 'skip' when the fixture is not ours to validate. */
const FIXTURES: Record<string, number[] | 'skip'> = {
  'complete.jsonl': [],
  'interrupted.jsonl': [],
  'no-end.jsonl': [],
  'truncated.jsonl': [3],
  'bad-middle-line.jsonl': [3],
  'future-version.jsonl': 'skip',
  'not-a-log.jsonl': 'skip',
  'dag.jsonl': [],
  'repeat.jsonl': [],
  'llm-retries.jsonl': [],
};

describe('schema/run-log.schema.json', () => {
  it('equals a fresh z.toJSONSchema of RunLogRecordSchema plus $id and title', () => {
    // scripts/gen-schema.mjs adds exactly $id and title.
    const { $id, title, ...generated } = JSON.parse(committedText) as Record<string, unknown>;
    expect(typeof $id).toBe('string');
    expect(typeof title).toBe('string');
    expect(generated, 'run `node scripts/gen-schema.mjs`').toEqual(z.toJSONSchema(RunLogRecordSchema));
    expect(committedText).toBe(JSON.stringify(JSON.parse(committedText), null, 2) + '\n');
  });

  it('closes no object: a field added later (an optional field keeps LOG_VERSION) never makes an older reader reject a log', () => {
    const closed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (typeof node === 'object' && node !== null) {
        const object = node as Record<string, unknown>;
        if (object['properties'] !== undefined && object['additionalProperties'] === false) closed.push(path);
        for (const [key, value] of Object.entries(object)) walk(value, `${path}.${key}`);
      }
    };
    walk(JSON.parse(committedText), '$');
    expect(closed).toEqual([]);
  });

  it('is what `gen-schema.mjs --check` expects, and so is the case-record validator generated with it', () => {
    // --check exits 1, and execFileSync throws, when a generated file differs from a fresh one.
    const output = execFileSync(process.execPath, ['scripts/gen-schema.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    for (const file of ['schema/run-log.schema.json', 'src/log/generated/case-record-validator.js', 'src/log/generated/case-record-validator.d.ts']) {
      expect(output).toContain(`${file} is up to date.`);
    }
  });
});

describe('fixtures', () => {
  it('are all listed here', () => {
    expect(readdirSync(fixturesDir).filter((name) => name.endsWith('.jsonl')).sort()).toEqual(Object.keys(FIXTURES).sort());
  });

  for (const [name, invalid] of Object.entries(FIXTURES)) {
    if (invalid === 'skip') continue;
    it(`${name} validates${invalid.length > 0 ? ` except line ${invalid.join(', ')}` : ''}`, () => {
      const text = readFileSync(fixturesDir + name, 'utf8');
      const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
      const failing = lines.flatMap((line, i) => {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          return [i + 1];
        }
        return RunLogRecordSchema.safeParse(value).success ? [] : [i + 1];
      });
      expect(failing).toEqual(invalid);
    });
  }
});
