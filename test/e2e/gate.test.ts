/**
 * `tagliots gate`, and `run` with gate flags, end to end: the CLI, in process, runs the calc sample
 * with the `perfect` and `flakey` mocks into a temp runs folder and gates one against the other.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLogs, tempDirs } from '../helpers/fixtures.ts';
import { runFrozen } from '../helpers/log-runs.ts';
import { normalize, stackFrames } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

/** Runs `tagliots run <args>` into `runsDir`; returns the result and the new log, with its git state and durations fixed. */
async function runInto(runsDir: string, args: readonly string[], exitCode = 0) {
  const { result, log } = await runFrozen(runsDir, args, exitCode);
  return { result, log: log! };
}

let dir: string;
let runsDir: string;
let perfect: string;
let flakey: string;

beforeAll(async () => {
  dir = await temp.make();
  runsDir = join(dir, 'runs');
  perfect = (await runInto(runsDir, ['suites/calc.json'])).log;
  flakey = (await runInto(runsDir, ['suites/calc.json', 'infer.model.name=flakey'])).log;
});

async function gate(args: readonly string[], exitCode: number, env: Record<string, string> = {}) {
  const result = await runInProcess(['gate', ...args], { cwd: REPO_ROOT, env });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(exitCode);
  return { ...result, output: normalize(result.stdout, { paths: { RUNS: runsDir, DIR: dir }, cwd: REPO_ROOT }) };
}

