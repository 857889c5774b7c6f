import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LogError } from '../errors.ts';
import { convertLegacyLog, isLegacyLog, LEGACY_VERSION, parseElapsed, parseTime, readLegacyLog } from './legacy.ts';
import { readRunLog, readRunLogEnds, readRunLogRecords } from './reader.ts';
import { RunLogRecordSchema } from './schema.ts';
import { resolveRun } from './store.ts';

const dir = fileURLToPath(new URL('../../test/fixtures/logs/gotaglio/', import.meta.url));
const CALC = join(dir, 'ecba790e-f50c-4c90-9b89-7d46fad3354e.json');
const FORK = join(dir, '3b7e91c2-4d5a-4f60-8e1b-c2a9d7f35e04.json');
const TURNS = join(dir, '7c2d4e6f-8a9b-4c0d-9e1f-2a3b4c5d6e7f.json');
const CRASHED = join(dir, 'e1d2c3b4-a596-4877-8695-a4b3c2d1e0f9.json');
const MENU = join(dir, 'f4a1c9e2-7b3d-4e58-9c06-d2b8a5e7f130.json');
const DAG = join(dir, 'a7e3b1d5-2c4f-4a68-8e9d-0f1b3c5d7e92.json');

const temp = mkdtempSync(join(tmpdir(), 'tagliots-legacy-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('GoTaglio time formats', () => {
  it('parses Python datetimes, with and without a fraction, and ISO times', () => {
    expect(parseTime('2026-11-21 07:39:07.024656+00:00')).toBeCloseTo(Date.UTC(2026, 10, 21, 7, 39, 7) + 24.656, 6);
    expect(parseTime('2026-11-21 07:39:07+00:00')).toBe(Date.UTC(2026, 10, 21, 7, 39, 7));
    expect(parseTime('2026-11-21T07:39:07.5Z')).toBe(Date.UTC(2026, 10, 21, 7, 39, 7, 500));
    expect(parseTime('2026-11-21 08:39:07+01:00')).toBe(Date.UTC(2026, 10, 21, 7, 39, 7));
    expect(parseTime('yesterday')).toBeNaN();
    expect(parseTime(undefined)).toBeNaN();
  });

  it('parses Python timedeltas into milliseconds', () => {
    expect(parseElapsed('0:00:00.000340')).toBeCloseTo(0.34, 9);
    expect(parseElapsed('1:02:03')).toBe(3_723_000);
    expect(parseElapsed('1 day, 2:03:04')).toBe(93_784_000);
    expect(parseElapsed('2 days, 0:00:00.5')).toBe(172_800_500);
    expect(parseElapsed('soon')).toBeNull();
  });
});

