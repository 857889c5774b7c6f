/**
 * GoTaglio's run logs (`logs/<uuid>.json`): one JSON document `{ results, metadata, uuid }`, read
 * and converted into the records of a tagliots run log, so every command that reads logs reads
 * them too. What GoTaglio did not record stays unknown: `passed` is null (except for GoTaglio's own
 * samples, whose verdict the log implies), config deltas are empty, and stage timing exists only in
 * logs of the fork that recorded `metadata.stages`. The stage that failed, which GoTaglio dropped,
 * is taken to be the first stage without output. Multi-turn cases get one stage per turn and
 * stage (`turn1.prepare`, `turn2.prepare`, …).
 */
import { open, readFile } from 'node:fs/promises';
import { LogError, messageOf } from '../errors.ts';
import {
  LOG_VERSION,
  type CaseRecord,
  type CaseStatus,
  type ErrorInfo,
  type GitInfo,
  type RunCounts,
  type RunEndRecord,
  type RunStartRecord,
  type StageRecord,
} from './schema.ts';
import { RunTotals } from './totals.ts';

/** What readLegacyLog returns: the same parts as a tagliots RunLog. */
export interface LegacyRunLog {
  header: RunStartRecord;
  /** In the log's order (GoTaglio wrote results in suite order). */
  cases: CaseRecord[];
  end: RunEndRecord | null;
  incomplete: boolean;
  warnings: string[];
}

/** The `tagliots` version recorded in converted headers, so a reader can tell them apart. */
export const LEGACY_VERSION = 'GoTaglio';

