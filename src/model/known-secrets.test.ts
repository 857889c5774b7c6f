import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { knownSecrets, profileSecrets } from './known-secrets.ts';
import { loadModelProfiles } from './profiles.ts';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A project folder with `files`, and a folder inside it to work from (files are found upward). */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tagliots-secrets-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  await mkdir(join(dir, 'sub'));
  return join(dir, 'sub');
}

describe('knownSecrets', () => {
  it("finds the environment's keys, every key of the credentials file, GoTaglio's inline keys and apiKeyEnv variables of any name", async () => {
    const cwd = await project({
      '.credentials.yaml': 'gpt-4o: sk-from-credentials-1\nunused-model: sk-unused-but-secret\n',
      'models.json': JSON.stringify([{ name: 'go-model', type: 'AZURE_OPEN_AI', endpoint: 'https://x.openai.azure.com/', deployment: 'd', api: '2024-10-21', key: 'azure-inline-key-1' }]),
      'tagliots.models.yaml': 'models:\n  gateway:\n    type: openai-compatible\n    model: m\n    baseURL: http://localhost:1/v1\n    apiKeyEnv: LLM_GATEWAY\n',
    });
    const secrets = await knownSecrets({ cwd, env: { OPENAI_API_KEY: 'sk-env-openai-1', LLM_GATEWAY: 'gateway-secret-1', HOME: '/home/me' } });
    expect(secrets).toEqual([
      { name: 'OPENAI_API_KEY', value: 'sk-env-openai-1' },
      { name: 'credentials:gpt-4o', value: 'sk-from-credentials-1' },
      { name: 'credentials:unused-model', value: 'sk-unused-but-secret' },
      { name: 'models.json:go-model', value: 'azure-inline-key-1' },
      { name: 'LLM_GATEWAY', value: 'gateway-secret-1' },
    ]);
  });

  it("leaves out placeholder text (GoTaglio's \"From .credentials.json\", <KEY>): it is no secret, and scrubbing it would garble output that quotes it", async () => {
    const cwd = await project({
      '.credentials.json': JSON.stringify({ a: '<KEY>', b: 'sk-real-key-1' }),
      'models.json': JSON.stringify([{ name: 'go-model', type: 'AZURE_OPEN_AI', endpoint: 'https://x.openai.azure.com/', deployment: 'd', api: '2024-10-21', key: 'From .credentials.json' }]),
    });
    expect(await knownSecrets({ cwd, env: {} })).toEqual([{ name: 'credentials:b', value: 'sk-real-key-1' }]);
  });

  it('passes over files it cannot parse: the command that needs them reports them', async () => {
    const cwd = await project({ '.credentials.json': '{"a": "sk-never-closed', 'models.json': '{ not json' });
    expect(await knownSecrets({ cwd, env: {} })).toEqual([]);
  });
});

describe('profileSecrets', () => {
  it('names the key each profile uses by where it comes from', async () => {
    const cwd = await project({ '.credentials.json': JSON.stringify({ filed: 'sk-filed-key-123' }) });
    const set = await loadModelProfiles({
      cwd,
      env: { ODD_NAME: 'odd-named-key-1' },
      projectModels: {
        odd: { type: 'openai-compatible', model: 'm', baseURL: 'http://localhost:1/v1', apiKeyEnv: 'ODD_NAME' },
        filed: { type: 'openai', model: 'gpt-4o-mini' },
        keyless: { type: 'openai-compatible', model: 'm', baseURL: 'http://localhost:1/v1' },
      },
    });
    expect(profileSecrets(set)).toEqual([
      { name: 'ODD_NAME', value: 'odd-named-key-1' },
      { name: 'model:filed', value: 'sk-filed-key-123' },
    ]);
  });
});
