/**
 * Reads and validates a `*.pipeline.yaml` file. Every problem is collected, each located at its
 * line and column with a caret excerpt, and reported together in one PipelineError
 * (`E_YAML_PIPELINE`). Files the pipeline names (templates, schemas, modules) are checked here
 * too, so a typo in a path points at the YAML line that holds it.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { PipelineError, TemplateError, messageOf } from '../../errors.ts';
import { isPlainObject, type Json } from '../../util/json.ts';
import { closest } from '../../util/suggest.ts';
import { loadYaml } from '../../util/yaml.ts';
import { compileJsonSchema } from '../checks.ts';
import { compileTemplate } from '../template.ts';
import { YamlLocator, type PathSegment } from './positions.ts';
import { DOTTED_PATH_RULE, PipelineFile, STAGE_SCHEMAS, STAGE_TYPES, type PipelineFileDef, type StageDef, type StageType } from './schema.ts';
import { processCwd } from '../../host.ts';

export interface YamlProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** Point at the key rather than its value (unknown keys). */
  readonly key?: boolean;
}

/** A validated YAML pipeline, before compilation. */
export interface LoadedYamlPipeline {
  readonly def: PipelineFileDef;
  /** Absolute path of the YAML file. */
  readonly file: string;
  /** How messages name the file. */
  readonly display: string;
  /** The folder relative paths in the file are resolved against. */
  readonly dir: string;
  readonly locator: YamlLocator;
  /** sha256 of the file's text. */
  readonly sha256: string;
  /** Output and jsonSchema schemas, read and compiled, by the path of their key in the file. */
  readonly schemas: ReadonlyMap<string, { json: Record<string, Json>; zod: z.ZodType }>;
}

/** `samples/qa/qa.pipeline.yaml` and friends. */
export function isPipelineFilePath(value: string): boolean {
  return /\.pipeline\.ya?ml$/i.test(value);
}