describe('tagliots gate', () => {
  it('fails with the list of rules that failed, each with the measured value and the threshold', async () => {
    const { output, stderr } = await gate([flakey, '--baseline', perfect, '--min-pass-rate', '0.9', '--max-regressions', '0', '--alpha', '0.05', '--require', 'large', '--require', 'p0', '--max-cost', '5'], 1);
    expect(stderr).toBe('');
    expect(output).toMatchInlineSnapshot(`
      "Gate for <RUN_ID>
        run: calc · suites/calc.json (24 cases) · git c0ffee000000
        baseline: <RUN_ID>  calc · suites/calc.json (24 cases) · git c0ffee000000
      ┌────────┬─────────────────────────────────┬─────────────────────────────────────────────────┬────────────────────────────────┐
      │ result │ rule                            │ measured                                        │ threshold                      │
      ├────────┼─────────────────────────────────┼─────────────────────────────────────────────────┼────────────────────────────────┤
      │ PASS   │ run complete                    │ completed, 24/24 cases                          │ completed                      │
      │ PASS   │ coverage                        │ 24 records in both                              │ same cases, repeats and shards │
      │ PASS   │ infrastructure errors           │ run 0.00% (0/24), baseline 0.00% (0/24)         │ ≤ 2.00% in each                │
      │ FAIL   │ pass rate: no significant drop  │ -66.7 pp, p < 0.001 (16 regressions vs 0 fixes) │ p ≥ 0.025, one-sided           │
      │ FAIL   │ mean score: no significant drop │ -0.667, p < 0.001 (16 cases lower vs 0 higher)  │ p ≥ 0.025, one-sided           │
      │ FAIL   │ pass rate                       │ 33.33% (8/24)                                   │ ≥ 90.00%                       │
      │ FAIL   │ regressions                     │ 16 (0 fixes)                                    │ ≤ 0                            │
      │ SKIP   │ cost                            │ not recorded                                    │ ≤ $5.00                        │
      │ PASS   │ required cases: large           │ 1/1 passed                                      │ all pass                       │
      │ SKIP   │ required cases: p0              │ no matching case                                │ all pass                       │
      └────────┴─────────────────────────────────┴─────────────────────────────────────────────────┴────────────────────────────────┘
      Gate failed: 4 of 10 rules (pass rate: no significant drop, mean score: no significant drop, pass rate, regressions) failed.
        ✗ pass rate: no significant drop: B is worse: pass rate -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0 fixes, p < 0.001 (one-sided), below 0.025
        ✗ mean score: no significant drop: B is worse: mean score -0.667 (95% CI -0.894 to -0.364), 16 cases lower vs 0 higher, p < 0.001 (one-sided), below 0.025
        ✗ pass rate: the pass rate 33.33% (8/24) is below the minimum 90.00%
        ✗ regressions: 16 cases passed in the baseline and not in this run, more than the maximum 0
            01454ce8-849e-4d95-9d57-231e9a12260e  passed => error
            0478301d-ed99-41f2-a758-a1309ad13349  passed => error
            2ddabd29-a280-401b-a748-9431468e66a7  passed => error
            34fd420e-5c43-4360-a79d-a45807751dba  passed => error
            9ca40db6-198e-4379-8263-b101941675fb  passed => error
            a1465cbc-96ca-46ba-b0e5-861ac61ceaa8  passed => error
            b52684c7-c808-4267-8a83-7e7e0195d9ca  passed => error
            caee6c1a-c1b3-4295-96f8-7569ea1c8881  passed => error
            d571af0b-75fb-4e7d-97c2-c3d835b6e607  passed => error
            e9494f86-cbcb-48fe-a541-1b5ce295a6e0  passed => error
            eb856b11-5045-4ba7-86d4-b47a9452e9fe  passed => error
            ed1969c9-e04b-4a0e-96c2-4a369b5e1130  passed => error
            eeabd421-b5a9-4d20-ba65-dd296941ac73  passed => error
            f4421731-adce-4c86-aadc-afab6f213ac6  passed => error
            fd959d42-aff1-4e26-8c95-3bd6d14a47a3  passed => error
            fe434c24-e1ed-4fec-81f2-50ff96690cfb  passed => error
        - cost: the run log records no cost (the models used report none)
        - required cases: p0: no case of the run matches 'p0'

      Comparison: B is worse: pass rate -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0 fixes, p < 0.001 (one-sided); mean score -0.667 (95% CI -0.894 to -0.364), 16 cases lower vs 0 higher, p < 0.001 (one-sided)
      Over 24 cases: "worse" and "better" each one-sided at α = 0.05, split over 2 tests (Bonferroni: each at 0.025).
      With 24 cases and 67% of them flipping, a pass-rate drop smaller than 48.2 pp would likely go unnoticed (80% power, one-sided at α = 0.025).
      With 24 cases and 67% of them changing, a mean-score drop smaller than 0.47 would likely go unnoticed (80% power, one-sided at α = 0.025).
      "
    `);
  });

  it('passes (exit 0) when every rule holds', async () => {
    const { output } = await gate([perfect, '--min-pass-rate', '90%', '--require', 'hexadecimal || large'], 0);
    expect(output).toContain('Gate passed: all 5 rules hold.');
    expect(output).toMatch(/PASS\s+│ required cases: hexadecimal \|\| large\s+│ 8\/8 passed/);
  });

  it('fails on a significant drop by default, only in the worse direction', async () => {
    expect((await gate([flakey, '--baseline', perfect], 1)).output).toMatch(/FAIL\s+│ pass rate: no significant drop\s+│ -66\.7 pp, p < 0\.001 \(16 regressions vs 0 fixes\)/);
    expect((await gate([perfect, '--baseline', flakey, '--alpha', '0.05'], 0)).output).toMatch(/PASS\s+│ pass rate: no significant drop\s+│ \+66\.7 pp, p = 1\.00 \(0 regressions vs 16 fixes\)/);
  });

  it('writes JUnit XML, one testcase per rule and per case', async () => {
    const junit = join(dir, 'reports', 'gate.xml');
    await gate([flakey, '--baseline', perfect, '--min-pass-rate', '0.9', '--junit', junit, '--junit-cases'], 1);
    const xml = await readFile(junit, 'utf8');
    expect(xml.split('\n').slice(0, 3)).toEqual([
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="tagliots gate" tests="30" failures="3" errors="16" skipped="0">',
      '  <testsuite name="tagliots gate" tests="6" failures="3" errors="0" skipped="0">',
    ]);
    expect(xml).toContain('<failure type="min-pass-rate" message="the pass rate 33.33% (8/24) is below the minimum 90.00%">');
    expect(xml).toContain('<testsuite name="tagliots cases" tests="24" failures="0" errors="16" skipped="0">');
    expect(xml.match(/<testcase classname="tagliots.case"/g)).toHaveLength(24);
  });

  it('appends a Markdown summary to GITHUB_STEP_SUMMARY', async () => {
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, '# Earlier step\n');
    await gate([flakey, '--baseline', perfect, '--max-regressions', '0'], 1, { GITHUB_STEP_SUMMARY: summary });
    const text = await readFile(summary, 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual(['# Earlier step', '### ❌ Gate failed: 3 of 6 rules (pass rate: no significant drop, mean score: no significant drop, regressions)']);
    expect(text).toContain('| ❌ | regressions | 16 (0 fixes) | ≤ 0 |');
    // The comparison under the gate says what the gate decided, in the same words.
    expect(text).toContain('### 🔴 B is worse: pass rate -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0 fixes, p < 0.001 (one-sided);');
  });

  it('prints the result as JSON', async () => {
    const { stdout } = await gate([flakey, '--baseline', perfect, '--max-regressions', '0', '--json'], 1);
    const result = JSON.parse(stdout) as { passed: boolean; failed: number; rules: { id: string; status: string; value: number | null; limit: number | null; cases?: unknown[] }[] };
    expect(result.passed).toBe(false);
    expect(result.rules.map((r) => [r.id, r.status, r.value, r.limit])).toEqual([
      ['complete', 'pass', null, null],
      ['coverage', 'pass', 0, 0],
      ['infra-errors', 'pass', 0, 0.02],
      ['significance', 'fail', expect.closeTo(2 ** -16, 15), 0.025],
      ['significance', 'fail', expect.closeTo(2 ** -16, 15), 0.025],
      ['max-regressions', 'fail', 16, 0],
    ]);
    expect(result.rules[5]!.cases).toHaveLength(16);
  });

  it('fails an interrupted run unless --allow-incomplete', async () => {
    const interrupted = join(REPO_ROOT, 'test/fixtures/logs/interrupted.jsonl');
    const failed = await gate([interrupted], 1);
    expect(failed.output).toMatch(/FAIL\s+│ run complete\s+│ interrupted \(1 of 3 cases not run\)/);
    expect(failed.output).toContain('✗ run complete: the run is interrupted (1 of 3 cases not run); pass --allow-incomplete to gate it anyway');
    const allowed = await gate([interrupted, '--allow-incomplete'], 0);
    expect(allowed.output).toContain('Gate passed: all 2 rules hold (1 skipped).');
  });

  it.each([
    [['x', '--max-regressions', '0'], 'Error (E_GATE_BASELINE): --max-regressions compares with a baseline run: add --baseline <run>.'],
    [['x', '--alpha', '0.05', '--max-regressions', '1'], 'Error (E_GATE_BASELINE): --max-regressions and --alpha compare with a baseline run: add --baseline <run>.'],
    [['x', '--margin', '2%'], 'Error (E_GATE_BASELINE): --margin compares with a baseline run: add --baseline <run>.'],
    [['x', '--min-pass-rate', '1.5'], "error: option '--min-pass-rate <rate>' argument '1.5' is invalid. --min-pass-rate must be between 0 and 1, or a percentage (got '1.5')."],
    [['x', '--require', 'p0 &&'], 'Error (E_FILTER_SYNTAX): Invalid --filter expression: expected a keyword at column 6:'],
  ])('gate %j is a usage error (exit 2)', async (args, message) => {
    const result = await gate(args, 2);
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(stackFrames(result.stderr)).toEqual([]);
  });
});

