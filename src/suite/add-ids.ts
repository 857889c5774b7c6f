/**
 * `add-ids`: gives every case of a suite a stable id, editing the file in place with as little
 * change as possible. JSON is edited as text (only the inserted or replaced id changes, the rest
 * of the file stays byte for byte), YAML through the yaml Document API (comments kept), JSONL line
 * by line as it streams. The file is replaced atomically (a temp file renamed over it).
 *
 * A new id is a random UUID (v4) under the key `uuid`, inserted as the first key of the case. A
 * case that already has a `uuid` or `id` key whose value is empty gets the id as that key's value.
 * With `force`, every case gets a new id: the value of an existing `uuid`/`id` key is replaced in
 * place (both, when a case has both), else a `uuid` key is inserted.
 *
 * Existing ids that the suite loader would reject (not a string or an integer, `uuid` and `id`
 * that differ, duplicates) are reported; without `force` nothing is written.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { SuiteError, messageOf } from '../errors.ts';
import { caretExcerpt, findJsonSyntaxError, isJsonSpace, positionOf } from '../util/json-syntax.ts';
import { isPlainObject } from '../util/json.ts';
import { pid } from '../host.ts';

export interface AddIdsOptions {
  readonly cwd: string;
  /** Give every case a new id, repairing invalid ones. */
  readonly force?: boolean;
  /** Makes new ids (tests pass a deterministic one). @default randomUUID */
  readonly newId?: () => string;
}

/** An existing id the suite loader would reject. */
export interface IdProblem {
  readonly index: number;
  readonly line: number | undefined;
  readonly message: string;
}

export interface AddIdsResult {
  /** The file that holds the cases, as given or as named by the suite (pointer form). */
  readonly file: string;
  /** The suite file that points at `file`, when the cases live in another file. */
  readonly pointedFrom?: string;
  readonly cases: number;
  /** Ids given to cases that had none (or an empty one). */
  readonly added: number;
  /** Existing ids replaced (only with force). */
  readonly replaced: number;
  /** Invalid existing ids found; repaired when force was given. */
  readonly problems: readonly IdProblem[];
  /** False when the file did not need to change (and was not written). */
  readonly changed: boolean;
}

type Format = 'json' | 'yaml' | 'jsonl';
const FORMATS: Readonly<Record<string, Format>> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml', '.jsonl': 'jsonl' };
/** How many problems an error message lists. */
const LISTED = 10;

/** What a case needs, from its parsed value. */
type Verdict =
  | { kind: 'ok'; id: string }
  | { kind: 'missing'; emptyKey?: 'uuid' | 'id' }
  | { kind: 'invalid'; message: string };

type IdKey = 'uuid' | 'id';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** The same rules as the suite loader (checkCase): a string or a safe integer; '' counts as none. */
function verdictOf(value: Record<string, unknown>): Verdict {
  const ids: Partial<Record<IdKey, string>> = {};
  let emptyKey: IdKey | undefined;
  for (const key of ['uuid', 'id'] as const) {
    if (!Object.hasOwn(value, key)) continue;
    const raw = value[key];
    if (raw === '') emptyKey ??= key;
    else if (typeof raw === 'string') ids[key] = raw;
    else if (typeof raw === 'number' && Number.isSafeInteger(raw)) ids[key] = String(raw);
    else return { kind: 'invalid', message: `${key} is ${describe(raw)}, not a string or an integer` };
  }
  if (ids.uuid !== undefined && ids.id !== undefined && ids.uuid !== ids.id) {
    return { kind: 'invalid', message: `uuid '${ids.uuid}' and id '${ids.id}' differ` };
  }
  const id = ids.uuid ?? ids.id;
  if (id !== undefined) return { kind: 'ok', id };
  return emptyKey === undefined ? { kind: 'missing' } : { kind: 'missing', emptyKey };
}

/** What to do to one case: nothing, or set these keys (existing ones in place, else `uuid` first). */
interface CaseEdit {
  readonly keys: readonly IdKey[];
  readonly id: string;
  readonly replaced: boolean;
}

/** Decides the edits over the whole suite, case by case, and collects the problems. */
class Planner {
  cases = 0;
  added = 0;
  replaced = 0;
  readonly problems: IdProblem[] = [];
  private readonly seen = new Map<string, { index: number; line: number | undefined }>();

  constructor(
    private readonly file: string,
    private readonly force: boolean,
    private readonly newId: () => string,
  ) {}

