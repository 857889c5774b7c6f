import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SuiteError } from '../errors.ts';
import { loadSuite, type Suite, type SuiteCase } from './load.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/suites');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tagliots-suite-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every case, with its line: on the case for JSONL, from suite.caseLine() for JSON and YAML. */
async function collect(suite: Suite): Promise<SuiteCase[]> {
  const out: SuiteCase[] = [];
  for await (const c of suite.cases()) out.push({ ...c, line: c.line ?? suite.caseLine(c.index) });
  return out;
}

/** Writes `content` to a fresh file named `name` in the temp folder and returns its path. */
let counter = 0;
async function write(name: string, content: string): Promise<string> {
  const folder = join(tmp, String(counter++));
  await mkdir(folder, { recursive: true });
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

async function loadError(path: string, cwd = tmp): Promise<SuiteError> {
  const error: unknown = await loadSuite(path, { cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SuiteError);
  return error as SuiteError;
}

async function errorFor(name: string, content: string): Promise<SuiteError> {
  return loadError(await write(name, content));
}

function sha256(...parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

describe('loadSuite: formats and shapes', () => {
  it('loads a JSON array of cases with ids from uuid, id and integers, and the line of each case', async () => {
    const suite = await loadSuite('array.json', { cwd: fixtures });
    expect(suite).toMatchObject({ path: 'array.json', absolutePath: join(fixtures, 'array.json'), format: 'json', count: 3 });
    expect(suite.pipeline).toBeUndefined();
    const cases = await collect(suite);
    expect(cases.map((c) => [c.index, c.id, c.line])).toEqual([
      [0, 'c1', 2],
      [1, 'c2', 3],
      [2, '3', 7],
    ]);
    expect(cases[0]?.case).toEqual({ uuid: 'c1', input: 'hello', keywords: ['greeting'] });
  });

  it('loads the JSON object form with pipeline, description and the raw config', async () => {
    const suite = await loadSuite(join(fixtures, 'object.json'), { cwd: '/' });
    expect(suite.pipeline).toBe('simple');
    expect(suite.description).toBe('a small suite');
    expect(suite.config).toEqual({ infer: { model: { name: 'perfect' } }, 'prepare.template': 't.txt' });
    expect((await collect(suite)).map((c) => [c.id, c.line])).toEqual([
      ['a1', 6],
      ['a2', 7],
    ]);
  });

  it('loads a YAML list of cases with line numbers from the document', async () => {
    const suite = await loadSuite('array.yaml', { cwd: fixtures });
    expect(suite.format).toBe('yaml');
    const cases = await collect(suite);
    expect(cases.map((c) => [c.id, c.line])).toEqual([
      ['y1', 2],
      ['42', 6],
      ['y3', 10],
    ]);
    expect(cases[1]?.case.input).toBe('multi\nline\n');
  });

  it('loads the YAML object form from a .yml file', async () => {
    const suite = await loadSuite('object.yml', { cwd: fixtures });
    expect(suite).toMatchObject({ format: 'yaml', pipeline: 'simple', description: 'yaml object form', count: 2 });
    expect(suite.config).toEqual({ 'infer.model.name': 'perfect' });
    expect((await collect(suite)).map((c) => [c.id, c.line])).toEqual([
      ['o1', 6],
      ['o2', 8],
    ]);
  });

  it('streams a JSONL file, skipping blank lines and accepting CRLF line ends', async () => {
    const suite = await loadSuite('cases.jsonl', { cwd: fixtures });
    expect(suite).toMatchObject({ format: 'jsonl', count: 3 });
    expect((await collect(suite)).map((c) => [c.index, c.id, c.line, c.case.input])).toEqual([
      [0, 'l1', 1, 'a'],
      [1, 'l2', 3, 'b'],
      [2, '7', 5, 'c'],
    ]);
  });

  it('yields the same cases each time cases() is iterated, for every format', async () => {
    for (const name of ['array.json', 'array.yaml', 'cases.jsonl', 'pointer.json']) {
      const suite = await loadSuite(name, { cwd: fixtures });
      const first = await collect(suite);
      expect(await collect(suite)).toEqual(first);
      expect(first).toHaveLength(suite.count);
    }
  });

  it('follows a cases path relative to the suite file, taking the format from the cases file', async () => {
    const suite = await loadSuite('test/fixtures/suites/pointer.json', { cwd: join(fixtures, '../../..') });
    expect(suite).toMatchObject({ format: 'jsonl', pipeline: 'simple', count: 3, path: 'test/fixtures/suites/pointer.json' });
    expect((await collect(suite)).map((c) => c.id)).toEqual(['l1', 'l2', '7']);

    const yaml = await loadSuite('pointer.yaml', { cwd: fixtures });
    expect(yaml).toMatchObject({ format: 'json', count: 3, config: { 'infer.model.name': 'perfect' } });
    expect((await collect(yaml)).map((c) => [c.id, c.line])).toEqual([
      ['c1', 2],
      ['c2', 3],
      ['3', 7],
    ]);
  });

  it('hashes the bytes of the suite file, followed by those of the cases file it points at', async () => {
    const read = (name: string) => readFile(join(fixtures, name));
    expect((await loadSuite('array.json', { cwd: fixtures })).sha256).toBe(sha256(await read('array.json')));
    expect((await loadSuite('array.yaml', { cwd: fixtures })).sha256).toBe(sha256(await read('array.yaml')));
    expect((await loadSuite('cases.jsonl', { cwd: fixtures })).sha256).toBe(sha256(await read('cases.jsonl')));
    expect((await loadSuite('pointer.json', { cwd: fixtures })).sha256).toBe(sha256(await read('pointer.json'), await read('cases.jsonl')));
    expect((await loadSuite('pointer.yaml', { cwd: fixtures })).sha256).toBe(sha256(await read('pointer.yaml'), await read('array.json')));
  });

  it('accepts a UTF-8 byte order mark and upper-case extensions', async () => {
    const json = await loadSuite(await write('BOM.JSON', '\uFEFF[{"id": "a"}]'), { cwd: tmp });
    expect(json.count).toBe(1);
    const jsonl = await loadSuite(await write('bom.jsonl', '\uFEFF{"id": "a"}\n'), { cwd: tmp });
    expect((await collect(jsonl)).map((c) => c.id)).toEqual(['a']);
  });

  it('gives the id from uuid and id alike when both are present and equal, integers included', async () => {
    const path = await write('same.json', '[{"uuid": "x", "id": "x"}, {"uuid": 5, "id": "5"}, {"uuid": "", "id": "z"}]');
    expect((await collect(await loadSuite(path, { cwd: tmp }))).map((c) => c.id)).toEqual(['x', '5', 'z']);
  });

  it('finds case lines in JSON with nested values, escaped quotes and several cases on a line', async () => {
    const path = await write(
      'nested.json',
      '{"description": "a \\"quoted\\" ] text",\n "cases": [{"id": "a", "x": {"y": [1, {"z": "}\\\\"}]}},\n  {"id": "b"}, {"id": "c"}\n,\n{"id": "d"}]}',
    );
    expect((await collect(await loadSuite(path, { cwd: tmp }))).map((c) => [c.id, c.line])).toEqual([
      ['a', 2],
      ['b', 3],
      ['c', 3],
      ['d', 5],
    ]);
  });

  it('streams a 200,000-line JSONL suite', async () => {
    const path = join(tmp, 'big.jsonl');
    const out = createWriteStream(path);
    for (let i = 0; i < 200_000; i++) out.write(`{"uuid":"case-${i}","input":"question ${i}","keywords":["k${i % 7}"]}\n`);
    await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));

    const suite = await loadSuite(path, { cwd: tmp });
    expect(suite.count).toBe(200_000);
    let n = 0;
    let last: SuiteCase | undefined;
    for await (const c of suite.cases()) {
      n++;
      last = c;
    }
    expect(n).toBe(200_000);
    expect(last).toMatchObject({ index: 199_999, id: 'case-199999', line: 200_000 });
  });

  it('stops reading when the consumer breaks out of cases()', async () => {
    const suite = await loadSuite('cases.jsonl', { cwd: fixtures });
    for await (const c of suite.cases()) {
      expect(c.id).toBe('l1');
      break;
    }
    expect((await collect(suite)).length).toBe(3);
  });
});

describe('loadSuite: files and formats', () => {
  it('reports a JSONL file that disappears before cases() streams it', async () => {
    const path = await write('gone.jsonl', '{"id": "a"}\n');
    const suite = await loadSuite(path, { cwd: tmp });
    await rm(path);
    const error: unknown = await collect(suite).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SuiteError);
    expect((error as SuiteError).code).toBe('E_SUITE_READ');
    expect((error as SuiteError).message).toContain(path);
  });


  it('rejects an unsupported extension, listing the supported ones', async () => {
    const error = await errorFor('cases.txt', '[]');
    expect(error.code).toBe('E_SUITE_FORMAT');
    expect(error.message).toContain('cases.txt');
    expect(error.message).toContain("'.txt'");
    expect(error.hint).toContain('.json, .yaml, .yml or .jsonl');
  });

  it('reports a missing file by the path given, suggesting a similarly named one', async () => {
    const error = await loadError('arary.json', fixtures);
    expect(error.code).toBe('E_SUITE_NOT_FOUND');
    expect(error.message).toBe('arary.json: no such file');
    expect(error.hint).toBe("did you mean 'array.json'?");
    const other = await loadError('cases.yaml', fixtures);
    expect(other.hint).toBe("did you mean 'cases.jsonl'?");
    const far = await loadError('nothing/like/this.json', fixtures);
    expect(far.hint).toContain('current folder');
  });

  it('reports a missing cases file named by a suite, relative to the suite folder', async () => {
    const suite = await write('suite.json', '{"cases": "missing.jsonl"}');
    const error = await loadError(suite);
    expect(error.code).toBe('E_SUITE_NOT_FOUND');
    expect(error.message).toBe(`${join(dirname(suite), 'missing.jsonl')}: no such file (the cases file named in ${suite})`);
  });

  it('reports a folder as not a suite file', async () => {
    const error = await loadError(fixtures);
    expect(error.code).toBe('E_SUITE_NOT_FOUND');
    expect(error.message).toContain('is a folder');
  });
});

