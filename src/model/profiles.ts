/**
 * Model profiles: where they are configured, how they are checked, where their keys come from.
 *
 * Sources, all merged (a name defined twice is an error naming both places):
 * - `models` in the project config (`tagliots.config.ts`);
 * - `tagliots.models.yaml` / `.yml` / `.json` (`models:` map), the nearest one upward from the
 *   working directory;
 * - GoTaglio's `models.json` / `models.yaml` / `models.yml` (a list), the nearest non-empty one:
 *   `AZURE_OPEN_AI` and `AZURE_OPEN_AI_5` become azure-openai profiles, `AZURE_AI` (Azure AI
 *   Inference) an openai-compatible profile on its endpoint.
 *
 * Keys come from an environment variable (`apiKeyEnv`), the nearest `.credentials.json` / `.yaml`
 * / `.yml` (name → key, as in GoTaglio), or the provider's usual variable. They are held here, in
 * a closure, and handed to the adapter only: never put on an object that is logged or printed.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { z } from 'zod';
import { ModelError, messageOf } from '../errors.ts';
import { findJsonSyntaxError } from '../util/json-syntax.ts';
import { isPlainObject, type Json } from '../util/json.ts';
import { closest } from '../util/suggest.ts';
import { loadYaml } from '../util/yaml.ts';
import { MOCK_DESCRIPTIONS } from './mocks.ts';
import { CREDENTIALS_FILES, findUpward, GOTAGLIO_MODEL_FILES, isPlaceholderKey, nonEmpty, TAGLIOTS_MODEL_FILES } from './model-files.ts';
import type { Pricing } from './pricing.ts';
import type { ProfileBatchConfig } from './batch/settings.ts';
import type { RateLimit } from './rate-limit.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { ENCODINGS, type EncodingName } from './tokens.ts';
import type { ModelProfileConfig, ProviderType } from './types.ts';

export const PROVIDER_TYPES = ['openai', 'azure-openai', 'openai-compatible'] as const satisfies readonly ProviderType[];
export const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_KEY_ENV: Record<ProviderType, string | undefined> = {
  openai: 'OPENAI_API_KEY',
  'azure-openai': 'AZURE_OPENAI_API_KEY',
  'openai-compatible': undefined,
};

/** A checked profile with every default filled in. Holds no secret. */
export interface ModelProfile {
  readonly name: string;
  readonly type: ProviderType;
  readonly model: string;
  readonly description: string;
  readonly baseURL?: string;
  readonly endpoint?: string;
  readonly deployment?: string;
  readonly apiVersion?: string;
  readonly apiKeyEnv?: string;
  readonly credentials?: string;
  readonly params: Readonly<Record<string, Json>>;
  readonly omitParams: readonly string[];
  readonly maxCompletionTokens: boolean;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly rateLimit: RateLimit;
  readonly pricing?: Pricing;
  /** Batch this profile's requests in every run (see docs/models.md, Batch mode). */
  readonly batch?: ProfileBatchConfig;
  readonly contextWindow?: number;
  readonly structuredOutput: boolean;
  readonly stream: boolean;
  readonly encoding?: EncodingName;
  /** Where it was defined, for messages: `tagliots.config.ts`, `tagliots.models.yaml`, `models.json`. */
  readonly source: string;
}

/** Where a profile's key comes from, and whether it is there. Never the key. */
export interface KeyStatus {
  /** `present`, `missing`, or `not needed` (an openai-compatible server without a key). */
  readonly state: 'present' | 'missing' | 'not needed';
  /** `env OPENAI_API_KEY`, `.credentials.json`, `models.json`. */
  readonly source: string;
}

export interface ProfileSet {
  readonly profiles: ReadonlyMap<string, ModelProfile>;
  /** GoTaglio entries of a type tagliots cannot call, with the reason. */
  readonly skipped: readonly { readonly name: string; readonly source: string; readonly reason: string }[];
  /** Files read, for messages. */
  readonly files: readonly string[];
  keyStatus(name: string): KeyStatus;
  /** The key itself: for the adapter only. */
  keyOf(name: string): string | undefined;
}

