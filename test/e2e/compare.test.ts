/**
 * `tagliots compare` end to end: the CLI, in process, runs the calc sample with the `perfect` and
 * `flakey` mocks into a temp runs folder, then compares the logs. Before comparing, each run log's git state
 * and case durations are set to fixed values (the only parts of a log that change from one run to
 * the next, apart from ids), so whole outputs can be snapshots.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { runFrozen } from '../helpers/log-runs.ts';
import { hasAnsi, normalize, stackFrames } from '../helpers/normalize.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const FIXTURES = join(REPO_ROOT, 'test/fixtures/logs/compare');

/** Runs `tagliots run <args>` into `runsDir` and returns the new log, with its git state and durations fixed. */
async function runInto(runsDir: string, args: readonly string[]): Promise<string> {
  return (await runFrozen(runsDir, args)).log!;
}

let runsDir: string;
let perfect: string;
let flakey: string;
let perfectAgain: string;

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  perfect = await runInto(runsDir, ['suites/calc.json']);
  flakey = await runInto(runsDir, ['suites/calc.json', 'infer.model.name=flakey']);
  perfectAgain = await runInto(runsDir, ['suites/calc.json']);
});

async function compare(args: readonly string[], options: { exitCode?: number; env?: Record<string, string> } = {}) {
  const result = await runInProcess(['compare', ...args], { cwd: REPO_ROOT, ...(options.env && { env: options.env }) });
  expect(result.exitCode, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(options.exitCode ?? 0);
  return { ...result, output: normalize(result.stdout, { paths: { RUNS: runsDir }, cwd: REPO_ROOT }) };
}

describe('compare two runs of the calc sample', () => {
  it('groups the cases, lists every regression, and gives deltas, statistics and a verdict', async () => {
    const { output, stdout, stderr } = await compare([perfect, flakey]);
    expect(stderr).toBe('');
    expect(hasAnsi(stdout)).toBe(false);
    expect(output).toMatchInlineSnapshot(`
      "Comparing B with A
        A: <RUN_ID>  calc · suites/calc.json (24 cases) · git c0ffee000000
        B: <RUN_ID>  calc · suites/calc.json (24 cases) · git c0ffee000000

      Config differences (A => B)
        infer.model.name: perfect => flakey

      Cases: 24 in both, 0 only in A, 0 only in B

      ┌─────┬────────┬────────┬──────────────┬────────────────────────────────┐
      │ id  │ A      │ B      │ score A => B │ keywords                       │
      ├─────┼────────┼────────┼──────────────┼────────────────────────────────┤
      │ 008 │ passed │ passed │ 1            │ division, text                 │
      │ 232 │ passed │ passed │ 1            │ subtraction, text              │
      │ 470 │ passed │ passed │ 1            │ addition, numbers              │
      │ 89f │ passed │ passed │ 1            │ division, numbers              │
      │ ac9 │ passed │ passed │ 1            │ hexadecimal, subtraction       │
      │ b6b │ passed │ passed │ 1            │ addition, hexadecimal          │
      │ c4c │ passed │ passed │ 1            │ decimals, numbers              │
      │ dda │ passed │ passed │ 1            │ large, numbers                 │
      │ 014 │ passed │ error  │ 1 => —       │ flakey-fails, hexadecimal, mu… │
      │ 047 │ passed │ error  │ 1 => —       │ flakey-fails, mixed, percent   │
      │ 2dd │ passed │ error  │ 1 => —       │ flakey-fails, multiplication,… │
      │ 34f │ passed │ error  │ 1 => —       │ flakey-fails, hexadecimal, te… │
      │ 9ca │ passed │ error  │ 1 => —       │ addition, flakey-fails, text   │
      │ a14 │ passed │ error  │ 1 => —       │ flakey-fails, hexadecimal      │
      │ b52 │ passed │ error  │ 1 => —       │ flakey-fails, numbers, subtra… │
      │ cae │ passed │ error  │ 1 => —       │ flakey-fails, negative, numbe… │
      │ d57 │ passed │ error  │ 1 => —       │ flakey-fails, numbers, preced… │
      │ e94 │ passed │ error  │ 1 => —       │ flakey-fails, multiplication,… │
      │ eb8 │ passed │ error  │ 1 => —       │ flakey-fails, numbers, parent… │
      │ ed1 │ passed │ error  │ 1 => —       │ decimals, division, flakey-fa… │
      │ eea │ passed │ error  │ 1 => —       │ division, flakey-fails, hexad… │
      │ f44 │ passed │ error  │ 1 => —       │ addition, flakey-fails, hexad… │
      │ fd9 │ passed │ error  │ 1 => —       │ flakey-fails, mixed, sqrt      │
      │ fe4 │ passed │ error  │ 1 => —       │ exponent, flakey-fails, numbe… │
      └─────┴────────┴────────┴──────────────┴────────────────────────────────┘

      Transitions (A => B)
        passed => passed        8
        passed => error        16

      Regressions (16): passed in A, not in B
        passed => error   01454ce8-849e-4d95-9d57-231e9a12260e  flakey-fails, hexadecimal, multiplication
        passed => error   0478301d-ed99-41f2-a758-a1309ad13349  flakey-fails, mixed, percent
        passed => error   2ddabd29-a280-401b-a748-9431468e66a7  flakey-fails, multiplication, text
        passed => error   34fd420e-5c43-4360-a79d-a45807751dba  flakey-fails, hexadecimal, text
        passed => error   9ca40db6-198e-4379-8263-b101941675fb  addition, flakey-fails, text
        passed => error   a1465cbc-96ca-46ba-b0e5-861ac61ceaa8  flakey-fails, hexadecimal
        passed => error   b52684c7-c808-4267-8a83-7e7e0195d9ca  flakey-fails, numbers, subtraction
        passed => error   caee6c1a-c1b3-4295-96f8-7569ea1c8881  flakey-fails, negative, numbers
        passed => error   d571af0b-75fb-4e7d-97c2-c3d835b6e607  flakey-fails, numbers, precedence
        passed => error   e9494f86-cbcb-48fe-a541-1b5ce295a6e0  flakey-fails, multiplication, numbers
        passed => error   eb856b11-5045-4ba7-86d4-b47a9452e9fe  flakey-fails, numbers, parentheses
        passed => error   ed1969c9-e04b-4a0e-96c2-4a369b5e1130  decimals, division, flakey-fails, numbers
        passed => error   eeabd421-b5a9-4d20-ba65-dd296941ac73  division, flakey-fails, hexadecimal
        passed => error   f4421731-adce-4c86-aadc-afab6f213ac6  addition, flakey-fails, hexadecimal
        passed => error   fd959d42-aff1-4e26-8c95-3bd6d14a47a3  flakey-fails, mixed, sqrt
        passed => error   fe434c24-e1ed-4fec-81f2-50ff96690cfb  exponent, flakey-fails, numbers

      Fixes (0): passed in B, not in A
        (none)

      Metrics over the 24 common cases
      ┌──────────────┬─────────┬─────────┬──────────────────────────────────────┐
      │              │       A │       B │ B - A                                │
      ├──────────────┼─────────┼─────────┼──────────────────────────────────────┤
      │ pass rate    │ 100.00% │  33.33% │ -66.67 pp (95% CI -82.0 to -43.7 pp) │
      │ mean score   │       1 │   0.333 │ -0.667 (95% CI -0.894 to -0.364)     │
      │ tokens in    │   1,019 │     680 │ -339                                 │
      │ tokens out   │      29 │      34 │ +5                                   │
      │ latency mean │ 3.88 ms │ 3.88 ms │ 0.00 ms                              │
      │ latency p50  │ 3.88 ms │ 3.88 ms │ 0.00 ms                              │
      │ latency p95  │ 6.46 ms │ 6.46 ms │ 0.00 ms                              │
      └──────────────┴─────────┴─────────┴──────────────────────────────────────┘

      Keywords
      ┌────────────────┬───────┬──────────┬──────────┬─────────────┬───────┬──────────┬───────┐
      │ keyword        │ cases │ passed A │ passed B │ regressions │ fixes │ p (Holm) │       │
      ├────────────────┼───────┼──────────┼──────────┼─────────────┼───────┼──────────┼───────┤
      │ addition       │     4 │  100.00% │   50.00% │           2 │     0 │     1.00 │ noise │
      │ decimals       │     2 │  100.00% │   50.00% │           1 │     0 │     1.00 │ noise │
      │ division       │     4 │  100.00% │   50.00% │           2 │     0 │     1.00 │ noise │
      │ exponent       │     1 │  100.00% │    0.00% │           1 │     0 │     1.00 │ noise │
      │ flakey-fails   │    16 │  100.00% │    0.00% │          16 │     0 │  < 0.001 │ worse │
      │ hexadecimal    │     7 │  100.00% │   28.57% │           5 │     0 │     0.47 │ noise │
      │ large          │     1 │  100.00% │  100.00% │           0 │     0 │     1.00 │ noise │
      │ mixed          │     2 │  100.00% │    0.00% │           2 │     0 │     1.00 │ noise │
      │ multiplication │     3 │  100.00% │    0.00% │           3 │     0 │     1.00 │ noise │
      │ negative       │     1 │  100.00% │    0.00% │           1 │     0 │     1.00 │ noise │
      │ numbers        │    11 │  100.00% │   36.36% │           7 │     0 │     0.13 │ noise │
      │ parentheses    │     1 │  100.00% │    0.00% │           1 │     0 │     1.00 │ noise │
      │ percent        │     1 │  100.00% │    0.00% │           1 │     0 │     1.00 │ noise │
      │ precedence     │     1 │  100.00% │    0.00% │           1 │     0 │     1.00 │ noise │
      │ sqrt           │     1 │  100.00% │    0.00% │           1 │     0 │     1.00 │ noise │
      │ subtraction    │     3 │  100.00% │   66.67% │           1 │     0 │     1.00 │ noise │
      │ text           │     5 │  100.00% │   40.00% │           3 │     0 │     1.00 │ noise │
      └────────────────┴───────┴──────────┴──────────┴─────────────┴───────┴──────────┴───────┘
      Each keyword's pass rate change is tested over its cases, Holm-adjusted over 17
      keywords: 1 significant (marked), the others within noise.

      Statistics
        Over 24 cases: "worse" and "better" each one-sided at α = 0.05, split over 2
          tests (Bonferroni: each at 0.025).
        Pass rate B − A: -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0
          fixes; p(worse) < 0.001, p(better) = 1.00 (McNemar's exact test, Tango's
          score interval).
        Mean score B − A: -0.667 (95% CI -0.894 to -0.364), 16 cases lower vs 0
          higher; p(worse) < 0.001, p(better) = 1.00 (sign-flip test on per-case
          differences, every sign pattern).
        Pipeline errors count as failures, and score 0: 0 in A, 16 in B.
        With 24 cases and 67% of them flipping, a pass-rate drop smaller than 48.2 pp
          would likely go unnoticed (80% power, one-sided at α = 0.025).
        With 24 cases and 67% of them changing, a mean-score drop smaller than 0.47
          would likely go unnoticed (80% power, one-sided at α = 0.025).

      B is worse: pass rate -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0
        fixes, p < 0.001 (one-sided); mean score -0.667 (95% CI -0.894 to -0.364), 16
        cases lower vs 0 higher, p < 0.001 (one-sided)
      "
    `);
  });

  it('prints Markdown for a pull-request comment', async () => {
    const { output } = await compare([perfect, flakey, '--md']);
    expect(output).toMatchInlineSnapshot(`
      "### 🔴 B is worse: pass rate -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0 fixes, p < 0.001 (one-sided); mean score -0.667 (95% CI -0.894 to -0.364), 16 cases lower vs 0 higher, p < 0.001 (one-sided)

      | | run | |
      |---|---|---|
      | **A** | \`<RUN_ID>\` | calc · suites/calc.json (24 cases) · git c0ffee000000 |
      | **B** | \`<RUN_ID>\` | calc · suites/calc.json (24 cases) · git c0ffee000000 |

      **Cases:** 24 in both, 0 only in A, 0 only in B.

      | | A | B | B − A |
      |---|---:|---:|---|
      | Pass rate | 100.00% | 33.33% | **-66.67 pp** (95% CI -82.0 to -43.7 pp) |
      | Mean score | 1 | 0.333 | -0.667 (95% CI -0.894 to -0.364) |
      | Tokens in | 1,019 | 680 | -339 |
      | Tokens out | 29 | 34 | +5 |
      | Latency p50 | 3.88 ms | 3.88 ms | 0.00 ms |
      | Latency p95 | 6.46 ms | 6.46 ms | 0.00 ms |

      | A → B | cases |
      |---|---:|
      | passed → passed | 8 |
      | passed → error | 16 |

      <details open><summary>16 regressions (passed in A, not in B)</summary>

      | case | A → B | keywords |
      |---|---|---|
      | \`01454ce8-849e-4d95-9d57-231e9a12260e\` | passed → error | flakey-fails, hexadecimal, multiplication |
      | \`0478301d-ed99-41f2-a758-a1309ad13349\` | passed → error | flakey-fails, mixed, percent |
      | \`2ddabd29-a280-401b-a748-9431468e66a7\` | passed → error | flakey-fails, multiplication, text |
      | \`34fd420e-5c43-4360-a79d-a45807751dba\` | passed → error | flakey-fails, hexadecimal, text |
      | \`9ca40db6-198e-4379-8263-b101941675fb\` | passed → error | addition, flakey-fails, text |
      | \`a1465cbc-96ca-46ba-b0e5-861ac61ceaa8\` | passed → error | flakey-fails, hexadecimal |
      | \`b52684c7-c808-4267-8a83-7e7e0195d9ca\` | passed → error | flakey-fails, numbers, subtraction |
      | \`caee6c1a-c1b3-4295-96f8-7569ea1c8881\` | passed → error | flakey-fails, negative, numbers |
      | \`d571af0b-75fb-4e7d-97c2-c3d835b6e607\` | passed → error | flakey-fails, numbers, precedence |
      | \`e9494f86-cbcb-48fe-a541-1b5ce295a6e0\` | passed → error | flakey-fails, multiplication, numbers |
      | \`eb856b11-5045-4ba7-86d4-b47a9452e9fe\` | passed → error | flakey-fails, numbers, parentheses |
      | \`ed1969c9-e04b-4a0e-96c2-4a369b5e1130\` | passed → error | decimals, division, flakey-fails, numbers |
      | \`eeabd421-b5a9-4d20-ba65-dd296941ac73\` | passed → error | division, flakey-fails, hexadecimal |
      | \`f4421731-adce-4c86-aadc-afab6f213ac6\` | passed → error | addition, flakey-fails, hexadecimal |
      | \`fd959d42-aff1-4e26-8c95-3bd6d14a47a3\` | passed → error | flakey-fails, mixed, sqrt |
      | \`fe434c24-e1ed-4fec-81f2-50ff96690cfb\` | passed → error | exponent, flakey-fails, numbers |

      </details>

      **Config differences (A → B)**

      | path | A | B |
      |---|---|---|
      | \`infer.model.name\` | \`perfect\` | \`flakey\` |

      <details><summary>Keywords</summary>

      | keyword | cases | passed A | passed B | regressions | fixes | p (Holm) | |
      |---|---:|---:|---:|---:|---:|---:|---|
      | addition | 4 | 100.00% | 50.00% | 2 | 0 | 1.00 | noise |
      | decimals | 2 | 100.00% | 50.00% | 1 | 0 | 1.00 | noise |
      | division | 4 | 100.00% | 50.00% | 2 | 0 | 1.00 | noise |
      | exponent | 1 | 100.00% | 0.00% | 1 | 0 | 1.00 | noise |
      | flakey-fails | 16 | 100.00% | 0.00% | 16 | 0 | < 0.001 | 🔴 worse |
      | hexadecimal | 7 | 100.00% | 28.57% | 5 | 0 | 0.47 | noise |
      | large | 1 | 100.00% | 100.00% | 0 | 0 | 1.00 | noise |
      | mixed | 2 | 100.00% | 0.00% | 2 | 0 | 1.00 | noise |
      | multiplication | 3 | 100.00% | 0.00% | 3 | 0 | 1.00 | noise |
      | negative | 1 | 100.00% | 0.00% | 1 | 0 | 1.00 | noise |
      | numbers | 11 | 100.00% | 36.36% | 7 | 0 | 0.13 | noise |
      | parentheses | 1 | 100.00% | 0.00% | 1 | 0 | 1.00 | noise |
      | percent | 1 | 100.00% | 0.00% | 1 | 0 | 1.00 | noise |
      | precedence | 1 | 100.00% | 0.00% | 1 | 0 | 1.00 | noise |
      | sqrt | 1 | 100.00% | 0.00% | 1 | 0 | 1.00 | noise |
      | subtraction | 3 | 100.00% | 66.67% | 1 | 0 | 1.00 | noise |
      | text | 5 | 100.00% | 40.00% | 3 | 0 | 1.00 | noise |

      Each keyword's pass rate change is tested over its cases, Holm-adjusted over 17 keywords: 1 significant (marked), the others within noise.

      </details>

      **Statistics**

      - Over 24 cases: "worse" and "better" each one-sided at α = 0.05, split over 2 tests (Bonferroni: each at 0.025).
      - Pass rate B − A: -66.7 pp (95% CI -82.0 to -43.7 pp), 16 regressions vs 0 fixes; p(worse) < 0.001, p(better) = 1.00 (McNemar's exact test, Tango's score interval).
      - Mean score B − A: -0.667 (95% CI -0.894 to -0.364), 16 cases lower vs 0 higher; p(worse) < 0.001, p(better) = 1.00 (sign-flip test on per-case differences, every sign pattern).
      - Pipeline errors count as failures, and score 0: 0 in A, 16 in B.
      - With 24 cases and 67% of them flipping, a pass-rate drop smaller than 48.2 pp would likely go unnoticed (80% power, one-sided at α = 0.025).
      - With 24 cases and 67% of them changing, a mean-score drop smaller than 0.47 would likely go unnoticed (80% power, one-sided at α = 0.025).

      "
    `);
  });

  it('prints the whole comparison as JSON', async () => {
    const { stdout } = await compare([perfect, flakey, '--json']);
    const c = JSON.parse(stdout) as Record<string, any>;
    expect(c['verdict']['kind']).toBe('worse');
    expect(c['verdict']['text']).toMatch(/^B is worse: pass rate -66\.7 pp \(95% CI -82\.0 to -43\.7 pp\), 16 regressions vs 0 fixes, p < 0\.001 \(one-sided\); mean score /);
    expect(c['common']).toBe(24);
    expect(c['regressions']).toHaveLength(16);
    expect(c['regressions'][0]).toEqual({
      caseId: '01454ce8-849e-4d95-9d57-231e9a12260e',
      repeat: 0,
      index: 17,
      a: 'passed',
      b: 'error',
      scoreA: 1,
      scoreB: null,
      scoreDelta: null,
      keywords: ['flakey-fails', 'hexadecimal', 'multiplication'],
    });
    expect(c['configDiff']).toEqual([{ path: 'infer.model.name', a: 'perfect', b: 'flakey' }]);
    expect(c['stats']).toMatchObject({ alpha: 0.05, tests: 2, cases: 24, repeats: 1, primary: 'pass', excluded: { a: 0, b: 0 }, errorScore: 0 });
    expect(c['stats']['pass']).toMatchObject({ metric: 'pass', method: 'mcnemar-exact', worse: 16, better: 0, pBetter: 1, alpha: 0.025, significant: 'worse' });
    expect(c['stats']['pass']['pWorse']).toBeCloseTo(1 / 2 ** 16, 15);
    expect(c['passRate']['ci']).toEqual(c['stats']['pass']['interval']);
    expect(c['passRate']['ci']['level']).toBeCloseTo(0.95, 12);
    expect(c['transitions'].filter((t: { count: number }) => t.count > 0)).toEqual([
      { from: 'passed', to: 'passed', count: 8 },
      { from: 'passed', to: 'error', count: 16 },
    ]);
  });

  it('gives the same comparison, to the bit, when the logs are read in worker threads', async () => {
    // Only the built package reads logs in threads (the sources are TypeScript); large logs get them by default.
    const built = (await import(pathToFileURL(join(REPO_ROOT, 'dist/index.js')).href)) as typeof import('../../src/index.ts');
    const [inline, threads] = await Promise.all([false, true].map((inThreads) => built.compareRuns(perfect, flakey, { threads: inThreads })));
    expect(threads!.cases.length).toBeGreaterThan(0);
    expect(JSON.stringify(threads)).toBe(JSON.stringify(inline));
  });

  it('says so when both runs are the same, and when nothing changed', async () => {
    const same = await compare([perfect, perfect]);
    expect(same.output).toContain('A and B are the same run: every case compares with itself.');
    expect(same.output.trimEnd().split('\n').at(-1)).toBe('Same run: A and B are both <RUN_ID>.');
    const again = await compare([perfect, perfectAgain]);
    expect(again.output.trimEnd().split('\n').at(-1)).toBe('No change: all 24 common cases have the same outcome and score.');
  });

  it('resolves run-id prefixes and latest in --runs-dir', async () => {
    const id = (path: string) => path.slice(path.lastIndexOf('/') + 1, -'.jsonl'.length);
    const { stdout } = await compare([id(perfect), 'latest', '--runs-dir', runsDir, '--json']);
    const c = JSON.parse(stdout) as { a: { runId: string }; b: { runId: string } };
    expect(c.a.runId).toBe(id(perfect));
    expect(c.b.runId).toBe(id(perfectAgain));
  });

  it('compares only the cases --filter, --ids and --limit select', async () => {
    const filtered = JSON.parse((await compare([perfect, flakey, '--filter', 'flakey-fails && !hexadecimal', '--json'])).stdout) as Record<string, any>;
    expect(filtered['common']).toBe(11);
    expect(filtered['regressions']).toHaveLength(11);
    const ids = JSON.parse((await compare([perfect, flakey, '--ids', '470,b52', '--json'])).stdout) as Record<string, any>;
    expect(ids['cases'].map((c: { caseId: string; b: string }) => `${c.caseId.slice(0, 3)} ${c.b}`)).toEqual(['470 passed', 'b52 error']);
    const limited = JSON.parse((await compare([perfect, flakey, '--limit', '3', '--json'])).stdout) as Record<string, any>;
    expect(limited['cases'].map((c: { index: number }) => c.index).sort()).toEqual([0, 1, 2]);
    const none = await compare([perfect, flakey, '--ids', 'zzz'], { exitCode: 2 });
    expect(none.stderr).toBe("Error (E_SELECT_IDS): No case id starts with 'zzz'.\nHint: Give case ids (or unique prefixes of them) separated by commas.\n");
  });

  it('compares several runs with a baseline, one row each', async () => {
    const { output } = await compare([perfect, flakey, perfectAgain]);
    // Run labels are the shortest unique id prefixes, so their length (and the table's) varies: squeeze it.
    const squeezed = output.replace(/\b[0-9a-f]{8}-[0-9a-f]{1,4}\b/g, '<ID>').replace(/─+/g, '─').replace(/ {2,}/g, ' ');
    expect(squeezed).toMatchInlineSnapshot(`
      "Comparing 2 runs with the baseline
       baseline: <RUN_ID> calc · suites/calc.json (24 cases) · git c0ffee000000
      ┌─┬─┬─┬─┬─┬─┬─┬─┐
      │ run │ pass rate │ Δ │ 97.5% CI │ regr. │ fixes │ p │ verdict │
      ├─┼─┼─┼─┼─┼─┼─┼─┤
      │ <ID> │ 100.00% │ │ │ │ │ │ baseline │
      │ <ID> │ 33.33% │ -66.7 pp │ -83.6 to -37.8 │ 16 │ 0 │ < 0.001 │ worse │
      │ <ID> │ 100.00% │ 0.0 pp │ -17.3 to 17.3 │ 0 │ 0 │ 1.00 │ no change │
      └─┴─┴─┴─┴─┴─┴─┴─┘
      pass rate: over each run's own cases. Δ: pass rate change against the baseline
      over the cases both ran, with its interval; regr., fixes: cases that stopped or
      started passing.
      p: one-sided, in the direction of the change. "Worse" and "better" are each
      judged at α = 0.05 split over 4 tests (Bonferroni: 2 runs × 2 metrics), so a
      verdict holds for the whole table.
      "
    `);
  });
});

describe('compare: runs that differ, or do not overlap', () => {
  it('lists the cases only in A or B, config and set-up differences, cost and latency deltas, per keyword', async () => {
    const { output } = await compare([join(FIXTURES, 'base.jsonl'), join(FIXTURES, 'change.jsonl')]);
    expect(output).toMatchInlineSnapshot(`
      "Comparing B with A
        A: <RUN_ID>  review · suites/review.json (6 cases) · git 3f2c9e1b7a4d
        B: <RUN_ID>  review · suites/review.json (6 cases) · git 9a8b7c6d5e4f (dirty)

      Warnings
        ! Different suite content: sha256 5e1f00000000… in A, 7ac200000000… in B (suites/review.json).
        ! Different git commits: A at 3f2c9e1b7a4d, B at 9a8b7c6d5e4f.
        ! B ran with uncommitted changes (git dirty).

      Config differences (A => B)
        infer.model.name: gpt-a => gpt-b
        infer.model.settings.temperature: 0.2 => 0.7

      Cases: 5 in both, 1 only in A, 1 only in B

      ┌────────────────┬────────┬────────┬──────────────┬─────────────┐
      │ id             │ A      │ B      │ score A => B │ keywords    │
      ├────────────────┼────────┼────────┼──────────────┼─────────────┤
      │ auth-login     │ passed │ passed │ 1            │ auth, p0    │
      │ billing-tax    │ failed │ passed │ 0.2 => 0.7   │ billing     │
      │ search-typo    │ error  │ passed │ — => 0.9     │ search      │
      │ billing-refund │ passed │ failed │ 0.8 => 0.3   │ billing, p0 │
      │ auth-logout    │ passed │ error  │ 0.9 => —     │ auth        │
      └────────────────┴────────┴────────┴──────────────┴─────────────┘

      Transitions (A => B)
        passed => passed        1
        failed => passed        1
        error => passed         1
        passed => failed        1
        passed => error         1

      Regressions (2): passed in A, not in B
        passed => failed  billing-refund  billing, p0
        passed => error   auth-logout     auth

      Fixes (2): passed in B, not in A
        failed => passed  billing-tax  billing
        error => passed   search-typo  search

      Only in A (1)
        search-empty

      Only in B (1)
        search-new

      Metrics over the 5 common cases
      ┌──────────────┬─────────┬─────────┬───────────────────────────────────┐
      │              │       A │       B │ B - A                             │
      ├──────────────┼─────────┼─────────┼───────────────────────────────────┤
      │ pass rate    │  60.00% │  60.00% │ 0.00 pp (95% CI -62.1 to 62.1 pp) │
      │ mean score   │    0.58 │    0.58 │ 0 (95% CI -0.999 to +0.999)       │
      │ cost         │ $0.0084 │ $0.0132 │ +$0.0048                          │
      │ tokens in    │   2,060 │   2,060 │ 0                                 │
      │ tokens out   │     145 │     149 │ +4                                │
      │ latency mean │  855 ms │  957 ms │ +102 ms                           │
      │ latency p50  │  821 ms │  881 ms │ +60.0 ms                          │
      │ latency p95  │  1.14 s │  1.40 s │ +256 ms                           │
      └──────────────┴─────────┴─────────┴───────────────────────────────────┘

      Keywords
      ┌─────────┬───────┬──────────┬──────────┬─────────────┬───────┬──────────┬───────┐
      │ keyword │ cases │ passed A │ passed B │ regressions │ fixes │ p (Holm) │       │
      ├─────────┼───────┼──────────┼──────────┼─────────────┼───────┼──────────┼───────┤
      │ auth    │     2 │  100.00% │   50.00% │           1 │     0 │     1.00 │ noise │
      │ billing │     2 │   50.00% │   50.00% │           1 │     1 │     1.00 │ noise │
      │ p0      │     2 │  100.00% │   50.00% │           1 │     0 │     1.00 │ noise │
      │ search  │     1 │    0.00% │  100.00% │           0 │     1 │     1.00 │ noise │
      └─────────┴───────┴──────────┴──────────┴─────────────┴───────┴──────────┴───────┘
      Each keyword's pass rate change is tested over its cases, Holm-adjusted over 4
      keywords: none is significant, every difference is within noise.

      Statistics
        Over 5 cases: "worse" and "better" each one-sided at α = 0.05, split over 2
          tests (Bonferroni: each at 0.025).
        Pass rate B − A: 0.0 pp (95% CI -62.1 to 62.1 pp), 2 regressions vs 2 fixes;
          p(worse) = 0.69, p(better) = 0.69 (McNemar's exact test, Tango's score
          interval).
        Mean score B − A: 0 (95% CI -0.999 to +0.999), 2 cases lower vs 2 higher;
          p(worse) = 0.63, p(better) = 0.63 (sign-flip test on per-case differences,
          every sign pattern).
        Pipeline errors count as failures, and score 0: 1 in A, 1 in B.
        With 5 cases and 80% of them flipping, this comparison cannot tell any drop
          from noise (80% power, one-sided at α = 0.025).
        With 5 cases and 80% of them changing, this comparison cannot tell any drop
          from noise (80% power, one-sided at α = 0.025).

      No significant difference: pass rate 0.0 pp (95% CI -62.1 to 62.1 pp), 2
        regressions vs 2 fixes, p = 0.69 (one-sided); mean score 0 (95% CI -0.999 to
        +0.999), 2 cases lower vs 2 higher, p = 0.63 (one-sided)
      "
    `);
  });

  it('says there is nothing to compare when no case is in both runs, without crashing', async () => {
    const dag = await runInto(runsDir, ['suites/dag.json']);
    const { output, stderr } = await compare([perfect, dag]);
    expect(stderr).toBe('');
    expect(output).toContain("! Different pipelines: A ran 'calc', B ran 'dag'.");
    expect(output).toContain('Cases: 0 in both, 24 only in A, 3 only in B');
    expect(output.trimEnd().split('\n').at(-1)).toBe('Nothing to compare: A and B have no case in common (24 only in A, 3 only in B).');
  });
});

describe('compare: GoTaglio logs', () => {
  it('reads them like tagliots logs', async () => {
    const log = join(REPO_ROOT, 'test/fixtures/logs/gotaglio/ecba790e-f50c-4c90-9b89-7d46fad3354e.json');
    const { stdout } = await compare([log, log, '--json']);
    const c = JSON.parse(stdout) as Record<string, any>;
    expect(c['sameRun']).toBe(true);
    expect([c['common'], c['a']['pipeline'], c['verdict']['kind']]).toEqual([3, 'calc', 'same-run']);
  });
});

describe('compare: usage errors', () => {
  it.each([
    [['only-one.jsonl'], 'Error (E_USAGE): compare needs at least two runs (got 1).'],
    [['a', 'b', '--alpha', '2'], "error: option '--alpha <p>' argument '2' is invalid. --alpha must be a number between 0 and 1 (got '2')."],
    [['a', 'b', '--json', '--md'], 'Error (E_USAGE): --json and --md cannot be combined.'],
  ])('compare %j exits 2', async (args, message) => {
    const result = await compare(args, { exitCode: 2 });
    expect(result.stderr.split('\n')[0]).toBe(message);
    expect(stackFrames(result.stderr)).toEqual([]);
  });

  it('names a run that does not exist', async () => {
    const result = await compare([perfect, 'nope', '--runs-dir', runsDir], { exitCode: 2 });
    expect(normalize(result.stderr, { paths: { RUNS: runsDir }, cwd: REPO_ROOT }).split('\n')[0]).toBe("Error (E_RUN_NOT_FOUND): No run matches 'nope' in <RUNS>/");
  });
});
