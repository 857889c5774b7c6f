import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ProjectError } from '../errors.ts';
import { enableSourceMaps, pid } from '../host.ts';

/**
 * Imports a project module. JavaScript is imported as is. TypeScript (Node 20 cannot run it) is
 * bundled with esbuild into one ES module, the way Vite loads vite.config.ts; the bundle is cached
 * under node_modules/.cache/tagliots and reused until one of its source files changes, so only the
 * first command after an edit pays for esbuild.
 */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  // Stack traces from project code then point at the user's .ts lines. Enabled here rather than at
  // start-up: Node would otherwise also parse the source maps of every tagliots chunk.
  enableSourceMaps();
  const target = /\.m?js$/.test(path) ? path : await bundleCached(path);
  return (await import(pathToFileURL(target).href)) as Record<string, unknown>;
}

interface Manifest {
  readonly library: string | null;
  readonly inputs: readonly [path: string, mtimeMs: number, size: number][];
}

/** Part of the cache key: bump it when the build options change, so older bundles are not reused. */
const CACHE_FORMAT = 3;

async function bundleCached(entry: string): Promise<string> {
  const library = findLibraryEntry();
  const cacheDir = cacheFolder(entry);
  const key = createHash('sha256').update(`${entry}\0${library ?? ''}\0${CACHE_FORMAT}`).digest('hex').slice(0, 16);
  const output = join(cacheDir, `${key}.mjs`);
  const manifestPath = join(cacheDir, `${key}.json`);
  if (isFresh(manifestPath, output, library)) return output;

  const { build } = await import('esbuild');
  const root = dirname(entry);
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      // Not written (write: false), but source map paths are relative to it: without it they
      // resolve inside the cache folder, and stack traces name files that do not exist.
      outfile: output,
      metafile: true,
      packages: 'external',
      sourcemap: 'inline',
      logLevel: 'silent',
      define: {
        'import.meta.url': '__tagliots_import_meta_url',
        'import.meta.dirname': '__tagliots_import_meta_dirname',
        'import.meta.filename': '__tagliots_import_meta_filename',
      },
      plugins: [
        {
          name: 'tagliots',
          setup(pluginBuild) {
            // Pipelines import the library by name; point that at the copy running now, so
            // there is exactly one instance of it in the process.
            pluginBuild.onResolve({ filter: /^tagliots$/ }, () =>
              library ? { path: pathToFileURL(library).href, external: true } : { path: 'tagliots', external: true },
            );
            // Give each bundled file its own import.meta.url, so paths relative to a pipeline work.
            pluginBuild.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
              if (args.path.includes('/node_modules/')) return undefined;
              const source = readFileSync(args.path, 'utf8');
              const preamble =
                `const __tagliots_import_meta_url = ${JSON.stringify(pathToFileURL(args.path).href)}, ` +
                `__tagliots_import_meta_dirname = ${JSON.stringify(dirname(args.path))}, ` +
                `__tagliots_import_meta_filename = ${JSON.stringify(args.path)};`;
              // Same line as the first source line, so line numbers in stack traces stay right.
              return { contents: source.startsWith('#!') ? source : preamble + source, loader: loaderFor(args.path) };
            });
          },
        },
      ],
    });
  } catch (error) {
    throw buildError(error, entry);
  }
  const text = result.outputFiles[0]?.text ?? '';
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => resolve(root, input))
    .filter((input) => existsSync(input))
    .map((input): [string, number, number] => {
      const stat = statSync(input);
      return [input, stat.mtimeMs, stat.size];
    });
  mkdirSync(cacheDir, { recursive: true });
  // Write then rename: another tagliots process may be reading the cache at the same time.
  const temp = `${output}.${pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, output);
  const manifest: Manifest = { library, inputs };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return output;
}

/**
 * node_modules/.cache/tagliots beside the entry, by its real path: Node imports the bundle by its
 * real path and resolves the source map's relative paths from there, so with a node_modules that
 * links to another project's, the map must be written relative to the real folder, or stack traces
 * name that other project's files.
 */
function cacheFolder(entry: string): string {
  const dir = join(dirname(entry), 'node_modules', '.cache', 'tagliots');
  try {
    mkdirSync(dir, { recursive: true });
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

function isFresh(manifestPath: string, output: string, library: string | null): boolean {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (manifest.library !== library || !existsSync(output)) return false;
    return manifest.inputs.every(([path, mtimeMs, size]) => {
      const stat = statSync(path, { throwIfNoEntry: false });
      return stat !== undefined && stat.mtimeMs === mtimeMs && stat.size === size;
    });
  } catch {
    return false;
  }
}

function loaderFor(path: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const ext = extname(path);
  if (ext === '.tsx') return 'tsx';
  if (ext === '.jsx') return 'jsx';
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return 'ts';
  return 'js';
}

let libraryEntry: string | null | undefined;

/** dist/index.js of the tagliots package this code belongs to. */
function findLibraryEntry(): string | null {
  if (libraryEntry !== undefined) return libraryEntry;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (pkg.name === 'tagliots') {
          const entry = join(dir, 'dist', 'index.js');
          return (libraryEntry = existsSync(entry) ? entry : null);
        }
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return (libraryEntry = null);
    dir = parent;
  }
}

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}

function buildError(error: unknown, entry: string): ProjectError {
  const messages = ((error as { errors?: EsbuildMessage[] }).errors ?? []).slice(0, 5);
  const lines = messages.map((m) =>
    m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}\n    ${m.location.lineText}` : m.text,
  );
  return new ProjectError('E_PROJECT_BUILD', `Cannot load ${entry}:\n  ${lines.join('\n  ') || String(error)}`, {
    cause: error,
    hint: 'Fix the syntax or import error above; tagliots compiles TypeScript without type checking (run tsc for that).',
  });
}
