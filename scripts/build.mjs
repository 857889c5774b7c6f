// Bundles the CLI and the library with esbuild. Dependencies are bundled in: one file to read
// instead of hundreds (CLI start-up time matters; the openai SDK loads in about 11 ms as one chunk
// against 60 ms as its 300 modules). Those imported lazily (nunjucks, openai) get chunks of their
// own, read on first use. Native and WebAssembly ones (esbuild, tiktoken, chokidar) stay external,
// and so does zod: pipelines hand their zod schemas to ours, so both must be the same copy.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSER_SUFFIX, bundleForBrowser } from './browser-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

// `import text from './file.js?raw'` imports a file's text, as Vite (vitest) does: the report page's
// JavaScript and CSS (src/report/html/client/) are plain files bundled as strings.
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({ contents: await readFile(args.path, 'utf8'), loader: 'text', watchFiles: [args.path] }));
  },
};
// `import code from './formats.ts?browser'`: a module bundled for the report page, as text (see
// browser-bundle.mjs; vitest.config.ts does the same for the tests).
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
rmSync(`${root}/dist`, { recursive: true, force: true });
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
  banner: {
    // Bundled CommonJS dependencies (nunjucks, cli-table3) call require().
    js: "import { createRequire as __tagliotsCreateRequire } from 'node:module'; const require = __tagliotsCreateRequire(import.meta.url);",
  },
  plugins: [rawText, browserBundle],
  logLevel: 'warning',
});
