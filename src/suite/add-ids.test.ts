import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SuiteError } from '../errors.ts';
import { addIds, type AddIdsOptions } from './add-ids.ts';
import { loadSuite } from './load.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

let dir: string;
let counter: number;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagliots-add-ids-'));
  dirs.push(dir);
  counter = 0;
});

/** Deterministic ids: new-1, new-2, ... */
const options = (extra: Partial<AddIdsOptions> = {}): AddIdsOptions => ({ cwd: dir, newId: () => `new-${++counter}`, ...extra });

async function write(name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return name;
}

const read = (name: string) => readFile(join(dir, name), 'utf8');

async function failure(promise: Promise<unknown>): Promise<SuiteError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SuiteError) return error;
    throw error;
  }
  throw new Error('expected a SuiteError');
}

describe('add-ids on JSON', () => {
  it('inserts a uuid as the first key, copying the layout of each case, and leaves everything else as it was', async () => {
    const text = [
      '{',
      '  "pipeline": "calc",',
      '  "cases": [',
      '    { "uuid": "keep", "user": "1+1" },',
      '    { "user": "2*3", "answer": 6 },',
      '    {',
      '      "user" :  "3-1",',
      '      "answer": 2',
      '    },',
      '    {"compact":true},',
      '    {},',
      '    { "id": "", "x": 1 }',
      '  ]',
      '}',
    ].join('\n');
    await write('s.json', text);
    const result = await addIds('s.json', options());
    expect(result).toEqual({ file: 's.json', cases: 6, added: 5, replaced: 0, problems: [], changed: true });
    expect(await read('s.json')).toBe(
      [
        '{',
        '  "pipeline": "calc",',
        '  "cases": [',
        '    { "uuid": "keep", "user": "1+1" },',
        '    { "uuid": "new-1", "user": "2*3", "answer": 6 },',
        '    {',
        '      "uuid" :  "new-2",',
        '      "user" :  "3-1",',
        '      "answer": 2',
        '    },',
        '    {"uuid":"new-3","compact":true},',
        '    { "uuid": "new-4" },',
        '    { "id": "new-5", "x": 1 }',
        '  ]',
        '}',
      ].join('\n'),
    );
  });

  it('handles an array suite with CRLF line ends and a byte-order mark', async () => {
    await write('s.json', '\uFEFF[\r\n  {\r\n    "a": "x, \\"quoted\\" }"\r\n  }\r\n]\r\n');
    await addIds('s.json', options());
    expect(await read('s.json')).toBe('\uFEFF[\r\n  {\r\n    "uuid": "new-1",\r\n    "a": "x, \\"quoted\\" }"\r\n  }\r\n]\r\n');
  });

  it('writes nothing when every case has an id', async () => {
    await write('s.json', '[{"id": 1}, {"uuid": "b"}]');
    const before = await stat(join(dir, 's.json'));
    const result = await addIds('s.json', options());
    expect(result).toMatchObject({ cases: 2, added: 0, changed: false });
    expect((await stat(join(dir, 's.json'))).mtimeMs).toBe(before.mtimeMs);
  });

  it('reports invalid and duplicate ids and changes nothing without force', async () => {
    const text = '[\n  {"id": 1},\n  {"id": "1"},\n  {"uuid": 1.5},\n  {"uuid": "a", "id": "b"},\n  {"uuid": true},\n  {"x": 1}\n]\n';
    await write('s.json', text);
    const error = await failure(addIds('s.json', options()));
    expect(error.code).toBe('E_SUITE_ID_INVALID');
    expect(error.message).toBe(
      [
        's.json: 4 cases have invalid ids; nothing was changed:',
        "  case 1 (line 3): id '1' is also the id of case 0 (line 2)",
        '  case 2 (line 4): uuid is number 1.5, not a string or an integer',
        "  case 3 (line 5): uuid 'a' and id 'b' differ",
        '  case 4 (line 6): uuid is boolean true, not a string or an integer',
      ].join('\n'),
    );
    expect(error.hint).toContain('--force');
    expect(await read('s.json')).toBe(text);
  });

  it('with force gives every case a new id, in place where it had one, and reports what it repaired', async () => {
    await write('s.json', '[\n  {"id": 1},\n  {"id": "1"},\n  {"uuid": 1.5},\n  {"uuid": "a", "id": "b"},\n  {"x": 1}\n]\n');
    const result = await addIds('s.json', options({ force: true }));
    expect(result).toMatchObject({ cases: 5, added: 1, replaced: 4, changed: true });
    expect(result.problems.map((p) => p.index)).toEqual([1, 2, 3]);
    expect(await read('s.json')).toBe('[\n  {"id": "new-1"},\n  {"id": "new-2"},\n  {"uuid": "new-3"},\n  {"uuid": "new-4", "id": "new-4"},\n  {"uuid": "new-5","x": 1}\n]\n');
    // The suite loads now.
    expect((await loadSuite('s.json', { cwd: dir })).count).toBe(5);
  });

  it('uses real UUIDv4 ids by default, and the result loads', async () => {
    await write('s.json', '[{"x": 1}, {"x": 2}]');
    await addIds('s.json', { cwd: dir });
    const cases = JSON.parse(await read('s.json')) as { uuid: string }[];
    for (const c of cases) expect(c.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cases[0]!.uuid).not.toBe(cases[1]!.uuid);
    expect((await loadSuite('s.json', { cwd: dir })).count).toBe(2);
  });

  it('leaves no temp file behind', async () => {
    await write('s.json', '[{"x": 1}]');
    await addIds('s.json', options());
    expect(await readdir(dir)).toEqual(['s.json']);
  });

  it('reports a JSON syntax error with its position', async () => {
    await write('s.json', '[\n  {"x": 1},\n  {"x": 2,}\n]');
    const error = await failure(addIds('s.json', options()));
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toMatch(/^s\.json:3:\d+: invalid JSON: .*trailing comma/);
  });

  it('refuses cases that are not objects, and empty suites', async () => {
    await write('a.json', '[{"x": 1}, 7]');
    expect((await failure(addIds('a.json', options()))).message).toBe('a.json:1: case 1 must be an object, not number 7');
    await write('b.json', '{"cases": []}');
    expect((await failure(addIds('b.json', options()))).code).toBe('E_SUITE_EMPTY');
    expect((await failure(addIds('nope.json', options()))).code).toBe('E_SUITE_NOT_FOUND');
    await write('c.txt', '[]');
    expect((await failure(addIds('c.txt', options()))).code).toBe('E_SUITE_FORMAT');
  });
});

