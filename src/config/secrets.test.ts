import { describe, expect, it } from 'vitest';
import { isSecretPath, redactArgs, redactConfig, redactDeltas } from './secrets.ts';

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
