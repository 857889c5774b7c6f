import { createHash, type Hash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { Node as YamlNode } from 'yaml';

import { SuiteError, messageOf } from '../errors.ts';
import { HashSet52, stringHash52 } from '../util/ids.ts';
import { loadYaml, type YamlModule } from '../util/yaml.ts';
import { findNonJson, isPlainObject } from '../util/json.ts';
import { LineIndex, jsonTree, textPosition, type JsonNode } from '../util/json-syntax.ts';
import { levenshtein, oxfordJoin } from '../util/suggest.ts';
import { checkCase, checkSuiteObject, type Problem } from './schema.ts';
import { SUITE_FORMATS, SUPPORTED_EXTENSIONS, lineContent, parseError, parseJsonSuite, parseJsonlLine, readLines, suiteText, yamlError, type SuiteFormat } from './text.ts';

export type { SuiteFormat };

export interface SuiteCase {
  index: number;
  id: string;
  case: Record<string, unknown>;
  /** 1-based line where the case starts, when known. */
  line?: number;
}

export interface Suite {
  /** The path as given by the user (for display). */
  path: string;
  absolutePath: string;
  /** Format of the file the cases come from. */
  format: SuiteFormat;
  count: number;
  /** Hex sha256 of the suite file's bytes, followed by the cases file's bytes when the suite points at one. */
  sha256: string;
  pipeline?: string;
  description?: string;
  /** The raw config patch of the object form (nested objects and/or dotted keys). */
  config?: unknown;
  /** May be called several times. JSONL re-streams the file each time; JSON and YAML yield the same objects. */
  cases(): AsyncIterable<SuiteCase>;
  /**
   * The line where case `index` starts, for messages. JSONL cases carry their line; for JSON and
   * YAML it is worked out here on demand, so loading never pays for it.
   */
  caseLine(index: number): number | undefined;
}

const SHAPE_HINT = 'a case is an object; its `uuid` or `id` is a string or an integer and its `keywords` an array of strings';
/** How many cases without ids a message lists before saying "and N more". */
const LISTED = 5;

interface SuiteFile {
  display: string;
  absolute: string;
  format: SuiteFormat;
}

interface Position {
  index: number;
  line: number | undefined;
}

/** A parsed JSON or YAML file, with where its cases and top-level keys start. */
interface Parsed {
  value: unknown;
  caseLine(index: number): number | undefined;
  keyLine(key: string): number | undefined;
}

export async function loadSuite(path: string, options: { cwd: string }): Promise<Suite> {
  const file = await suiteFile(path, resolve(options.cwd, path));
  const hash = createHash('sha256');
  const base = { path, absolutePath: file.absolute };

  if (file.format === 'jsonl') {
    const count = await checkJsonl(file, hash);
    return { ...base, format: 'jsonl', count, sha256: hash.digest('hex'), cases: () => streamJsonl(file), caseLine: noLine };
  }

  const parsed = await readParsed(file, hash);
  const value = parsed.value;
  if (Array.isArray(value)) {
    const cases = await checkArray(file, value, parsed);
    return { ...base, format: file.format, count: cases.length, sha256: hash.digest('hex'), cases: () => yieldAll(cases), caseLine: parsed.caseLine };
  }
  if (!isPlainObject(value)) {
    throw new SuiteError('E_SUITE_SHAPE', `${file.display}: a suite must be an array of cases or an object with 'cases', not ${describeValue(value)}`, {
      hint: 'write a list of case objects, or { pipeline?, description?, config?, cases }',
    });
  }

  const checked = checkSuiteObject(value);
  if (!checked.ok) throw objectError(file, parsed, checked.problem);
  const { pipeline, description, config, cases: casesValue } = checked.suite;
  const meta = {
    ...base,
    ...(pipeline !== undefined && { pipeline }),
    ...(description !== undefined && { description }),
    ...(config !== undefined && { config: value.config }),
  };
  if (Array.isArray(casesValue)) {
    const cases = await checkArray(file, casesValue, parsed);
    return { ...meta, format: file.format, count: cases.length, sha256: hash.digest('hex'), cases: () => yieldAll(cases), caseLine: parsed.caseLine };
  }

  const target = await suiteFile(
    isAbsolute(casesValue) ? casesValue : join(dirname(path), casesValue),
    resolve(dirname(file.absolute), casesValue),
    file.display,
  );
  if (target.format === 'jsonl') {
    const count = await checkJsonl(target, hash);
    return { ...meta, format: 'jsonl', count, sha256: hash.digest('hex'), cases: () => streamJsonl(target), caseLine: noLine };
  }
  const targetParsed = await readParsed(target, hash);
  if (!Array.isArray(targetParsed.value)) {
    throw new SuiteError('E_SUITE_SHAPE', `${target.display}: a cases file must hold an array of cases, not ${describeValue(targetParsed.value)}`, {
      hint: `only the suite file itself (${file.display}) may use the object form with pipeline, config and cases`,
    });
  }
  const cases = await checkArray(target, targetParsed.value, targetParsed);
  return { ...meta, format: target.format, count: cases.length, sha256: hash.digest('hex'), cases: () => yieldAll(cases), caseLine: targetParsed.caseLine };
}

/**
 * A suite of cases given in memory (`runSuite({ cases })`), checked as a suite file's cases are:
 * objects with unique ids, holding JSON values only (the log keeps each case as JSON). `display`
 * names the suite in messages and in the run log; its sha256 is that of the cases' JSON text.
 */
export async function suiteFromCases(values: readonly unknown[], display: string): Promise<Suite> {
  const file: SuiteFile = { display, absolute: display, format: 'json' };
  const problem = findNonJson(values, 'cases');
  if (problem !== undefined) {
    throw new SuiteError('E_SUITE_SHAPE', `${display}: ${problem}`, { hint: 'a case holds JSON values only: strings, finite numbers, booleans, null, arrays and plain objects' });
  }
  const cases = await checkArray(file, [...values], { value: values, caseLine: noLine, keyLine: noLine });
  const sha256 = createHash('sha256').update(JSON.stringify(values)).digest('hex');
  return { path: display, absolutePath: display, format: 'json', count: cases.length, sha256, cases: () => yieldAll(cases), caseLine: noLine };
}

// ---------------------------------------------------------------------------------------------
// Finding and reading files

async function suiteFile(display: string, absolute: string, referencedFrom?: string): Promise<SuiteFile> {
  let stats: Stats;
  try {
    stats = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw readError(display, error);
    const from = referencedFrom === undefined ? '' : ` (the cases file named in ${referencedFrom})`;
    const similar = await similarFiles(absolute);
    const hint =
      similar.length > 0
        ? `did you mean ${oxfordJoin(similar.map((name) => `'${join(dirname(display), name)}'`), 'or')}?`
        : referencedFrom === undefined
          ? 'check the path; a relative path is taken from the current folder'
          : `a relative cases path is taken from the folder of ${referencedFrom}`;
    throw new SuiteError('E_SUITE_NOT_FOUND', `${display}: no such file${from}`, { hint });
  }
  if (stats.isDirectory()) {
    throw new SuiteError('E_SUITE_NOT_FOUND', `${display} is a folder, not a suite file`, { hint: `name a ${SUPPORTED_EXTENSIONS} file` });
  }
  const extension = extname(absolute);
  const format = SUITE_FORMATS[extension.toLowerCase()];
  if (format === undefined) {
    throw new SuiteError('E_SUITE_FORMAT', `${display}: unsupported suite format '${extension || '(no extension)'}'`, {
      hint: `a suite is a ${SUPPORTED_EXTENSIONS} file`,
    });
  }
  return { display, absolute, format };
}

/** Suite files in the same folder whose names are a plausible typo away from `absolute`. */
async function similarFiles(absolute: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dirname(absolute));
  } catch {
    return [];
  }
  const wanted = basename(absolute).toLowerCase();
  const stem = wanted.slice(0, wanted.length - extname(wanted).length);
  const tolerance = Math.max(2, Math.floor(wanted.length / 4));
  return entries
    .filter((name) => SUITE_FORMATS[extname(name).toLowerCase()] !== undefined)
    .map((name) => {
      const lower = name.toLowerCase();
      const sameStem = lower.slice(0, lower.length - extname(lower).length) === stem;
      return { name, distance: sameStem ? 0 : levenshtein(wanted, lower) };
    })
    .filter((entry) => entry.distance <= tolerance)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((entry) => entry.name);
}