describe('add-ids on YAML', () => {
  it('keeps comments and formatting, and inserts the uuid first (block and flow maps)', async () => {
    await write(
      's.yaml',
      ['# The suite', 'pipeline: calc # which one', 'cases:', '  # first case', '  - uuid: keep', '    user: "1+1"', '  - user: |', '      multi', '      line', "  - { user: '2+2', answer: 4 }", '  - id: ""', '    user: x', ''].join('\n'),
    );
    const result = await addIds('s.yaml', options());
    expect(result).toMatchObject({ cases: 4, added: 3, changed: true });
    expect(await read('s.yaml')).toBe(
      [
        '# The suite',
        'pipeline: calc # which one',
        'cases:',
        '  # first case',
        '  - uuid: keep',
        '    user: "1+1"',
        '  - uuid: new-1',
        '    user: |',
        '      multi',
        '      line',
        "  - { uuid: new-2, user: '2+2', answer: 4 }",
        '  - id: new-3',
        '    user: x',
        '',
      ].join('\n'),
    );
  });

  it('reports problems with their lines', async () => {
    await write('s.yml', '- id: a\n- id: b\n- id: a\n');
    const error = await failure(addIds('s.yml', options()));
    expect(error.message).toContain("case 2 (line 3): id 'a' is also the id of case 0 (line 1)");
  });
});

describe('add-ids on JSONL', () => {
  it('edits line by line, keeping blank lines, CRLF and a missing final newline', async () => {
    await write('s.jsonl', '{"uuid":"l1","input":"a"}\n\n{"input":"b"}\r\n   \n{ "x": 2 }');
    const result = await addIds('s.jsonl', options());
    expect(result).toMatchObject({ cases: 3, added: 2, changed: true });
    expect(await read('s.jsonl')).toBe('{"uuid":"l1","input":"a"}\n\n{"uuid":"new-1","input":"b"}\r\n   \n{ "uuid": "new-2", "x": 2 }');
    expect(await readdir(dir)).toEqual(['s.jsonl']);
  });

  it('finds duplicates across the stream and removes its temp file when it refuses', async () => {
    const text = '{"id":"a"}\n{"id":"b"}\n{"id":"a"}\n';
    await write('s.jsonl', text);
    const error = await failure(addIds('s.jsonl', options()));
    expect(error.message).toContain("case 2 (line 3): id 'a' is also the id of case 0 (line 1)");
    expect(await read('s.jsonl')).toBe(text);
    expect(await readdir(dir)).toEqual(['s.jsonl']);
  });

  it('names the line of a JSON error', async () => {
    await write('s.jsonl', '{"id":"a"}\n{"id": b}\n');
    const error = await failure(addIds('s.jsonl', options()));
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toMatch(/^s\.jsonl:2:\d+: invalid JSONL/);
    expect(await readdir(dir)).toEqual(['s.jsonl']);
  });

  it('keeps the byte order mark and CRLF of the line it edits', async () => {
    await write('s.jsonl', '\uFEFF{"input":"a"}\r\n{ "input": "b" }\r\n');
    await addIds('s.jsonl', options());
    expect(await read('s.jsonl')).toBe('\uFEFF{"uuid":"new-1","input":"a"}\r\n{ "uuid": "new-2", "input": "b" }\r\n');
  });

  it('streams a large file', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ n: i, text: 'x'.repeat(20) }));
    await write('big.jsonl', `${lines.join('\n')}\n`);
    const result = await addIds('big.jsonl', options());
    expect(result).toMatchObject({ cases: 20_000, added: 20_000 });
    const suite = await loadSuite('big.jsonl', { cwd: dir });
    expect(suite.count).toBe(20_000);
  });
});

