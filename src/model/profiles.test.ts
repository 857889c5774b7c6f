import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../errors.ts';
import { loadModelProfiles, parseProfile, profileSnapshot } from './profiles.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tagliots-profiles-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

function caught(fn: () => unknown): ModelError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error('expected a ModelError');
}

async function caughtAsync(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error('expected a ModelError');
}

const SECRET = 'sk-profile-test-SECRET-value-123456';

describe('parseProfile', () => {
  it('fills in the defaults', () => {
    const p = parseProfile('mini', { type: 'openai', model: 'gpt-4o-mini' }, 'tagliots.config.ts');
    expect(p).toMatchObject({
      name: 'mini',
      type: 'openai',
      model: 'gpt-4o-mini',
      description: 'OpenAI gpt-4o-mini',
      params: {},
      timeoutMs: 60_000,
      retry: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 },
      rateLimit: {},
      structuredOutput: true,
      stream: false,
      source: 'tagliots.config.ts',
    });
    expect(parseProfile('llama', { type: 'openai-compatible', model: 'llama3.2', baseURL: 'http://localhost:11434/v1' }, 'x').structuredOutput).toBe(false);
  });

  it('uses the deployment as the model of an Azure profile', () => {
    const p = parseProfile('az', { type: 'azure-openai', endpoint: 'https://r.openai.azure.com/', deployment: 'gpt4o', apiVersion: '2024-10-21' }, 'x');
    expect(p.model).toBe('gpt4o');
    expect(p.description).toBe('Azure OpenAI deployment gpt4o at r.openai.azure.com');
  });

  it('names the source, the model and every field in error', () => {
    const error = caught(() =>
      parseProfile('bad', { type: 'openai', modle: 'x', timeoutMs: -1, rateLimit: { requestsPerMinute: 'many', burst: 3 }, pricing: { inputPer1M: 1 } }, 'tagliots.models.yaml'),
    );
    expect(error.code).toBe('E_MODELS_CONFIG');
    expect(error.message).toBe(
      [
        "tagliots.models.yaml: model 'bad':",
        '  timeoutMs: Too small: expected number to be >0',
        '  rateLimit.requestsPerMinute: must be a number (got a string)',
        '  rateLimit.burst: unknown field',
        '  pricing.outputPer1M: is required',
        "  modle: unknown field (did you mean 'model'?)",
      ].join('\n'),
    );
  });

  it('checks the fields each provider needs', () => {
    expect(caught(() => parseProfile('a', { type: 'azure-openai', endpoint: 'https://x/' }, 'f')).message).toBe(
      "f: model 'a':\n  deployment: is required for azure-openai\n  apiVersion: is required for azure-openai (e.g. 2024-10-21)",
    );
    expect(caught(() => parseProfile('c', { type: 'openai-compatible', model: 'm' }, 'f')).message).toBe(
      "f: model 'c': baseURL: is required for openai-compatible (e.g. http://localhost:11434/v1)",
    );
    expect(caught(() => parseProfile('o', { type: 'openai' }, 'f')).message).toBe("f: model 'o': model: is required for openai");
    expect(caught(() => parseProfile('t', { type: 'anthropic', model: 'x' }, 'f')).message).toBe("f: model 't': type: must be one of openai, azure-openai, openai-compatible");
    expect(caught(() => parseProfile('u', { type: 'openai', model: 'x', baseURL: 'localhost:8080' }, 'f')).message).toBe("f: model 'u': baseURL: must be an http:// or https:// URL");
  });

  it('refuses a key written into the config, without echoing it', () => {
    const error = caught(() => parseProfile('k', { type: 'openai', model: 'x', apiKey: SECRET }, 'tagliots.config.ts'));
    expect(error.message).toBe(
      "tagliots.config.ts: model 'k': apiKey: API keys do not belong in the model config; set apiKeyEnv to the name of an environment variable, or put the key in .credentials.json",
    );
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses the names of the mocks', () => {
    expect(caught(() => parseProfile('perfect', { type: 'openai', model: 'x' }, 'f')).message).toContain("'perfect' is a built-in mock model");
  });

  it('snapshots URLs without credentials', () => {
    const p = parseProfile('u', { type: 'openai-compatible', model: 'm', baseURL: 'https://user:pw@proxy.example.com/v1?api-key=abc' }, 'f');
    expect(profileSnapshot(p)['baseURL']).toBe('https://proxy.example.com/v1');
  });

  it('snapshots a profile for the log without anything secret', () => {
    const p = parseProfile('m', { type: 'openai', model: 'gpt-4o', apiKeyEnv: 'MY_KEY', pricing: { inputPer1M: 2.5, outputPer1M: 10 } }, 'f');
    expect(profileSnapshot(p)).toEqual({
      type: 'openai',
      model: 'gpt-4o',
      source: 'f',
      apiKeyEnv: 'MY_KEY',
      timeoutMs: 60_000,
      retry: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 },
      pricing: { inputPer1M: 2.5, outputPer1M: 10 },
      structuredOutput: true,
    });
  });
});

