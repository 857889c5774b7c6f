import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogError, RunNotFoundError } from '../errors.ts';
import { readRunLog, readRunLogEnds, readRunLogRecords } from './reader.ts';
import type { CaseRecord, RunEndRecord, RunStartRecord } from './schema.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/logs/${name}`, import.meta.url));
const lines = (name: string): string[] => readFileSync(fixture(name), 'utf8').split('\n');
const header = JSON.parse(lines('complete.jsonl')[0]!) as RunStartRecord;
const sampleCase = JSON.parse(lines('complete.jsonl')[1]!) as CaseRecord;
const end = JSON.parse(lines('complete.jsonl')[4]!) as RunEndRecord;
const jsonl = (...records: unknown[]): string => records.map((record) => JSON.stringify(record) + '\n').join('');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tagliots-reader-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function tmpLog(text: string): string {
  const path = join(dir, `log-${counter++}.jsonl`);
  writeFileSync(path, text);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<LogError | RunNotFoundError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LogError || error instanceof RunNotFoundError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function collect(path: string): Promise<{ type: string; line: number }[]> {
  const out: { type: string; line: number }[] = [];
  for await (const { record, line } of readRunLogRecords(path)) out.push({ type: record.type, line });
  return out;
}

describe('readRunLog on the fixtures', () => {
  it('complete.jsonl: a finished run, with cases in file order', async () => {
    const log = await readRunLog(fixture('complete.jsonl'));
    expect(log.path).toBe(fixture('complete.jsonl'));
    expect(log.header.pipeline.name).toBe('calc');
    expect(log.cases.map((c) => c.index)).toEqual([0, 2, 1]);
    expect(log.end?.status).toBe('completed');
    expect(log.incomplete).toBe(false);
    expect(log.warnings).toEqual([]);
    const failed = log.cases.find((c) => c.status === 'error');
    expect(failed?.error).toMatchObject({ stage: 'extract', context: ['Extracting numerical answer from LLM response.'] });
    expect(failed?.stageRecords['assess']?.status).toBe('skipped');
  });

  it('interrupted.jsonl: ended normally with status interrupted, so complete', async () => {
    const log = await readRunLog(fixture('interrupted.jsonl'));
    expect(log.end?.status).toBe('interrupted');
    expect(log.end?.counts.notRun).toBe(1);
    expect(log.cases.map((c) => c.status)).toEqual(['complete', 'cancelled']);
    expect(log.incomplete).toBe(false);
  });

  it('no-end.jsonl: incomplete, without warnings', async () => {
    const log = await readRunLog(fixture('no-end.jsonl'));
    expect(log.cases).toHaveLength(2);
    expect(log.end).toBeNull();
    expect(log.incomplete).toBe(true);
    expect(log.warnings).toEqual([]);
  });

  it('truncated.jsonl: ignores the cut last line with a warning', async () => {
    const path = fixture('truncated.jsonl');
    const log = await readRunLog(path);
    expect(log.cases).toHaveLength(1);
    expect(log.end).toBeNull();
    expect(log.incomplete).toBe(true);
    expect(log.warnings).toEqual([`${path}:3: last line is truncated (the run was killed while writing); ignored`]);
  });

  it('future-version.jsonl: E_LOG_VERSION with a hint to upgrade', async () => {
    const error = await rejection(readRunLog(fixture('future-version.jsonl')));
    expect(error).toBeInstanceOf(LogError);
    expect(error.code).toBe('E_LOG_VERSION');
    expect(error.message).toContain('version 99');
    expect(error.hint).toMatch(/upgrade the tagliots that reads it.*npm install -D tagliots@latest/i);
  });

  it('bad-middle-line.jsonl: E_LOG_FORMAT with file:line and the zod issue', async () => {
    const path = fixture('bad-middle-line.jsonl');
    const error = await rejection(readRunLog(path));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toMatch(new RegExp(`^${path}:3: invalid case record: status: Invalid option`));
  });

  it('not-a-log.jsonl: E_LOG_FORMAT "not a tagliots run log"', async () => {
    const error = await rejection(readRunLog(fixture('not-a-log.jsonl')));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toBe(`${fixture('not-a-log.jsonl')}:1: not a tagliots run log (the first line must be a run.start record)`);
  });
});

describe('readRunLog on other files', () => {
  it('rejects an empty file', async () => {
    const error = await rejection(readRunLog(tmpLog('')));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toContain('is empty');
  });

  it('reports a missing file as E_RUN_NOT_FOUND', async () => {
    const error = await rejection(readRunLog(join(dir, 'missing.jsonl')));
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect(error.code).toBe('E_RUN_NOT_FOUND');
  });

  it('rejects unparseable JSON before the last line', async () => {
    const path = tmpLog(jsonl(header) + '{"type":"case",\n' + jsonl(end));
    const error = await rejection(readRunLog(path));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toMatch(new RegExp(`^${path}:2: not valid JSON: `));
  });

  it('rejects an unparseable last line that ends with a newline: flushes never write one', async () => {
    const error = await rejection(readRunLog(tmpLog(jsonl(header, sampleCase) + '{"type":"ca\n')));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toContain(':3: not valid JSON');
  });

  it('rejects a valid-JSON but invalid last line even without a newline', async () => {
    const error = await rejection(readRunLog(tmpLog(jsonl(header) + JSON.stringify({ ...sampleCase, index: -1 }))));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toContain(':2: invalid case record: index: ');
  });

  it('accepts a complete last line without its newline', async () => {
    const log = await readRunLog(tmpLog(jsonl(header, sampleCase) + JSON.stringify(end)));
    expect(log.end).toEqual(end);
    expect(log.incomplete).toBe(false);
  });

  it('reports nested issue paths', async () => {
    const bad = { ...sampleCase, stageRecords: { ...sampleCase.stageRecords, infer: { status: 'done' } } };
    const error = await rejection(readRunLog(tmpLog(jsonl(header, bad))));
    expect(error.message).toContain(':2: invalid case record: stageRecords.infer.status: ');
  });

  it('rejects a second run.start and anything after run.end', async () => {
    const twice = await rejection(readRunLog(tmpLog(jsonl(header, sampleCase, header))));
    expect(twice.message).toContain(':3: unexpected run.start record');
    const after = await rejection(readRunLog(tmpLog(jsonl(header, end, sampleCase))));
    expect(after.message).toContain(':3: unexpected content after the run.end record');
  });

  it('rejects a known version whose header does not validate', async () => {
    const { runId: _, ...noRunId } = header;
    const error = await rejection(readRunLog(tmpLog(jsonl(noRunId))));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toContain(':1: invalid run.start record: runId: ');
  });

  it('handles lines split across read chunks and multi-byte characters', async () => {
    const wide = { ...sampleCase, stages: { infer: 'é✓🙂'.repeat(300_000) } };
    const log = await readRunLog(tmpLog(jsonl(header, wide, sampleCase, end)));
    expect(log.cases[0]).toEqual(wide);
    expect(log.cases).toHaveLength(2);
  });

  it('accepts a UTF-8 byte order mark before the header (a log saved by an editor), in every reader', async () => {
    const path = tmpLog('\uFEFF' + jsonl(header, sampleCase, end));
    const log = await readRunLog(path);
    expect([log.header, log.cases, log.end, log.warnings]).toEqual([header, [sampleCase], end, []]);
    expect(await collect(path)).toEqual([
      { type: 'run.start', line: 1 },
      { type: 'case', line: 2 },
      { type: 'run.end', line: 3 },
    ]);
    expect(await readRunLogEnds(path)).toEqual({ header, end, incomplete: false });
  });
});

describe('readRunLogRecords', () => {
  it('yields every record with its line number', async () => {
    expect(await collect(fixture('complete.jsonl'))).toEqual([
      { type: 'run.start', line: 1 },
      { type: 'case', line: 2 },
      { type: 'case', line: 3 },
      { type: 'case', line: 4 },
      { type: 'run.end', line: 5 },
    ]);
  });

  it('skips a truncated last line', async () => {
    expect(await collect(fixture('truncated.jsonl'))).toEqual([
      { type: 'run.start', line: 1 },
      { type: 'case', line: 2 },
    ]);
  });

  it('throws the same errors as readRunLog', async () => {
    expect((await rejection(collect(fixture('bad-middle-line.jsonl')))).message).toContain('bad-middle-line.jsonl:3:');
    expect((await rejection(collect(tmpLog('')))).code).toBe('E_LOG_FORMAT');
  });

  it('can be abandoned early', async () => {
    for await (const { line } of readRunLogRecords(fixture('complete.jsonl'))) {
      if (line === 2) break;
    }
  });
});

describe('readRunLogEnds', () => {
  it('reads header and end of the fixtures', async () => {
    const complete = await readRunLogEnds(fixture('complete.jsonl'));
    expect(complete.header).toEqual(header);
    expect(complete.end).toEqual(end);
    expect(complete.incomplete).toBe(false);

    expect(await readRunLogEnds(fixture('interrupted.jsonl'))).toMatchObject({ end: { status: 'interrupted' }, incomplete: false });
    expect(await readRunLogEnds(fixture('no-end.jsonl'))).toMatchObject({ end: null, incomplete: true });
    expect(await readRunLogEnds(fixture('truncated.jsonl'))).toMatchObject({ end: null, incomplete: true });
  });

  it('throws the reader errors for the first line, an empty file and a missing file', async () => {
    expect((await rejection(readRunLogEnds(fixture('future-version.jsonl')))).code).toBe('E_LOG_VERSION');
    expect((await rejection(readRunLogEnds(fixture('not-a-log.jsonl')))).code).toBe('E_LOG_FORMAT');
    expect((await rejection(readRunLogEnds(tmpLog('')))).code).toBe('E_LOG_FORMAT');
    expect((await rejection(readRunLogEnds(join(dir, 'missing.jsonl')))).code).toBe('E_RUN_NOT_FOUND');
  });

  it('handles a log holding only its header, with or without the newline', async () => {
    expect(await readRunLogEnds(tmpLog(jsonl(header)))).toEqual({ header, end: null, incomplete: true });
    expect(await readRunLogEnds(tmpLog(JSON.stringify(header)))).toEqual({ header, end: null, incomplete: true });
  });

  it('accepts a complete last line without its newline and rejects an invalid one', async () => {
    expect(await readRunLogEnds(tmpLog(jsonl(header, sampleCase) + JSON.stringify(end)))).toEqual({ header, end, incomplete: false });
    const error = await rejection(readRunLogEnds(tmpLog(jsonl(header, sampleCase) + '{"type":"run.end"}\n')));
    expect(error.code).toBe('E_LOG_FORMAT');
    expect(error.message).toContain('last line: invalid run.end record');
  });

  it('reads only the ends of a large log', async () => {
    const path = join(dir, 'large.jsonl');
    const caseLine = JSON.stringify({ ...sampleCase, stages: {}, stageRecords: {} }) + '\n';
    writeFileSync(path, jsonl(header));
    for (let batch = 0; batch < 50; batch++) {
      // A corrupt line in the middle proves the middle is never read.
      appendFileSync(path, caseLine.repeat(batch === 25 ? 499 : 1000) + (batch === 25 ? '{"corrupt\n' : ''));
    }
    expect(await readRunLogEnds(path)).toEqual({ header, end: null, incomplete: true });
    appendFileSync(path, jsonl(end));
    expect(await readRunLogEnds(path)).toEqual({ header, end, incomplete: false });
    await expect(readRunLog(path)).rejects.toThrow(/large\.jsonl:25501: not valid JSON/);
  });

  it('reads first and last lines longer than a read chunk', async () => {
    const bigHeader = { ...header, config: { ...header.config, blob: 'x'.repeat(3_000_000) } };
    const bigCase = { ...sampleCase, stages: { infer: 'y'.repeat(3_000_000) } };
    const path = tmpLog(jsonl(bigHeader, sampleCase, bigCase));
    expect(await readRunLogEnds(path)).toEqual({ header: bigHeader, end: null, incomplete: true });
    appendFileSync(path, JSON.stringify(bigCase).slice(0, 2_000_000));
    expect(await readRunLogEnds(path)).toEqual({ header: bigHeader, end: null, incomplete: true });
  });
});