  plan(value: unknown, line: number | undefined): CaseEdit | undefined {
    const index = this.cases++;
    if (!isPlainObject(value)) {
      throw new SuiteError('E_SUITE_SHAPE', `${this.file}${line === undefined ? '' : `:${line}`}: case ${index} must be an object, not ${describe(value)}`, {
        hint: 'a case is an object; its `uuid` or `id` is a string or an integer',
      });
    }
    const verdict = verdictOf(value);
    if (verdict.kind === 'invalid') this.problems.push({ index, line, message: verdict.message });
    if (verdict.kind === 'ok') {
      const first = this.seen.get(verdict.id);
      if (first) this.problems.push({ index, line, message: `id '${verdict.id}' is also the id of ${where(first.index, first.line)}` });
      else this.seen.set(verdict.id, { index, line });
    }
    const present = (['uuid', 'id'] as const).filter((key) => Object.hasOwn(value, key));
    if (this.force) {
      const existing = verdict.kind === 'ok' || verdict.kind === 'invalid';
      if (existing) this.replaced++;
      else this.added++;
      return { keys: present.length > 0 ? present : ['uuid'], id: this.newId(), replaced: existing };
    }
    if (verdict.kind !== 'missing') return undefined;
    this.added++;
    return { keys: [verdict.emptyKey ?? 'uuid'], id: this.newId(), replaced: false };
  }

  /** Throws when there are problems and no force; returns them otherwise. */
  check(): IdProblem[] {
    if (this.problems.length === 0 || this.force) return this.problems;
    const n = this.problems.length;
    const lines = this.problems.slice(0, LISTED).map((p) => `  ${where(p.index, p.line)}: ${p.message}`);
    if (n > LISTED) lines.push(`  ... and ${n - LISTED} more`);
    throw new SuiteError('E_SUITE_ID_INVALID', `${this.file}: ${n} case${n === 1 ? ' has an invalid id' : 's have invalid ids'}; nothing was changed:\n${lines.join('\n')}`, {
      hint: 'fix them by hand, or run add-ids again with --force to give every case a new id (ids then change: logs of earlier runs no longer match them)',
    });
  }
}

function where(index: number, line: number | undefined): string {
  return line === undefined ? `case ${index}` : `case ${index} (line ${line})`;
}

export async function addIds(path: string, options: AddIdsOptions): Promise<AddIdsResult> {
  const absolute = resolve(options.cwd, path);
  const format = formatOf(path);
  const planner = (display: string) => new Planner(display, options.force === true, options.newId ?? randomUUID);
  if (format === 'jsonl') return addIdsJsonl(path, absolute, planner(path));

  const text = await readText(path, absolute);
  const edited = format === 'yaml' ? editYaml(path, text.body, () => planner(path)) : editJson(path, text.body, () => planner(path));
  if (edited.pointer !== undefined) return addIdsPointer(path, absolute, edited.pointer, planner);
  return finish(path, absolute, text, edited);
}

interface Edited {
  readonly body: string;
  readonly planner: Planner;
  readonly pointer?: undefined;
}

async function finish(path: string, absolute: string, text: { bom: boolean }, edited: Edited, pointedFrom?: string): Promise<AddIdsResult> {
  const { planner } = edited;
  const problems = planner.check();
  const changed = planner.added + planner.replaced > 0;
  if (changed) await writeAtomic(absolute, [(text.bom ? '\uFEFF' : '') + edited.body]);
  return { file: path, ...(pointedFrom !== undefined && { pointedFrom }), cases: planner.cases, added: planner.added, replaced: planner.replaced, problems, changed };
}

/** The object form names its cases file: edit that one. */
async function addIdsPointer(
  suitePath: string,
  suiteAbsolute: string,
  target: string,
  makePlanner: (display: string) => Planner,
): Promise<AddIdsResult> {
  const absolute = resolve(dirname(suiteAbsolute), target);
  const shown = join(dirname(suitePath), target);
  const format = formatOf(shown, suitePath);
  const planner = () => makePlanner(shown);
  if (format === 'jsonl') return { ...(await addIdsJsonl(shown, absolute, planner())), pointedFrom: suitePath };
  const text = await readText(shown, absolute, suitePath);
  const edited = format === 'yaml' ? editYaml(shown, text.body, planner, suitePath) : editJson(shown, text.body, planner, suitePath);
  if (edited.pointer !== undefined) throw notAnArray(shown, suitePath);
  return finish(shown, absolute, text, edited, suitePath);
}