describe('convertLegacyLog', () => {
  it('converts the calc run of the spec: cases, stages, inferred verdicts, errors with their context', async () => {
    const log = await readLegacyLog(CALC);
    for (const record of [log.header, ...log.cases, log.end]) expect(RunLogRecordSchema.safeParse(record).success).toBe(true);
    expect(log.header).toMatchObject({
      runId: 'ecba790e-f50c-4c90-9b89-7d46fad3354e',
      startedAt: '2026-11-21T07:39:06.998Z',
      pipeline: { name: 'calc', stages: [{ name: 'prepare' }, { name: 'infer' }, { name: 'extract' }, { name: 'assess' }], hasPassed: true, hasScore: false },
      suite: { path: 'samples/calc/data/cases.yaml', format: 'yaml', count: 3 },
      git: { sha: '5c8d1e0b9a7f4e3d2c1b0a9f8e7d6c5b4a3f2e1d', dirty: true, changes: [' M samples/calc/data/template.txt', '?? notes.md'] },
      versions: { tagliots: LEGACY_VERSION },
      concurrency: 2,
    });
    expect(log.cases.map((c) => [c.caseId.slice(0, 3), c.index, c.status, c.passed])).toEqual([
      ['6f3', 0, 'complete', true],
      ['ceb', 1, 'error', null],
      ['178', 2, 'error', null],
    ]);
    expect(log.cases[0]!.durationMs).toBeCloseTo(0.34, 6);
    expect(log.cases[1]!.error).toMatchObject({
      name: 'ValueError',
      message: "could not convert string to float: 'hello world'",
      context: ['Extracting numerical answer from LLM response.'],
      stage: 'extract',
    });
    expect(log.cases[1]!.error!.stack).toContain('Traceback (most recent call last):');
    expect(log.cases[2]!.error).toMatchObject({ name: 'Exception', message: 'Flakey model failed', context: [], stage: 'infer' });
    // GoTaglio lost the failing stage: the first stage without output is taken for it, the rest never ran.
    expect(log.cases[2]!.stageRecords).toEqual({
      prepare: { status: 'ok' },
      infer: { status: 'error', error: log.cases[2]!.error },
      extract: { status: 'skipped', reason: 'no output in the GoTaglio log' },
      assess: { status: 'skipped', reason: 'no output in the GoTaglio log' },
    });
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 3, complete: 1, error: 2, passed: 1, failed: 0 } });
    expect(log.end!.durationMs).toBeCloseTo(212.433, 6);
  });

  it('uses the fork’s per-stage timing, and names the failing stage from it', async () => {
    const log = await readLegacyLog(FORK);
    expect(log.cases[0]).toMatchObject({ passed: false, stageRecords: { infer: { status: 'ok' } } });
    expect(log.cases[0]!.stageRecords['infer']!.durationMs).toBeCloseTo(310, 6);
    expect(log.cases[0]!.stageRecords['infer']!.startMs).toBeCloseTo(Date.UTC(2026, 10, 21, 9, 15, 0, 101), 3);
    expect(log.cases[1]!.error?.stage).toBe('extract');
    expect(log.cases[1]!.stageRecords['extract']).toMatchObject({ status: 'error', error: { stage: 'extract' } });
    expect(log.cases[1]!.stageRecords['assess']).toEqual({ status: 'skipped', reason: 'no output in the GoTaglio log' });
  });

  it('flattens multi-turn cases into turn-prefixed stages, and fails a case whose turn failed', async () => {
    const log = await readLegacyLog(TURNS);
    expect(log.header.pipeline.stages.map((s) => s.name)).toEqual(['turn1.a', 'turn1.b', 'turn2.a', 'turn2.b']);
    const [failed, ok] = log.cases;
    expect(failed).toMatchObject({ status: 'error', passed: null, error: { stage: 'turn2.a', message: 'boom in a', name: 'ValueError' } });
    expect(failed!.stages).toEqual({ 'turn1.a': { v: 'x' }, 'turn1.b': 'X' });
    expect(failed!.stageRecords).toMatchObject({ 'turn2.a': { status: 'error' }, 'turn2.b': { status: 'skipped' } });
    expect(ok).toMatchObject({ status: 'complete', passed: null, stages: { 'turn2.b': 'Q' } });
    expect(log.header.pipeline.hasPassed).toBe(false);
  });

  it('gives a multi-turn menu case the verdict GoTaglio printed (Passed: 2/2): every turn at cost 0', async () => {
    const log = await readLegacyLog(MENU);
    for (const record of [log.header, ...log.cases, log.end]) expect(RunLogRecordSchema.safeParse(record).success).toBe(true);
    expect(log.header.pipeline).toMatchObject({ name: 'menu', hasPassed: true });
    expect(log.header.pipeline.stages.map((s) => s.name)).toEqual([
      'turn1.prepare', 'turn1.infer', 'turn1.extract', 'turn1.assess',
      'turn2.prepare', 'turn2.infer', 'turn2.extract', 'turn2.assess',
    ]);
    expect(log.cases).toHaveLength(1);
    expect(log.cases[0]).toMatchObject({ status: 'complete', passed: true, stages: { 'turn2.assess': { cost: 0, steps: [] } } });
    expect(log.cases[0]!.stageRecords['turn2.infer']!.durationMs).toBeCloseTo(0.2, 6);
    expect(log.end).toMatchObject({ status: 'completed', counts: { total: 1, complete: 1, passed: 1, failed: 0 } });
    // GoTaglio logged the command-line values as it got them: strings.
    expect(log.header.config).toMatchObject({ infer: { model: { name: 'perfect', settings: { temperature: '0', max_tokens: '400' } } } });
  });

  it('fails a multi-turn menu case when one turn has a repair cost, and gives none when a turn has no assess', () => {
    const turn = (cost: number | undefined) => ({ succeeded: true, metadata: {}, stages: { prepare: [], ...(cost !== undefined && { assess: { op: 'REPAIR', cost, steps: [] } }) } });
    const log = (turns: unknown[]) =>
      convertLegacyLog({ results: [{ succeeded: true, metadata: {}, case: { uuid: 'c', turns: turns.map(() => ({ user: 'u' })) }, turns }], metadata: { pipeline: { name: 'menu' }, end: '2026-11-21 07:00:00+00:00' }, uuid: 'u' }, 'm.json');
    expect(log([turn(0), turn(1)]).cases[0]!.passed).toBe(false);
    expect(log([turn(0), turn(0), turn(0)]).cases[0]!.passed).toBe(true);
    expect(log([turn(0), turn(undefined)]).cases[0]!.passed).toBeNull();
  });

  it('converts the dag sample: stages in the order they finished, no verdict (the sample has no predicate)', async () => {
    const log = await readLegacyLog(DAG);
    for (const record of [log.header, ...log.cases, log.end]) expect(RunLogRecordSchema.safeParse(record).success).toBe(true);
    expect(log.header.pipeline).toMatchObject({ name: 'dag', hasPassed: false, stages: ['A', 'E', 'B', 'C', 'D', 'F'].map((name) => ({ name, inputs: [] })) });
    expect(log.header.config).toEqual({});
    expect(log.header.suite).toMatchObject({ path: 'samples/dag/data/cases.json', format: 'json', count: 1 });
    expect(log.cases[0]).toMatchObject({ status: 'complete', passed: null, stages: { D: { name: 'B', start: 9, end: 10 } } });
    expect(log.end).toMatchObject({ status: 'completed', durationMs: 43 });
  });

  it('reads a run whose machinery failed (results: {}) as a run.end with status error', async () => {
    const log = await readLegacyLog(CRASHED);
    expect(log.cases).toEqual([]);
    expect(log.end).toMatchObject({ status: 'error', error: { name: 'ValueError', message: expect.stringContaining("Model 'gpt9' not found") } });
    expect(log.incomplete).toBe(false);
  });

  it('marks a log without metadata.end incomplete, with a warning', () => {
    const log = convertLegacyLog({ results: [], metadata: { start: '2026-11-21 07:00:00+00:00' }, uuid: 'u' }, 'x.json');
    expect(log).toMatchObject({ end: null, incomplete: true, warnings: ['x.json: the GoTaglio log has no metadata.end: the run did not finish'] });
  });

  it('rejects what is not a GoTaglio log, naming the file and the result', () => {
    expect(() => convertLegacyLog([1, 2], 'a.json')).toThrow('a.json: not a GoTaglio run log (expected a JSON object with results, metadata and uuid)');
    expect(() => convertLegacyLog({ results: 3, metadata: {}, uuid: 'u' }, 'b.json')).toThrow('b.json: results: expected an array of case results');
    expect(() => convertLegacyLog({ results: [{ case: {} }, 'x'], metadata: {}, uuid: 'u' }, 'c.json')).toThrow('c.json: results[1]: expected an object with a case');
  });
});

