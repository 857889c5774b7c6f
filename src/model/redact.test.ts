import { describe, expect, it } from 'vitest';
import { displayUrl, redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it('removes every occurrence of the secrets given', () => {
    expect(redactSecrets('key abcdefgh12345678 and again abcdefgh12345678', ['abcdefgh12345678'])).toBe('key [redacted] and again [redacted]');
  });
  it('removes keys providers echo back, even when not given', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abc1****************xyz9. You can find…')).toBe('Incorrect API key provided: [redacted]. You can find…');
    expect(redactSecrets('header was Bearer abc.def.ghi')).toBe('header was Bearer [redacted]');
    expect(redactSecrets('api_key="hunter2hunter2"')).toBe('api_key="[redacted]"');
    expect(redactSecrets('got sk-1234567890abcdef in the body')).toBe('got [redacted] in the body');
  });
  it('leaves ordinary text alone', () => {
    const text = 'HTTP 500: the server had an error processing your request; max_tokens is 800';
    expect(redactSecrets(text, ['short'])).toBe(text);
  });
});

describe('displayUrl', () => {
  it('drops credentials, query and fragment', () => {
    expect(displayUrl('https://user:pass@example.com/v1/?api-key=x#y')).toBe('https://example.com/v1');
    expect(displayUrl(undefined)).toBe('(default)');
    expect(displayUrl('not a url')).toBe('(invalid URL)');
  });
});
