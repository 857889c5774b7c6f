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
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { SuiteError, messageOf } from '../errors.ts';
import { LineIndex, jsonTree, type JsonNode } from '../util/json-syntax.ts';
import { isPlainObject } from '../util/json.ts';
import { pid } from '../host.ts';
import { SUITE_FORMATS, SUPPORTED_EXTENSIONS, lineBounds, parseJsonSuite, parseJsonlLine, readLines, suiteText, yamlError, type SuiteFormat } from './text.ts';

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

function formatOf(path: string, referencedFrom?: string): SuiteFormat {
  const extension = extname(path);
  const format = SUITE_FORMATS[extension.toLowerCase()];
  if (format !== undefined) return format;
  const from = referencedFrom === undefined ? '' : ` (the cases file named in ${referencedFrom})`;
  throw new SuiteError('E_SUITE_FORMAT', `${path}${from}: unsupported suite format '${extension || '(no extension)'}'`, {
    hint: `a suite is a ${SUPPORTED_EXTENSIONS} file`,
  });
}

async function readText(display: string, absolute: string, referencedFrom?: string): Promise<{ body: string; bom: boolean }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    throw readError(display, error, referencedFrom);
  }
  const { text, bom } = suiteText(display, bytes);
  return { body: text, bom };
}

function readError(display: string, error: unknown, referencedFrom?: string): SuiteError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const from = referencedFrom === undefined ? '' : ` (the cases file named in ${referencedFrom})`;
    return new SuiteError('E_SUITE_NOT_FOUND', `${display}: no such file${from}`, { hint: 'check the path; a relative path is taken from the current folder' });
  }
  if (code === 'EISDIR') return new SuiteError('E_SUITE_NOT_FOUND', `${display} is a folder, not a suite file`, { hint: `name a ${SUPPORTED_EXTENSIONS} file` });
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
// JSON: text edits at the offsets of the (already valid) text's syntax tree

interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The text edits that give the object `node` of `text` the id of `edit`. */
function objectEdits(text: string, node: JsonNode, edit: CaseEdit): TextEdit[] {
  const quoted = JSON.stringify(edit.id);
  const members = (node.children ?? []).map((property) => ({ key: property.children![0]!, value: property.children![1]! }));
  const inPlace = members.filter((m) => (edit.keys as readonly unknown[]).includes(m.key.value));
  if (inPlace.length > 0) return inPlace.map(({ value }) => ({ start: value.offset, end: value.offset + value.length, text: quoted }));
  const first = members[0];
  if (first === undefined) return [{ start: node.offset, end: node.offset + node.length, text: `{ "uuid": ${quoted} }` }];
  // The new first member copies the layout of the current first one: its indentation (or the
  // space after the brace) and the spacing around its colon.
  const lead = text.slice(node.offset + 1, first.key.offset);
  const colon = text.slice(first.key.offset + first.key.length, first.value.offset);
  return [{ start: first.key.offset, end: first.key.offset, text: `"uuid"${colon}${quoted},${lead}` }];
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

/** The syntax tree of valid JSON text, for edits; a suite nested too deeply to walk is refused. */
function treeOf(display: string, text: string): JsonNode {
  const tree = jsonTree(text);
  if (tree === undefined) throw new SuiteError('E_SUITE_SHAPE', `${display}: the JSON nests too deeply to edit`, { hint: 'add the ids by hand' });
  return tree;
}

/** `pointedFrom`: the suite that names this cases file, which must then be an array. */
function editJson(display: string, text: string, makePlanner: () => Planner, pointedFrom?: string): Edited | { pointer: string } {
  if (text.trim() === '') throw emptyError(display);
  const value = parseJsonSuite(display, text);
  let cases: unknown[];
  if (Array.isArray(value)) {
    cases = value;
  } else if (pointedFrom !== undefined) {
    throw notAnArray(display, pointedFrom);
  } else if (isPlainObject(value) && (Array.isArray(value['cases']) || typeof value['cases'] === 'string')) {
    if (typeof value['cases'] === 'string') return { pointer: value['cases'] };
    cases = value['cases'];
  } else {
    throw notASuite(display);
  }
  const root = treeOf(display, text);
  const list = root.type === 'array' ? root : root.children?.find((property) => property.children?.[0]?.value === 'cases')?.children?.[1];
  const nodes = list?.children ?? [];
  const lines = new LineIndex(text);
  const planner = makePlanner();
  const edits: TextEdit[] = [];
  cases.forEach((value, index) => {
    const node = nodes[index]!;
    const edit = planner.plan(value, lines.lineOf(node.offset));
    if (edit) edits.push(...objectEdits(text, node, edit));
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
  if (error !== undefined) throw yamlError(display, text, error);
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
  try {
    if ((await stat(absolute)).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  } catch (error) {
    throw readError(display, error);
  }
  /** The line with the case's id, byte for byte the same otherwise (its byte order mark and CR kept). */
  const editLine = (raw: string, line: number): string => {
    const { start, end } = lineBounds(raw, line);
    const content = raw.slice(start, end);
    if (content.trim() === '') return raw;
    const edit = planner.plan(parseJsonlLine(display, content, line), line);
    if (!edit) return raw;
    return raw.slice(0, start) + applyEdits(content, objectEdits(content, treeOf(display, content), edit)) + raw.slice(end);
  };
  const output = await openTemp(absolute);
  try {
    let line = 0;
    for await (const lines of readLines(absolute, display)) {
      // Lines joined with '\n' give back the file: a batch after the first continues after a '\n'.
      const separator = line === 0 ? '' : '\n';
      await output.write(separator + lines.map((raw) => editLine(raw, ++line)).join('\n'));
    }
    if (planner.cases === 0) throw emptyError(display);
    const problems = planner.check();
    const changed = planner.added + planner.replaced > 0;
    if (changed) await output.commit();
    else await output.discard();
    return { file: display, cases: planner.cases, added: planner.added, replaced: planner.replaced, problems, changed };
  } catch (error) {
    await output.discard();
    // Parse and encoding errors name the line: the JSONL loader's wording.
    if (error instanceof SuiteError) throw error;
    throw readError(display, error);
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