describe('the reader on GoTaglio logs', () => {
  it('detects them by their first key, and not a tagliots log or a JSONL suite', async () => {
    expect(await isLegacyLog(CALC)).toBe(true);
    const compact = join(temp, 'compact.json');
    writeFileSync(compact, JSON.stringify({ results: [], metadata: {}, uuid: 'u' }));
    expect(await isLegacyLog(compact)).toBe(true);
    expect(await isLegacyLog(fileURLToPath(new URL('../../test/fixtures/logs/complete.jsonl', import.meta.url)))).toBe(false);
    expect(await isLegacyLog(fileURLToPath(new URL('../../test/fixtures/logs/not-a-log.jsonl', import.meta.url)))).toBe(false);
    expect(await isLegacyLog(join(temp, 'missing.json'))).toBe(false);
  });

  it('readRunLog, readRunLogRecords and readRunLogEnds read them like tagliots logs', async () => {
    const log = await readRunLog(CALC);
    expect(log).toMatchObject({ format: 'gotaglio', incomplete: false, warnings: [] });
    expect(log.cases).toHaveLength(3);
    const records = [];
    for await (const { record, line } of readRunLogRecords(CALC)) records.push(`${line}:${record.type}`);
    expect(records).toEqual(['1:run.start', '2:case', '3:case', '4:case', '5:run.end']);
    const ends = await readRunLogEnds(CALC);
    expect(ends).toMatchObject({ header: { runId: 'ecba790e-f50c-4c90-9b89-7d46fad3354e' }, end: { status: 'completed' }, incomplete: false });
  });

  it('reports invalid JSON as E_LOG_FORMAT naming the file', async () => {
    const broken = join(temp, 'broken.json');
    writeFileSync(broken, '{\n  "results": [\n');
    await expect(readRunLog(broken)).rejects.toThrow(LogError);
    await expect(readRunLog(broken)).rejects.toThrow(/broken\.json: not valid JSON/);
  });

  it('resolves a GoTaglio log by a prefix of its id in the runs folder', async () => {
    expect(await resolveRun(dir, 'ecba', '/')).toBe(CALC);
    await expect(resolveRun(dir, 'e', '/')).rejects.toThrow(/'e' matches 2 runs[\s\S]*ecba790e-f50c-4c90-9b89-7d46fad3354e {2}\(GoTaglio log\)/);
  });

  it('resolves latest to the GoTaglio log that started last', async () => {
    expect(await resolveRun(dir, 'latest', '/')).toBe(MENU);
  });
});

describe('readRunLogRecords onWarning', () => {
  it('reports a truncated last line to the caller, as readRunLog does in warnings', async () => {
    const truncated = fileURLToPath(new URL('../../test/fixtures/logs/truncated.jsonl', import.meta.url));
    const warnings: string[] = [];
    let records = 0;
    for await (const _ of readRunLogRecords(truncated, { onWarning: (w) => warnings.push(w) })) records++;
    expect(records).toBe(2);
    expect(warnings).toEqual((await readRunLog(truncated)).warnings);
    expect(warnings[0]).toMatch(/truncated\.jsonl:3: last line is truncated/);
  });
});
