import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BROWSER_SUFFIX, bundleForBrowser } from './scripts/browser-bundle.mjs';

/** The id of a `?browser` import once resolved: a virtual module whose default export is the bundle's text. */
const BROWSER_ID = '\0browser-bundle:';

export default defineConfig({
  resolve: {
    // Pipelines import 'tagliots'; in tests that must be the source, not a stale build.
    alias: { tagliots: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  plugins: [
    {
      // `import code from './formats.ts?browser'`: the module bundled for the report page, as text,
      // by the same function as scripts/build.mjs, so tests see the page the CLI writes.
      name: 'browser-bundle',
      enforce: 'pre',
      resolveId(source, importer) {
        if (!source.endsWith(BROWSER_SUFFIX) || importer === undefined) return null;
        return BROWSER_ID + resolve(dirname(importer.replace(/\?.*$/, '')), source.slice(0, -BROWSER_SUFFIX.length));
      },
      async load(id) {
        if (!id.startsWith(BROWSER_ID)) return null;
        const { code, inputs } = await bundleForBrowser(id.slice(BROWSER_ID.length));
        for (const input of inputs) this.addWatchFile(input);
        return `export default ${JSON.stringify(code)};`;
      },
    },
  ],
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'samples/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
