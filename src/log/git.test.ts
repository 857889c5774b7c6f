import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStatus, readGitInfo } from './git.ts';

const SHA = '1234567890abcdef1234567890abcdef12345678';
const H = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

describe('parseStatus', () => {
  it('reads the commit and branch of a clean tree', () => {
    expect(parseStatus(`# branch.oid ${SHA}\n# branch.head main\n# branch.upstream origin/main\n# branch.ab +0 -0\n`)).toEqual({
      sha: SHA,
      branch: 'main',
      dirty: false,
      changes: [],
    });
  });

  it('has no sha in a repository without commits', () => {
    expect(parseStatus('# branch.oid (initial)\n# branch.head main\n')).toEqual({ sha: null, branch: 'main', dirty: false, changes: [] });
  });

  it('has no branch on a detached HEAD', () => {
    expect(parseStatus(`# branch.oid ${SHA}\n# branch.head (detached)\n`)).toMatchObject({ sha: SHA, branch: null });
  });

  it('turns modified, staged, added, renamed, conflicted and untracked entries into porcelain v1 lines', () => {
    const text = [
      `# branch.oid ${SHA}`,
      '# branch.head feature/x',
      `1 .M N... 100644 100644 100644 ${H} ${H} src/modified.ts`,
      `1 M. N... 100644 100644 100644 ${H} ${H} src/staged.ts`,
      `1 MM N... 100644 100644 100644 ${H} ${H} src/both.ts`,
      `1 A. N... 000000 100644 100644 ${H} ${H} src/new file.ts`,
      `1 .D N... 100644 100644 000000 ${H} ${H} src/deleted.ts`,
      `2 R. N... 100644 100644 100644 ${H} ${H} R100 src/renamed name.ts\tsrc/original name.ts`,
      `u UU N... 100644 100644 100644 100644 ${H} ${H} ${H} src/conflict.ts`,
      '? untracked.txt',
      '? dir with space/',
      '',
    ].join('\n');
    expect(parseStatus(text)).toEqual({
      sha: SHA,
      branch: 'feature/x',
      dirty: true,
      changes: [
        ' M src/modified.ts',
        'M  src/staged.ts',
        'MM src/both.ts',
        'A  src/new file.ts',
        ' D src/deleted.ts',
        'R  src/original name.ts -> src/renamed name.ts',
        'UU src/conflict.ts',
        '?? untracked.txt',
        '?? dir with space/',
      ],
    });
  });

  it('counts untracked files alone as dirty', () => {
    expect(parseStatus(`# branch.oid ${SHA}\n# branch.head main\n? notes.md\n`).dirty).toBe(true);
  });

  it('keeps the first 200 changes but stays dirty beyond them', () => {
    const lines = Array.from({ length: 250 }, (_, i) => `? file-${i}.txt`);
    const info = parseStatus(`# branch.oid ${SHA}\n# branch.head main\n${lines.join('\n')}\n`);
    expect(info.changes).toHaveLength(200);
    expect(info.changes[199]).toBe('?? file-199.txt');
    expect(info.dirty).toBe(true);
  });

  it('reads empty output as nothing known', () => {
    expect(parseStatus('')).toEqual({ sha: null, branch: null, dirty: false, changes: [] });
  });
});

const hasGit = (() => {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasGit)('readGitInfo (real git)', () => {
  it('reports HEAD, branch and staged, unstaged and untracked changes from a subfolder of the work tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-git-'));
    try {
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'pipe' })
          .toString()
          .trim();
      git('init', '-q', '-b', 'main');
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'a.txt'), 'a\n');
      await writeFile(join(dir, 'old.txt'), 'old\n');
      git('add', '.');
      git('commit', '-q', '-m', 'init');
      const sha = git('rev-parse', 'HEAD');
      await writeFile(join(dir, 'a.txt'), 'changed\n');
      git('mv', 'old.txt', 'new.txt');
      await writeFile(join(dir, 'sub', 'untracked.txt'), 'u\n');

      const info = await readGitInfo(join(dir, 'sub'));
      expect(info).toEqual({ sha, branch: 'main', dirty: true, changes: expect.arrayContaining([' M a.txt', 'R  old.txt -> new.txt', '?? sub/']) as unknown });
      expect(info!.changes).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a linked worktree, whose .git is a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-git-'));
    try {
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'pipe' }).toString().trim();
      await mkdir(join(dir, 'main'));
      git(join(dir, 'main'), 'init', '-q', '-b', 'main');
      await writeFile(join(dir, 'main', 'a.txt'), 'a\n');
      git(join(dir, 'main'), 'add', '.');
      git(join(dir, 'main'), 'commit', '-q', '-m', 'init');
      git(join(dir, 'main'), 'worktree', 'add', '-q', '-b', 'side', join(dir, 'side'));
      expect(await readGitInfo(join(dir, 'side'))).toEqual({ sha: git(join(dir, 'main'), 'rev-parse', 'HEAD'), branch: 'side', dirty: false, changes: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives null when git cannot run in the folder', async () => {
    expect(await readGitInfo(join(tmpdir(), 'tagliots-no-such-folder', 'deeper'))).toBeNull();
  });

  it('gives null outside a repository', async (context) => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-nogit-'));
    try {
      const inside = (() => {
        try {
          execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      })();
      if (inside) context.skip(); // the temp folder is inside some work tree on this machine
      expect(await readGitInfo(dir)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
