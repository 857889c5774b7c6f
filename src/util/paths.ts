import { relative } from 'node:path';

/** `path` relative to `cwd` when it is inside it, else as is: how paths are shown to people. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}

/**
 * A temporary name beside `path` for process `pid` to write before renaming it into place:
 * `<path>.<pid>.<8 hex>.tmp`. Eight random hex digits keep two writers of one file apart (the pid
 * alone would not, across hosts sharing a folder). Math.random, not node:crypto: the name needs no
 * secrecy, and crypto's 15 modules would load at start-up for it.
 */
export function tempPathBeside(path: string, pid: number): string {
  const hex = Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return `${path}.${pid}.${hex}.tmp`;
}
