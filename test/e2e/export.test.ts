/**
 * `tagliots export` end to end: every format of a real run, to stdout and to a file, and the run-log
 * JSON Schema from any working directory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { cli, LOG_FIXTURES, makeRuns } from '../helpers/log-runs.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
let runsDir: string;
let ids: { flakey: string };

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  ids = await makeRuns(runsDir, ['flakey']);
});
afterAll(() => temp.cleanup());

const exportRun = (...args: string[]) => cli(['export', ...args, '--runs-dir', runsDir]);
const COLUMNS = 'id,index,repeat,status,passed,score,keywords,durationMs,inputTokens,outputTokens,costUsd,errorStage,errorMessage,user,answer,got';

describe.concurrent('tagliots export', () => {
  it('writes CSV per RFC 4180: a header, one CRLF-ended row per case', async ({ expect }) => {
    const result = await exportRun('latest', '--format', 'csv');
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toBe(COLUMNS);
    expect(lines).toHaveLength(26);
    expect(lines.at(-1)).toBe('');
    const b52 = lines.find((l) => l.startsWith('b52684c7'))!;
    expect(b52.replace(/,\d+\.?\d*,41,3,/, ',<ms>,41,3,')).toBe("b52684c7-c808-4267-8a83-7e7e0195d9ca,1,0,error,,,numbers;subtraction;flakey-fails,<ms>,41,3,,extract,could not convert string to number: 'hello world',10-7,3,");
  });

  it('writes JSON and JSONL rows with the same fields', async ({ expect }) => {
    const json = JSON.parse((await exportRun(ids.flakey, '--format', 'json')).stdout) as Record<string, unknown>[];
    const jsonl = (await exportRun(ids.flakey, '--format', 'jsonl')).stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(json).toHaveLength(24);
    expect(jsonl).toEqual(json);
    expect(Object.keys(json[0]!).join(',')).toBe(COLUMNS);
    expect(json.filter((r) => r['status'] === 'error')).toHaveLength(16);
    expect(json.find((r) => r['id'] === '470df36f-78c6-47bd-a1e0-fdb8b967657a')).toMatchObject({ index: 0, status: 'complete', passed: true, score: 1, keywords: 'numbers;addition', got: 2 });
  });

  it('writes a Markdown table and JUnit XML to files', async ({ expect }) => {
    const dir = await temp.make();
    const md = await exportRun('latest', '--format', 'md', '--out', join(dir, 'cases.md'));
    expect([md.exitCode, md.stdout, md.stderr]).toEqual([0, '', `Exported 24 rows to ${join(dir, 'cases.md')}\n`]);
    const table = await readFile(join(dir, 'cases.md'), 'utf8');
    expect(table.split('\n').slice(0, 2)).toEqual([`| ${COLUMNS.split(',').join(' | ')} |`, `|${COLUMNS.split(',').map(() => '---').join('|')}|`]);
    expect(table.trimEnd().split('\n')).toHaveLength(26);

    expect((await exportRun('latest', '--format', 'junit', '--out', join(dir, 'junit.xml'))).exitCode).toBe(0);
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="calc [0-9a-f-]{36}" tests="24" failures="0" errors="16" skipped="0" time="[\d.]+">\n/);
    expect(xml.match(/<testcase /g)).toHaveLength(24);
    expect(xml.match(/<error message="extract: could not convert string to number: &apos;hello world&apos;" type="Error">/g)).toHaveLength(8);
    expect(xml.match(/<error message="infer: Flakey model failed" type="Error">/g)).toHaveLength(8);
    expect(xml.endsWith('  </testsuite>\n</testsuites>\n')).toBe(true);
  });

  it('exports a selection and a repeated run, with the repeat column', async ({ expect }) => {
    const selected = await exportRun('latest', '--format', 'csv', '--filter', 'hexadecimal');
    expect(selected.stdout.trimEnd().split('\r\n')).toHaveLength(8);
    const repeated = await cli(['export', join(LOG_FIXTURES, 'repeat.jsonl'), '--format', 'jsonl']);
    const rows = repeated.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { id: string; repeat: number; costUsd: number });
    expect(rows).toHaveLength(12);
    expect(rows.filter((r) => r.id.startsWith('89f')).map((r) => r.repeat).sort()).toEqual([0, 1, 2]);
    expect(rows.every((r) => r.costUsd === 0.0001)).toBe(true);
  });

  it('exports a GoTaglio log', async ({ expect }) => {
    const result = await cli(['export', join(LOG_FIXTURES, 'gotaglio/ecba790e-f50c-4c90-9b89-7d46fad3354e.json'), '--format', 'csv']);
    expect(result.stdout).toMatchInlineSnapshot(`
      "id,index,repeat,status,passed,score,keywords,durationMs,inputTokens,outputTokens,costUsd,errorStage,errorMessage
      6f31c4df-2b7e-4d1c-9a55-0e8f3b1d7c42,0,0,complete,true,,numbers,0.34,,,,,
      ceb8a1f0-5d3c-4e29-8b7a-61f2c9d0e4a3,1,0,error,,,text,184.469,,,,extract,could not convert string to float: 'hello world'
      178d2e94-0c6b-4f1a-a3e8-9b5c7d2f1e60,2,0,error,,,hexidecimal,184.711,,,,infer,Flakey model failed
      "
    `);
  });

  it('prints the committed run-log JSON Schema, from any working directory', async ({ expect }) => {
    const committed = await readFile(join(REPO_ROOT, 'schema/run-log.schema.json'), 'utf8');
    const elsewhere = await runInProcess(['export', '--schema'], { cwd: await temp.make() });
    expect([elsewhere.exitCode, elsewhere.stderr]).toEqual([0, '']);
    expect(elsewhere.stdout).toBe(committed);
  });
});

describe.concurrent('tagliots export errors (exit code 2)', () => {
  it('no --format, an unknown format, no run, a run with --schema', async ({ expect }) => {
    const none = await exportRun('latest');
    expect([none.exitCode, none.stderr]).toEqual([2, 'Error (E_USAGE): export needs --format.\nHint: --format takes: json, csv, jsonl, md, junit.\n']);
    const unknown = await exportRun('latest', '--format', 'xlsx');
    expect([unknown.exitCode, unknown.stderr]).toEqual([2, "error: option '--format <format>' argument 'xlsx' is invalid. Allowed choices are json, csv, jsonl, md, junit.\n"]);
    const noRun = await cli(['export', '--format', 'csv']);
    expect([noRun.exitCode, noRun.stderr.split('\n')[0]]).toEqual([2, 'Error (E_USAGE): Which run should be exported?']);
    const both = await cli(['export', 'latest', '--schema']);
    expect([both.exitCode, both.stderr.split('\n')[0]]).toEqual([2, 'Error (E_USAGE): --schema takes no run.']);
  });

  it('an unknown run and a log of a newer version', async ({ expect }) => {
    expect((await exportRun('nope', '--format', 'csv')).stderr).toContain("Error (E_RUN_NOT_FOUND): No run matches 'nope'");
    const future = await cli(['export', join(LOG_FIXTURES, 'future-version.jsonl'), '--format', 'csv']);
    expect([future.exitCode, future.stdout]).toEqual([2, '']);
    expect(future.stderr).toContain('Error (E_LOG_VERSION)');
  });
});