export async function loadYamlPipelineFile(path: string, options: { display?: string } = {}): Promise<LoadedYamlPipeline> {
  const file = resolve(path);
  const display = options.display ?? (relative(processCwd(), file).startsWith('..') ? file : relative(processCwd(), file));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PipelineError('E_YAML_PIPELINE_READ', `Cannot read pipeline file ${display}: ${code === 'ENOENT' ? 'no such file' : messageOf(error)}.`, {
      hint: 'A relative pipeline path is taken from the folder of the project config (in tagliots.config.ts) or the working directory (with -p).',
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parseYamlPipeline(text, file, display);
}

/** Parses and validates the text of a pipeline file. `file` is its absolute path. */
export async function parseYamlPipeline(text: string, file: string, display: string): Promise<LoadedYamlPipeline> {
  const yaml = await loadYaml();
  const doc = yaml.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const locator = new YamlLocator(yaml, doc, text, display);
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const where = locator.locateOffset(syntax.pos[0]);
    throw new PipelineError('E_YAML_PIPELINE', `${where.at}: invalid YAML: ${syntax.message.split('\n')[0]}\n${where.excerpt}`, {
      hint: 'Indent with spaces, and quote strings that contain ": " or start with a special character ({, [, *, &, !, |, >, %, @).',
    });
  }
  const value: unknown = doc.toJS();
  const problems: YamlProblem[] = [];
  const top = PipelineFile.safeParse(value);
  if (!top.success) problems.push(...zodProblems(top.error.issues, [], PipelineFile));

  // Stages: the type first, then the schema of that type.
  const stages: StageDef[] = [];
  const rawStages = isPlainObject(value) && Array.isArray(value['stages']) ? (value['stages'] as unknown[]) : [];
  rawStages.forEach((raw, i) => {
    if (!isPlainObject(raw)) return; // reported by the top-level schema
    const type = raw['type'];
    if (typeof type !== 'string' || !(STAGE_TYPES as string[]).includes(type)) {
      const suggestion = typeof type === 'string' ? closest(type, STAGE_TYPES)[0] : undefined;
      problems.push({
        path: ['stages', i, 'type'],
        message:
          type === undefined
            ? `type is required: one of ${STAGE_TYPES.join(', ')}`
            : `unknown stage type ${JSON.stringify(type)}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; types are ${STAGE_TYPES.join(', ')}`,
      });
      return;
    }
    const schema = STAGE_SCHEMAS[type as StageType];
    const parsed = schema.safeParse(raw);
    if (parsed.success) stages.push(parsed.data as StageDef);
    else problems.push(...zodProblems(parsed.error.issues, ['stages', i], schema));
  });

  const dir = dirname(file);
  const schemas = new Map<string, { json: Record<string, Json>; zod: z.ZodType }>();
  if (problems.length === 0 && top.success) {
    const def = { ...top.data, stages };
    await checkReferences(def, dir, problems, schemas);
  }
  if (problems.length > 0) throw yamlError(locator, problems, stageNames(rawStages));
  return {
    def: { ...top.data!, stages },
    file,
    display,
    dir,
    locator,
    sha256: createHash('sha256').update(text).digest('hex'),
    schemas,
  };
}

function stageNames(raw: readonly unknown[]): (string | undefined)[] {
  return raw.map((stage) => (isPlainObject(stage) && typeof stage['name'] === 'string' ? stage['name'] : undefined));
}

// ---------------------------------------------------------------------------------------------
// zod issues → located problems

/** The keys a strict object schema knows at `path` (for "did you mean"), walking zod's definitions. */
function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let current: any = schema;
  const unwrap = (s: any): any => {
    for (let guard = 0; s && guard < 10; guard++) {
      const def = s._zod?.def;
      if (!def) return s;
      if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') s = def.innerType;
      else if (def.type === 'pipe') s = def.in;
      else return s;
    }
    return s;
  };
  for (const segment of path) {
    current = unwrap(current);
    const def = current?._zod?.def;
    if (!def) return [];
    if (def.type === 'object') current = def.shape[segment as string];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'union') current = def.options.find((o: any) => unwrap(o)?._zod?.def?.type === 'object');
    else return [];
  }
  current = unwrap(current);
  const def = current?._zod?.def;
  if (def?.type === 'union') current = unwrap(def.options.find((o: any) => unwrap(o)?._zod?.def?.type === 'object'));
  const shape = current?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

function zodProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[], schema: z.ZodType): YamlProblem[] {
  const problems: YamlProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path as PathSegment[]);
      for (const key of issue.keys) {
        const suggestion = closest(key, known)[0];
        problems.push({
          path: [...path, key],
          key: true,
          message: `unknown key '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : known.length > 0 ? `; known keys: ${known.join(', ')}` : ''}`,
        });
      }
    } else if (issue.code === 'invalid_type') {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      const expected = issue.expected === 'record' || issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
      problems.push({
        path,
        message: received === 'undefined' ? `${String(path[path.length - 1])} is required` : `must be ${expected}${received ? ` (got ${received === 'array' ? 'a list' : received === 'object' ? 'an object' : `a ${received}`})` : ''}`,
      });
    } else if (issue.code === 'invalid_union') {
      // The alternatives of a union: say what each accepts, once.
      problems.push({ path, message: unionMessage(path) });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return problems;
}

function unionMessage(path: readonly PathSegment[]): string {
  if (path[path.length - 2] === 'vars') return `${DOTTED_PATH_RULE}, or { path, default } for a value that may be missing`;
  const last = path[path.length - 1];
  switch (last) {
    case 'retry':
      return 'must be a number of attempts or { attempts, delay_ms }';
    case 'output':
    case 'schema':
      return 'must be a JSON Schema (an object) or the path of a JSON Schema file';
    case 'passed':
      return 'must be { path: <dotted path> }, { all: [paths] } or { any: [paths] }';
    case 'tool_choice':
      return 'must be auto, none, required or { name: <a tool> }';
    default:
      return 'has the wrong shape';
  }
}

