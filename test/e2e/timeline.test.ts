/**
 * `tagliots timeline` end to end: GoTaglio's step table and time bars for one case (from a fixture
 * log, whose times are fixed), cases in flight over a real run, Chrome Trace Event files, errors.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDirs } from '../helpers/fixtures.ts';
import { cli, LOG_FIXTURES, makeRuns, normalizeLog } from '../helpers/log-runs.ts';

const temp = tempDirs();
let runsDir: string;

beforeAll(async () => {
  runsDir = join(await temp.make(), 'runs');
  await makeRuns(runsDir, ['dag', 'flakey']);
});
afterAll(() => temp.cleanup());

const DAG = join(LOG_FIXTURES, 'dag.jsonl');

interface TraceEvent {
  name: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  args?: Record<string, unknown>;
}

describe.concurrent('tagliots timeline', () => {
  it('draws the step table and the stages of one case on a time scale', async ({ expect }) => {
    const result = await cli(['timeline', DAG, 'dag-2', '--width', '90']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatchInlineSnapshot(`
      "Run 019aa193-8a59-7b4e-a2c9-d1a6f00dda61 (dag, test/fixtures/logs/dag.jsonl)

      Timeline of case dag-2

      Steps (each row is a stage starting or ending, in time order)
      ┌──────┬───┬───┬───┬───┬───┬───┬──────────┐
      │ step │ A │ B │ C │ D │ E │ F │ event    │
      ├──────┼───┼───┼───┼───┼───┼───┼──────────┤
      │    1 │ █ │   │   │   │   │   │ A starts │
      │    2 │ █ │   │   │   │ █ │   │ E starts │
      │    3 │ █ │   │   │   │ █ │   │ A ends   │
      │    4 │   │ █ │   │   │ █ │   │ B starts │
      │    5 │   │ █ │ █ │   │ █ │   │ C starts │
      │    6 │   │ █ │ █ │   │ █ │   │ E ends   │
      │    7 │   │ █ │ █ │   │   │   │ B ends   │
      │    8 │   │   │ █ │   │   │   │ C ends   │
      │    9 │   │   │   │ █ │   │   │ D starts │
      │   10 │   │   │   │ █ │   │   │ D ends   │
      │   11 │   │   │   │   │   │ █ │ F starts │
      │   12 │   │   │   │   │   │ █ │ F ends   │
      └──────┴───┴───┴───┴───┴───┴───┴──────────┘

      Stages on a time scale (0 to 53.8 ms)
      A │█████████████                                                 │ 0.01 ms → 11.7 ms  ok
      B │             ████████████                                     │ 11.7 ms → 21.4 ms  ok
      C │             ████████████████████████                         │ 11.7 ms → 31.7 ms  ok
      D │                                     ████████████             │ 31.8 ms → 42.4 ms  ok
      E │██████████████                                                │ 0.06 ms → 11.8 ms  ok
      F │                                                 █████████████│ 42.5 ms → 53.8 ms  ok
      "
    `);
  });

  it('charts the cases in flight over a whole run, with the max and the mean', async ({ expect }) => {
    const result = await cli(['timeline', 'latest', '--runs-dir', runsDir, '--width', '60']);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = normalizeLog(result.stdout, runsDir).split('\n');
    expect(lines[0]).toBe('Run <RUN_ID> (calc, <RUNS>/<RUN_ID>.jsonl)');
    expect(lines[2]).toBe('Cases in flight over time (24 cases with timing, concurrency limit 8)');
    expect(lines.find((l) => l.startsWith('Max in flight: '))).toMatch(/^Max in flight: [1-8] · mean \d+\.\d\d \(\d+% of the limit\) · <T> from the first start to the last end$/);
    const axis = lines.find((l) => / ┼─+$/.test(l))!;
    expect(axis.length).toBe(60);
  });

  it('writes a Chrome trace of a run: one track per slot, cases as slices, stages nested in them', async ({ expect }) => {
    const out = join(await temp.make(), 'trace.json');
    const result = await cli(['timeline', DAG, '--trace', out]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe(`Trace written to ${out} (open it in https://ui.perfetto.dev or chrome://tracing)\n`);
    const trace = JSON.parse(await readFile(out, 'utf8')) as { traceEvents: TraceEvent[]; displayTimeUnit: string };
    expect(trace.displayTimeUnit).toBe('ms');
    const slices = trace.traceEvents.filter((e) => e.ph === 'X');
    const cases = slices.filter((e) => e.cat === 'case');
    expect(cases.map((e) => e.name).sort()).toEqual(['dag-1', 'dag-2', 'dag-3']);
    // Concurrency 2: two slots, the third case reuses one.
    expect(new Set(cases.map((e) => e.tid))).toEqual(new Set([1, 2]));
    expect(Math.min(...cases.map((e) => e.ts!))).toBe(0);
    for (const c of cases) {
      const stages = slices.filter((e) => e.cat === 'stage' && e.args?.['caseId'] === c.name);
      expect(stages.map((s) => s.name).sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
      for (const s of stages) {
        expect(s.ts!).toBeGreaterThanOrEqual(c.ts!);
        expect(s.ts! + s.dur!).toBeLessThanOrEqual(c.ts! + c.dur! + 0.001);
        expect(s.tid % 1_000_000).toBe(c.tid);
      }
    }
    const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.['name']);
    expect(names).toContain('slot 1');
    expect(names).toContain('slot 2 (parallel stages 2)');
  });

  it('writes a Chrome trace of one case', async ({ expect }) => {
    const out = join(await temp.make(), 'case.json');
    expect((await cli(['timeline', DAG, 'dag-1', '--trace', out])).exitCode).toBe(0);
    const trace = JSON.parse(await readFile(out, 'utf8')) as { traceEvents: TraceEvent[] };
    expect(trace.traceEvents.filter((e) => e.ph === 'X').map((e) => e.name)).toEqual(['dag-1', 'A', 'E', 'B', 'C', 'D', 'F']);
  });
});

describe.concurrent('tagliots timeline errors (exit code 2)', () => {
  it('a case prefix that matches no case, or several', async ({ expect }) => {
    const none = await cli(['timeline', DAG, 'zzz']);
    expect([none.exitCode, none.stderr]).toEqual([2, "Error (E_CASE_NOT_FOUND): No case id starts with 'zzz' in 019aa193-8a59-7b4e-a2c9-d1a6f00dda61.\nHint: `tagliots summarize 019aa193-8a59-7b4e-a2c9-d1a6f00dda61` lists the cases.\n"]);
    const several = await cli(['timeline', DAG, 'dag-']);
    expect(several.exitCode).toBe(2);
    expect(several.stderr).toMatchInlineSnapshot(`
      "Error (E_CASE_AMBIGUOUS): 'dag-' matches 3 cases:
        dag-1
        dag-2
        dag-3
      Hint: Type more characters of the case id.
      "
    `);
  });

  it('an unknown run and a bad --width', async ({ expect }) => {
    expect((await cli(['timeline', 'nope', '--runs-dir', runsDir])).stderr).toContain("Error (E_RUN_NOT_FOUND): No run matches 'nope'");
    const width = await cli(['timeline', DAG, '--width', 'wide']);
    expect([width.exitCode, width.stderr]).toEqual([2, "error: option '--width <n>' argument 'wide' is invalid. --width must be a whole number of at least 1 (got 'wide').\n"]);
  });
});
