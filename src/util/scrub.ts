/**
 * Scrubbing secrets by value. A `SecretScrubber` holds every secret string tagliots knows of (API
 * keys from the environment, credentials files and model files, secret config values) and replaces
 * each one, wherever it appears, with a marker naming where it came from:
 * `[redacted:OPENAI_API_KEY]`. Everything tagliots writes or prints passes through one: the run log,
 * the response cache, exports, reports and the terminal. A server that echoes the request headers
 * in its reply therefore cannot put a key on disk.
 */

import { isPlainObject } from './json.ts';

/** A secret value and the name its marker shows (an environment variable, `credentials:gpt-4o`). */
export interface KnownSecret {
  readonly name: string;
  readonly value: string;
}

/**
 * Values shorter than this are not treated as secrets: scrubbing `1` or `true` would mangle
 * ordinary text, and no real key is that short.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * Values a secret-named setting holds when it is not really set: scrubbing `undefined` from every
 * output because of `FOO_API_KEY=undefined` would only mangle text.
 */
const PLACEHOLDERS = /^(undefined|null|none|false|true|\*+)$/i;

/** Whether `value` can be a secret: a string of at least `MIN_SECRET_LENGTH` characters that is no placeholder. */
export function isSecretValue(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  return trimmed.length >= MIN_SECRET_LENGTH && !PLACEHOLDERS.test(trimmed);
}

/**
 * The forms a value takes on its way to disk: as it is, escaped inside a JSON string (once, or
 * twice when JSON text is itself kept as a string), and URL-encoded; and all of these without the
 * whitespace around it (a key read from a file with its line break is sent without it).
 */
function encodings(value: string): string[] {
  const forms = new Set<string>();
  for (const text of new Set([value, value.trim()])) {
    const json = JSON.stringify(text).slice(1, -1);
    for (const form of [text, json, JSON.stringify(json).slice(1, -1), encodeURIComponent(text)]) forms.add(form);
  }
  return [...forms];
}

/** The marker of a secret: its name reduced to characters that are inert in JSON, CSV, HTML and Markdown. */
export function secretMarker(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.:@/-]+/g, '_').slice(0, 80);
  return `[redacted:${safe || 'secret'}]`;
}

/**
 * The secrets in play and the one way to remove them from text and JSON. It only grows: a run adds
 * the keys of the models it loads to the scrubber the terminal already writes through.
 */
export class SecretScrubber {
  private readonly byValue = new Map<string, string>();
  /** Every encoding of every secret, and the marker that replaces it. */
  private readonly markers = new Map<string, string>();
  /**
   * One pattern of every encoding, longest first, so a secret containing another is replaced whole:
   * a regular expression of literal alternatives finds any of them in one pass, several times
   * faster than searching for each in turn. Null while no secret is known.
   */
  private search: RegExp | null = null;
  private replaceAll: RegExp | null = null;

  constructor(secrets: Iterable<KnownSecret> = []) {
    this.add(secrets);
  }

  /** Adds secrets; values that are too short, or already known, are skipped. Returns this scrubber. */
  add(secrets: Iterable<KnownSecret>): this {
    let added = false;
    for (const { name, value } of secrets) {
      if (!isSecretValue(value) || this.byValue.has(value)) continue;
      this.byValue.set(value, name);
      const marker = secretMarker(name);
      for (const text of encodings(value)) if (!this.markers.has(text)) this.markers.set(text, marker);
      added = true;
    }
    if (added) {
      const source = [...this.markers.keys()]
        .sort((a, b) => b.length - a.length)
        .map((text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
        .join('|');
      this.search = new RegExp(source);
      this.replaceAll = new RegExp(source, 'g');
    }
    return this;
  }

  /** How many secret values are known. */
  get size(): number {
    return this.byValue.size;
  }

  /** The names of the known secrets, sorted (for messages and tests; never the values). */
  names(): string[] {
    return [...new Set(this.byValue.values())].sort();
  }

  /** Whether `text` holds any known secret, in any of its encodings. */
  has(text: string): boolean {
    return this.search !== null && this.search.test(text);
  }

  /** `text` with every known secret replaced by its marker. */
  text(text: string): string {
    if (this.replaceAll === null || !this.has(text)) return text;
    return text.replace(this.replaceAll, (found) => this.markers.get(found)!);
  }

  /**
   * `JSON.stringify(value)` with every known secret scrubbed. The strings are scrubbed before they
   * are serialized, so the result is always valid JSON; clean values (nearly all) cost one search.
   */
  json(value: unknown): string {
    const text = JSON.stringify(value) ?? 'null';
    if (!this.has(text)) return text;
    const scrubbed = JSON.stringify(this.walk(JSON.parse(text) as unknown));
    // A secret spanning JSON syntax (it would have to contain `":`) is still never written.
    return this.has(scrubbed) ? this.text(scrubbed) : scrubbed;
  }

  /** A JSON value with every string (and object key) scrubbed; parts holding no secret are shared with `value`. */
  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const scrubbed = this.walk(item);
        if (scrubbed !== item) (copy ??= [...value])[i] = scrubbed;
      });
      return copy ?? value;
    }
    if (!isPlainObject(value)) return value;
    let changed = false;
    const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
      const scrubbedKey = this.text(key);
      const scrubbed = this.walk(item);
      if (scrubbedKey !== key || scrubbed !== item) changed = true;
      return [scrubbedKey, scrubbed];
    });
    // fromEntries defines properties (a `__proto__` key stays a key); assignment would not.
    return changed ? Object.fromEntries(entries) : value;
  }
}