const LEGACY_START = /^\uFEFF?\s*\{\s*"(?:results|metadata)"\s*:/;

/**
 * True when the file starts like a GoTaglio log: a JSON object whose first key is `results` (as
 * GoTaglio writes them) or `metadata`; a tagliots log starts with `{"type":"run.start"`. False for
 * a missing or unreadable file (the tagliots reader then reports the problem).
 */
export async function isLegacyLog(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return LEGACY_START.test(buffer.toString('utf8', 0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** Reads a GoTaglio log and converts it. Errors are E_LOG_FORMAT / E_LOG_READ LogErrors naming the file. */
export async function readLegacyLog(path: string): Promise<LegacyRunLog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new LogError('E_LOG_READ', `Cannot read run log ${path}: ${messageOf(error)}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw formatError(`${path}: not valid JSON: ${messageOf(error)}`);
  }
  return convertLegacyLog(value, path);
}

type Json = Record<string, unknown>;

/** Converts a parsed GoTaglio log (see gotaglio-spec §4). `path` names the file in errors. */
export function convertLegacyLog(value: unknown, path: string): LegacyRunLog {
  if (!isObject(value) || typeof value['uuid'] !== 'string' || !isObject(value['metadata'])) {
    throw formatError(`${path}: not a GoTaglio run log (expected a JSON object with results, metadata and uuid)`);
  }
  const metadata = value['metadata'];
  const rawResults = value['results'];
  // A run whose machinery failed left `results: {}`.
  const results: unknown[] = Array.isArray(rawResults) ? rawResults : [];
  if (!Array.isArray(rawResults) && !isObject(rawResults)) {
    throw formatError(`${path}: results: expected an array of case results`);
  }
  const warnings: string[] = [];
  const pipelineMeta = isObject(metadata['pipeline']) ? metadata['pipeline'] : {};
  const pipelineName = typeof pipelineMeta['name'] === 'string' ? pipelineMeta['name'] : 'unknown';
  const startedMs = parseTime(metadata['start']);

  const stageNames: string[] = [];
  const seenStage = new Set<string>();
  const noteStage = (name: string) => {
    if (!seenStage.has(name)) {
      seenStage.add(name);
      stageNames.push(name);
    }
  };

  const cases = results.map((result, index) => convertCase(result, index, pipelineName, `${path}: results[${index}]`, noteStage));
  // A failed case logged only the stages that finished. GoTaglio dropped the name of the stage that
  // failed (its bug 7): in a linear pipeline it is the first one missing, which is taken as the
  // failed stage; the stages after it never ran.
  for (const record of cases) {
    if (record.status === 'error') {
      const error = record.error!;
      for (const name of stageNames) {
        if (record.stageRecords[name]) continue;
        if (error.stage === null || error.stage === name) {
          error.stage = name;
          record.stageRecords[name] = { status: 'error', error };
        } else {
          record.stageRecords[name] = { status: 'skipped', reason: 'no output in the GoTaglio log' };
        }
      }
    }
    record.stageRecords = orderKeys(record.stageRecords, stageNames);
    record.stages = orderKeys(record.stages, stageNames);
  }

  const hasPassed = cases.some((c) => c.passed !== null);
  const command = typeof metadata['command'] === 'string' ? metadata['command'].split(' ').filter((part) => part !== '') : [];
  const suitePath = suiteFromCommand(command);
  const concurrency = metadata['concurrency'];
  const header: RunStartRecord = {
    type: 'run.start',
    v: LOG_VERSION,
    runId: value['uuid'],
    startedAt: new Date(Number.isFinite(startedMs) ? startedMs : (cases[0]?.startMs ?? 0)).toISOString(),
    command,
    cwd: '',
    pipeline: {
      name: pipelineName,
      description: '',
      stages: stageNames.map((name) => ({ name, inputs: [] })),
      columns: [],
      hasPassed,
      hasScore: false,
    },
    config: isObject(pipelineMeta['config']) ? pipelineMeta['config'] : {},
    deltas: [],
    suite: { path: suitePath, format: /\.ya?ml$/i.test(suitePath) ? 'yaml' : 'json', sha256: '', count: cases.length },
    git: gitInfo(metadata),
    versions: { tagliots: LEGACY_VERSION, node: '' },
    platform: '',
    concurrency: typeof concurrency === 'number' && Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 1,
    parentRunId: null,
  };

  const exception = isObject(metadata['exception']) ? metadata['exception'] : undefined;
  let end: RunEndRecord | null = null;
  if (metadata['end'] !== undefined || exception) {
    const endedMs = parseTime(metadata['end'] ?? exception?.['time']);
    const elapsed = parseElapsed(metadata['elapsed']);
    end = {
      type: 'run.end',
      status: exception ? 'error' : 'completed',
      endedAt: new Date(Number.isFinite(endedMs) ? endedMs : Date.parse(header.startedAt)).toISOString(),
      durationMs: roundMs(Math.max(0, elapsed ?? (Number.isFinite(endedMs) && Number.isFinite(startedMs) ? endedMs - startedMs : 0))),
      counts: countCases(cases),
      ...(exception ? { error: errorInfo(exception, null) } : {}),
    };
  } else {
    warnings.push(`${path}: the GoTaglio log has no metadata.end: the run did not finish`);
  }
  return { header, cases, end, incomplete: end === null, warnings };
}

function convertCase(result: unknown, index: number, pipeline: string, where: string, noteStage: (name: string) => void): CaseRecord {
  if (!isObject(result) || !isObject(result['case'])) throw formatError(`${where}: expected an object with a case`);
  const testCase = result['case'];
  const meta = isObject(result['metadata']) ? result['metadata'] : {};
  const caseId = typeof testCase['uuid'] === 'string' ? testCase['uuid'] : typeof testCase['id'] === 'string' ? testCase['id'] : String(index);
  const exception = isObject(result['exception']) ? result['exception'] : undefined;

  const stages: Record<string, unknown> = {};
  const stageRecords: Record<string, StageRecord> = {};
  let failedStage: string | null = typeof exception?.['stage'] === 'string' ? exception['stage'] : null;
  let anyTurnFailed = false;

  const addStages = (outputs: unknown, timing: unknown, prefix: string) => {
    const out = isObject(outputs) ? outputs : {};
    const times = isObject(timing) ? timing : {};
    const names = [...Object.keys(times), ...Object.keys(out).filter((name) => !(name in times))];
    for (const name of names) {
      const key = prefix + name;
      noteStage(key);
      const t = isObject(times[name]) ? times[name] : undefined;
      const ok = name in out && t?.['succeeded'] !== false;
      if (name in out) stages[key] = out[name];
      const record: StageRecord = { status: ok ? 'ok' : 'error' };
      if (t) Object.assign(record, timingOf(t));
      if (!ok && failedStage === null) failedStage = key;
      stageRecords[key] = record;
    }
  };

  const turns = Array.isArray(result['turns']) ? result['turns'] : undefined;
  if (turns) {
    turns.forEach((turn, t) => {
      if (!isObject(turn)) return;
      const turnMeta = isObject(turn['metadata']) ? turn['metadata'] : {};
      addStages(turn['stages'], turnMeta['stages'], `turn${t + 1}.`);
      if (turn['succeeded'] !== true) anyTurnFailed = true;
    });
    if (failedStage !== null && !failedStage.startsWith('turn')) {
      // GoTaglio names the stage of a failed turn without the turn.
      const failedTurn = turns.findIndex((turn) => isObject(turn) && turn['succeeded'] !== true);
      if (failedTurn !== -1) failedStage = `turn${failedTurn + 1}.${failedStage}`;
    }
  } else {
    addStages(result['stages'], meta['stages'], '');
  }

  // GoTaglio marks a multi-turn case succeeded even when a turn failed (its bug 6): not here.
  const status: CaseStatus = result['succeeded'] === true && !anyTurnFailed && !exception ? 'complete' : 'error';
  const error = status === 'error' ? errorInfo(exception ?? { message: 'Error: the case failed (GoTaglio logged no exception)' }, failedStage) : null;
  if (error && failedStage !== null && stageRecords[failedStage]) stageRecords[failedStage] = { ...stageRecords[failedStage]!, status: 'error', error };

  const startMs = parseTime(meta['start']);
  let endMs = parseTime(meta['end'] ?? exception?.['time']);
  const elapsed = parseElapsed(meta['elapsed']);
  const start = Number.isFinite(startMs) ? startMs : 0;
  if (!Number.isFinite(endMs)) endMs = elapsed !== null ? start + elapsed : start;

  const record: CaseRecord = {
    type: 'case',
    caseId,
    index,
    status,
    passed: status === 'complete' ? inferPassed(pipeline, stages) : null,
    score: null,
    case: testCase,
    stages,
    stageRecords,
    error,
    startMs: start,
    endMs,
    durationMs: roundMs(Math.max(0, elapsed ?? endMs - start)),
  };
  return record;
}

/**
 * GoTaglio logged no verdict; its own samples imply one (gotaglio-spec §5.9): calc/simple pass when
 * assess is 0, menu when assess.cost is 0. A multi-turn case (stages `turn1.assess`, `turn2.assess`,
 * …) passes when every turn does, as a tagliots multi-turn case does; GoTaglio counted each turn.
 */
function inferPassed(pipeline: string, stages: Record<string, unknown>): boolean | null {
  const turns = new Set(Object.keys(stages).flatMap((key) => /^(turn\d+)\./.exec(key)?.[1] ?? []));
  if (turns.size === 0) return passedBy(pipeline, stages['assess']);
  let passed: boolean | null = true;
  for (const turn of turns) {
    const verdict = passedBy(pipeline, stages[`${turn}.assess`]);
    if (verdict === null) return null;
    if (!verdict) passed = false;
  }
  return passed;
}

/** The verdict one `assess` output of GoTaglio's samples implies; null for another pipeline or shape. */
function passedBy(pipeline: string, assess: unknown): boolean | null {
  if ((pipeline === 'calc' || pipeline === 'simple') && typeof assess === 'number') return assess === 0;
  if (pipeline === 'menu' && isObject(assess) && typeof assess['cost'] === 'number') return assess['cost'] === 0;
  return null;
}

/**
 * GoTaglio's exception object: `message` is `Context: a > b\nError: text\n` (gotaglio-spec §5.8),
 * `traceback` Python's traceback, whose last line names the exception class.
 */
function errorInfo(exception: Json, stage: string | null): ErrorInfo {
  const raw = typeof exception['message'] === 'string' ? exception['message'].replace(/\n+$/, '') : 'unknown error';
  let context: string[] = [];
  let message = raw;
  const contextMatch = /^Context: (.*)\n/.exec(message);
  if (contextMatch) {
    context = contextMatch[1]!.split(' > ');
    message = message.slice(contextMatch[0].length);
  }
  message = message.replace(/^Error: /, '');
  const traceback = typeof exception['traceback'] === 'string' ? exception['traceback'] : undefined;
  const lastLine = traceback
    ?.trimEnd()
    .split('\n')
    .at(-1);
  const name = /^([A-Za-z_][\w.]*)(?::|$)/.exec(lastLine ?? '')?.[1] ?? 'Error';
  return { name, message, ...(traceback ? { stack: traceback.trimEnd() } : {}), stage, context };
}

function timingOf(t: Json): Partial<StageRecord> {
  const start = parseTime(t['start']);
  const end = parseTime(t['end']);
  const elapsed = parseElapsed(t['elapsed']);
  const out: Partial<StageRecord> = {};
  if (Number.isFinite(start)) out.startMs = start;
  if (Number.isFinite(end)) out.endMs = end;
  else if (Number.isFinite(start) && elapsed !== null) out.endMs = start + elapsed;
  const duration = elapsed ?? (out.startMs !== undefined && out.endMs !== undefined ? out.endMs - out.startMs : null);
  if (duration !== null && duration >= 0) out.durationMs = roundMs(duration);
  return out;
}

/** The counts of a finished GoTaglio run: every case it logged, and none more. */
function countCases(cases: readonly CaseRecord[]): RunCounts {
  const totals = new RunTotals();
  for (const c of cases) totals.add(c);
  return totals.counts(cases.length);
}

function gitInfo(metadata: Json): GitInfo | null {
  if (typeof metadata['sha'] !== 'string') return null;
  const edits = isObject(metadata['edits']) ? metadata['edits'] : {};
  const codes: Record<string, string> = { modified: ' M', added: 'A ', deleted: ' D', untracked: '??', renamed: 'R ' };
  const changes: string[] = [];
  for (const [kind, code] of Object.entries(codes)) {
    const files = edits[kind];
    if (Array.isArray(files)) for (const file of files) if (typeof file === 'string') changes.push(`${code} ${file}`);
  }
  return { sha: metadata['sha'], branch: null, dirty: changes.length > 0, changes: changes.slice(0, 200) };
}

/** `gotag run <pipeline> <cases> …` (or `samples/main.py run …`): the cases file; '' when not found. */
function suiteFromCommand(command: readonly string[]): string {
  const at = command.findIndex((part) => part === 'run');
  const positional = at === -1 ? [] : command.slice(at + 1).filter((part) => !part.startsWith('-') && !part.includes('='));
  return positional[1] ?? '';
}

/**
 * Python's `str()` of an aware datetime: `2026-11-21 07:39:07.024656+00:00` (the fraction is
 * absent when zero). Also accepts ISO-8601 with a `T`. NaN when absent or unparseable.
 */
export function parseTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!match) return Number.NaN;
  const base = Date.parse(`${match[1]}T${match[2]}${match[4] ?? 'Z'}`);
  const fraction = match[3] ? Number(`0.${match[3]}`) * 1000 : 0;
  return roundMs(base + fraction);
}

/** Python's `str()` of a timedelta: `0:00:00.000340`, `1 day, 2:03:04`. Milliseconds, or null. */
export function parseElapsed(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^(?:(-?\d+) days?, )?(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value.trim());
  if (!match) return null;
  const [, days, h, m, s, fraction] = match;
  return (((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s) + (fraction ? Number(`0.${fraction}`) : 0)) * 1000;
}

/** To the microsecond, GoTaglio's precision: no float noise in durations. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function orderKeys<T>(record: Record<string, T>, order: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of order) if (key in record) out[key] = record[key]!;
  for (const key of Object.keys(record)) if (!(key in out)) out[key] = record[key]!;
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatError(message: string): LogError {
  return new LogError('E_LOG_FORMAT', message);
}
