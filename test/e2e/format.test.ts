/**
 * `tagliots format` end to end: per-case reports of real runs, in terminal text and Markdown, of
 * one case, of failed cases only, to a file, of GoTaglio logs; and its errors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { cli, copyLogFixture, LOG_FIXTURES, makeRuns, normalizeLog } from '../helpers/log-runs.ts';
import { hasAnsi } from '../helpers/normalize.ts';

const temp = tempDirs();
let runsDir: string;
let ids: { flakey: string };

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  ids = await makeRuns(runsDir, ['flakey']);
});
afterAll(() => temp.cleanup());

const format = (...args: string[]) => cli(['format', ...args, '--runs-dir', runsDir]);

describe.concurrent('tagliots format', () => {
  it('reports one case: header, fields, each stage with its output, status and timing, usage and the error', async ({ expect }) => {
    const result = await format('latest', 'b52');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(hasAnsi(result.stdout)).toBe(false);
    expect(normalizeLog(result.stdout, runsDir)).toMatchInlineSnapshot(`
      "Run <RUN_ID>
        pipeline: calc
        suite: suites/calc.json (24 cases)
        started: <TIME>
        status: completed, <T>
        git: <GIT>
        config:
          prepare.template: PROMPT => samples/calc/template.txt
          infer.model.name: PROMPT => flakey

      ━━ Case b52684c7-c808-4267-8a83-7e7e0195d9ca ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
        ERROR  error · index 1 · <T> · 41 in, 3 out tokens (1 call)
        keywords: numbers, subtraction, flakey-fails

        case
          uuid: b52684c7-c808-4267-8a83-7e7e0195d9ca
          keywords: ["numbers","subtraction","flakey-fails"]
          user: 10-7
          base: 10
          answer: 3

        stages
          prepare  ok  <T>
            system:
              You are a desktop calculator that computes the value of mathematical expressions.
              The input is base 10.
              Your output should be just a base 10 numerical result.
            user: 10-7
          infer  ok  <T> · 41 in, 3 out tokens (1 call)
            hello world
          extract  error  <T>
          assess  skipped: input 'extract' failed

        Error in stage extract
          Context: Extracting numerical answer from LLM response.
          Error: could not convert string to number: 'hello world'
            <STACK FRAMES>
      "
    `);
  });

  it('writes Markdown of the failed and errored cases to a file, with long values collapsed', async ({ expect }) => {
    const out = join(await temp.make(), 'report.md');
    const result = await format(ids.flakey.slice(0, 20), '--md', '--failed', '--out', out);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`Wrote 16 cases to ${out}\n`);
    const text = await readFile(out, 'utf8');
    expect(text.match(/^## Case: .* - ERROR$/gm)).toHaveLength(16);
    expect(text).not.toMatch(/- PASSED$/m);
    expect(text).toContain('**Configuration deltas:**\n\n* prepare.template: PROMPT => samples/calc/template.txt\n* infer.model.name: PROMPT => flakey\n');
    expect(text).toContain('**user:** _10-7_');
    expect(text).toContain('<details><summary>Stack</summary>');
    expect(hasAnsi(text)).toBe(false);
  });

  it('applies the selection flags, in suite order', async ({ expect }) => {
    const result = await format('latest', '--filter', 'hexadecimal && !flakey-fails', '--md');
    expect(result.exitCode, result.stderr).toBe(0);
    expect([...result.stdout.matchAll(/^## Case: (\S+) - (\w+)$/gm)].map((m) => `${m[1]!.slice(0, 3)} ${m[2]}`)).toEqual(['b6b PASSED', 'ac9 PASSED']);
  });

  it('formats a GoTaglio log as GoTaglio’s Markdown transcript, and keeps brackets in user data', async ({ expect }) => {
    const calc = await cli(['format', join(LOG_FIXTURES, 'gotaglio/ecba790e-f50c-4c90-9b89-7d46fad3354e.json'), '6f3', '--md']);
    expect(calc.exitCode, calc.stderr).toBe(0);
    expect(normalizeLog(calc.stdout, runsDir)).toMatchInlineSnapshot(`
      "## Run: ecba790e-f50c-4c90-9b89-7d46fad3354e

      * **Pipeline:** calc
      * **Suite:** samples/calc/data/cases.yaml (3 cases), GoTaglio log
      * **Started:** <TIME>
      * **Status:** completed, <T>
      * **Git:** <GIT>

      **Configuration deltas:**

      * (GoTaglio logs do not record config deltas)

      ## Case: 6f31c4df-2b7e-4d1c-9a55-0e8f3b1d7c42 - PASSED

      **Keywords:** numbers  
      _complete · passed: yes · index 0 · 0.34 ms_

      **Case:**

      \`\`\`json
      {
        "uuid": "6f31c4df-2b7e-4d1c-9a55-0e8f3b1d7c42",
        "keywords": [
          "numbers"
        ],
        "user": "1+1",
        "base": 10,
        "answer": 2
      }
      \`\`\`

      ### prepare

      _ok_

      **system:**
      You are a desktop calculator that computes the value of mathematical expressions.
      The input is base 10.
      Your output should be just a base 10 numerical result.

      **user:** _1+1_

      ### infer

      _ok_

      \`2\`

      ### extract

      _ok_

      \`\`\`json
      2
      \`\`\`

      ### assess

      _ok_

      \`\`\`json
      0
      \`\`\`
      "
    `);
    const fork = await cli(['format', join(LOG_FIXTURES, 'gotaglio/3b7e91c2-4d5a-4f60-8e1b-c2a9d7f35e04.json'), '9d1']);
    expect(fork.stdout).toContain('user: [x] twelve times twelve\n');
    expect(fork.stdout).toContain('    extract  error  0.30 ms\n');
  });

  it('colours the terminal report with FORCE_COLOR, never with NO_COLOR, never in a file', async ({ expect }) => {
    const colour = await cli(['format', 'latest', 'b52', '--runs-dir', runsDir], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(hasAnsi(colour.stdout)).toBe(true);
    const none = await cli(['format', 'latest', 'b52', '--runs-dir', runsDir], { NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(hasAnsi(none.stdout)).toBe(false);
    const out = join(await temp.make(), 'report.txt');
    await cli(['format', 'latest', 'b52', '--runs-dir', runsDir, '--out', out], { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(hasAnsi(await readFile(out, 'utf8'))).toBe(false);
  });

  it('warns about an incomplete log', async ({ expect }) => {
    const dir = join(await temp.make(), 'runs');
    await copyLogFixture('no-end.jsonl', dir);
    const result = await cli(['format', join(dir, 'no-end.jsonl')]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('has no run.end record (the run crashed, was killed or is still running): showing the cases it holds.');
    expect(result.stdout).toContain('status: incomplete (no run.end record)');
  });
});

describe.concurrent('tagliots format errors (exit code 2)', () => {
  it('a case prefix that matches no case', async ({ expect }) => {
    const result = await format('latest', 'zzz');
    expect(result.exitCode).toBe(2);
    expect(normalizeLog(result.stderr, runsDir)).toMatchInlineSnapshot(`
      "Error (E_CASE_NOT_FOUND): No case id starts with 'zzz' in <RUNS>/<RUN_ID>.jsonl (24 case records).
      Hint: Case ids look like 470df36f-78c6-47bd-a1e0-fdb8b967657a, b52684c7-c808-4267-8a83-7e7e0195d9ca, e9494f86-cbcb-48fe-a541-1b5ce295a6e0. \`tagliots summarize <RUN_ID>\` lists them.
      "
    `);
  });

  it('an unknown run, a bad filter, a folder that cannot be written', async ({ expect }) => {
    expect((await format('nope')).stderr).toContain("Error (E_RUN_NOT_FOUND): No run matches 'nope'");
    const filter = await format('latest', '--filter', '(a');
    expect([filter.exitCode, filter.stderr.split('\n')[0]]).toEqual([2, "Error (E_FILTER_SYNTAX): Invalid --filter expression: missing ')' at column 3:"]);
    const out = await format('latest', '--out', join(runsDir, 'missing', 'dir', 'x.md'));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/^Error \(E_OUTPUT\): Cannot write .*x\.md: the folder does not exist \(ENOENT\)/);
  });
});