function readError(display: string, error: unknown): SuiteError {
  return new SuiteError('E_SUITE_READ', `${display}: cannot read the file: ${messageOf(error)}`, { cause: error, hint: 'check that the file is readable' });
}

async function readParsed(file: SuiteFile, hash: Hash): Promise<Parsed> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file.absolute);
  } catch (error) {
    throw readError(file.display, error);
  }
  hash.update(bytes);
  const { text } = suiteText(file.display, bytes);
  if (text.trim() === '') throw emptyError(file);
  // yaml is loaded only for YAML suites: most runs never pay for it.
  return file.format === 'json' ? parseJson(file, text) : parseYaml(file, text, await loadYaml());
}

// ---------------------------------------------------------------------------------------------
// Checking cases

/** Checks cases one by one, then reports missing and duplicate ids over the whole suite. */
class CaseChecker {
  count = 0;
  // 52-bit hashes, not the ids themselves: a million-case suite is checked in a few MB. A repeated
  // hash is only a suspect; finish() confirms it against the real ids.
  private readonly ids = new HashSet52();
  private readonly missing: Position[] = [];
  private missingCount = 0;
  private readonly suspects: { id: string; at: Position }[] = [];

  constructor(private readonly file: SuiteFile) {}

  check(value: unknown, at: Position): string | undefined {
    const id = caseIdOrThrow(this.file, value, at);
    this.count++;
    if (id === undefined) {
      if (this.missingCount++ < LISTED) this.missing.push(at);
    } else {
      if (!this.ids.add(stringHash52(id)) && this.suspects.length < MAX_SUSPECTS) this.suspects.push({ id, at });
    }
    return id;
  }