describe('add-ids on a suite that names its cases file', () => {
  it('edits the cases file, not the suite', async () => {
    await write('suite.yaml', '# points elsewhere\npipeline: simple\ncases: cases.jsonl\n');
    await write('cases.jsonl', '{"input":"a"}\n');
    const result = await addIds('suite.yaml', options());
    expect(result).toMatchObject({ file: 'cases.jsonl', pointedFrom: 'suite.yaml', cases: 1, added: 1 });
    expect(await read('suite.yaml')).toBe('# points elsewhere\npipeline: simple\ncases: cases.jsonl\n');
    expect(await read('cases.jsonl')).toBe('{"uuid":"new-1","input":"a"}\n');
  });

  it('JSON pointing at YAML', async () => {
    await write('suite.json', '{ "cases": "cases.yaml" }');
    await write('cases.yaml', '- input: a # note\n');
    await addIds('suite.json', options());
    expect(await read('cases.yaml')).toBe('- uuid: new-1\n  input: a # note\n');
  });

  it('refuses a cases file in the object form', async () => {
    await write('suite.json', '{ "cases": "more.json" }');
    await write('more.json', '{ "cases": [] }');
    const error = await failure(addIds('suite.json', options()));
    expect(error.message).toBe('more.json: a cases file must hold an array of cases');
    expect((await failure(addIds('missing.json', options()))).code).toBe('E_SUITE_NOT_FOUND');
    await write('dangling.json', '{ "cases": "gone.json" }');
    expect((await failure(addIds('dangling.json', options()))).message).toBe('gone.json: no such file (the cases file named in dangling.json)');
  });
});

describe('add-ids refuses what the suite loader refuses, and writes nothing', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1'); // 'é' as the one byte 0xE9: not UTF-8

  it('bytes that are not UTF-8, which a rewrite would otherwise turn into U+FFFD for good', async () => {
    for (const name of ['s.json', 's.yaml', 's.jsonl']) {
      const text = name === 's.yaml' ? latin1('- input: a\n- input: café\n') : name === 's.json' ? latin1('[\n  {"input": "a"},\n  {"input": "café"}\n]\n') : latin1('{"input":"a"}\n{"input":"café"}\n');
      await writeFile(join(dir, name), text);
      const error = await failure(addIds(name, options()));
      expect(error.code, name).toBe('E_SUITE_ENCODING');
      expect(error.message, name).toMatch(new RegExp(`^${name.replace('.', '\\.')}:\\d+:\\d+: invalid UTF-8 \\(byte 0xE9\\)`));
      expect(await readFile(join(dir, name))).toEqual(text);
    }
    expect((await readdir(dir)).sort()).toEqual(['s.json', 's.jsonl', 's.yaml']);
  });

  it('a key repeated within a case', async () => {
    await write('s.json', '[\n  {"input": "a", "input": "b"}\n]\n');
    const error = await failure(addIds('s.json', options()));
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toMatch(/^s\.json:2:18: invalid JSON: duplicate key 'input' \(first at column 4\)/);
    await write('s.jsonl', '{"x": 1}\n{"uuid": "a", "uuid": ""}\n');
    expect((await failure(addIds('s.jsonl', options()))).message).toMatch(/^s\.jsonl:2:15: invalid JSONL: duplicate key 'uuid'/);
    expect(await read('s.jsonl')).toBe('{"x": 1}\n{"uuid": "a", "uuid": ""}\n');
    expect((await readdir(dir)).sort()).toEqual(['s.json', 's.jsonl']);
  });
});
