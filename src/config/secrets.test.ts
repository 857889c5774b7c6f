import { describe, expect, it } from 'vitest';
import { isSecretPath, redactArgs, redactConfig, redactDeltas, secretsInConfig, secretsInEnv } from './secrets.ts';

describe('isSecretPath', () => {
  it.each(['api_key', 'openai.apiKey', 'auth.password', 'x.auth_token', 'token', 'client-secret', 'model.credentials'])('treats %s as a secret', (path) => {
    expect(isSecretPath(path)).toBe(true);
  });
  it.each(['infer.model.settings.max_tokens', 'keywords', 'prepare.template', 'token_limit', 'monkey', 'tokens'])('does not treat %s as a secret', (path) => {
    expect(isSecretPath(path)).toBe(false);
  });
});

describe('redaction', () => {
  it('replaces secret values in configs, deltas and arguments, and nothing else', () => {
    expect(redactConfig({ a: { api_key: 'sk-1', max_tokens: 5 }, b: 'x' })).toEqual({ a: { api_key: '***', max_tokens: 5 }, b: 'x' });
    expect(redactDeltas([{ path: 'a.api_key', from: null, to: 'sk-1', prompt: true }, { path: 'b', from: 1, to: 2 }])).toEqual([
      { path: 'a.api_key', from: null, to: '***', prompt: true },
      { path: 'b', from: 1, to: 2 },
    ]);
    expect(redactArgs(['run', 's.json', 'a.api_key=sk-1', 'a.token:="t"', 'infer.model.settings.max_tokens=9'])).toEqual([
      'run',
      's.json',
      'a.api_key=***',
      'a.token:=***',
      'infer.model.settings.max_tokens=9',
    ]);
  });
});

describe('the secrets in play', () => {
  it('takes the values of secret-named variables and the passwords of URLs from the environment, and nothing else', () => {
    const env = {
      OPENAI_API_KEY: 'sk-openai-123456',
      GITHUB_TOKEN: 'ghp_abcdefghijkl',
      npm_config__authToken: 'npm_abcdefghijkl',
      DATABASE_URL: 'postgres://me:s3cret%2Fpassword@db:5432/x',
      PLAIN_URL: 'https://example.com/path@x',
      PWD: '/home/me/project',
      PATH: '/usr/bin:/bin',
      FLAG_TOKEN: '1',
      UNSET_KEY: 'undefined',
      MISSING_KEY: undefined,
    };
    expect(secretsInEnv(env)).toEqual([
      { name: 'OPENAI_API_KEY', value: 'sk-openai-123456' },
      { name: 'GITHUB_TOKEN', value: 'ghp_abcdefghijkl' },
      { name: 'npm_config__authToken', value: 'npm_abcdefghijkl' },
      { name: 'DATABASE_URL password', value: 's3cret/password' },
    ]);
  });

  it('takes the values at secret paths of a config', () => {
    expect(secretsInConfig({ search: { apiKey: 'search-key-1234', max_tokens: 800 }, auth_token: 'short', model: 'gpt-4o-mini-2024' })).toEqual([
      { name: 'config:search.apiKey', value: 'search-key-1234' },
    ]);
  });
});
