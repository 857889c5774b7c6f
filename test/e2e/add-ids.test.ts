/**
 * `tagliots add-ids` end to end: JSON, YAML and JSONL suites, the pointer form, invalid ids with
 * and without --force, and the suite loading afterwards.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/suite/load.ts';
import { tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { stackFrames } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import type { CliResult } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function addIds(files: Record<string, string>, args: readonly string[], exitCode = 0): Promise<{ dir: string; result: CliResult }> {
  const dir = await writeFiles(await temp.make(), files);
  const result = await runInProcess(['add-ids', ...args], { cwd: dir });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
  expect(stackFrames(result.stderr)).toEqual([]);
  return { dir, result };
}

describe.concurrent('add-ids', () => {
  it('JSON: adds a uuid first to each case without an id, keeps the rest of the file, and the suite loads', async () => {
    const text = '{\n  "pipeline": "calc",\n  "cases": [\n    { "uuid": "a-1", "user": "1+1" },\n    { "user": "2+2" },\n    { "user": "3+3" }\n  ]\n}\n';
    const { dir, result } = await addIds({ 'suite.json': text }, ['suite.json']);
    expect(result.stdout).toBe('suite.json: 3 cases, 2 ids added, 1 already had one.\n');
    expect(result.stderr).toBe('');
    const after = await readFile(join(dir, 'suite.json'), 'utf8');
    const lines = after.split('\n');
    expect(lines[3]).toBe('    { "uuid": "a-1", "user": "1+1" },');
    expect(lines[4]).toMatch(/^ {4}\{ "uuid": "[0-9a-f-]{36}", "user": "2\+2" \},$/);
    const cases = (JSON.parse(after) as { cases: { uuid: string }[] }).cases;
    expect(cases[1]!.uuid).toMatch(UUID_V4);
    expect(cases[2]!.uuid).toMatch(UUID_V4);
    expect((await loadSuite('suite.json', { cwd: dir })).count).toBe(3);
    expect(await readdir(dir)).toEqual(['suite.json']);
  });

  it('YAML: keeps comments', async () => {
    const { dir, result } = await addIds({ 'suite.yaml': '# my suite\n- input: a # first\n- input: b\n' }, ['suite.yaml']);
    expect(result.stdout).toBe('suite.yaml: 2 cases, 2 ids added, 0 already had one.\n');
    const after = await readFile(join(dir, 'suite.yaml'), 'utf8');
    expect(after).toMatch(/^# my suite\n- uuid: [0-9a-f-]{36}\n {2}input: a # first\n- uuid: [0-9a-f-]{36}\n {2}input: b\n$/);
    expect((await loadSuite('suite.yaml', { cwd: dir })).count).toBe(2);
  });

  it('JSONL, named by a suite (pointer form): edits the cases file', async () => {
    const { dir, result } = await addIds({ 'suite.json': '{ "pipeline": "p", "cases": "cases.jsonl" }', 'cases.jsonl': '{"id":"x"}\n{"input":"y"}\n' }, ['suite.json']);
    expect(result.stdout).toBe('suite.json keeps its cases in cases.jsonl.\ncases.jsonl: 2 cases, 1 id added, 1 already had one.\n');
    expect(await readFile(join(dir, 'suite.json'), 'utf8')).toBe('{ "pipeline": "p", "cases": "cases.jsonl" }');
    expect(await readFile(join(dir, 'cases.jsonl'), 'utf8')).toMatch(/^\{"id":"x"\}\n\{"uuid":"[0-9a-f-]{36}","input":"y"\}\n$/);
  });

  it('leaves a suite whose cases all have ids alone', async () => {
    const { result } = await addIds({ 's.json': '[{"id": 1}]' }, ['s.json']);
    expect(result.stdout).toBe('s.json: 1 case, all with ids: nothing to change.\n');
  });

  it('refuses invalid ids without --force, and changes nothing', async () => {
    const text = '[\n  {"id": "a"},\n  {"id": "a"},\n  {"id": 2.5},\n  {"x": 1}\n]\n';
    const { dir, result } = await addIds({ 's.json': text }, ['s.json'], 2);
    expect(result.stderr).toBe(
      [
        'Error (E_SUITE_ID_INVALID): s.json: 2 cases have invalid ids; nothing was changed:',
        "  case 1 (line 3): id 'a' is also the id of case 0 (line 2)",
        '  case 2 (line 4): id is number 2.5, not a string or an integer',
        'Hint: fix them by hand, or run add-ids again with --force to give every case a new id (ids then change: logs of earlier runs no longer match them)',
        '',
      ].join('\n'),
    );
    expect(await readFile(join(dir, 's.json'), 'utf8')).toBe(text);
  });

  it('--force gives every case a new id and says what it repaired', async () => {
    const { dir, result } = await addIds({ 's.json': '[\n  {"id": "a"},\n  {"id": "a"},\n  {"id": 2.5},\n  {"x": 1}\n]\n' }, ['s.json', '--force']);
    expect(result.stdout).toBe(
      [
        's.json: 4 cases, 4 new ids (3 replaced, 1 added).',
        'Repaired 2 invalid ids:',
        "  case 1 (line 3): id 'a' is also the id of case 0 (line 2)",
        '  case 2 (line 4): id is number 2.5, not a string or an integer',
        '',
      ].join('\n'),
    );
    const suite = await loadSuite('s.json', { cwd: dir });
    const ids: string[] = [];
    for await (const c of suite.cases()) ids.push(c.id);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('errors: a missing file, a parse error, an unsupported format', async () => {
    const missing = await addIds({}, ['nope.json'], 2);
    expect(missing.result.stderr).toContain('Error (E_SUITE_NOT_FOUND): nope.json: no such file');
    const broken = await addIds({ 'b.jsonl': '{"id":"a"}\n{oops}\n' }, ['b.jsonl'], 2);
    expect(broken.result.stderr).toMatch(/^Error \(E_SUITE_PARSE\): b\.jsonl:2:2: invalid JSONL: /);
    const text = await addIds({ 'c.txt': '[]' }, ['c.txt'], 2);
    expect(text.result.stderr).toContain("Error (E_SUITE_FORMAT): c.txt: unsupported suite format '.txt'");
  });

  it('then `run` accepts the suite that lacked ids', async () => {
    const { dir } = await addIds({ 'cases.json': '[{"answer": 1}, {"answer": 2}]', 'tagliots.config.ts': CONFIG }, ['cases.json']);
    const result = await runInProcess(['run', 'cases.json', '--runs-dir', join(dir, 'runs')], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Complete: 2/2');
  });
});

const CONFIG = `import { definePipeline, defineConfig } from 'tagliots';
const echo = definePipeline({ name: 'echo', description: 'echoes', stages: () => ({ only: (ctx) => ctx.case['answer'] ?? null }) });
export default defineConfig({ pipelines: [echo] });
`;