describe('run with gate flags', () => {
  it('gates the finished run and exits 1 when the gate fails', async () => {
    const { result } = await runInto(runsDir, ['suites/calc.json', 'infer.model.name=flakey', '--baseline', perfect, '--max-regressions', '0', '--require', 'large'], 1);
    // This run's own git state is live (the log is only frozen after the run printed).
    const output = normalize(result.stdout, { paths: { RUNS: runsDir }, cwd: REPO_ROOT }).replace(/git (?:[0-9a-f]{12}|\(no commits\))(?: \(dirty\))?/g, 'git <GIT>');
    const gatePart = output.slice(output.indexOf('Gate for'));
    expect(gatePart.split('\n').slice(0, 12).join('\n')).toMatchInlineSnapshot(`
      "Gate for <RUN_ID>
        run: calc · suites/calc.json (24 cases) · git <GIT>
        baseline: <RUN_ID>  calc · suites/calc.json (24 cases) · git <GIT>
      ┌────────┬─────────────────────────────────┬─────────────────────────────────────────────────┬────────────────────────────────┐
      │ result │ rule                            │ measured                                        │ threshold                      │
      ├────────┼─────────────────────────────────┼─────────────────────────────────────────────────┼────────────────────────────────┤
      │ PASS   │ run complete                    │ completed, 24/24 cases                          │ completed                      │
      │ PASS   │ coverage                        │ 24 records in both                              │ same cases, repeats and shards │
      │ PASS   │ infrastructure errors           │ run 0.00% (0/24), baseline 0.00% (0/24)         │ ≤ 2.00% in each                │
      │ FAIL   │ pass rate: no significant drop  │ -66.7 pp, p < 0.001 (16 regressions vs 0 fixes) │ p ≥ 0.025, one-sided           │
      │ FAIL   │ mean score: no significant drop │ -0.667, p < 0.001 (16 cases lower vs 0 higher)  │ p ≥ 0.025, one-sided           │
      │ FAIL   │ regressions                     │ 16 (0 fixes)                                    │ ≤ 0                            │"
    `);
  });

  it('exits 0 when the gate passes; --baseline latest is the newest run before this one', async () => {
    const { result } = await runInto(runsDir, ['suites/calc.json', '--baseline', 'latest', '--max-regressions', '0', '--min-pass-rate', '1'], 0);
    expect(result.stdout).toContain('Gate passed: all 7 rules hold.');
    // The baseline is the flakey run just before, not this run itself.
    expect(result.stdout).toMatch(/regressions\s+│ 0 \(16 fixes\)/);
  });

  it('checks the gate flags before running anything', async () => {
    const before = (await runLogs(runsDir)).length;
    const { result } = await runInto(runsDir, ['suites/calc.json', '--max-regressions', '0'], 2);
    expect(result.stderr.split('\n')[0]).toBe('Error (E_GATE_BASELINE): --max-regressions compares with a baseline run: add --baseline <run>.');
    const missing = await runInto(runsDir, ['suites/calc.json', '--baseline', 'no-such-run'], 2);
    expect(missing.result.stderr.split('\n')[0]).toMatch(/^Error \(E_RUN_NOT_FOUND\): No run matches 'no-such-run'/);
    expect(await runLogs(runsDir)).toHaveLength(before);
  });
});