function describePath(path: readonly PathSegment[], names: readonly (string | undefined)[]): string {
  let text = '';
  for (const [i, segment] of path.entries()) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
      if (path[i - 1] === 'stages' && i === 1 && names[segment] !== undefined) text += ` (${names[segment]})`;
    } else {
      text += text === '' ? segment : `.${segment}`;
    }
  }
  return text;
}

export function yamlError(locator: YamlLocator, problems: readonly YamlProblem[], names: readonly (string | undefined)[] = []): PipelineError {
  const sorted = problems
    .map((problem) => ({ problem, offset: locator.offsetOf(problem.path, { key: problem.key ?? false }) }))
    .sort((a, b) => a.offset - b.offset);
  const lines = sorted.map(({ problem, offset }) => {
    const where = locator.locateOffset(offset);
    const shown = describePath(problem.key ? problem.path.slice(0, -1) : problem.path, names);
    return `${where.at}: ${shown ? `${shown}: ` : ''}${problem.message}\n${where.excerpt}`;
  });
  const head = lines.length === 1 ? '' : `${locator.display}: ${lines.length} problems:\n`;
  return new PipelineError('E_YAML_PIPELINE', `${head}${lines.join('\n')}`, {
    hint: 'See docs/pipelines.md#yaml-pipelines for every key of a pipeline file.',
  });
}

// ---------------------------------------------------------------------------------------------
// Files and names the pipeline refers to

async function checkReferences(
  def: PipelineFileDef,
  dir: string,
  problems: YamlProblem[],
  schemas: Map<string, { json: Record<string, Json>; zod: z.ZodType }>,
): Promise<void> {
  const fileProblem = (path: PathSegment[], relativePath: string, what: string): boolean => {
    const absolute = isAbsolute(relativePath) ? relativePath : resolve(dir, relativePath);
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      problems.push({ path, message: `${what} '${relativePath}' not found (looked for ${absolute}); relative paths are taken from the folder of the pipeline file` });
      return true;
    }
    return false;
  };
  const template = async (path: PathSegment[], source: string | undefined, fileName: string | undefined) => {
    try {
      if (fileName !== undefined) {
        if (fileProblem(path, fileName, 'template file')) return;
        await compileTemplate(await readFile(resolve(dir, fileName), 'utf8'), fileName);
      } else if (source !== undefined) {
        await compileTemplate(source, 'inline');
      }
    } catch (error) {
      problems.push({ path, message: error instanceof TemplateError ? error.message : messageOf(error) });
    }
  };
  const schema = async (path: PathSegment[], value: string | Record<string, Json>) => {
    let json: unknown = value;
    if (typeof value === 'string') {
      if (fileProblem(path, value, 'schema file')) return;
      try {
        const text = await readFile(resolve(dir, value), 'utf8');
        json = /\.json$/i.test(value) ? JSON.parse(text) : (await loadYaml()).parse(text);
      } catch (error) {
        problems.push({ path, message: `cannot read schema file '${value}': ${messageOf(error)}` });
        return;
      }
    }
    if (!isPlainObject(json)) {
      problems.push({ path, message: 'a JSON Schema must be an object' });
      return;
    }
    try {
      schemas.set(path.join('.'), { json: json as Record<string, Json>, zod: compileJsonSchema(json as Record<string, Json>) });
    } catch (error) {
      problems.push({ path, message: `the JSON Schema does not compile: ${messageOf(error)}` });
    }
  };

  checkConfigMarkers(def.config ?? {}, ['config'], dir, problems, fileProblem);

  const names = new Map<string, number>();
  const dag = def.stages.some((stage) => stage.inputs !== undefined);
  for (const [i, stage] of def.stages.entries()) {
    const at = (...rest: PathSegment[]): PathSegment[] => ['stages', i, ...rest];
    if (names.has(stage.name)) problems.push({ path: at('name'), message: `duplicate stage name '${stage.name}' (also stages[${names.get(stage.name)}])` });
    names.set(stage.name, i);
    switch (stage.type) {
      case 'llm':
        for (const [m, message] of stage.messages.entries()) await template(at('messages', m, message.file !== undefined ? 'file' : 'template'), message.template, message.file);
        if (stage.output !== undefined) await schema(at('output'), stage.output);
        for (const [t, entry] of (stage.tools ?? []).entries()) fileProblem(at('tools', t, 'module'), entry.module, 'module');
        break;
      case 'judge':
        if ((stage.rubric === undefined) === (stage.rubric_file === undefined)) {
          problems.push({ path: at(), message: 'a judge needs either rubric (an inline template) or rubric_file, not both' });
        } else {
          await template(at(stage.rubric_file !== undefined ? 'rubric_file' : 'rubric'), stage.rubric, stage.rubric_file);
        }
        if (stage.system !== undefined) await template(at('system'), stage.system, undefined);
        break;
      case 'check':
        for (const [c, check] of stage.checks.entries()) {
          if (check.jsonSchema) await schema(at('checks', c, 'jsonSchema', 'schema'), check.jsonSchema.schema);
          if (check.toolArguments?.schema !== undefined) await schema(at('checks', c, 'toolArguments', 'schema'), check.toolArguments.schema);
        }
        break;
      case 'function':
        fileProblem(at('module'), stage.module.split('#')[0]!, 'module');
        break;
    }
  }
  if (dag) {
    for (const [i, stage] of def.stages.entries()) {
      for (const [k, input] of (stage.inputs ?? []).entries()) {
        if (names.has(input)) continue;
        const suggestion = closest(input, [...names.keys()])[0];
        problems.push({ path: ['stages', i, 'inputs', k], message: `unknown input '${input}'${suggestion ? ` (did you mean '${suggestion}'?)` : `; stages are ${[...names.keys()].join(', ')}`}` });
      }
    }
  }
}