describe('loadSuite: parse errors give file:line:column, the reason and the line with a caret', () => {
  it('locates a JSON syntax error', async () => {
    const path = await write('bad.json', '[\n  {"id": "a"},\n  {"id": "b" "x": 1}\n]\n');
    const error = await loadError(path);
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toBe(
      `${path}:3:14: invalid JSON: unexpected '"': expected ',' or '}' after a property value\n` +
        '    {"id": "b" "x": 1}\n' +
        '               ^',
    );
    expect(error.hint).toContain('JSON');
  });

  it('points a trailing comma and an unterminated JSON file at the right place', async () => {
    const comma = await errorFor('comma.json', '[\n  {"id": "a"},\n]');
    expect(comma.message).toMatch(/comma\.json:3:1: invalid JSON: unexpected '\]': JSON does not allow a trailing comma\n {2}\]\n {2}\^$/);
    const open = await errorFor('open.json', '[\n  {"id": "a"}\n\n');
    expect(open.message).toMatch(/open\.json:2:14: invalid JSON: unexpected end of input \(expected ',' or '\]' after an array element\)/);
  });

  it('counts columns in characters, not UTF-16 units, and keeps tabs under the caret', async () => {
    const error = await errorFor('emoji.json', '[{"id": "😀"\t x}]');
    expect(error.message).toContain('emoji.json:1:14: invalid JSON');
    expect(error.message.split('\n').slice(1)).toEqual(['  [{"id": "😀"\t x}]', '             \t ^']);
  });

  it('locates a YAML syntax error', async () => {
    const path = await write('bad.yaml', '- id: a\n  input: "unclosed\n- id: b\n');
    const error = await loadError(path);
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toBe(`${path}:3:8: invalid YAML: Missing closing "quote\n  - id: b\n         ^`);
    const dup = await errorFor('dup.yaml', 'cases:\n  - id: a\n    id: b\n');
    expect(dup.message).toContain('dup.yaml:3:5: invalid YAML: Map keys must be unique\n      id: b\n      ^');
  });

  it('explains a second YAML document and an alias to a missing anchor', async () => {
    const docs = await errorFor('docs.yaml', '- id: a\n---\n- id: b\n');
    expect(docs.message).toContain('docs.yaml:2:1: invalid YAML: a suite file holds one YAML document');
    const alias = await errorFor('alias.yaml', '- id: a\n  input: *nowhere\n');
    expect(alias.code).toBe('E_SUITE_PARSE');
    expect(alias.message).toContain('alias.yaml:2:10: invalid YAML: ');
  });

  it('locates a JSONL syntax error on its line', async () => {
    const path = await write('bad.jsonl', '{"id": "a"}\n\n{"id": "b", "input": \'x\'}\n');
    const error = await loadError(path);
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toBe(
      `${path}:3:22: invalid JSONL: unexpected "'": JSON strings use double quotes\n` + `  {"id": "b", "input": 'x'}\n` + '                       ^',
    );
    expect(error.hint).toContain('one complete JSON object');
  });

  it('tells that a JSONL case cannot span lines', async () => {
    const error = await errorFor('pretty.jsonl', '{\n  "id": "a"\n}\n');
    expect(error.message).toMatch(/pretty\.jsonl:1:2: invalid JSONL: unexpected end of input/);
    expect(error.hint).toContain('cannot span several lines');
  });

  it('shows a window of a long line around the error', async () => {
    const line = `{"id": "a", "text": "${'x'.repeat(300)}", oops: 1}`;
    const error = await errorFor('long.jsonl', `${line}\n`);
    const [, shown, caret] = error.message.split('\n');
    expect(shown?.startsWith('  …')).toBe(true);
    expect(caret?.indexOf('^')).toBe(shown?.indexOf('o', shown.indexOf('", ') + 3));
  });
});