function formatOf(path: string, referencedFrom?: string): Format {
  const extension = extname(path);
  const format = FORMATS[extension.toLowerCase()];
  if (format !== undefined) return format;
  const from = referencedFrom === undefined ? '' : ` (the cases file named in ${referencedFrom})`;
  throw new SuiteError('E_SUITE_FORMAT', `${path}${from}: unsupported suite format '${extension || '(no extension)'}'`, {
    hint: 'a suite is a .json, .yaml, .yml or .jsonl file',
  });
}

async function readText(display: string, absolute: string, referencedFrom?: string): Promise<{ body: string; bom: boolean }> {
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw readError(display, error, referencedFrom);
  }
  const bom = text.charCodeAt(0) === 0xfeff;
  return { body: bom ? text.slice(1) : text, bom };
}

function readError(display: string, error: unknown, referencedFrom?: string): SuiteError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const from = referencedFrom === undefined ? '' : ` (the cases file named in ${referencedFrom})`;
    return new SuiteError('E_SUITE_NOT_FOUND', `${display}: no such file${from}`, { hint: 'check the path; a relative path is taken from the current folder' });
  }
  if (code === 'EISDIR') return new SuiteError('E_SUITE_NOT_FOUND', `${display} is a folder, not a suite file`, { hint: 'name a .json, .yaml, .yml or .jsonl file' });
  return new SuiteError('E_SUITE_READ', `${display}: cannot read the file: ${messageOf(error)}`, { cause: error });
}

function notAnArray(display: string, suitePath: string): SuiteError {
  return new SuiteError('E_SUITE_SHAPE', `${display}: a cases file must hold an array of cases`, {
    hint: `only the suite file itself (${suitePath}) may use the object form with pipeline, config and cases`,
  });
}

function notASuite(display: string): SuiteError {
  return new SuiteError('E_SUITE_SHAPE', `${display}: a suite must be an array of cases or an object with 'cases'`, {
    hint: 'write a list of case objects, or { pipeline?, description?, config?, cases }',
  });
}

function emptyError(display: string): SuiteError {
  return new SuiteError('E_SUITE_EMPTY', `${display}: the suite has no cases`, { hint: 'add case objects to the list of cases' });
}

// ---------------------------------------------------------------------------------------------
// JSON: text edits at positions found by a scanner over the (already valid) text

interface Member {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** Positions in valid JSON text. */
class JsonScanner {
  i = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.i < this.text.length && isJsonSpace(this.text.charCodeAt(this.i))) this.i++;
  }

  /** Skips the string at `i` (which holds its opening quote). */
  skipString(): void {
    let j = this.i + 1;
    for (;;) {
      const c = this.text.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === 34) break;
      else j++;
    }
    this.i = j + 1;
  }

  skipValue(): void {
    const c = this.text.charCodeAt(this.i);
    if (c === 34) return this.skipString();
    if (c === 123 || c === 91) {
      let depth = 0;
      for (;;) {
        const d = this.text.charCodeAt(this.i);
        if (d === 34) {
          this.skipString();
          continue;
        }
        this.i++;
        if (d === 123 || d === 91) depth++;
        else if ((d === 125 || d === 93) && --depth === 0) return;
      }
    }
    while (this.i < this.text.length && !/[\s,\]}]/.test(this.text[this.i]!)) this.i++;
  }

  /** The members of the object at `i`; leaves `i` after its closing brace. */
  members(): Member[] {
    const members: Member[] = [];
    this.i++;
    this.skipSpace();
    while (this.text.charCodeAt(this.i) === 34) {
      const keyStart = this.i;
      this.skipString();
      const keyEnd = this.i;
      this.skipSpace();
      this.i++; // ':'
      this.skipSpace();
      const valueStart = this.i;
      this.skipValue();
      members.push({ key: JSON.parse(this.text.slice(keyStart, keyEnd)) as string, keyStart, keyEnd, valueStart, valueEnd: this.i });
      this.skipSpace();
      if (this.text.charCodeAt(this.i) === 44) this.i++;
      this.skipSpace();
    }
    this.i++; // '}'
    return members;
  }

  /** The start of each element of the array at `i`; leaves `i` after its closing bracket. */
  elements(): number[] {
    const starts: number[] = [];
    this.i++;
    this.skipSpace();
    while (this.text.charCodeAt(this.i) !== 93) {
      starts.push(this.i);
      this.skipValue();
      this.skipSpace();
      if (this.text.charCodeAt(this.i) === 44) this.i++;
      this.skipSpace();
    }
    this.i++;
    return starts;
  }
}

interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The text edits that give the object at `start` the id of `edit`. */
function objectEdits(text: string, start: number, edit: CaseEdit): TextEdit[] {
  const scanner = new JsonScanner(text);
  scanner.i = start;
  const members = scanner.members();
  const quoted = JSON.stringify(edit.id);
  const inPlace = members.filter((m) => (edit.keys as readonly string[]).includes(m.key));
  if (inPlace.length > 0) return inPlace.map((m) => ({ start: m.valueStart, end: m.valueEnd, text: quoted }));
  const first = members[0];
  if (first === undefined) return [{ start, end: scanner.i, text: `{ "uuid": ${quoted} }` }];
  // The new first member copies the layout of the current first one: its indentation (or the
  // space after the brace) and the spacing around its colon.
  const lead = text.slice(start + 1, first.keyStart);
  const colon = text.slice(first.keyEnd, first.valueStart);
  return [{ start: first.keyStart, end: first.keyStart, text: `"uuid"${colon}${quoted},${lead}` }];
}

function applyEdits(text: string, edits: TextEdit[]): string {
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}

function parseJsonText(display: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const found = findJsonSyntaxError(text) ?? { offset: text.length, reason: messageOf(error) };
    const at = positionOf(text, Math.min(found.offset, text.trimEnd().length));
    throw new SuiteError('E_SUITE_PARSE', `${display}:${at.line}:${at.column}: invalid JSON: ${found.reason}\n${caretExcerpt(at.lineText, at.offsetInLine)}`, {
      hint: 'fix the JSON at that position (JSON allows no comments, trailing commas or single-quoted strings)',
    });
  }
}

/** `pointedFrom`: the suite that names this cases file, which must then be an array. */
function editJson(display: string, text: string, makePlanner: () => Planner, pointedFrom?: string): Edited | { pointer: string } {
  if (text.trim() === '') throw emptyError(display);
  const value = parseJsonText(display, text);
  const scanner = new JsonScanner(text);
  scanner.skipSpace();
  let cases: unknown[];
  if (Array.isArray(value)) {
    cases = value;
  } else if (pointedFrom !== undefined) {
    throw notAnArray(display, pointedFrom);
  } else if (isPlainObject(value) && (Array.isArray(value['cases']) || typeof value['cases'] === 'string')) {
    if (typeof value['cases'] === 'string') return { pointer: value['cases'] };
    cases = value['cases'];
    const member = scanner.members().find((m) => m.key === 'cases')!;
    scanner.i = member.valueStart;
  } else {
    throw notASuite(display);
  }
  const starts = scanner.elements();
  const planner = makePlanner();
  const edits: TextEdit[] = [];
  cases.forEach((value, index) => {
    const start = starts[index]!;
    const edit = planner.plan(value, positionOf(text, start).line);
    if (edit) edits.push(...objectEdits(text, start, edit));
  });
  if (planner.cases === 0) throw emptyError(display);
  return { body: applyEdits(text, edits), planner };
}

// ---------------------------------------------------------------------------------------------
// YAML: the Document API keeps comments and most formatting

function editYaml(display: string, text: string, makePlanner: () => Planner, pointedFrom?: string): Edited | { pointer: string } {
  if (text.trim() === '') throw emptyError(display);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new SuiteError('E_SUITE_PARSE', `${display}:${line}:${col}: invalid YAML: ${error.message.split('\n')[0]}`, {
      hint: 'fix the YAML at that position (indent with spaces, and quote strings that contain ": " or start with a special character)',
    });
  }
  let seq: unknown = doc.contents;
  if (isMap(seq)) {
    if (pointedFrom !== undefined) throw notAnArray(display, pointedFrom);
    const cases = seq.get('cases', true);
    if (isScalar(cases) && typeof cases.value === 'string') return { pointer: cases.value };
    seq = cases;
  }
  if (!isSeq(seq)) throw pointedFrom === undefined ? notASuite(display) : notAnArray(display, pointedFrom);
  const planner = makePlanner();
  for (const item of seq.items) {
    const line = isNode(item) && item.range ? lineCounter.linePos(item.range[0]).line : undefined;
    const value: unknown = isNode(item) ? item.toJS(doc) : item;
    const edit = planner.plan(value, line);
    if (edit && isMap(item)) setYamlId(doc, item, edit);
  }
  if (planner.cases === 0) throw emptyError(display);
  return { body: doc.toString({ lineWidth: 0 }), planner };
}