  /** `findFirst` locates the earlier case with a duplicated id, which the checker keeps no record of. */
  async finish(findFirst: (id: string) => Promise<Position>): Promise<void> {
    const { file } = this;
    if (this.count === 0) throw emptyError(file);
    if (this.missingCount > 0) {
      const n = this.missingCount;
      const more = n > LISTED ? `, and ${n - LISTED} more` : '';
      throw new SuiteError(
        'E_SUITE_ID_MISSING',
        `${file.display}: ${n} of ${this.count} cases ${n === 1 ? 'has' : 'have'} no id: ${this.missing.map(where).join(', ')}${more}`,
        { hint: `run 'tagliots add-ids ${file.display}' to add ids` },
      );
    }
    for (const { id, at } of this.suspects) {
      const first = await findFirst(id);
      if (first.index < 0 || first.index >= at.index) continue; // a hash collision, not a duplicate
      throw new SuiteError(
        'E_SUITE_ID_DUPLICATE',
        `${prefix(file, at.line)}: ${where(first)} and ${where(at)} both have id '${id}'`,
        { hint: `case ids must be unique: give one of them another id (or remove it and run 'tagliots add-ids ${file.display}')` },
      );
    }
  }
}

const MAX_SUSPECTS = 100;

function caseIdOrThrow(file: SuiteFile, value: unknown, at: Position): string | undefined {
  const result = checkCase(value);
  if (!result.ok) throw caseError(file, at, result.problem);
  // JSON text can only hold JSON values; YAML can also hold .nan, .inf and binary data.
  if (file.format === 'yaml') {
    const problem = findNonJson(value);
    if (problem !== undefined) throw caseError(file, at, { path: '', message: `holds a value JSON cannot represent: ${problem}` });
  }
  return result.id;
}

async function checkArray(file: SuiteFile, values: unknown[], parsed: Parsed): Promise<SuiteCase[]> {
  const checker = new CaseChecker(file);
  const cases = values.map((value, index): SuiteCase => {
    const at = lazyPosition(parsed, index);
    const id = checker.check(value, at) ?? '';
    return { index, id, case: value as Record<string, unknown> };
  });
  await checker.finish(async (id) => {
    const first = cases.find((c) => c.id === id);
    return first ? lazyPosition(parsed, first.index) : { index: -1, line: undefined };
  });
  return cases;
}

const noLine = (): undefined => undefined;

/** A case position whose line is only worked out when an error message needs it. */
function lazyPosition(parsed: Parsed, index: number): Position {
  return {
    index,
    get line() {
      return parsed.caseLine(index);
    },
  };
}

async function* yieldAll(cases: readonly SuiteCase[]): AsyncGenerator<SuiteCase> {
  yield* cases;
}

function where(at: Position): string {
  return at.line === undefined ? `case ${at.index}` : `case ${at.index} (line ${at.line})`;
}

function prefix(file: SuiteFile, line: number | undefined): string {
  return line === undefined ? file.display : `${file.display}:${line}`;
}

function caseError(file: SuiteFile, at: Position, problem: Problem): SuiteError {
  const detail = problem.path === '' ? ` ${problem.message}` : `: ${problem.path}: ${problem.message}`;
  return new SuiteError('E_SUITE_SHAPE', `${prefix(file, at.line)}: case ${at.index}${detail}`, { hint: problem.hint ?? SHAPE_HINT });
}

