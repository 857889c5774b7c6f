/**
 * Keeps API keys out of everything tagliots prints or logs. Provider error messages sometimes quote
 * the key they were given ("Incorrect API key provided: sk-abc…xyz"); every message that leaves the
 * model layer goes through `redactSecrets` first.
 */

import { isSecretValue } from '../util/scrub.ts';

export const REDACTED_KEY = '[redacted]';

/**
 * `text` with every occurrence of each secret, and of key-like fragments providers echo back
 * ("Incorrect API key provided: sk-abc…xyz", "Bearer …", "sk-…"), replaced by `[redacted]`.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Short strings would redact ordinary words; real keys are long.
    if (isSecretValue(secret)) out = out.split(secret).join(REDACTED_KEY);
  }
  return out
    // The key's own trailing full stop ("…provided: sk-abc. You can…") is the sentence's, so it stays.
    .replace(/(api[ _-]?key(?: provided)?\s*[:=]\s*)("?)([^\s"',;]{4,})\2/gi, (_m, prefix: string, quote: string, key: string) => `${prefix}${quote}${REDACTED_KEY}${quote}${key.endsWith('.') ? '.' : ''}`)
    .replace(/(bearer\s+)[^\s"',;]+/gi, (_m, prefix: string) => `${prefix}${REDACTED_KEY}`)
    .replace(/\bsk-[A-Za-z0-9_*.-]{6,}/g, REDACTED_KEY);
}

/** A URL for messages: scheme, host and path, without credentials, query or fragment. */
export function displayUrl(url: string | undefined): string {
  if (!url) return '(default)';
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(invalid URL)';
  }
}