function setYamlId(doc: Document, map: YAMLMap, edit: CaseEdit): void {
  const pairs = map.items as Pair[];
  const inPlace = pairs.filter((pair) => isScalar(pair.key) && (edit.keys as readonly unknown[]).includes(pair.key.value));
  for (const pair of inPlace) pair.value = doc.createNode(edit.id);
  if (inPlace.length === 0) pairs.unshift(doc.createPair('uuid', edit.id) as Pair);
}

// ---------------------------------------------------------------------------------------------
// JSONL: streamed line by line into the temp file

async function addIdsJsonl(display: string, absolute: string, planner: Planner): Promise<AddIdsResult> {
  let input;
  try {
    if ((await stat(absolute)).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    input = createReadStream(absolute, { encoding: 'utf8', highWaterMark: 1 << 16 });
  } catch (error) {
    throw readError(display, error);
  }
  const output = await openTemp(absolute);
  let lineNo = 0;
  let rest = '';
  const onLine = (raw: string): string => {
    lineNo++;
    const bom = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
    const line = raw.slice(bom.length);
    if (line.trim() === '') return raw;
    const edit = planner.plan(parseJsonlLine(display, line, lineNo), lineNo);
    if (!edit) return raw;
    const start = line.length - line.trimStart().length;
    return bom + applyEdits(line, objectEdits(line, start, edit));
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let start = 0;
      const parts: string[] = [];
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        parts.push(onLine(rest + chunk.slice(start, nl)) + '\n');
        rest = '';
        start = nl + 1;
      }
      rest += chunk.slice(start);
      if (parts.length > 0) await output.write(parts.join(''));
    }
    if (rest !== '') await output.write(onLine(rest));
    if (planner.cases === 0) throw emptyError(display);
    const problems = planner.check();
    const changed = planner.added + planner.replaced > 0;
    if (changed) await output.commit();
    else await output.discard();
    return { file: display, cases: planner.cases, added: planner.added, replaced: planner.replaced, problems, changed };
  } catch (error) {
    await output.discard();
    if (error instanceof SuiteError) {
      // Parse errors name the line: the JSONL loader's wording.
      throw error;
    }
    throw readError(display, error);
  } finally {
    input.destroy();
  }
}

function parseJsonlLine(display: string, line: string, lineNo: number): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    const found = findJsonSyntaxError(text) ?? { offset: text.length, reason: messageOf(error) };
    const at = positionOf(text, Math.min(found.offset, text.trimEnd().length));
    throw new SuiteError('E_SUITE_PARSE', `${display}:${lineNo}:${at.column}: invalid JSONL: ${found.reason}\n${caretExcerpt(at.lineText, at.offsetInLine)}`, {
      hint: 'each line of a .jsonl file must hold one complete JSON object: a case cannot span several lines',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Atomic replacement

interface TempFile {
  write(text: string): Promise<void>;
  /** fsync, close and rename over the target. */
  commit(): Promise<void>;
  /** Close and remove; never throws. */
  discard(): Promise<void>;
}

/** A temp file beside `target` (same file system, so the rename is atomic), with its mode. */
async function openTemp(target: string): Promise<TempFile> {
  const temp = join(dirname(target), `.${basename(target)}.${pid}.${randomUUID().slice(0, 8)}.tmp`);
  let mode = 0o644;
  try {
    mode = (await stat(target)).mode & 0o777;
  } catch {
    // A new file gets the default mode.
  }
  const handle = await open(temp, 'wx', mode);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    async write(text) {
      await handle.write(text);
    },
    async commit() {
      await handle.sync();
      await close();
      await rename(temp, target);
    },
    async discard() {
      try {
        await close();
      } catch {
        // Already failing.
      }
      await unlink(temp).catch(() => undefined);
    },
  };
}

async function writeAtomic(target: string, chunks: readonly string[]): Promise<void> {
  const file = await openTemp(target);
  try {
    for (const chunk of chunks) await file.write(chunk);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw new SuiteError('E_SUITE_WRITE', `Cannot write ${target}: ${messageOf(error)}`, { cause: error });
  }
}