describe('loadSuite: text that would change silently is refused, with file:line:column', () => {
  const e9 = Buffer.from([0xe9]); // 'é' in Latin-1: not UTF-8

  async function writeBytes(name: string, ...parts: (string | Buffer)[]): Promise<string> {
    const path = await write(name, '');
    await writeFile(path, Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))));
    return path;
  }

  it('refuses bytes that are not UTF-8 in a JSON or YAML suite, rather than reading them as U+FFFD', async () => {
    const json = await writeBytes('latin1.json', '[\n  {"id": "a", "input": "caf', e9, '"}\n]\n');
    const error = await loadError(json);
    expect(error.code).toBe('E_SUITE_ENCODING');
    expect(error.message).toBe(`${json}:2:28: invalid UTF-8 (byte 0xE9)\n    {"id": "a", "input": "caf\uFFFD"}\n  ${' '.repeat(27)}^`);
    expect(error.hint).toContain('save the file as UTF-8');
    const yaml = await loadError(await writeBytes('latin1.yaml', '- id: a\n  input: caf', e9, '\n'));
    expect(yaml.message).toMatch(/latin1\.yaml:2:13: invalid UTF-8 \(byte 0xE9\)\n/);
  });

  it('refuses them in a streamed JSONL suite, far into the file and at its very end', async () => {
    const filler = Array.from({ length: 3000 }, (_, i) => `{"id": "c${i}", "input": "question ${i}"}\n`).join('');
    const far = await writeBytes('far.jsonl', filler, '{"id": "x", "input": "caf', e9, '"}\n');
    const error = await loadError(far);
    expect(error.code).toBe('E_SUITE_ENCODING');
    expect(error.message).toMatch(/far\.jsonl:3001:26: invalid UTF-8 \(byte 0xE9\)\n {2}\{"id": "x", "input": "caf\uFFFD"\}\n {27}\^$/);
    const cut = await loadError(await writeBytes('cut.jsonl', '{"id": "a"}\n{"id": "b', Buffer.from([0xe2, 0x9c])));
    expect(cut.message).toMatch(/cut\.jsonl:2:10: invalid UTF-8 \(bytes 0xE2 0x9C\)/);
  });

  it('reads a character split across two read chunks of a JSONL suite', async () => {
    // The 4 bytes of the emoji straddle the end of the first 64 KiB read.
    const head = '{"id": "a", "input": "';
    const path = await write('split.jsonl', `${head}${'x'.repeat(65_534 - head.length)}🙂"}\n{"id": "b"}\n`);
    const cases = await collect(await loadSuite(path, { cwd: tmp }));
    expect(cases.map((c) => [c.id, c.line])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(String(cases[0]?.case.input).endsWith('x🙂')).toBe(true);
  });

  it('refuses a key repeated within an object, which JSON.parse would resolve by keeping the last', async () => {
    const path = await write('dupkey.json', '[\n  {"id": "a",\n   "input": "x", "input": "y"}\n]\n');
    const error = await loadError(path);
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toBe(
      `${path}:3:18: invalid JSON: duplicate key 'input' (first at column 4): a key may appear only once in an object\n` +
        '     "input": "x", "input": "y"}\n' +
        '                   ^',
    );
    expect(error.hint).toContain('keep only the last value');
    const nested = await errorFor('nested.json', '{"pipeline": "p",\n "cases": [{"id": "a", "meta": {"k": 1,\n "k": 2}}]}');
    expect(nested.message).toContain("nested.json:3:2: invalid JSON: duplicate key 'k' (first at line 2, column 33)");
    const top = await errorFor('top.json', '{"cases": [{"id": "a"}],\n "cases": [{"id": "b"}]}');
    expect(top.message).toContain("top.json:2:2: invalid JSON: duplicate key 'cases' (first at line 1, column 2)");
  });

  it('refuses a repeated key on a JSONL line, naming the line', async () => {
    const error = await errorFor('dupkey.jsonl', '{"id": "a"}\n{"id": "b", "id": "c"}\n');
    expect(error.code).toBe('E_SUITE_PARSE');
    expect(error.message).toMatch(/dupkey\.jsonl:2:13: invalid JSONL: duplicate key 'id' \(first at column 2\): /);
  });
});