/** `{ $prompt: "description" }`, `{ $internal: "description", sha256: "file" }`. */
function checkConfigMarkers(
  node: unknown,
  path: PathSegment[],
  dir: string,
  problems: YamlProblem[],
  fileProblem: (path: PathSegment[], file: string, what: string) => boolean,
): void {
  if (!isPlainObject(node)) return;
  const keys = Object.keys(node);
  if (keys.some((key) => key.startsWith('$'))) {
    if (keys.length === 1 && keys[0] === '$prompt' && typeof node['$prompt'] === 'string') return;
    if (keys[0] === '$internal' || keys.includes('$internal')) {
      const extra = keys.filter((key) => key !== '$internal' && key !== 'sha256');
      if (typeof node['$internal'] !== 'string') problems.push({ path: [...path, '$internal'], message: '$internal takes a description (a string)' });
      else if (extra.length > 0) problems.push({ path: [...path, extra[0]!], key: true, message: `unknown key '${extra[0]}' in an $internal marker; it takes sha256: <file>` });
      else if (typeof node['sha256'] !== 'string') problems.push({ path, message: 'an $internal value needs sha256: <file> (the pipeline fills it with the sha256 of that file)' });
      else fileProblem([...path, 'sha256'], node['sha256'], 'file');
      return;
    }
    const suggestion = closest(keys.find((key) => key.startsWith('$'))!, ['$prompt', '$internal'])[0];
    problems.push({ path, message: `a config marker is { $prompt: "description" } or { $internal: "description", sha256: <file> }${suggestion ? ` (did you mean '${suggestion}'?)` : ''}` });
    return;
  }
  for (const key of keys) checkConfigMarkers(node[key], [...path, key], dir, problems, fileProblem);
}
