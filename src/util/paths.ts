import { relative } from 'node:path';

/** `path` relative to `cwd` when it is inside it, else as is: how paths are shown to people. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