describe('loadSuite: case shape', () => {
  it('rejects a case that is not an object, naming its index and line', async () => {
    const error = await errorFor('scalar.jsonl', '{"id": "a"}\n"just text"\n');
    expect(error.code).toBe('E_SUITE_SHAPE');
    expect(error.message).toMatch(/scalar\.jsonl:2: case 1 must be an object, not a string$/);
  });

  it('reports the field path of an invalid field', async () => {
    const error = await errorFor('kw.json', '[\n {"id": "a"},\n {"id": "b", "keywords": ["x", 3]}\n]');
    expect(error.code).toBe('E_SUITE_SHAPE');
    expect(error.message).toMatch(/kw\.json:3: case 1: keywords\[1\]: expected string, received number$/);
    const id = await errorFor('id.yaml', '- id: 1.5\n');
    expect(id.message).toMatch(/id\.yaml:1: case 0: id: must be a string or an integer$/);
  });

  it('rejects a case with different uuid and id', async () => {
    const error = await errorFor('both.jsonl', '{"uuid": "a", "id": "b"}\n');
    expect(error.code).toBe('E_SUITE_SHAPE');
    expect(error.message).toContain("both.jsonl:1: case 0: id: 'b' differs from uuid 'a'");
  });

  it('rejects YAML values JSON cannot hold', async () => {
    const error = await errorFor('nan.yaml', '- id: a\n  score: .nan\n');
    expect(error.code).toBe('E_SUITE_SHAPE');
    expect(error.message).toContain('nan.yaml:1: case 0 holds a value JSON cannot represent: $.score is NaN');
  });

  it('rejects a suite that is neither a list nor an object, and a cases file that is not a list', async () => {
    const scalar = await errorFor('scalar.yaml', 'hello\n');
    expect(scalar.code).toBe('E_SUITE_SHAPE');
    expect(scalar.message).toContain('not a string');
    const suite = await write('outer.json', '{"cases": "inner.yaml"}');
    await writeFile(join(dirname(suite), 'inner.yaml'), 'cases: []\n');
    const inner = await loadError(suite);
    expect(inner.code).toBe('E_SUITE_SHAPE');
    expect(inner.message).toContain('inner.yaml: a cases file must hold an array of cases, not an object');
  });
});