describe('loadModelProfiles', () => {
  it('merges the project config, tagliots.models.yaml and a GoTaglio models.json found upward', async () => {
    const root = await folder({
      'tagliots.models.yaml': 'models:\n  local:\n    type: openai-compatible\n    model: llama3.2\n    baseURL: http://localhost:11434/v1\n',
      'models.json': JSON.stringify([
        { name: 'gpt4o', type: 'AZURE_OPEN_AI', endpoint: 'https://r.openai.azure.com/', deployment: 'gpt-4o', api: '2024-10-21', description: 'GPT-4o' },
        { name: 'gpt5', type: 'AZURE_OPEN_AI_5', endpoint: 'https://r.openai.azure.com/', deployment: 'gpt-5', api: '2025-01-01', key: SECRET },
        { name: 'phi3', type: 'AZURE_AI', endpoint: 'https://phi3.eastus2.models.ai.azure.com', description: 'Phi-3' },
        { name: 'llama', type: 'AZURE_AI', endpoint: 'https://r.services.ai.azure.com/models', model: 'Llama-3.3-70B-Instruct' },
        { name: 'gemini', type: 'GOOGLE', endpoint: 'https://x/' },
      ]),
      '.credentials.json': JSON.stringify({ gpt4o: 'credential-key-0123456789', phi3: 'phi3-key-0123456789' }),
      'sub/dir/.keep': '',
    });
    const set = await loadModelProfiles({
      cwd: join(root, 'sub/dir'),
      env: { OPENAI_API_KEY: 'env-key-0123456789' },
      projectModels: { mini: { type: 'openai', model: 'gpt-4o-mini' } },
      projectLabel: 'tagliots.config.ts',
    });
    expect([...set.profiles.keys()]).toEqual(['mini', 'local', 'gpt4o', 'gpt5', 'phi3', 'llama']);
    expect(set.profiles.get('local')!.source).toBe(join(root, 'tagliots.models.yaml'));
    expect(set.profiles.get('gpt4o')).toMatchObject({ type: 'azure-openai', deployment: 'gpt-4o', apiVersion: '2024-10-21', description: 'GPT-4o' });
    expect(set.profiles.get('gpt5')).toMatchObject({ maxCompletionTokens: true, omitParams: ['temperature', 'top_p'] });
    // Azure AI Inference: the OpenAI-compatible API on the endpoint, the key from .credentials.json as GoTaglio had it.
    expect(set.profiles.get('phi3')).toMatchObject({ type: 'openai-compatible', baseURL: 'https://phi3.eastus2.models.ai.azure.com', model: 'phi3', description: 'Phi-3' });
    expect(set.profiles.get('llama')).toMatchObject({ type: 'openai-compatible', baseURL: 'https://r.services.ai.azure.com/models', model: 'Llama-3.3-70B-Instruct' });
    expect(set.keyStatus('phi3')).toEqual({ state: 'present', source: join(root, '.credentials.json') });
    expect(set.keyOf('phi3')).toBe('phi3-key-0123456789');
    expect(set.skipped).toEqual([{ name: 'gemini', source: join(root, 'models.json'), reason: "type 'GOOGLE' is not supported (supported: AZURE_OPEN_AI, AZURE_OPEN_AI_5, AZURE_AI, or a tagliots type: openai, azure-openai, openai-compatible)" }]);
    expect(set.keyStatus('mini')).toEqual({ state: 'present', source: 'env OPENAI_API_KEY' });
    expect(set.keyOf('mini')).toBe('env-key-0123456789');
    expect(set.keyStatus('gpt4o')).toEqual({ state: 'present', source: join(root, '.credentials.json') });
    expect(set.keyOf('gpt4o')).toBe('credential-key-0123456789');
    expect(set.keyStatus('gpt5')).toEqual({ state: 'present', source: join(root, 'models.json') });
    expect(set.keyStatus('local')).toEqual({ state: 'not needed', source: 'no key configured' });
    expect(JSON.stringify([...set.profiles.values()])).not.toContain(SECRET);
  });

  it("takes GoTaglio's placeholder key (\"From .credentials.json\") for what it is: no key, saying where the key belongs", async () => {
    const models = JSON.stringify([
      { name: 'gpt4o', type: 'AZURE_OPEN_AI', endpoint: 'https://r.openai.azure.com/', deployment: 'gpt-4o', api: '2024-10-21', key: 'From .credentials.json' },
      { name: 'phi3', type: 'AZURE_AI', endpoint: 'https://phi3.eastus2.models.ai.azure.com', key: '<KEY>' },
    ]);
    const set = await loadModelProfiles({ cwd: await folder({ 'models.json': models }), env: {} });
    expect(set.keyStatus('gpt4o')).toEqual({ state: 'missing', source: "models.json holds the placeholder 'From .credentials.json', not a key: put the key in .credentials.json under 'gpt4o'" });
    expect(set.keyOf('gpt4o')).toBeUndefined();
    expect(set.keyStatus('phi3')).toMatchObject({ state: 'missing' });
    // A key from the environment or the credentials file still counts; a placeholder there does not.
    expect((await loadModelProfiles({ cwd: await folder({ 'models.json': models }), env: { AZURE_OPENAI_API_KEY: 'env-key-0123456789' } })).keyStatus('gpt4o')).toEqual({ state: 'present', source: 'env AZURE_OPENAI_API_KEY' });
    const withCredentials = await loadModelProfiles({ cwd: await folder({ 'models.json': models, '.credentials.json': JSON.stringify({ gpt4o: 'real-key-0123456789', phi3: 'your key here' }) }), env: {} });
    expect(withCredentials.keyStatus('gpt4o')).toEqual({ state: 'present', source: '.credentials.json' });
    expect(withCredentials.keyStatus('phi3')).toMatchObject({ state: 'missing' });
  });

  it('reports a missing key by where it should come from', async () => {
    const set = await loadModelProfiles({
      cwd: await folder({}),
      env: {},
      projectModels: { a: { type: 'openai', model: 'x' }, b: { type: 'azure-openai', endpoint: 'https://r/', deployment: 'd', apiVersion: 'v', apiKeyEnv: 'AZ_KEY' }, c: { type: 'openai', model: 'x', credentials: 'team' } },
    });
    expect(set.keyStatus('a')).toEqual({ state: 'missing', source: 'env OPENAI_API_KEY' });
    expect(set.keyStatus('b')).toEqual({ state: 'missing', source: 'env AZ_KEY' });
    expect(set.keyStatus('c')).toEqual({ state: 'missing', source: '.credentials.json (team)' });
  });

  it('rejects a name defined twice, naming both places', async () => {
    const cwd = await folder({ 'tagliots.models.json': JSON.stringify({ models: { mini: { type: 'openai', model: 'y' } } }) });
    const error = await caughtAsync(loadModelProfiles({ cwd, env: {}, projectModels: { mini: { type: 'openai', model: 'x' } }, projectLabel: 'tagliots.config.ts' }));
    expect(error.message).toBe("Model 'mini' is defined twice: in tagliots.config.ts and in tagliots.models.json.");
  });

  it('points at the line of a syntax error, and never quotes a credentials file', async () => {
    const broken = await folder({ 'tagliots.models.json': '{\n  "models": {,}\n}' });
    expect((await caughtAsync(loadModelProfiles({ cwd: broken, env: {} }))).message).toBe("Cannot parse tagliots.models.json:2:14: unexpected ',': expected a property name in double quotes.");
    const secret = await folder({ '.credentials.json': `{ "gpt": "${SECRET}" ` });
    const error = await caughtAsync(loadModelProfiles({ cwd: secret, env: {} }));
    expect(error.message).toMatch(/^Cannot parse \.credentials\.json:1:\d+: not valid JSON\.$/);
    expect(error.message).not.toContain(SECRET);
  });

  it("ignores a models.json that is not GoTaglio's list, saying so", async () => {
    const cwd = await folder({ 'models.json': JSON.stringify({ resnet: { layers: 50 } }) });
    const set = await loadModelProfiles({ cwd, env: {} });
    expect(set.profiles.size).toBe(0);
    expect(set.skipped).toEqual([{ name: '(file)', source: 'models.json', reason: 'not a GoTaglio models file (a list of { name, type, ... }); ignored' }]);
  });

  it('wants models: at the top of tagliots.models.yaml', async () => {
    const cwd = await folder({ 'tagliots.models.yaml': 'mini:\n  type: openai\n' });
    expect((await caughtAsync(loadModelProfiles({ cwd, env: {} }))).message).toBe('tagliots.models.yaml: expected an object with one key, models (model names to settings).');
  });
});
