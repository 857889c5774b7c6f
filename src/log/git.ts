import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { processEnv } from '../host.ts';
import type { GitInfo } from './schema.ts';

const MAX_CHANGES = 200;

/**
 * The git state of `cwd` (any folder inside a work tree, not only its root): HEAD, branch, and
 * every staged, unstaged or untracked change. Null when git is missing or `cwd` is not in a repo.
 */
export function readGitInfo(cwd: string, timeoutMs = 5000): Promise<GitInfo | null> {
  const env = processEnv();
  // Outside a work tree there is nothing to ask git: no process is started for it.
  if (env['GIT_DIR'] === undefined && !insideWorkTree(cwd)) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(
      'git',
      // Paths relative to the repository root, not to `cwd` (which would log `../a.txt` and `./`).
      ['-c', 'status.relativePaths=false', 'status', '--porcelain=v2', '--branch', '--untracked-files=normal'],
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...env, GIT_OPTIONAL_LOCKS: '0' } },
      (error, stdout) => {
        if (error) return resolve(null);
        resolve(parseStatus(stdout));
      },
    );
  });
}

/** Whether `cwd` or a folder above it has a `.git` (a folder, or a file in a worktree or submodule). */
function insideWorkTree(cwd: string): boolean {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** Parses `git status --porcelain=v2 --branch` into GitInfo, with changes in porcelain v1 form. */
export function parseStatus(text: string): GitInfo {
  let sha: string | null = null;
  let branch: string | null = null;
  const changes: string[] = [];
  let changeCount = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# branch.oid ')) {
      const oid = line.slice('# branch.oid '.length);
      sha = oid === '(initial)' ? null : oid;
    } else if (line.startsWith('# branch.head ')) {
      const head = line.slice('# branch.head '.length);
      branch = head === '(detached)' ? null : head;
    } else if (!line.startsWith('#')) {
      changeCount++;
      if (changes.length < MAX_CHANGES) changes.push(toShortForm(line));
    }
  }
  return { sha, branch, dirty: changeCount > 0, changes };
}

function toShortForm(line: string): string {
  const fields = line.split(' ');
  switch (fields[0]) {
    case '1':
      return `${xy(fields[1])} ${fields.slice(8).join(' ')}`;
    case '2': {
      // `<path>\t<origPath>` in v2; v1 writes `<origPath> -> <path>`.
      const [path, from] = fields.slice(9).join(' ').split('\t');
      return `${xy(fields[1])} ${from === undefined ? path : `${from} -> ${path}`}`;
    }
    case 'u':
      return `${xy(fields[1])} ${fields.slice(10).join(' ')}`;
    case '?':
      return `?? ${line.slice(2)}`;
    default:
      return line;
  }
}

function xy(field: string | undefined): string {
  return (field ?? '..').replace(/\./g, ' ');
}