export interface LoadProfilesOptions {
  readonly cwd: string;
  /** `models` from the project config, unchecked. */
  readonly projectModels?: unknown;
  /** The project config's file name, for messages. */
  readonly projectLabel?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

// ---------------------------------------------------------------------------------------------
// The schema

const positive = z.number().positive();
const positiveInt = z.number().int().positive();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as OPENAI_API_KEY');
const httpUrl = z.string().refine((value) => /^https?:\/\/[^/\s]+/.test(value), 'must be an http:// or https:// URL');

const ProfileSchema = z
  .strictObject({
    type: z.enum(PROVIDER_TYPES),
    model: z.string().min(1).optional(),
    description: z.string().optional(),
    baseURL: httpUrl.optional(),
    endpoint: httpUrl.optional(),
    deployment: z.string().min(1).optional(),
    apiVersion: z.string().min(1).optional(),
    apiKeyEnv: envName.optional(),
    credentials: z.string().min(1).optional(),
    params: z.record(z.string(), z.json()).optional(),
    omitParams: z.array(z.string()).optional(),
    maxCompletionTokens: z.boolean().optional(),
    timeoutMs: positive.optional(),
    retry: z
      .strictObject({ maxAttempts: positiveInt.optional(), baseDelayMs: z.number().nonnegative().optional(), maxDelayMs: z.number().nonnegative().optional() })
      .optional(),
    rateLimit: z
      .strictObject({ requestsPerMinute: positive.optional(), tokensPerMinute: positive.optional(), maxConcurrent: positiveInt.optional() })
      .optional(),
    pricing: z
      .strictObject({
        inputPer1M: z.number().nonnegative(),
        outputPer1M: z.number().nonnegative(),
        cachedInputPer1M: z.number().nonnegative().optional(),
        batchInputPer1M: z.number().nonnegative().optional(),
        batchOutputPer1M: z.number().nonnegative().optional(),
        batchDiscount: z.number().min(0).max(1).optional(),
      })
      .optional(),
    batch: z
      .union([z.boolean(), z.strictObject({ maxRequests: positiveInt.optional(), maxWaitMs: z.number().nonnegative().optional(), pollIntervalMs: z.number().nonnegative().optional() })])
      .optional(),
    contextWindow: positiveInt.optional(),
    structuredOutput: z.boolean().optional(),
    stream: z.boolean().optional(),
    encoding: z.enum(ENCODINGS).optional(),
  })
  .superRefine((profile, ctx) => {
    const need = (field: keyof typeof profile, why: string) => {
      if (profile[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
    };
    if (profile.type === 'azure-openai') {
      if (profile.endpoint === undefined && profile.baseURL === undefined) need('endpoint', 'for azure-openai (https://<resource>.openai.azure.com/)');
      need('deployment', 'for azure-openai');
      need('apiVersion', 'for azure-openai (e.g. 2024-10-21)');
    } else {
      need('model', `for ${profile.type}`);
      if (profile.type === 'openai-compatible') need('baseURL', 'for openai-compatible (e.g. http://localhost:11434/v1)');
      for (const field of ['endpoint', 'deployment', 'apiVersion'] as const) {
        if (profile[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is only for azure-openai profiles' });
      }
    }
  });

const KNOWN_FIELDS = Object.keys(ProfileSchema.shape);

// Compile-time check that the schema and the exported config type agree.
type SchemaInput = z.input<typeof ProfileSchema>;
const _configFitsSchema = (config: ModelProfileConfig): SchemaInput => config as SchemaInput;
void _configFitsSchema;

/** One line per problem: `rateLimit.requestsPerMinute: must be > 0`. Never echoes a value. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = issue.path.map(String).join('.');
    const prefix = at ? `${at}: ` : '';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = at ? `${at}.${key}` : key;
        if (/^(api_?key|key|secret|token)$/i.test(key)) {
          lines.push(`${where}: API keys do not belong in the model config; set apiKeyEnv to the name of an environment variable, or put the key in .credentials.json`);
        } else {
          const suggestion = at ? undefined : closest(key, KNOWN_FIELDS)[0];
          lines.push(`${where}: unknown field${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`);
        }
      }
    } else if (issue.code === 'invalid_value' && 'values' in issue) {
      lines.push(`${prefix}must be one of ${issue.values.map((v) => String(v)).join(', ')}`);
    } else if (issue.code === 'invalid_type') {
      // zod 4 keeps no input on issues unless asked; its message says what it received.
      const received = /received (\w+)/.exec(issue.message)?.[1];
      const expected = issue.expected === 'record' || issue.expected === 'object' ? 'an object' : `a ${issue.expected}`;
      lines.push(`${prefix}${received === 'undefined' ? 'is required' : `must be ${expected}${received ? ` (got ${received === 'array' || received === 'object' ? 'an' : 'a'} ${received})` : ''}`}`);
    } else {
      lines.push(`${prefix}${issue.message}`);
    }
  }
  return lines;
}

function profileError(source: string, name: string, problems: readonly string[]): ModelError {
  const head = `${source}: model '${name}'`;
  return new ModelError('E_MODELS_CONFIG', problems.length === 1 ? `${head}: ${problems[0]}` : `${head}:\n  ${problems.join('\n  ')}`, {
    hint: 'See docs/models.md#configuring-models for every field.',
  });
}

/** Checks one profile and fills in the defaults. */
export function parseProfile(name: string, input: unknown, source: string): ModelProfile {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/.test(name)) {
    throw profileError(source, name, ['a model name is letters, digits, ".", "_", ":", "/" and "-", starting with a letter or digit']);
  }
  if (Object.hasOwn(MOCK_DESCRIPTIONS, name)) {
    throw profileError(source, name, [`'${name}' is a built-in mock model; give the configured model another name`]);
  }
  if (!isPlainObject(input)) throw profileError(source, name, ['must be an object with at least a type, e.g. { type: "openai", model: "gpt-4o-mini" }']);
  const result = ProfileSchema.safeParse(input);
  if (!result.success) throw profileError(source, name, describeIssues(result.error.issues));
  const p = result.data;
  const model = p.model ?? p.deployment!;
  return {
    name,
    type: p.type,
    model,
    description: p.description ?? describeDefault(p.type, model, p.baseURL ?? p.endpoint),
    ...(p.baseURL !== undefined && { baseURL: p.baseURL }),
    ...(p.endpoint !== undefined && { endpoint: p.endpoint }),
    ...(p.deployment !== undefined && { deployment: p.deployment }),
    ...(p.apiVersion !== undefined && { apiVersion: p.apiVersion }),
    ...(p.apiKeyEnv !== undefined && { apiKeyEnv: p.apiKeyEnv }),
    ...(p.credentials !== undefined && { credentials: p.credentials }),
    params: (p.params ?? {}) as Record<string, Json>,
    omitParams: p.omitParams ?? [],
    maxCompletionTokens: p.maxCompletionTokens ?? false,
    timeoutMs: p.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...p.retry },
    rateLimit: p.rateLimit ?? {},
    ...(p.pricing !== undefined && { pricing: p.pricing }),
    ...(p.batch !== undefined && { batch: p.batch }),
    ...(p.contextWindow !== undefined && { contextWindow: p.contextWindow }),
    structuredOutput: p.structuredOutput ?? p.type !== 'openai-compatible',
    stream: p.stream ?? false,
    ...(p.encoding !== undefined && { encoding: p.encoding }),
    source,
  };
}

function describeDefault(type: ProviderType, model: string, url: string | undefined): string {
  const host = url ? ` at ${safeHost(url)}` : '';
  return type === 'openai' ? `OpenAI ${model}${host}` : type === 'azure-openai' ? `Azure OpenAI deployment ${model}${host}` : `${model}${host} (OpenAI-compatible)`;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A profile as it may appear in logs and listings: every setting except where keys live is kept; no secret is in a profile anyway. */
export function profileSnapshot(profile: ModelProfile): Record<string, Json> {
  const snapshot: Record<string, Json> = { type: profile.type, model: profile.model, source: profile.source };
  for (const field of ['baseURL', 'endpoint', 'deployment', 'apiVersion', 'apiKeyEnv', 'contextWindow', 'encoding'] as const) {
    const value = profile[field];
    // A URL could carry credentials (user:pass@, ?api-key=): the log gets it without them.
    if (value !== undefined) snapshot[field] = field === 'baseURL' || field === 'endpoint' ? withoutCredentials(String(value)) : value;
  }
  if (Object.keys(profile.params).length > 0) snapshot['params'] = profile.params as Json;
  if (profile.omitParams.length > 0) snapshot['omitParams'] = [...profile.omitParams];
  if (profile.maxCompletionTokens) snapshot['maxCompletionTokens'] = true;
  snapshot['timeoutMs'] = profile.timeoutMs;
  snapshot['retry'] = { ...profile.retry };
  if (Object.keys(profile.rateLimit).length > 0) snapshot['rateLimit'] = { ...profile.rateLimit } as Json;
  if (profile.pricing) snapshot['pricing'] = { ...profile.pricing } as Json;
  if (profile.batch !== undefined) snapshot['batch'] = (typeof profile.batch === 'object' ? { ...profile.batch } : profile.batch) as Json;
  snapshot['structuredOutput'] = profile.structuredOutput;
  if (profile.stream) snapshot['stream'] = true;
  return snapshot;
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password && !parsed.search) return url;
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Reads a JSON or YAML file. With `secret`, a syntax error names only the line and column: the
 * parser's message could quote the text, and the text is keys.
 */
async function readDataFile(path: string, shown: string, secret: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelError('E_MODELS_READ', `Cannot read ${shown}: ${secret ? (error as NodeJS.ErrnoException).code ?? 'read error' : messageOf(error)}.`);
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (path.endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (error) {
      const problem = findJsonSyntaxError(text);
      const at = lineColumn(text, problem?.offset ?? text.length);
      const reason = secret ? 'not valid JSON' : (problem?.reason ?? messageOf(error));
      throw new ModelError('E_MODELS_PARSE', `Cannot parse ${shown}:${at.line}:${at.column}: ${reason}.`);
    }
  }
  // Through loadYaml: bundled, a dynamic import of the CommonJS build puts the exports under default.
  const { LineCounter, parseDocument } = await loadYaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ModelError('E_MODELS_PARSE', `Cannot parse ${shown}:${line}:${col}: ${secret ? 'not valid YAML' : error.message}.`);
  }
  return doc.contents === null ? null : doc.toJS();
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** GoTaglio's model types, and the profile fields each becomes. */
function fromGoTaglio(entry: Record<string, unknown>): { profile?: Record<string, unknown>; reason?: string } {
  const type = entry['type'];
  const base: Record<string, unknown> = {};
  if (typeof entry['description'] === 'string') base['description'] = entry['description'];
  if (type === 'AZURE_OPEN_AI' || type === 'AZURE_OPEN_AI_5') {
    Object.assign(base, { type: 'azure-openai', endpoint: entry['endpoint'], deployment: entry['deployment'], apiVersion: entry['api'] });
    // GoTaglio's GPT-5 adapter sent max_completion_tokens and left out temperature and top_p.
    if (type === 'AZURE_OPEN_AI_5') Object.assign(base, { maxCompletionTokens: true, omitParams: ['temperature', 'top_p'] });
    return { profile: base };
  }
  if (type === 'AZURE_AI') {
    // Azure AI Inference serves the OpenAI chat-completions API on the endpoint itself and accepts
    // the key as a bearer token, which is how an openai-compatible profile sends it. GoTaglio sent no
    // model name (a serverless endpoint serves one model); a shared endpoint needs `model`.
    const model = [entry['model'], entry['deployment']].find((value) => typeof value === 'string' && value !== '') ?? entry['name'];
    Object.assign(base, { type: 'openai-compatible', baseURL: entry['endpoint'], model });
    return { profile: base };
  }
  if (typeof type === 'string' && (PROVIDER_TYPES as readonly string[]).includes(type)) {
    const { name: _name, key: _key, ...rest } = entry;
    return { profile: rest };
  }
  return { reason: `type '${String(type)}' is not supported (supported: AZURE_OPEN_AI, AZURE_OPEN_AI_5, AZURE_AI, or a tagliots type: ${PROVIDER_TYPES.join(', ')})` };
}

/**
 * Loads every profile the working directory can see, and the keys they will use. Throws a
 * ModelError naming the file, the model and the field for the first file with problems.
 */
export async function loadModelProfiles(options: LoadProfilesOptions): Promise<ProfileSet> {
  const { cwd, env } = options;
  const shownPath = (path: string) => {
    const rel = relative(cwd, path);
    return rel === '' || rel.startsWith('..') ? path : rel;
  };
  const profiles = new Map<string, ModelProfile>();
  const skipped: { name: string; source: string; reason: string }[] = [];
  const files: string[] = [];
  const inlineKeys = new Map<string, string>();
  /** GoTaglio entries whose `key` is placeholder text, by name: shown when no key is found elsewhere. */
  const placeholders = new Map<string, string>();

  const add = (profile: ModelProfile) => {
    const earlier = profiles.get(profile.name);
    if (earlier) {
      throw new ModelError('E_MODELS_DUPLICATE', `Model '${profile.name}' is defined twice: in ${earlier.source} and in ${profile.source}.`, {
        hint: 'Rename or remove one of them.',
      });
    }
    profiles.set(profile.name, profile);
  };
  const addMap = (models: unknown, source: string) => {
    if (models === undefined || models === null) return;
    if (!isPlainObject(models)) {
      throw new ModelError('E_MODELS_CONFIG', `${source}: models must be an object of model names to settings.`, {
        hint: "e.g. models: { 'gpt-4o-mini': { type: 'openai', model: 'gpt-4o-mini' } }",
      });
    }
    for (const [name, input] of Object.entries(models)) add(parseProfile(name, input, source));
  };

  addMap(options.projectModels, options.projectLabel ?? 'the project config');

  const ownFile = findUpward(cwd, TAGLIOTS_MODEL_FILES);
  if (ownFile) {
    const shown = shownPath(ownFile);
    files.push(shown);
    const data = await readDataFile(ownFile, shown, false);
    if (data !== null) {
      if (!isPlainObject(data) || Object.keys(data).some((key) => key !== 'models')) {
        throw new ModelError('E_MODELS_CONFIG', `${shown}: expected an object with one key, models (model names to settings).`, {
          hint: 'e.g.\nmodels:\n  gpt-4o-mini:\n    type: openai\n    model: gpt-4o-mini',
        });
      }
      addMap(data['models'], shown);
    }
  }

  const goFile = findUpward(cwd, GOTAGLIO_MODEL_FILES, nonEmpty);
  if (goFile) {
    const shown = shownPath(goFile);
    files.push(shown);
    const data = await readDataFile(goFile, shown, true);
    // models.json is a common name: a file that is not a GoTaglio list is someone else's, not a mistake.
    if (data !== null && !Array.isArray(data)) {
      skipped.push({ name: '(file)', source: shown, reason: 'not a GoTaglio models file (a list of { name, type, ... }); ignored' });
    } else if (data !== null) {
      data.forEach((entry: unknown, i) => {
        if (!isPlainObject(entry) || typeof entry['name'] !== 'string') {
          throw new ModelError('E_MODELS_CONFIG', `${shown}: entry ${i + 1} must be an object with a name.`);
        }
        const name = entry['name'];
        const converted = fromGoTaglio(entry);
        if (!converted.profile) {
          skipped.push({ name, source: shown, reason: converted.reason! });
          return;
        }
        add(parseProfile(name, converted.profile, shown));
        if (typeof entry['key'] === 'string' && entry['key'] !== '') {
          if (isPlaceholderKey(entry['key'])) placeholders.set(name, entry['key']);
          else inlineKeys.set(name, entry['key']);
        }
      });
    }
  }

  let credentials: Map<string, string> | undefined;
  let credentialsShown: string | undefined;
  const credentialsFile = findUpward(cwd, CREDENTIALS_FILES, nonEmpty);
  if (credentialsFile) {
    credentialsShown = shownPath(credentialsFile);
    files.push(credentialsShown);
    const data = await readDataFile(credentialsFile, credentialsShown, true);
    credentials = new Map();
    if (data !== null) {
      if (!isPlainObject(data)) throw new ModelError('E_MODELS_CONFIG', `${credentialsShown}: expected an object of model names to keys.`);
      for (const [name, key] of Object.entries(data)) {
        if (typeof key !== 'string') throw new ModelError('E_MODELS_CONFIG', `${credentialsShown}: the entry for '${name}' must be a string (the key).`);
        if (!isPlaceholderKey(key)) credentials.set(name, key);
      }
    }
  }

  const lookup = (name: string): { key: string | undefined; status: KeyStatus } => {
    const profile = profiles.get(name);
    if (!profile) return { key: undefined, status: { state: 'missing', source: 'unknown model' } };
    const fromEnv = (variable: string) => {
      const key = env[variable];
      return { key: key === '' ? undefined : key, status: { state: key ? 'present' : 'missing', source: `env ${variable}` } as KeyStatus };
    };
    if (profile.apiKeyEnv) return fromEnv(profile.apiKeyEnv);
    const entry = profile.credentials ?? name;
    const fromFile = credentials?.get(entry);
    if (fromFile) return { key: fromFile, status: { state: 'present', source: `${credentialsShown}${entry === name ? '' : ` (${entry})`}` } };
    if (profile.credentials) return { key: undefined, status: { state: 'missing', source: `${credentialsShown ?? '.credentials.json'} (${entry})` } };
    const inline = inlineKeys.get(name);
    if (inline) return { key: inline, status: { state: 'present', source: profile.source } };
    const variable = DEFAULT_KEY_ENV[profile.type];
    const fallback = variable ? fromEnv(variable) : undefined;
    if (fallback?.key !== undefined) return fallback;
    const placeholder = placeholders.get(name);
    if (placeholder !== undefined) {
      return { key: undefined, status: { state: 'missing', source: `${profile.source} holds the placeholder '${placeholder.trim()}', not a key: put the key in ${credentialsShown ?? '.credentials.json'} under '${entry}'` } };
    }
    if (fallback) return fallback;
    return { key: undefined, status: { state: 'not needed', source: 'no key configured' } };
  };

  return {
    profiles,
    skipped,
    files,
    keyStatus: (name) => lookup(name).status,
    keyOf: (name) => lookup(name).key,
  };
}
