import { describe, expect, it } from 'vitest';
import { isSecretValue, SecretScrubber, secretMarker } from './scrub.ts';

const KEY = 'sk-test+Key/With=Odd"Chars\\42';

describe('SecretScrubber', () => {
  const scrubber = new SecretScrubber([{ name: 'OPENAI_API_KEY', value: KEY }]);

  it('replaces a secret in every form it takes on its way to disk: as is, JSON-escaped (once and twice) and URL-encoded', () => {
    const json = JSON.stringify(KEY).slice(1, -1);
    const forms = [KEY, json, JSON.stringify(json).slice(1, -1), encodeURIComponent(KEY)];
    for (const form of forms) expect(scrubber.text(`before ${form} after`)).toBe('before [redacted:OPENAI_API_KEY] after');
  });

  it('gives valid JSON with the secret gone, wherever it is: values, keys, nested JSON text', () => {
    const value = { reply: `Bearer ${KEY}`, [KEY]: 1, nested: [{ text: JSON.stringify({ authorization: KEY }) }], clean: 'x' };
    const text = scrubber.json(value);
    expect(text).not.toContain('Key/With');
    expect(JSON.parse(text)).toEqual({
      reply: 'Bearer [redacted:OPENAI_API_KEY]',
      '[redacted:OPENAI_API_KEY]': 1,
      nested: [{ text: '{"authorization":"[redacted:OPENAI_API_KEY]"}' }],
      clean: 'x',
    });
  });

  it('gives clean text and JSON back as they are, and keeps a __proto__ key a key', () => {
    const clean = { a: [1, 'two', null], b: { c: true } };
    expect(scrubber.json(clean)).toBe(JSON.stringify(clean));
    expect(scrubber.text('nothing here')).toBe('nothing here');
    const tricky = JSON.parse(`{"__proto__": "${KEY.replace(/["\\]/g, '\\$&')}"}`) as unknown;
    expect(JSON.parse(scrubber.json(tricky))).toEqual(JSON.parse('{"__proto__": "[redacted:OPENAI_API_KEY]"}'));
  });

  it('replaces the longer of two overlapping secrets whole, and knows each value once, under its first name', () => {
    const two = new SecretScrubber([
      { name: 'SHORT_KEY', value: 'abcdefgh12' },
      { name: 'LONG_KEY', value: 'abcdefgh1234567890' },
      { name: 'AGAIN', value: 'abcdefgh12' },
    ]);
    expect(two.text('abcdefgh1234567890 abcdefgh12')).toBe('[redacted:LONG_KEY] [redacted:SHORT_KEY]');
    expect(two.size).toBe(2);
    expect(two.names()).toEqual(['LONG_KEY', 'SHORT_KEY']);
  });

  it('finds a key given with a line break after it, as sent without it', () => {
    const filed = new SecretScrubber([{ name: 'FILED_KEY', value: 'sk-read-from-a-file\n' }]);
    expect(filed.text('Bearer sk-read-from-a-file.')).toBe('Bearer [redacted:FILED_KEY].');
  });

  it('learns more secrets as they come into play', () => {
    const growing = new SecretScrubber();
    expect(growing.text('token-value-123')).toBe('token-value-123');
    growing.add([{ name: 'LATER_TOKEN', value: 'token-value-123' }]);
    expect(growing.text('token-value-123')).toBe('[redacted:LATER_TOKEN]');
  });

  it('treats short, empty and placeholder values as no secrets', () => {
    for (const value of ['', '1', 'short', '       ', 'undefined', 'TRUE', '********']) expect(isSecretValue(value)).toBe(false);
    expect(isSecretValue('sk-12345678')).toBe(true);
    const none = new SecretScrubber([{ name: 'FLAG_TOKEN', value: '1' }, { name: 'EMPTY_KEY', value: '' }, { name: 'X_KEY', value: 'undefined' }]);
    expect(none.size).toBe(0);
    expect(none.text('1 undefined')).toBe('1 undefined');
  });

  it('makes markers that are inert in JSON, CSV, HTML and Markdown', () => {
    expect(secretMarker('credentials:my "model" <x>|y')).toBe('[redacted:credentials:my_model_x_y]');
    expect(secretMarker('')).toBe('[redacted:secret]');
  });
});