function objectError(file: SuiteFile, parsed: Parsed, problem: Problem): SuiteError {
  const line = parsed.keyLine(problem.path) ?? parsed.keyLine(problem.path.split(/[.[]/)[0] ?? '');
  return new SuiteError('E_SUITE_SHAPE', `${prefix(file, line)}: ${problem.path}: ${problem.message}`, {
    hint: problem.hint ?? 'a suite object is { pipeline?, description?, config?, cases }',
  });
}

function emptyError(file: SuiteFile): SuiteError {
  return new SuiteError('E_SUITE_EMPTY', `${file.display}: the suite has no cases`, {
    hint: file.format === 'jsonl' ? 'write one JSON object per line, one line per case' : 'add case objects to the list of cases',
  });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// JSONL

/** The validating pass: parses and checks every line as the file streams in, holding no cases. */
async function checkJsonl(file: SuiteFile, hash: Hash): Promise<number> {
  const checker = new CaseChecker(file);
  for await (const batch of jsonlValues(file, hash)) {
    for (const { value, line } of batch) checker.check(value, { index: checker.count, line });
  }
  await checker.finish(async (id) => {
    let index = 0;
    for await (const batch of jsonlValues(file)) {
      for (const { value, line } of batch) {
        const result = checkCase(value);
        if (result.ok && result.id === id) return { index, line };
        index++;
      }
    }
    return { index: -1, line: undefined };
  });
  return checker.count;
}

/** The parsed cases of a JSONL file with their lines, skipping blank lines, a read chunk at a time. */
async function* jsonlValues(file: SuiteFile, hash?: Hash): AsyncGenerator<{ value: unknown; line: number }[]> {
  let line = 0;
  for await (const lines of readLines(file.absolute, file.display, hash)) {
    const batch: { value: unknown; line: number }[] = [];
    for (const raw of lines) {
      line++;
      const text = lineContent(raw, line);
      if (!isBlank(text)) batch.push({ value: parseJsonlLine(file.display, text, line), line });
    }
    if (batch.length > 0) yield batch;
  }
}

async function* streamJsonl(file: SuiteFile): AsyncGenerator<SuiteCase> {
  let index = 0;
  try {
    for await (const batch of jsonlValues(file)) {
      for (const { value, line } of batch) {
        const id = caseIdOrThrow(file, value, { index, line }) ?? '';
        yield { index: index++, id, case: value as Record<string, unknown>, line };
      }
    }
  } catch (error) {
    if (error instanceof SuiteError) throw error;
    throw readError(file.display, error);
  }
}

function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

// ---------------------------------------------------------------------------------------------
// JSON and YAML documents

function parseJson(file: SuiteFile, text: string): Parsed {
  const value = parseJsonSuite(file.display, text);
  // Where cases start is only needed for error messages: find it then, not on every load.
  let layout: JsonLayout | undefined;
  const getLayout = () => (layout ??= jsonLayout(text));
  return { value, caseLine: (index) => getLayout().caseLines[index], keyLine: (key) => getLayout().keyLines.get(key) };
}

function parseYaml(file: SuiteFile, text: string, yaml: YamlModule): Parsed {
  const { isMap, isNode, isScalar, isSeq, parseDocument, visit } = yaml;
  const doc = parseDocument(text, { prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) throw yamlError(file.display, text, error);
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // toJS fails on aliases to anchors that do not exist; point at the first such alias.
    let offset = 0;
    visit(doc, {
      Alias(_, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    throw parseError(file.display, 'yaml', textPosition(text, offset), messageOf(error));
  }
  if (value === null || value === undefined) throw emptyError(file);

  const starts = new LineIndex(text);
  const lineOf = (node: unknown): number | undefined => (isNode(node) ? lineOfRange(starts, node) : undefined);
  let items: readonly unknown[] = [];
  const keyLines = new Map<string, number | undefined>();
  const contents = doc.contents;
  if (isSeq(contents)) items = contents.items;
  if (isMap(contents)) {
    for (const pair of contents.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      keyLines.set(key, lineOf(pair.key));
      if (key === 'cases') items = isSeq(pair.value) ? pair.value.items : [];
    }
  }
  return { value, caseLine: (index) => lineOf(items[index]), keyLine: (key) => keyLines.get(key) };
}

function lineOfRange(starts: LineIndex, node: YamlNode): number | undefined {
  const offset = node.range?.[0];
  return offset === undefined ? undefined : starts.lineOf(offset);
}

interface JsonLayout {
  caseLines: (number | undefined)[];
  keyLines: Map<string, number>;
}

/**
 * The line where each case starts (elements of the top-level array, or of the top-level
 * object's `cases` array) and where each top-level key is. `text` must be valid JSON.
 */
function jsonLayout(text: string): JsonLayout {
  const root = jsonTree(text);
  const lines = new LineIndex(text);
  const lineOf = (node: JsonNode | undefined) => (node === undefined ? undefined : lines.lineOf(node.offset));
  const keyLines = new Map<string, number>();
  let cases: JsonNode | undefined = root;
  if (root?.type === 'object') {
    cases = undefined;
    for (const member of root.children ?? []) {
      const [key, value] = member.children ?? [];
      if (key === undefined) continue;
      keyLines.set(key.value as string, lines.lineOf(key.offset));
      if (key.value === 'cases') cases = value;
    }
  }
  const caseLines = cases?.type === 'array' ? (cases.children ?? []).map(lineOf) : [];
  return { caseLines, keyLines };
}
