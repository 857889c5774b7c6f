// Bundles the CLI and the library with esbuild. Dependencies are bundled in: one file to read
// instead of hundreds (CLI start-up time matters; the openai SDK loads in about 11 ms as one chunk
// against 60 ms as its 300 modules, and with undici, on a loaded machine, 190 ms against 470 ms
// from node_modules). Those imported lazily (nunjucks, openai, undici) get chunks of their own,
// read on first use. Native and WebAssembly ones (esbuild, tiktoken, chokidar) stay external,
// and so does zod: pipelines hand their zod schemas to ours, so both must be the same copy.
//
// The chunk layout: every `import()` target is an entry point, and each distinct set of entry
// points that reaches a module becomes a chunk file of its own, which a command then reads, links
// and compiles. So the command handlers load the engine through one module,
// src/commands/shared/engine.ts: `tagliots --help` reads cli.js and a few small chunks, and a
// command adds the engine's chunk and the library chunk it shares with index.js (a project config
// imports `tagliots`), about a dozen files in all. Lazy on their own: the HTML report page
// (its script and CSS as text, for `report` and `view` only), add-ids's suite editor (it
// imports yaml), and the dependencies above.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSER_SUFFIX, bundleForBrowser } from './browser-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// `import text from './file.css?raw'` imports a file's text, as Vite (vitest) does: the report page's
// CSS (src/report/html/client/style.css) is bundled as a string.
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text', watchFiles: [args.path] }));
  },
};
// `import code from './client/main.ts?browser'`: the report page's script bundled for the browser,
// as text (see browser-bundle.mjs; vitest.config.ts does the same for the tests).
const browserBundle = {
  name: 'browser-bundle',
  setup(b) {
    b.onResolve({ filter: /\?browser$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -BROWSER_SUFFIX.length)), namespace: 'browser-bundle' }));
    b.onLoad({ filter: /.*/, namespace: 'browser-bundle' }, async (args) => {
      const { code, inputs } = await bundleForBrowser(args.path);
      return { contents: code, loader: 'text', watchFiles: inputs };
    });
  },
};
// `--types-only`: the type declarations alone (`npm pack` runs it before `prepare` builds the
// JavaScript). They take a full type-check, so the everyday build (`prepare`, `pretest`) skips them.
if (process.argv.includes('--types-only')) {
  await emitTypes();
  process.exit(0);
}

// dist/types is left alone: the JavaScript build runs after the declarations when packing.
for (const entry of existsSync(`${root}/dist`) ? readdirSync(`${root}/dist`, { withFileTypes: true }) : []) {
  if (entry.name !== 'types') rmSync(`${root}/dist/${entry.name}`, { recursive: true, force: true });
}
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli/bin.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Maps without a sourceMappingURL comment: Node would parse them on every run once source maps
  // are on (they are, for users' pipelines); they stay next to the chunks for debugging.
  sourcemap: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['esbuild', 'tiktoken', 'zod', 'chokidar', 'fsevents'],
  // jsonc-parser's main file is a UMD wrapper whose require() calls esbuild cannot follow: bundle
  // its ES module build instead.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  banner: {
    // Bundled CommonJS dependencies (nunjucks, cli-table3) call require().
    js: "import { createRequire as __tagliotsCreateRequire } from 'node:module'; const require = __tagliotsCreateRequire(import.meta.url);",
  },
  plugins: [rawText, browserBundle],
  logLevel: 'warning',
});

/**
 * Emits the `.d.ts` files the package's `types` condition points at (dist/types/, from
 * tsconfig.build.json): consumers type-check against declarations, never against our sources
 * and their compiler options.
 */
async function emitTypes() {
  rmSync(`${root}/dist/types`, { recursive: true, force: true });
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit code ${result.status ?? result.signal})`);
  // Our sources import each other as `./x.ts`; declarations name the `.js` files they describe, as
  // any consumer's compiler options expect.
  for (const name of readdirSync(`${root}/dist/types`, { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.d.ts')) continue;
    const file = `${root}/dist/types/${name}`;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(/((?:from |import\()\s*['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1.js$2');
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}
