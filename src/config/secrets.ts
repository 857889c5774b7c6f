import type { ConfigDelta } from '../log/schema.ts';
import { isPlainObject } from '../util/json.ts';
import { isSecretValue, type KnownSecret } from '../util/scrub.ts';

const SECRET_WORDS = new Set(['key', 'apikey', 'secret', 'password', 'passwd', 'credential', 'credentials', 'authorization', 'bearer']);

/**
 * Whether a config path names a secret: its last segment has a word such as `key`, `secret`,
 * `password` or `token` (`api_key`, `openai.apiKey`, `auth_token`), but not `max_tokens` or
 * `keywords`.
 */
export function isSecretPath(path: string): boolean {
  const last = path.slice(path.lastIndexOf('.') + 1);
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((word) => SECRET_WORDS.has(word))) return true;
  return words.at(-1) === 'token';
}

export const REDACTED = '***';

/** A copy of `config` with the values of secret-looking paths replaced, for logs and terminals. */
export function redactConfig<T>(config: T, prefix = ''): T {
  if (!isPlainObject(config)) return config;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    copy[key] = isSecretPath(path) && value !== null && value !== '' ? REDACTED : redactConfig(value, path);
  }
  return copy as T;
}

export function redactDeltas(deltas: readonly ConfigDelta[]): ConfigDelta[] {
  return deltas.map((delta) => (isSecretPath(delta.path) ? { ...delta, from: delta.from === null ? null : REDACTED, to: REDACTED } : delta));
}

/** The command line with the values of `secret.path=value` arguments replaced. */
export function redactArgs(argv: readonly string[]): string[] {
  return argv.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) return arg;
    const key = arg.slice(0, arg[eq - 1] === ':' ? eq - 1 : eq);
    return isSecretPath(key) ? `${arg.slice(0, eq)}=${REDACTED}` : arg;
  });
}

/**
 * The secrets of an environment: the value of every variable whose name looks secret
 * (`OPENAI_API_KEY`, `GITHUB_TOKEN`, `DB_PASSWORD`, by `isSecretPath`), and the password of any
 * value that is a URL with credentials (`postgres://user:password@host`).
 */
export function secretsInEnv(env: Readonly<Record<string, string | undefined>>): KnownSecret[] {
  const secrets: KnownSecret[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isSecretPath(name)) {
      if (isSecretValue(value)) secrets.push({ name, value });
    } else if (value.includes('@') && value.includes('://')) {
      const password = urlPassword(value);
      if (isSecretValue(password)) secrets.push({ name: `${name} password`, value: password });
    }
  }
  return secrets;
}

function urlPassword(value: string): string | undefined {
  try {
    const password = new URL(value).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** The values at secret-looking paths of a resolved config (`search.apiKey`), named `config:<path>`. */
export function secretsInConfig(config: unknown, prefix = ''): KnownSecret[] {
  if (!isPlainObject(config)) return [];
  const secrets: KnownSecret[] = [];
  for (const [key, value] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isSecretPath(path) && isSecretValue(value)) secrets.push({ name: `config:${path}`, value });
    else secrets.push(...secretsInConfig(value, path));
  }
  return secrets;
}
