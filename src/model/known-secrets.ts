/**
 * The secrets in play where tagliots runs: what its scrubber (src/util/scrub.ts) removes from
 * everything written or printed. Found without loading the profile schema, so that every command
 * can afford it: the environment's secret-named variables, every key of the nearest credentials
 * file, the keys of GoTaglio's models file, and the variables model files name in `apiKeyEnv`. A
 * run then adds the key each of its models actually uses (`profileSecrets`).
 *
 * Files are read leniently: one that cannot be read or parsed gives no secrets here (loading the
 * profiles reports it properly when a command needs them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { secretsInEnv } from '../config/secrets.ts';
import { isPlainObject } from '../util/json.ts';
import type { KnownSecret } from '../util/scrub.ts';
import { loadYaml } from '../util/yaml.ts';
import { CREDENTIALS_FILES, findUpward, GOTAGLIO_MODEL_FILES, isPlaceholderKey, nonEmpty, TAGLIOTS_MODEL_FILES } from './model-files.ts';
import type { ProfileSet } from './profiles.ts';

/** Where secrets are looked for: the working folder (files are searched upward from it) and the environment. */
export interface SecretsPlace {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Every secret `place` makes available, each named for its marker: `OPENAI_API_KEY`, `credentials:gpt-4o`. */
export async function knownSecrets(place: SecretsPlace): Promise<KnownSecret[]> {
  const secrets = secretsInEnv(place.env);

  const credentials = await readLeniently(findUpward(place.cwd, CREDENTIALS_FILES, nonEmpty));
  if (isPlainObject(credentials)) {
    for (const [entry, key] of Object.entries(credentials)) if (typeof key === 'string' && !isPlaceholderKey(key)) secrets.push({ name: `credentials:${entry}`, value: key });
  }

  const goTaglioFile = findUpward(place.cwd, GOTAGLIO_MODEL_FILES, nonEmpty);
  const goTaglio = await readLeniently(goTaglioFile);
  if (Array.isArray(goTaglio)) {
    for (const entry of goTaglio) {
      if (isPlainObject(entry) && typeof entry['key'] === 'string' && !isPlaceholderKey(entry['key'])) secrets.push({ name: `${basename(goTaglioFile!)}:${String(entry['name'])}`, value: entry['key'] });
    }
  }

  // A key in a variable whose name does not look secret (`apiKeyEnv: LLM_GATEWAY`).
  const models = await readLeniently(findUpward(place.cwd, TAGLIOTS_MODEL_FILES));
  if (isPlainObject(models) && isPlainObject(models['models'])) {
    for (const profile of Object.values(models['models'])) {
      const variable = isPlainObject(profile) ? profile['apiKeyEnv'] : undefined;
      const value = typeof variable === 'string' ? place.env[variable] : undefined;
      if (value !== undefined) secrets.push({ name: variable as string, value });
    }
  }
  return secrets;
}

/**
 * The key each profile of `set` uses, named by where it comes from: covers what `knownSecrets`
 * cannot see without the profile schema (the project config's `apiKeyEnv` settings).
 */
export function profileSecrets(set: ProfileSet): KnownSecret[] {
  const secrets: KnownSecret[] = [];
  for (const name of set.profiles.keys()) {
    const value = set.keyOf(name);
    if (value === undefined) continue;
    const source = set.keyStatus(name).source;
    secrets.push({ name: source.startsWith('env ') ? source.slice(4) : `model:${name}`, value });
  }
  return secrets;
}

/** A JSON or YAML file's data, or undefined when there is no file or it cannot be read or parsed. */
async function readLeniently(path: string | null): Promise<unknown> {
  if (path === null) return undefined;
  try {
    // Synchronously: a few small files, read by every command before it starts, and fs/promises
    // would be one more module to load at start-up.
    let text = readFileSync(path, 'utf8');
    if (text.startsWith('\uFEFF')) text = text.slice(1);
    if (path.endsWith('.json')) return JSON.parse(text) as unknown;
    return (await loadYaml()).parse(text) as unknown;
  } catch {
    return undefined;
  }
}
