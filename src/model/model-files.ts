/**
 * The files model settings and keys are read from, and how they are found: the nearest one upward
 * from the working folder. Kept apart from the profile schema (and zod) so that finding the keys
 * to scrub from a command's output costs no start-up time.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const TAGLIOTS_MODEL_FILES = ['tagliots.models.yaml', 'tagliots.models.yml', 'tagliots.models.json'] as const;
export const GOTAGLIO_MODEL_FILES = ['models.json', 'models.yaml', 'models.yml'] as const;
export const CREDENTIALS_FILES = ['.credentials.json', '.credentials.yaml', '.credentials.yml'] as const;

/** The nearest of `names` in `cwd` or a parent folder, trying the names in order in each folder. */
export function findUpward(cwd: string, names: readonly string[], accept: (path: string) => boolean = () => true): string | null {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (existsSync(candidate) && statSync(candidate).isFile() && accept(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Whether a "key" is text standing in for one: GoTaglio's models.json template holds
 * `"key": "From .credentials.json"`, and templates write `<KEY>`. API keys have no spaces and no
 * angle brackets, so such text is never taken for a key (nor scrubbed from output as one).
 */
export function isPlaceholderKey(key: string): boolean {
  const text = key.trim();
  return text === '' || /\s/.test(text) || /^<.*>$/.test(text);
}

/** Accepts a file that is not empty (an empty models.json or .credentials.json is passed over). */
export const nonEmpty = (path: string): boolean => statSync(path).size > 0;
