import { mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importModule } from './import-module.ts';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/** The sources of the inline source map of a cached bundle, resolved from where Node imports it: its real path. */
async function mappedSources(cacheDir: string, entry: string): Promise<string[]> {
  const real = await realpath(cacheDir);
  for (const name of await readdir(real)) {
    if (!name.endsWith('.json')) continue;
    const manifest = JSON.parse(await readFile(join(real, name), 'utf8')) as { inputs: [string, number, number][] };
    if (!manifest.inputs.some(([path]) => path === entry)) continue;
    const bundle = join(real, name.replace(/\.json$/, '.mjs'));
    const text = await readFile(bundle, 'utf8');
    const data = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(text)![1]!;
    const map = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { sources: string[] };
    return map.sources.map((source) => new URL(source, pathToFileURL(bundle)).href);
  }
  throw new Error(`no cached bundle of ${entry}`);
}

describe('importModule: TypeScript bundles', () => {
  it('writes source maps that name the project’s own files when its node_modules links to another folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-import-'));
    made.push(dir);
    const project = join(dir, 'project');
    const shared = join(dir, 'shared', 'node_modules');
    await mkdir(project);
    await mkdir(shared, { recursive: true });
    await symlink(shared, join(project, 'node_modules'), 'dir');
    const entry = join(project, 'module.ts');
    await writeFile(entry, 'export const answer: number = 42;\n');

    const module = await importModule(entry);
    expect(module['answer']).toBe(42);
    expect(await mappedSources(join(project, 'node_modules', '.cache', 'tagliots'), await realpath(entry))).toEqual([pathToFileURL(await realpath(entry)).href]);
  });
});