describe('loadSuite: the object form', () => {
  it('rejects unknown top-level keys with a suggestion and the key line', async () => {
    const error = await errorFor('typo.json', '{\n  "pipeline": "p",\n  "casse": []\n}');
    expect(error.code).toBe('E_SUITE_SHAPE');
    expect(error.message).toMatch(/typo\.json:3: casse: unknown key 'casse' \(did you mean 'cases'\?\)$/);
    expect(error.hint).toContain('pipeline, description, config, and cases');
    const dotted = await errorFor('dotted.json', '{"cases": [],\n"infer.model": {}}');
    expect(dotted.message).toMatch(/dotted\.json:2: infer\.model: unknown key 'infer\.model'$/);
    const yaml = await errorFor('typo.yaml', 'pipeline: p\nconfg: {}\ncases: []\n');
    expect(yaml.message).toMatch(/typo\.yaml:2: confg: unknown key 'confg' \(did you mean 'config'\?\)$/);
  });

  it('rejects a missing cases key and ill-typed values', async () => {
    const missing = await errorFor('nocases.yaml', 'pipeline: p\n');
    expect(missing.code).toBe('E_SUITE_SHAPE');
    expect(missing.message).toContain('cases: is missing');
    const config = await errorFor('config.json', '{"config": [1], "cases": []}');
    expect(config.message).toMatch(/config\.json:1: config: must be an object of config values$/);
    const pipeline = await errorFor('pipeline.yaml', 'cases: []\npipeline: 3\n');
    expect(pipeline.message).toMatch(/pipeline\.yaml:2: pipeline: expected string, received number$/);
  });
});

