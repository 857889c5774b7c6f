/** `tagliots init`: the files of a new project, an existing package extended, nothing replaced without --force. */
import { readFile, symlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { tempDirs, writeFiles } from '../helpers/fixtures.ts';
import { runInProcess } from '../helpers/in-process.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const temp = tempDirs();
afterAll(() => temp.cleanup());

const FILES = ['package.json', '.gitignore', 'tsconfig.json', 'tagliots.config.ts', 'pipelines/example.ts', 'suites/example.json', '.github/workflows/eval.yml'];

describe.concurrent('tagliots init', () => {
  it('writes a project whose example suite passes with the mock model', async ({ expect }) => {
    const dir = await temp.make();
    const result = await runInProcess(['init', 'evals'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Initialised a tagliots project in evals:');
    for (const file of FILES) expect(result.stdout).toContain(`created   ${file}`);
    expect(result.stdout).toContain('Next: cd evals && npm install && npm run eval');

    const project = join(dir, 'evals');
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'evals', private: true, type: 'module' });
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['eval', 'eval:ci']));
    expect(Object.keys(pkg.devDependencies)).toEqual(['@types/node', 'tagliots', 'typescript', 'zod']);
    const ignored = (await readFile(join(project, '.gitignore'), 'utf8')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['runs/', '.tagliots-cache/', '*.report.html', 'node_modules/']));
    const workflow = await readFile(join(project, '.github/workflows/eval.yml'), 'utf8');
    expect(workflow).toContain('tagliots gate latest --baseline baseline/example.jsonl');

    // The project's `tagliots` import resolves to this repository's build, as an installed package would.
    await mkdir(join(project, 'node_modules'));
    await symlink(REPO_ROOT, join(project, 'node_modules', 'tagliots'), 'dir');
    const run = await runInProcess(['run', 'suites/example.json'], { cwd: project });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/3 passed|passed\s+3|3\/3/);
  });

  it('extends an existing package and .gitignore, and replaces nothing without --force', async ({ expect }) => {
    const dir = await temp.make();
    await writeFiles(dir, {
      'package.json': `${JSON.stringify({ name: 'mine', type: 'module', scripts: { test: 'vitest' }, dependencies: { zod: '^4.1.0' } }, null, 2)}\n`,
      '.gitignore': 'dist\nruns\n',
      'tsconfig.json': '{}\n',
    });

    const refused = await runInProcess(['init'], { cwd: dir });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('tsconfig.json');
    expect(refused.stderr).toContain('Nothing was written');
    expect(refused.stderr).toContain('--force');
    expect(await readFile(join(dir, 'tsconfig.json'), 'utf8')).toBe('{}\n');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('dist\nruns\n');

    const forced = await runInProcess(['init', '--force'], { cwd: dir });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('updated   package.json');
    expect(forced.stdout).toContain('replaced  tsconfig.json');
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('mine');
    expect(pkg.scripts.test).toBe('vitest');
    expect(pkg.scripts.eval).toBe('tagliots run suites/example.json');
    // zod is already a dependency: not added again as a dev dependency.
    expect(Object.keys(pkg.devDependencies)).toEqual(['@types/node', 'tagliots', 'typescript']);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('dist\nruns\n# tagliots\nnode_modules/\n.tagliots-cache/\n*.report.html\n.credentials.json\n');

    const again = await runInProcess(['init'], { cwd: dir });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/created|replaced|updated/);
  });
});
