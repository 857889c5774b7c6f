// Bundles the CLI and the library with esbuild. Dependencies that load fast are bundled in (one
// file to read instead of hundreds: CLI start-up time matters); heavy or native ones stay
// external and are imported lazily where needed.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
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
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['esbuild', 'openai', 'tiktoken', 'zod', 'chokidar', 'fsevents'],
  banner: {
    // Bundled CommonJS dependencies (nunjucks, cli-table3) call require().
    js: "import { createRequire as __tagliotsCreateRequire } from 'node:module'; const require = __tagliotsCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
