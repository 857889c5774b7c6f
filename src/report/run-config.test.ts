import { describe, expect, it } from 'vitest';
import type { RunStartRecord } from '../log/schema.ts';
import { formatConfigValue, renderCarryOver, renderRunConfig } from './run-config.ts';
import { createTheme } from './theme.ts';
import { RAW_CONTROL, TAKEOVER, TAKEOVER_SHOWN } from '../../test/helpers/control-characters.ts';

const plain = createTheme(false, 100);

function header(extra: Partial<RunStartRecord> = {}): RunStartRecord {
  return {
    type: 'run.start',
    v: 1,
    runId: '01900000-0000-7000-8000-000000000001',
    startedAt: '2025-01-01T00:00:00.000Z',
    command: ['run', 'suites/calc.json'],
    cwd: '/work',
    pipeline: { name: 'calc', description: 'Calc', stages: [], columns: [], hasPassed: true, hasScore: true },
    config: {},
    deltas: [
      { path: 'prepare.template', from: null, to: 'samples/calc/template.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: 'perfect', prompt: true },
      { path: 'infer.model.settings.temperature', from: 0.7, to: 0 },
      { path: 'infer.model.settings.stop', from: null, to: ['END', 'STOP'] },
    ],
    suite: { path: 'suites/calc.json', format: 'json', sha256: 'abc', count: 12345 },
    git: { sha: '0123456789abcdef0123456789abcdef01234567', branch: 'main', dirty: true, changes: [' M src/x.ts'] },
    versions: { tagliots: '0.1.0', node: 'v20.19.0' },
    platform: 'linux',
    concurrency: 4,
    parentRunId: null,
    ...extra,
  };
}

describe('renderRunConfig', () => {
  it('shows the id, suite, pipeline, config changes, concurrency, git state and log path', () => {
    expect(renderRunConfig(header(), plain, 'runs/01900000-0000-7000-8000-000000000001.jsonl')).toMatchInlineSnapshot(`
      "Run configuration
        id: 01900000-0000-7000-8000-000000000001
        suite: suites/calc.json (12,345 cases)
        pipeline: calc
          prepare.template: PROMPT => samples/calc/template.txt
          infer.model.name: PROMPT => perfect
          infer.model.settings.temperature: 0.7 => 0
          infer.model.settings.stop: null => ["END","STOP"]
        concurrency: 4
        git: 0123456789ab (uncommitted changes)
        log: runs/01900000-0000-7000-8000-000000000001.jsonl

      "
    `);
  });

  it('says when the run uses the defaults, and handles one case, a clean tree and no git', () => {
    const text = renderRunConfig(
      header({ deltas: [], suite: { path: 'one.yaml', format: 'yaml', sha256: 'x', count: 1 }, git: { sha: 'abc', branch: null, dirty: false, changes: [] } }),
      plain,
      'runs/x.jsonl',
    );
    expect(text).toMatchInlineSnapshot(`
      "Run configuration
        id: 01900000-0000-7000-8000-000000000001
        suite: one.yaml (1 case)
        pipeline: calc
          (defaults)
        concurrency: 4
        git: abc
        log: runs/x.jsonl

      "
    `);
    expect(renderRunConfig(header({ git: null }), plain, 'l')).not.toContain('git:');
  });

  it('shows a repository without commits', () => {
    const text = renderRunConfig(header({ git: { sha: null, branch: 'main', dirty: true, changes: ['?? a'] } }), plain, 'l');
    expect(text).toContain('  git: (no commits) (uncommitted changes)\n');
  });

  it('escapes control characters in what the run names: suite, pipeline, config paths and values', () => {
    const text = renderRunConfig(
      header({
        suite: { path: `suite${TAKEOVER}.json`, format: 'json', sha256: 'x', count: 1 },
        pipeline: { name: `p${TAKEOVER}`, description: '', stages: [], columns: [], hasPassed: false, hasScore: false },
        deltas: [{ path: `a${TAKEOVER}`, from: `x${TAKEOVER}`, to: { v: `y${TAKEOVER}\u009b` } }],
      }),
      plain,
      `runs/${TAKEOVER}.jsonl`,
    );
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain(`suite: suite${TAKEOVER_SHOWN}.json (1 case)`);
    expect(text).toContain(`pipeline: p${TAKEOVER_SHOWN}`);
    expect(text).toContain(`a${TAKEOVER_SHOWN}: x${TAKEOVER_SHOWN} => {"v":"y\\u001b]0;title\\u0007\\u001b[2J\\u009b"}`);
  });
});

describe('formatConfigValue', () => {
  it('shows short one-line values as they are', () => {
    expect(formatConfigValue('samples/calc/template.txt')).toBe('samples/calc/template.txt');
    expect(formatConfigValue(0.7)).toBe('0.7');
    expect(formatConfigValue({ a: [1, 2] })).toBe('{"a":[1,2]}');
  });

  it('shortens a multi-line or long value to its first line, line count, length and sha256', () => {
    const template = `You are a calculator.\nThe input is base {{case.base}}.\n${'x'.repeat(100)}\n`;
    expect(formatConfigValue(template)).toMatch(/^You are a calculator\.… \(3 lines, 156 characters, sha256 [0-9a-f]{12}\)$/);
    expect(formatConfigValue(`${template}!`)).not.toBe(formatConfigValue(template));
    expect(formatConfigValue('y'.repeat(1000))).toMatch(/^y{48}… \(1,000 characters, sha256 [0-9a-f]{12}\)$/);
    expect(formatConfigValue({ list: 'z'.repeat(100) })).toMatch(/^\{"list":"z{39}… \(111 characters, sha256 [0-9a-f]{12}\)$/);
  });

  it('escapes control characters in what it shows', () => {
    expect(formatConfigValue(`${TAKEOVER}\nsecond line`)).not.toMatch(RAW_CONTROL);
  });
});

describe('renderCarryOver', () => {
  it('lists converted values with their logged text, and settings not carried over with the reason; nothing when there are neither', () => {
    expect(renderCarryOver([], [], plain)).toEqual([]);
    expect(renderCarryOver([{ path: 'a.t', from: '0', to: 0 }], [{ path: 'a.top_p', value: 0.95, reason: "pipeline 'p' has no such setting" }], plain)).toEqual([
      '  converted from text to the type of the default:',
      '    a.t: "0" => 0',
      '  not carried over from the original run (not used by this rerun):',
      "    a.top_p: 0.95 (pipeline 'p' has no such setting)",
    ]);
  });
});
