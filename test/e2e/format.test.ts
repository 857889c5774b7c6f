/**
 * `tagliots format` end to end: per-case reports of real runs, in terminal text and Markdown, of
 * one case, of failed cases only, to a file, of GoTaglio logs; and its errors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { CaseRecord } from '../../src/log/schema.ts';
import { copyFixtureProject, onlyRunLog, tempDirs } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { cli, copyLogFixture, LOG_FIXTURES, makeRuns, normalizeLog } from '../helpers/log-runs.ts';
import { hasAnsi } from '../helpers/normalize.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

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

  it('shows every model call, HTTP attempt and parse attempt of a failed llm() stage, each reply as it was sent', async ({ expect }) => {
    const log = join(LOG_FIXTURES, 'llm-retries.jsonl');
    const terminal = await cli(['format', log]);
    expect(terminal.exitCode, terminal.stderr).toBe(0);
    expect(terminal.stdout.split('━━ Case ')[1]).toMatchInlineSnapshot(`
      "invoice-0042 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
        ERROR  error · index 0 · 2.19 s · 480 in, 42 out tokens (3 calls) · $0.000097

        case
          id: invoice-0042
          invoice: Invoice 0042: monthly plan, 12.50 EUR.
          expected: {"billing":"monthly","total":12.5}

        stages
          extract  error  2.19 s · 480 in, 42 out tokens (3 calls) · $0.000097
            model calls
              1. mini → gpt-4o-mini (openai)  ok · cache miss · 2 attempts · 1.50 s · 120 in, 14 out tokens · $0.000026 · stop
                attempt 1  HTTP 429 · retry · 84.2 ms · server asked to wait 1.00 s: Rate limit reached for gpt-4o-mini: 200 requests per minute
                attempt 2  HTTP 200 · ok · 413 ms · after 1.00 s back-off
              2. mini → gpt-4o-mini (openai)  ok · cache miss · 1 attempt · 388 ms · 160 in, 14 out tokens · $0.000032 · stop
              3. mini → gpt-4o-mini (openai)  ok · cache miss · 1 attempt · 302 ms · 200 in, 14 out tokens · $0.000038 · stop
            parse attempts (mini, json_schema)
              attempt 1  failed: total: Invalid input: expected number, received string
                {"billing": "monthly", "total": "12.50"}
              attempt 2  failed: the reply is not JSON: Unexpected token 'S', "Sure! Here"... is not valid JSON
                Sure! Here is the JSON:
                {"billing": "monthly", "total": 12.5
              attempt 3  failed: total: Invalid input: expected number, received undefined
                {"billing": "yearly"}
          assess  skipped: input 'extract' failed

        Error in stage extract
          LlmOutputError: The reply of 'mini' did not match the output schema after 3 attempts: total: Invalid input: expected number, received undefined. The replies are shown under the stage 'extract'.
          code: E_LLM_OUTPUT
      "
    `);
    // The reply is shown raw, never as JSON inside JSON.
    expect(terminal.stdout).not.toContain('\\"');

    const markdown = await cli(['format', log, '--md']);
    expect(markdown.exitCode, markdown.stderr).toBe(0);
    expect(markdown.stdout.split('## Case: ')[1]).toMatchInlineSnapshot(`
      "invoice-0042 - ERROR

      _error · index 0 · 2.19 s · 480 in, 42 out tokens (3 calls) · $0.000097_

      **Case:**

      \`\`\`json
      {
        "id": "invoice-0042",
        "invoice": "Invoice 0042: monthly plan, 12.50 EUR.",
        "expected": {
          "billing": "monthly",
          "total": 12.5
        }
      }
      \`\`\`

      ### extract

      _error · 2.19 s · 480 in, 42 out tokens (3 calls) · $0.000097_

      **Model calls:**

      1. mini → gpt-4o-mini (openai): ok · cache miss · 2 attempts · 1.50 s · 120 in, 14 out tokens · $0.000026 · stop
         * attempt 1: HTTP 429 · retry · 84.2 ms · server asked to wait 1.00 s — Rate limit reached for gpt-4o-mini: 200 requests per minute
         * attempt 2: HTTP 200 · ok · 413 ms · after 1.00 s back-off
      2. mini → gpt-4o-mini (openai): ok · cache miss · 1 attempt · 388 ms · 160 in, 14 out tokens · $0.000032 · stop
      3. mini → gpt-4o-mini (openai): ok · cache miss · 1 attempt · 302 ms · 200 in, 14 out tokens · $0.000038 · stop

      **Parse attempt 1** (mini, json\\_schema): failed: total: Invalid input: expected number, received string

      \`\`\`text
      {"billing": "monthly", "total": "12.50"}
      \`\`\`

      **Parse attempt 2** (mini, json\\_schema): failed: the reply is not JSON: Unexpected token 'S', "Sure! Here"... is not valid JSON

      \`\`\`text
      Sure! Here is the JSON:
      {"billing": "monthly", "total": 12.5
      \`\`\`

      **Parse attempt 3** (mini, json\\_schema): failed: total: Invalid input: expected number, received undefined

      \`\`\`text
      {"billing": "yearly"}
      \`\`\`

      ### assess

      _skipped: input 'extract' failed_

      ### Error in stage extract

      **LlmOutputError:** The reply of 'mini' did not match the output schema after 3 attempts: total: Invalid input: expected number, received undefined. The replies are shown under the stage 'extract'.

      Code: \`E_LLM_OUTPUT\`
      "
    `);
  });

  it("shows the pipeline's report sections, computed at run time and read from the log, numbering turns from 1", async ({ expect }) => {
    const dir = await temp.make();
    const project = await copyFixtureProject('sections', dir);
    const sectionsRuns = join(dir, 'runs');
    const run = await runInProcess(['run', 'suites/sections.json', '--runs-dir', sectionsRuns], { cwd: project });
    expect(run.exitCode, run.stderr).toBe(0);
    const records = (await readFile(await onlyRunLog(sectionsRuns), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as CaseRecord)
      .filter((record) => record.type === 'case')
      .sort((x, y) => x.index - y.index);
    const [a, b, c] = records;
    expect(a!.sections).toEqual([
      { name: 'Verdict', format: 'markdown', content: '**a** is complete: `HELLO`' },
      { name: 'Notes', format: 'text', content: 'line one\nline two' },
    ]);
    expect(b!.sections).toEqual([
      { name: 'Verdict', format: 'markdown', content: '**b** is error: `—`' },
      { name: 'Audit', format: 'text', content: '', error: 'TypeError: no audit trail for b' },
    ]);
    expect(c!.sections).toBeUndefined();
    expect(c!.turns!.map((turn) => turn.sections)).toEqual([
      [{ name: 'Verdict', format: 'markdown', content: '**c** (turn 1) is complete: `FIRST`' }],
      [{ name: 'Verdict', format: 'markdown', content: '**c** (turn 2) is complete: `SECOND`' }],
    ]);

    // From another folder: the report needs the log only, never the pipeline.
    const terminal = await runInProcess(['format', 'latest', '--runs-dir', sectionsRuns], { cwd: REPO_ROOT });
    expect(terminal.exitCode, terminal.stderr).toBe(0);
    expect(normalizeLog(terminal.stdout, sectionsRuns).split('━━ Case ').slice(1).join('━━ Case ')).toMatchInlineSnapshot(`
      "a ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
        PASSED  complete · passed: yes · index 0 · <T>

        case
          id: a
          question: hello
          notes:
            line one
            line two

        stages
          answer  ok  <T>
            HELLO

        Verdict
          **a** is complete: \`HELLO\`

        Notes
          line one
          line two

      ━━ Case b ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
        ERROR  error · index 1 · <T>

        case
          id: b

        stages
          answer  error  <T>

        Verdict
          **b** is error: \`—\`

        Audit
          ✗ the pipeline's format function failed: TypeError: no audit trail for b

        Error in stage answer
          Error: no question
            <STACK FRAMES>

      ━━ Case c ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
        PASSED  complete · passed: yes · index 2 · <T>

        case
          id: c
          turns: [{"question":"first"},{"question":"second"}]

        turn 1: complete · passed
          answer  ok  <T>
            FIRST

          Verdict
            **c** (turn 1) is complete: \`FIRST\`

        turn 2: complete · passed
          answer  ok  <T>
            SECOND

          Verdict
            **c** (turn 2) is complete: \`SECOND\`
      "
    `);
    const markdown = await runInProcess(['format', 'latest', '--md', '--runs-dir', sectionsRuns], { cwd: REPO_ROOT });
    expect(markdown.exitCode, markdown.stderr).toBe(0);
    // Durations end in `_` in Markdown (`_ok · 0.21 ms_`), where normalizeLog's word boundary is not.
    expect(normalizeLog(markdown.stdout, sectionsRuns).replace(/\b\d+(?:\.\d+)? m?s_/g, '<T>_').split('## Case: ').slice(1).join('## Case: ')).toMatchInlineSnapshot(`
      "a - PASSED

      _complete · passed: yes · index 0 · <T>_

      **Case:**

      \`\`\`json
      {
        "id": "a",
        "question": "hello",
        "notes": "line one\\nline two"
      }
      \`\`\`

      ### answer

      _ok · <T>_

      \`HELLO\`

      ### Verdict

      **a** is complete: \`HELLO\`

      ### Notes

      \`\`\`text
      line one
      line two
      \`\`\`

      ## Case: b - ERROR

      _error · index 1 · <T>_

      **Case:**

      \`\`\`json
      {
        "id": "b"
      }
      \`\`\`

      ### answer

      _error · <T>_

      ### Verdict

      **b** is error: \`—\`

      ### Audit

      **The pipeline's format function failed:** TypeError: no audit trail for b

      ### Error in stage answer

      **Error:** no question

      <details><summary>Stack</summary>

      \`\`\`text
      Error: no question
            <STACK FRAMES>
      \`\`\`

      </details>

      ## Case: c - PASSED

      _complete · passed: yes · index 2 · <T>_

      **Case:**

      \`\`\`json
      {
        "id": "c",
        "turns": [
          {
            "question": "first"
          },
          {
            "question": "second"
          }
        ]
      }
      \`\`\`

      ### Turn 1: complete, passed

      #### answer

      _ok · <T>_

      \`FIRST\`

      #### Verdict

      **c** (turn 1) is complete: \`FIRST\`

      ### Turn 2: complete, passed

      #### answer

      _ok · <T>_

      \`SECOND\`

      #### Verdict

      **c** (turn 2) is complete: \`SECOND\`
      "
    `);
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
