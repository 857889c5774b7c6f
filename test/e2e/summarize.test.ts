/**
 * `tagliots summarize` end to end: the CLI, in process, summarises real run logs of the samples,
 * fixture logs (truncated, future version, repeated, GoTaglio) and reports every error with exit
 * code 2.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { cli, copyLogFixture, LOG_FIXTURES, makeRuns, normalizeLog } from '../helpers/log-runs.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { hasAnsi, stackFrames } from '../helpers/normalize.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
let runsDir: string;
let ids: { perfect: string; flakey: string };

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  ids = await makeRuns(runsDir, ['perfect', 'flakey']);
});
afterAll(() => temp.cleanup());

const summarize = (...args: string[]) => cli(['summarize', ...args, '--runs-dir', runsDir]);

describe.concurrent('tagliots summarize', () => {
  it('prints the run configuration and the same summary as run, for latest', async ({ expect }) => {
    const result = await summarize('latest', '--rows', '4');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(hasAnsi(result.stdout)).toBe(false);
    expect(normalizeLog(result.stdout, runsDir)).toMatchInlineSnapshot(`
      "Run configuration
        id: <RUN_ID>
        suite: suites/calc.json (24 cases)
        pipeline: calc
          prepare.template: PROMPT => samples/calc/template.txt
          infer.model.name: PROMPT => flakey
        concurrency: 8
        git: <GIT>
        log: <RUNS>/<RUN_ID>.jsonl

      Summary for <RUN_ID>
      ┌─────┬────────┬────────┬───────┬──────────────┬─────────┬────────┬─────┬──────────────────────────────────────────┐
      │ id  │ status │ passed │ score │ keywords     │ user    │ answer │ got │ error                                    │
      ├─────┼────────┼────────┼───────┼──────────────┼─────────┼────────┼─────┼──────────────────────────────────────────┤
      │ b52 │ ERROR  │        │       │ flakey-fail… │ 10-7    │ 3      │     │ extract: could not convert string to nu… │
      │ e94 │ ERROR  │        │       │ flakey-fail… │ 6*7     │ 42     │     │ infer: Flakey model failed               │
      │ d57 │ ERROR  │        │       │ flakey-fail… │ 2+3*4   │ 14     │     │ extract: could not convert string to nu… │
      │ eb8 │ ERROR  │        │       │ flakey-fail… │ (2+3)*4 │ 20     │     │ infer: Flakey model failed               │
      └─────┴────────┴────────┴───────┴──────────────┴─────────┴────────┴─────┴──────────────────────────────────────────┘
      … 20 more rows not shown (errors and failures are shown first); run with --rows all to print every row.

      Total: 24
      Complete: 8/24 (33.33%)
      Error: 16/24 (66.67%)
      Passed: 8/24 (33.33%)
      Failed: 0/24 (0.00%)
      Mean score: 1
      Tokens: 680 in, 34 out (16 model calls)
      Duration: <DURATION>
      "
    `);
  });

  it('names a run by a unique prefix and adds the per-keyword table with --by keyword', async ({ expect }) => {
    const result = await summarize(ids.perfect.slice(0, 18), '--by', 'keyword', '--rows', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalizeLog(result.stdout, runsDir).split('\nBy keyword\n')[1]).toMatchInlineSnapshot(`
      "┌────────────────┬───────┬──────────┬────────┬────────┬───────────┬────────────┐
      │ keyword        │ cases │ complete │ errors │ passed │ pass rate │ mean score │
      ├────────────────┼───────┼──────────┼────────┼────────┼───────────┼────────────┤
      │ addition       │     4 │        4 │      0 │      4 │   100.00% │          1 │
      │ decimals       │     2 │        2 │      0 │      2 │   100.00% │          1 │
      │ division       │     4 │        4 │      0 │      4 │   100.00% │          1 │
      │ exponent       │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ flakey-fails   │    16 │       16 │      0 │     16 │   100.00% │          1 │
      │ hexadecimal    │     7 │        7 │      0 │      7 │   100.00% │          1 │
      │ large          │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ mixed          │     2 │        2 │      0 │      2 │   100.00% │          1 │
      │ multiplication │     3 │        3 │      0 │      3 │   100.00% │          1 │
      │ negative       │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ numbers        │    11 │       11 │      0 │     11 │   100.00% │          1 │
      │ parentheses    │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ percent        │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ precedence     │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ sqrt           │     1 │        1 │      0 │      1 │   100.00% │          1 │
      │ subtraction    │     3 │        3 │      0 │      3 │   100.00% │          1 │
      │ text           │     5 │        5 │      0 │      5 │   100.00% │          1 │
      └────────────────┴───────┴──────────┴────────┴────────┴───────────┴────────────┘
      "
    `);
  });

  it('prints the summary as JSON', async ({ expect }) => {
    const result = await summarize(ids.flakey, '--json', '--rows', '2');
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      runId: ids.flakey,
      pipeline: 'calc',
      status: 'completed',
      incomplete: false,
      counts: { total: 24, complete: 8, error: 16, passed: 8, failed: 0, cancelled: 0, notRun: 0 },
      meanScore: 1,
      usage: { calls: 16 },
      costUsd: null,
      repeat: 1,
      hiddenRows: 22,
      warnings: [],
    });
    expect((json['rows'] as { status: string }[]).map((r) => r.status)).toEqual(['error', 'error']);
  });

  it('summarises a selection: --filter, --ids, --limit, --sample with --seed', async ({ expect }) => {
    const hex = await summarize(ids.flakey, '--filter', 'hexadecimal && !flakey-fails', '--json');
    expect(JSON.parse(hex.stdout)).toMatchObject({ selection: { filter: 'hexadecimal && !flakey-fails' }, selectedCases: 2, counts: { total: 2 } });
    const text = await summarize(ids.flakey, '--filter', 'hexadecimal && !flakey-fails');
    expect(text.stdout).toContain("  selection: filter 'hexadecimal && !flakey-fails' (2 cases)\n");
    expect(text.stdout).toContain('Total: 2\n');

    const byIds = JSON.parse((await summarize(ids.flakey, '--ids', '470,b52', '--json')).stdout) as { counts: { total: number }; rows: { caseId: string }[] };
    expect(byIds.counts.total).toBe(2);
    expect(byIds.rows.map((r) => r.caseId.slice(0, 3))).toEqual(['470', 'b52']);

    const limited = JSON.parse((await summarize(ids.flakey, '--limit', '3', '--json')).stdout) as { rows: { index: number }[] };
    expect(limited.rows.map((r) => r.index)).toEqual([0, 1, 2]);

    const a = (await summarize(ids.flakey, '--sample', '5', '--seed', '7', '--json')).stdout;
    const b = (await summarize(ids.flakey, '--sample', '5', '--seed', '7', '--json')).stdout;
    expect(JSON.parse(a).counts.total).toBe(5);
    expect(a).toBe(b);
  });

  it('summarises a repeated run with pass@k, pass^k and the flakiest cases', async ({ expect }) => {
    const result = await cli(['summarize', join(LOG_FIXTURES, 'repeat.jsonl'), '--rows', '3']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(normalizeLog(result.stdout, runsDir).split('\nTotal:')[1]).toMatchInlineSnapshot(`
      " 12
      Complete: 8/12 (66.67%)
      Error: 4/12 (33.33%)
      Passed: 7/12 (58.33%)
      Failed: 1/12 (8.33%)
      Mean score: 0.875
      Tokens: 372 in, 11 out (9 model calls)
      Cost: $0.0012
      Duration: <DURATION>

      Repeats: 3 per case (4 cases, 12 runs)
      pass@3: 3/4 (75.00%): at least one repetition passed
      pass^3: 1/4 (25.00%): every repetition passed
      Pass rate per repetition: #0 75.00%, #1 25.00%, #2 75.00% (mean 58.33%)
      Flaky cases (outcome changed between repetitions): 2/4 (50.00%)
        b52684c7-c808-4267-8a83-7e7e0195d9ca  PEP  2 flips
        89f9b2a2-4218-422c-b92f-9ae6fdb6b678  PFP  2 flips
        (P passed, F failed, E error, C cancelled, o complete (no verdict), - not run)
      "
    `);
  });

  it('prints the totals only with --rows 0', async ({ expect }) => {
    const result = await summarize(ids.flakey, '--rows', '0');
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = normalizeLog(result.stdout, runsDir).split('\nSummary for <RUN_ID>\n')[1]!;
    expect(summary.split('\n').slice(0, 3)).toEqual(['Total: 24', 'Complete: 8/24 (33.33%)', 'Error: 16/24 (66.67%)']);
    expect(summary).not.toContain('not shown');

    // run takes --rows 0 the same way, for a CI log of totals only.
    const run = await runInProcess(['run', 'suites/calc.json', '--rows', '0', '--runs-dir', join(await temp.make(), 'runs')], { cwd: REPO_ROOT });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Summary for \S+\nTotal: 24\n/);
    expect(run.stdout).not.toContain('┌');
  });

  it('fits the table to the terminal width, or to --width, cutting the widest free-text columns first', async ({ expect }) => {
    const table = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('│') || line.startsWith('┌'));
    // 80 columns when the output is not a terminal: the keywords and the error are cut.
    const narrow = table((await summarize(ids.flakey, '--rows', '2')).stdout);
    expect(narrow[2]).toContain('│ flakey-fail… │');
    const wide = table((await summarize(ids.flakey, '--rows', '2', '--width', '200')).stdout);
    expect(wide[0]!.length).toBeLessThanOrEqual(200);
    expect(wide[2]).toMatch(/│ flakey-fails, numbers, subtraction +│/);
    expect(wide[2]).toContain('│ extract: could not convert string to number: ');
    expect(wide[2]).not.toContain('…');
    // A terminal's own width is used the same way.
    const terminal = await runInProcess(['summarize', ids.flakey, '--rows', '2', '--runs-dir', runsDir], { cwd: REPO_ROOT, columns: 200 });
    expect(table(terminal.stdout)).toEqual(wide);
  });

  it('lists flaky cases by their whole id, however short the unique prefixes of the table are', async ({ expect }) => {
    const text = (await readFile(join(LOG_FIXTURES, 'repeat.jsonl'), 'utf8'))
      .replaceAll('b52684c7-c808-4267-8a83-7e7e0195d9ca', 'mixed-001')
      .replaceAll('89f9b2a2-4218-422c-b92f-9ae6fdb6b678', 'mixed-017')
      .replaceAll('470df36f-78c6-47bd-a1e0-fdb8b967657a', 'stable-1')
      .replaceAll('e9494f86-cbcb-48fe-a541-1b5ce295a6e0', 'stable-2');
    const file = join(await temp.make(), 'readable-ids.jsonl');
    await writeFile(file, text);
    const result = await cli(['summarize', file, '--rows', '0']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('  mixed-001  PEP  2 flips\n  mixed-017  PFP  2 flips\n');
  });

  it('summarises a GoTaglio log, by path and by prefix in its folder', async ({ expect }) => {
    const byPath = await cli(['summarize', join(LOG_FIXTURES, 'gotaglio/ecba790e-f50c-4c90-9b89-7d46fad3354e.json')]);
    expect(byPath.exitCode, byPath.stderr).toBe(0);
    expect(normalizeLog(byPath.stdout, runsDir)).toMatchInlineSnapshot(`
      "Run configuration
        id: ecba790e-f50c-4c90-9b89-7d46fad3354e
        suite: samples/calc/data/cases.yaml (3 cases)
        pipeline: calc
          (GoTaglio logs do not record config deltas)
        concurrency: 2
        git: <GIT>
        log: test/fixtures/logs/gotaglio/ecba790e-f50c-4c90-9b89-7d46fad3354e.json

      Summary for ecba790e-f50c-4c90-9b89-7d46fad3354e
      ┌─────┬──────────┬────────┬─────────────┬──────────────────────────────────────────┐
      │ id  │ status   │ passed │ keywords    │ error                                    │
      ├─────┼──────────┼────────┼─────────────┼──────────────────────────────────────────┤
      │ 6f3 │ COMPLETE │ yes    │ numbers     │                                          │
      │ ceb │ ERROR    │        │ text        │ extract: could not convert string to fl… │
      │ 178 │ ERROR    │        │ hexidecimal │ infer: Flakey model failed               │
      └─────┴──────────┴────────┴─────────────┴──────────────────────────────────────────┘

      Total: 3
      Complete: 1/3 (33.33%)
      Error: 2/3 (66.67%)
      Passed: 1/3 (33.33%)
      Failed: 0/3 (0.00%)
      Duration: <DURATION>
      "
    `);
    const byPrefix = await cli(['summarize', 'ecba', '--runs-dir', join(LOG_FIXTURES, 'gotaglio')]);
    expect(byPrefix.stdout).toBe(byPath.stdout);
  });

  it('warns about a truncated log and still summarises what it holds', async ({ expect }) => {
    const dir = join(await temp.make(), 'runs');
    const log = await copyLogFixture('truncated.jsonl', dir);
    const result = await cli(['summarize', log]);
    expect(result.exitCode).toBe(0);
    expect(normalizeLog(result.stderr, dir)).toMatchInlineSnapshot(`
      "Warning: <RUNS>/truncated.jsonl:3: last line is truncated (the run was killed while writing); ignored
      Warning: <RUNS>/truncated.jsonl has no run.end record (the run crashed, was killed or is still running): showing the cases it holds.
      "
    `);
    expect(result.stdout).toContain('Complete: 1/3 (33.33%)');
    expect(result.stdout).toContain('Run incomplete: the log has no run.end record');
  });
});

describe.concurrent('tagliots summarize errors (exit code 2)', () => {
  it('an unknown run, with the newest runs as a hint', async ({ expect }) => {
    const result = await summarize('zzz');
    expect(result.exitCode).toBe(2);
    expect(normalizeLog(result.stderr, runsDir)).toMatchInlineSnapshot(`
      "Error (E_RUN_NOT_FOUND): No run matches 'zzz' in <RUNS>/
      Hint: The newest runs are <RUN_ID>, <RUN_ID>. Use \`latest\`, a run-id prefix or a path to a log file.
      "
    `);
  });

  it('an ambiguous prefix, listing the candidates', async ({ expect }) => {
    const common = [...ids.perfect].findIndex((c, i) => c !== ids.flakey[i]);
    const result = await summarize(ids.perfect.slice(0, common));
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Error (E_RUN_AMBIGUOUS): '${ids.perfect.slice(0, common)}' matches 2 runs in`);
    expect(result.stderr).toContain(`  ${ids.perfect}  started `);
    expect(result.stderr).toContain(`  ${ids.flakey}  started `);
    expect(result.stderr).toContain('Hint: Type more characters of the run id.');
  });

  it('a bad filter, pointing at the problem', async ({ expect }) => {
    const result = await summarize('latest', '--filter', 'addition &&');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatchInlineSnapshot(`
      "Error (E_FILTER_SYNTAX): Invalid --filter expression: expected a keyword at column 12:
        addition &&
                   ^
      Hint: Keywords combined with && (and), || (or), ! (not) and parentheses, e.g. --filter 'p0 && !(slow || flaky)'.
      "
    `);
    expect(result.stdout).toBe('');
  });

  it('unknown ids, --seed without --sample, an unknown --by and a bad --rows', async ({ expect }) => {
    expect((await summarize('latest', '--ids', 'nope')).stderr).toContain("Error (E_SELECT_IDS): No case id starts with 'nope'.");
    const seed = await summarize('latest', '--seed', '3');
    expect([seed.exitCode, seed.stderr.split('\n')[0]]).toEqual([2, 'Error (E_USAGE): --seed only applies to --sample.']);
    const by = await summarize('latest', '--by', 'stage');
    expect([by.exitCode, by.stderr]).toEqual([2, "Error (E_USAGE): Unknown --by 'stage'.\nHint: --by takes: keyword.\n"]);
    const rows = await summarize('latest', '--rows', '-1');
    expect(rows.exitCode).toBe(2);
    expect(rows.stderr).toContain("--rows must be a whole number (got '-1')");
    const width = await summarize('latest', '--width', '20');
    expect([width.exitCode, width.stderr]).toEqual([2, "error: option '--width <n>' argument '20' is invalid. --width must be at least 40 (got '20').\n"]);
  });

  it('a log of a newer version, and files that are not run logs', async ({ expect }) => {
    const future = await cli(['summarize', join(LOG_FIXTURES, 'future-version.jsonl')]);
    expect(future.exitCode).toBe(2);
    expect(normalizeLog(future.stderr, runsDir)).toMatchInlineSnapshot(`
      "Error (E_LOG_VERSION): <REPO>/test/fixtures/logs/future-version.jsonl has run-log version 99, but this tagliots reads versions up to 1
      Hint: The log was written by a newer tagliots. Upgrade the tagliots that reads it: \`npm install -D tagliots@latest\` in your project (or \`git pull && npm install\` in a clone of tagliots). See docs/project-setup.md.
      "
    `);
    const notALog = await cli(['summarize', join(LOG_FIXTURES, 'not-a-log.jsonl')]);
    expect([notALog.exitCode, stackFrames(notALog.stderr)]).toEqual([2, []]);
    expect(notALog.stderr).toContain('not a tagliots run log');
    const bad = await cli(['summarize', join(LOG_FIXTURES, 'bad-middle-line.jsonl')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('bad-middle-line.jsonl:3: invalid case record: status');
  });

  it('no runs at all', async ({ expect }) => {
    const empty = join(await temp.make(), 'runs');
    const result = await cli(['summarize', 'latest', '--runs-dir', empty]);
    expect(result.exitCode).toBe(2);
    expect(normalizeLog(result.stderr, empty)).toMatchInlineSnapshot(`
      "Error (E_RUN_NOT_FOUND): No runs yet: <RUNS>/ does not exist
      Hint: Run \`tagliots run <suite>\` first.
      "
    `);
  });
});
