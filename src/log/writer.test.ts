import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogError } from '../errors.ts';
import { readRunLog } from './reader.ts';
import type { CaseRecord, RunEndRecord, RunLogRecord, RunStartRecord } from './schema.ts';
import { createRunLogWriter, MAX_LOG_NESTING, type RunLogWriter } from './writer.ts';

// Lets a test make every fs.writeSync fail, as a full disk would.
const diskFull = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((...args: Parameters<typeof actual.writeSync>) => {
    if (diskFull.on) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return actual.writeSync(...args);
  }) as typeof actual.writeSync;
  return { ...actual, writeSync };
});

const fixture = readFileSync(new URL('../../test/fixtures/logs/complete.jsonl', import.meta.url), 'utf8')
  .trimEnd()
  .split('\n')
  .map((line) => JSON.parse(line) as RunLogRecord);
const header = fixture[0] as RunStartRecord;
const sampleCase = fixture[1] as CaseRecord;
const end = fixture.at(-1) as RunEndRecord;

const caseAt = (index: number): CaseRecord => ({ ...sampleCase, caseId: `case-${index}`, index });
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let dir: string;
const writers: RunLogWriter[] = [];
const open = (path: string): RunLogWriter => {
  const writer = createRunLogWriter(path);
  writers.push(writer);
  return writer;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tagliots-writer-'));
});
afterEach(() => {
  diskFull.on = false;
  for (const writer of writers.splice(0)) {
    try {
      writer.close();
    } catch {
      // Some tests leave a writer in a failed state on purpose.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('createRunLogWriter', () => {
  it('round-trips records through the reader', async () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    expect(writer.path).toBe(path);
    for (const record of fixture) writer.write(record);
    writer.close();

    const log = await readRunLog(path);
    expect(log.header).toEqual(header);
    expect(log.cases).toEqual(fixture.slice(1, -1));
    expect(log.end).toEqual(end);
    expect(log.incomplete).toBe(false);
    expect(log.warnings).toEqual([]);
  });

  it('creates the parent directory', async () => {
    const path = join(dir, 'nested', 'runs', 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    writer.close();
    expect((await readRunLog(path)).header.runId).toBe(header.runId);
  });

  it('refuses to overwrite an existing log', () => {
    const path = join(dir, 'run.jsonl');
    writeFileSync(path, 'precious\n');
    expect(() => createRunLogWriter(path)).toThrow(LogError);
    expect(() => createRunLogWriter(path)).toThrow(expect.objectContaining({ code: 'E_LOG_WRITE', message: expect.stringContaining(path) }));
    expect(readFileSync(path, 'utf8')).toBe('precious\n');
  });

  it('reports a folder that is a file with E_RUNS_DIR naming it', () => {
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'run.jsonl');
    expect(() => createRunLogWriter(path)).toThrow(expect.objectContaining({ code: 'E_RUNS_DIR', message: expect.stringContaining(join(dir, 'file')), hint: expect.any(String) }));
  });

  it('with a header, the log appears holding it: never empty, and nothing at all when the header cannot be written', async () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.close();
    const withHeader = createRunLogWriter(join(dir, 'b.jsonl'), { header });
    writers.push(withHeader);
    expect(readFileSync(join(dir, 'b.jsonl'), 'utf8')).toBe(JSON.stringify(header) + '\n');
    withHeader.write(caseAt(0));
    withHeader.close();
    expect((await readRunLog(join(dir, 'b.jsonl'))).cases).toHaveLength(1);

    diskFull.on = true;
    expect(() => createRunLogWriter(join(dir, 'c.jsonl'), { header })).toThrow(
      expect.objectContaining({ code: 'E_LOG_WRITE', exitCode: 1, message: expect.stringContaining('the disk is full (ENOSPC)') }),
    );
    expect(readdirSync(dir).sort()).toEqual(['b.jsonl', 'run.jsonl']);
    diskFull.on = false;
    expect(() => createRunLogWriter(join(dir, 'b.jsonl'), { header })).toThrow(expect.objectContaining({ code: 'E_LOG_WRITE', message: expect.stringContaining('already exists') }));
    expect(readdirSync(dir).sort()).toEqual(['b.jsonl', 'run.jsonl']);
  });

  it('puts run.start and run.end on disk immediately, and cases on the next turn of the event loop', async () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(header) + '\n');

    writer.write(caseAt(0));
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(2);
    await nextTick();
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3);

    writer.write(caseAt(1));
    writer.write(end);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as RunLogRecord)).toEqual([
      header,
      caseAt(0),
      caseAt(1),
      end,
    ]);
  });

  it('flushes synchronously once about 64 KiB is buffered, writing whole lines only', () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    const headerBytes = readFileSync(path).length;
    const lineBytes = JSON.stringify(caseAt(0)).length + 1;
    const count = Math.ceil((64 * 1024) / lineBytes) + 5;
    for (let i = 0; i < count; i++) writer.write(caseAt(i));

    const text = readFileSync(path, 'utf8');
    expect(text.length).toBeGreaterThan(headerBytes + 60 * 1024);
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('leaves every flushed record readable when abandoned without close (a crash)', async () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    for (let i = 0; i < 3; i++) writer.write(caseAt(i));
    writer.flush();

    const log = await readRunLog(path);
    expect(log.cases.map((c) => c.caseId)).toEqual(['case-0', 'case-1', 'case-2']);
    expect(log.end).toBeNull();
    expect(log.incomplete).toBe(true);
    expect(log.warnings).toEqual([]);
  });

  it('close is idempotent and later writes fail', () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    writer.write(caseAt(0));
    writer.close();
    writer.close();
    writer.flush();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(() => writer.write(caseAt(1))).toThrow(expect.objectContaining({ code: 'E_LOG_WRITE' }));
  });

  it('turns a failed write into E_LOG_WRITE naming the path', () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    diskFull.on = true;
    expect(() => writer.write(header)).toThrow(
      expect.objectContaining({ code: 'E_LOG_WRITE', message: expect.stringMatching(new RegExp(`${path}.*ENOSPC`)) }),
    );
  });

  it('reports a failed scheduled flush on the next call', async () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    writer.write(caseAt(0));
    diskFull.on = true;
    await nextTick();
    expect(() => writer.write(caseAt(1))).toThrow(expect.objectContaining({ code: 'E_LOG_WRITE' }));
    expect(() => writer.close()).toThrow(expect.objectContaining({ code: 'E_LOG_WRITE' }));
    writer.close();
  });

  it('refuses a record JSON cannot represent with E_LOG_RECORD, and goes on writing', async () => {
    const path = join(dir, 'run.jsonl');
    const writer = open(path);
    writer.write(header);
    const bad = { ...caseAt(0), stages: { infer: 10n } } as unknown as CaseRecord;
    expect(() => writer.write(bad)).toThrow(expect.objectContaining({ code: 'E_LOG_RECORD', message: expect.stringContaining('case record') }));
    writer.write(caseAt(1));
    writer.close();
    expect((await readRunLog(path)).cases.map((c) => c.caseId)).toEqual(['case-1']);
  });

  it(`refuses a record nested deeper than ${MAX_LOG_NESTING} levels with E_LOG_RECORD, however deep`, () => {
    const writer = open(join(dir, 'run.jsonl'));
    const nested = (levels: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
      return value;
    };
    // The record is level 1 and its case level 2: the case may hold MAX_LOG_NESTING - 2 more.
    writer.write({ ...caseAt(0), case: { id: 'ok', deep: nested(MAX_LOG_NESTING - 2) } });
    for (const levels of [MAX_LOG_NESTING - 1, 100_000]) {
      expect(() => writer.write({ ...caseAt(1), case: { id: 'deep', deep: nested(levels) } })).toThrow(expect.objectContaining({ code: 'E_LOG_RECORD', message: expect.stringContaining('nested deeper') }));
    }
  });
});
