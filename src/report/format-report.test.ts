import { describe, expect, it } from 'vitest';
import { makeCase, makeEnd, makeHeader } from '../../test/helpers/records.ts';
import { isLarge, isMessages, runFacts, stageNames } from './format-case.ts';
import { renderCaseMarkdown, renderRunHeaderMarkdown } from './format-markdown.ts';
import { renderCaseTerminal, renderRunHeaderTerminal } from './format-terminal.ts';
import { createTheme } from './theme.ts';
import { RAW_CONTROL, TAKEOVER, TAKEOVER_SHOWN } from '../../test/helpers/control-characters.ts';

const plain = createTheme(false, 80);
const header = makeHeader(
  {
    deltas: [
      { path: 'infer.model.name', from: null, to: 'flakey', prompt: true },
      { path: 'infer.temperature', from: 0.7, to: 0 },
    ],
    git: { sha: '0123456789abcdef0123456789abcdef01234567', branch: 'main', dirty: true, changes: [] },
  },
  { stages: ['prepare', 'infer', 'extract'].map((name) => ({ name, inputs: [] })) },
);

const failed = makeCase(1, {
  id: 'c5d9e7a1',
  status: 'error',
  keywords: ['hex', 'flakey-fails'],
  caseFields: { user: 'ff + a [x] done', base: 16, answer: 265 },
  stages: {
    prepare: [
      { role: 'system', content: 'You are a calculator.\nThe input is base 16.\n' },
      { role: 'user', content: 'ff + a [x] done' },
    ],
    infer: 'ff + a = 10f',
  },
  stageRecords: {
    prepare: { status: 'ok', startMs: 1000, endMs: 1000.7, durationMs: 0.7 },
    infer: { status: 'ok', startMs: 1000.7, endMs: 1201, durationMs: 200.3, usage: { calls: 1, inputTokens: 51, outputTokens: 9 }, costUsd: 0.00012 },
    extract: { status: 'error', startMs: 1201, endMs: 1201.2, durationMs: 0.2 },
  },
  error: {
    stage: 'extract',
    message: "could not convert string to number: 'ff + a = 10f'",
    context: ['Extracting numerical answer', 'Parsing'],
    stack: "Error: could not convert string to number: 'ff + a = 10f'\n    at parseNumber (pipeline.ts:55:57)\n    at extract (pipeline.ts:79:95)",
  },
  usage: { calls: 1, inputTokens: 51, outputTokens: 9 },
  costUsd: 0.00012,
});

describe('format helpers', () => {
  it('recognises conversations and large values', () => {
    expect(isMessages([{ role: 'user', content: 'hi' }])).toBe(true);
    expect(isMessages([])).toBe(false);
    expect(isMessages([{ role: 'user' }])).toBe(false);
    expect(isMessages('x')).toBe(false);
    expect(isLarge('x'.repeat(200))).toBe(false);
    expect(isLarge('x'.repeat(201))).toBe(true);
    expect(isLarge('a\n'.repeat(20))).toBe(true);
    expect(isLarge('a\n'.repeat(19))).toBe(false);
  });

  it('lists the pipeline stages in order, then any others the record has', () => {
    expect(stageNames(header, makeCase(0, { stageRecords: { extra: { status: 'ok' } }, stages: { late: 1 } }))).toEqual(['prepare', 'infer', 'extract', 'extra', 'late']);
  });

  it('shows control characters from the log escaped rather than obeyed, in the terminal and in Markdown', () => {
    const record = makeCase(0, {
      id: `id${TAKEOVER}`,
      status: 'error',
      keywords: [`kw${TAKEOVER}`],
      caseFields: { [`field${TAKEOVER}`]: `value${TAKEOVER}` },
      stages: { infer: `reply${TAKEOVER}\r\nmore` },
      stageRecords: { infer: { status: 'ok', reason: `because${TAKEOVER}` } },
      error: { stage: `infer${TAKEOVER}`, message: `boom${TAKEOVER}`, context: [`while${TAKEOVER}`], stack: `Error: boom\n    at x${TAKEOVER}` },
    });
    const nastyHeader = makeHeader({ runId: `run${TAKEOVER}`, suite: { path: `s${TAKEOVER}.json`, format: 'json', sha256: 'x', count: 1 } }, { name: `p${TAKEOVER}` });
    const facts = runFacts(nastyHeader, makeEnd(), false);
    const outputs = {
      terminal: renderRunHeaderTerminal(facts, plain) + renderCaseTerminal(record, nastyHeader, plain),
      // Markdown's own escapes (`\\[`) taken out: what a reader sees.
      markdown: (renderRunHeaderMarkdown(facts) + renderCaseMarkdown(record, nastyHeader)).replace(/\\([[\]])/g, '$1'),
    };
    for (const text of Object.values(outputs)) {
      expect(text).not.toMatch(RAW_CONTROL);
      for (const part of ['id', 'kw', 'value', 'reply', 'boom', 'run']) expect(text).toContain(`${part}${TAKEOVER_SHOWN}`);
    }
    expect(outputs.markdown).toContain(`## Case: id${TAKEOVER_SHOWN} - ERROR`);
  });
});