describe('loadSuite: ids and emptiness', () => {
  it('reports cases without ids, how many and which, with the add-ids hint', async () => {
    const lines = ['{"id": "a"}', '{"x": 1}', '{"id": ""}', ...Array.from({ length: 6 }, (_, i) => `{"n": ${i}}`)];
    const path = await write('noids.jsonl', `${lines.join('\n')}\n`);
    const error = await loadError(path);
    expect(error.code).toBe('E_SUITE_ID_MISSING');
    expect(error.message).toBe(
      `${path}: 8 of 9 cases have no id: case 1 (line 2), case 2 (line 3), case 3 (line 4), case 4 (line 5), case 5 (line 6), and 3 more`,
    );
    expect(error.hint).toBe(`run 'tagliots add-ids ${path}' to add ids`);
    const one = await errorFor('one.yaml', '- id: a\n- input: x\n');
    expect(one.message).toMatch(/1 of 2 cases has no id: case 1 \(line 2\)$/);
  });

  it('names both positions of a duplicate id in JSONL, JSON and YAML', async () => {
    const jsonl = await write('dup.jsonl', '{"id": "a"}\n{"id": "abc"}\n\n{"id": "b"}\n{"id": "abc"}\n');
    const error = await loadError(jsonl);
    expect(error.code).toBe('E_SUITE_ID_DUPLICATE');
    expect(error.message).toBe(`${jsonl}:5: case 1 (line 2) and case 3 (line 5) both have id 'abc'`);
    const json = await errorFor('dup.json', '[\n{"uuid": 7},\n{"id": "7"}\n]');
    expect(json.message).toMatch(/dup\.json:3: case 0 \(line 2\) and case 1 \(line 3\) both have id '7'$/);
    const yaml = await errorFor('dup.yaml', 'cases:\n  - id: x\n  - id: y\n  - id: x\n');
    expect(yaml.message).toMatch(/dup\.yaml:4: case 0 \(line 2\) and case 2 \(line 4\) both have id 'x'$/);
  });

  it('reports missing ids before duplicates', async () => {
    const error = await errorFor('both.json', '[{"id": "a"}, {"id": "a"}, {}]');
    expect(error.code).toBe('E_SUITE_ID_MISSING');
  });

  it('reports a suite without cases', async () => {
    for (const [name, content] of [
      ['empty.jsonl', '\n  \n'],
      ['empty.json', '[]'],
      ['blank.json', '  \n'],
      ['empty.yaml', '# nothing yet\n'],
      ['object.yaml', 'pipeline: p\ncases: []\n'],
    ] as const) {
      const error = await errorFor(name, content);
      expect(error.code, name).toBe('E_SUITE_EMPTY');
      expect(error.message, name).toContain(name);
    }
  });
});