describe('renderCaseTerminal', () => {
  it('shows the verdict, facts, case fields, every stage in order with its output and the error with its context and stack', () => {
    const text = renderRunHeaderTerminal(runFacts(header, makeEnd(), false), plain) + renderCaseTerminal(failed, header, plain);
    expect(text).toMatchInlineSnapshot(`
      "Run 01900000-0000-7000-8000-000000000001
        pipeline: calc
        suite: suite.json (3 cases)
        started: 2025-01-01T00:00:00.000Z
        status: completed, 1.00 s
        git: 0123456789ab on main (uncommitted changes)
        config:
          infer.model.name: PROMPT => flakey
          infer.temperature: 0.7 => 0

      ━━ Case c5d9e7a1 ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
        ERROR  error · index 1 · 5.00 ms · 51 in, 9 out tokens (1 call) · $0.00012
        keywords: hex, flakey-fails

        case
          keywords: ["hex","flakey-fails"]
          user: ff + a [x] done
          base: 16
          answer: 265

        stages
          prepare  ok  0.70 ms
            system:
              You are a calculator.
              The input is base 16.
            user: ff + a [x] done
          infer  ok  200 ms · 51 in, 9 out tokens (1 call) · $0.00012
            ff + a = 10f
          extract  error  0.20 ms

        Error in stage extract
          Context: Extracting numerical answer > Parsing
          Error: could not convert string to number: 'ff + a = 10f'
            at parseNumber (pipeline.ts:55:57)
            at extract (pipeline.ts:79:95)
      "
    `);
  });

  it('prints brackets and markup-like text in user data as they are, and pretty-prints JSON outputs', () => {
    const record = makeCase(0, { caseFields: { note: '[bold]not bold[/bold] <b>x</b>' }, stages: { extract: { value: 2, unit: '[m]' } }, stageRecords: { extract: { status: 'ok', durationMs: 1 } } });
    const text = renderCaseTerminal(record, header, plain);
    expect(text).toContain('note: [bold]not bold[/bold] <b>x</b>');
    expect(text).toContain('      {\n        "value": 2,\n        "unit": "[m]"\n      }');
  });

  it('uses colour only with a colour theme', () => {
    // eslint-disable-next-line no-control-regex
    expect(renderCaseTerminal(failed, header, createTheme(true, 80))).toMatch(/\u001b\[/);
    // eslint-disable-next-line no-control-regex
    expect(renderCaseTerminal(failed, header, plain)).not.toMatch(/\u001b\[/);
  });
});

describe('renderCaseMarkdown', () => {
  it('writes GoTaglio’s transcript: run header and deltas, the case, the conversation, stages and the error', () => {
    const text = renderRunHeaderMarkdown(runFacts(header, makeEnd(), false)) + renderCaseMarkdown(failed, header);
    expect(text).toMatchInlineSnapshot(`
      "## Run: 01900000-0000-7000-8000-000000000001

      * **Pipeline:** calc
      * **Suite:** suite.json (3 cases)
      * **Started:** 2025-01-01T00:00:00.000Z
      * **Status:** completed, 1.00 s
      * **Git:** 0123456789ab on main (uncommitted changes)

      **Configuration deltas:**

      * infer.model.name: PROMPT => flakey
      * infer.temperature: 0.7 => 0

      ## Case: c5d9e7a1 - ERROR

      **Keywords:** hex, flakey-fails  
      _error · index 1 · 5.00 ms · 51 in, 9 out tokens (1 call) · $0.00012_

      **Case:**

      \`\`\`json
      {
        "keywords": [
          "hex",
          "flakey-fails"
        ],
        "user": "ff + a [x] done",
        "base": 16,
        "answer": 265
      }
      \`\`\`

      ### prepare

      _ok · 0.70 ms_

      **system:**
      You are a calculator.
      The input is base 16.

      **user:** _ff + a \\[x\\] done_

      ### infer

      _ok · 200 ms · 51 in, 9 out tokens (1 call) · $0.00012_

      \`ff + a = 10f\`

      ### extract

      _error · 0.20 ms_

      ### Error in stage extract

      **Context:** Extracting numerical answer > Parsing  
      **Error:** could not convert string to number: 'ff + a = 10f'

      <details><summary>Stack</summary>

      \`\`\`text
      Error: could not convert string to number: 'ff + a = 10f'
          at parseNumber (pipeline.ts:55:57)
          at extract (pipeline.ts:79:95)
      \`\`\`

      </details>
      "
    `);
  });

  it('collapses long values in <details> without wrapping lines, and fences code safely', () => {
    const long = `${'word '.repeat(60)}end`;
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`).join('\n');
    const record = makeCase(0, {
      stages: {
        prepare: [{ role: 'system', content: long }],
        infer: lines,
        extract: 'has ``` fences',
      },
    });
    const text = renderCaseMarkdown(record, header);
    expect(text).toContain(`<details><summary>word word word word word word word word word word word word… (1 line, ${long.length} characters)</summary>\n\n${long}\n\n</details>`);
    expect(text).toContain('<details><summary>line 0 … (25 lines, 189 characters)</summary>\n\n```text\nline 0\n');
    expect(text).toContain('````text\nhas ``` fences\n````');
    expect(text.split('\n').some((line) => line === long)).toBe(true);
  });
});
