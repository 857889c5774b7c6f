import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BROWSER_SUFFIX, bundleForBrowser } from './scripts/browser-bundle.mjs';

/** The id of a `?browser` import once resolved: a virtual module whose default export is the bundle's text. */
const BROWSER_ID = '\0browser-bundle:';

const RAW_SUFFIX = '?raw';
const RAW_ID = '\0raw-text:';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

/** The test files under `folders`, relative to the repository. */
function testFiles(...folders: string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.test.ts') && !name.split('/').includes('node_modules'))
      .map((name) => `${folder}/${name}`),
  );
}

const UNIT_TESTS = testFiles('src', 'samples');
/**
 * The packed package installed into a fresh project from the npm registry, type-checked and run:
 * about 70 s on its own, so `npm test` leaves it to `npm run test:package` (CI runs both).
 */
const PACKAGE_TEST = 'test/process/package.test.ts';
/** The command tests: the CLI run in process (test/helpers/in-process.ts), and spawned. */
const CLI_TESTS = testFiles('test/e2e', 'test/process').filter((file) => file !== PACKAGE_TEST);
/**
 * Tests that replace a module, a global or the clock get modules of their own: in modules shared
 * with other files, the replacement would miss the modules already loaded and reach the files run
 * after it. The other unit and command tests share their modules, within a worker, across files:
 * loading them once per worker instead of once per file is half of what those files would cost.
 */
const REPLACING_TESTS = [...UNIT_TESTS, ...CLI_TESTS].filter((file) =>
  /\bvi\.(?:mock|doMock|stubGlobal|stubEnv|useFakeTimers|spyOn)\(/.test(readFileSync(join(ROOT, file), 'utf8')),
);
const sharing = (files: string[]) => files.filter((file) => !REPLACING_TESTS.includes(file));

export default defineConfig({
  resolve: {
    // Pipelines import 'tagliots'; in tests that must be the source, not a stale build.
    alias: { tagliots: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  plugins: [
    {
      // `import text from './style.css?raw'`: the file's text, as scripts/build.mjs bundles it. Vite's
      // own `?raw` gives CSS files as empty strings under vitest (CSS is not processed in tests), and
      // the report page a test writes would then have no styles.
      name: 'raw-text',
      enforce: 'pre',
      resolveId(source, importer) {
        if (!source.endsWith(RAW_SUFFIX) || importer === undefined) return null;
        // Ends in .js: an id ending in .css would be emptied by vitest's CSS handling all the same.
        return `${RAW_ID}${resolve(dirname(importer.replace(/\?.*$/, '')), source.slice(0, -RAW_SUFFIX.length))}.js`;
      },
      load(id) {
        if (!id.startsWith(RAW_ID)) return null;
        const path = id.slice(RAW_ID.length, -'.js'.length);
        this.addWatchFile(path);
        return `export default ${JSON.stringify(readFileSync(path, 'utf8'))};`;
      },
    },
    {
      // `import code from './client/main.ts?browser'`: the report page's script bundled, as text,
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
    environment: 'node',
    // Transformed modules are kept in node_modules/.experimental-vitest-cache, keyed by their content
    // (for the `?raw` and `?browser` modules above, by what their plugin loads): a second run does
    // not transform the sources again (10 of the suite's 17 s of transforms).
    experimental: { fsModuleCache: true },
    // Worker threads start faster than processes. Two at a time even on two cores: much of a
    // command test is spent waiting (on a child process, a sleeping stage, a socket).
    pool: 'threads',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'unit', include: sharing(UNIT_TESTS), isolate: false } },
      // An invocation of the CLI keeps no state in its modules: its Io is its own.
      { extends: true, test: { name: 'cli', include: sharing(CLI_TESTS), isolate: false } },
      { extends: true, test: { name: 'own modules', include: REPLACING_TESTS } },
      // The report in Debian's Chromium: one Chromium for all the files, a context per file.
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], isolate: false, globalSetup: ['test/browser/global-setup.ts'] } },
      { extends: true, test: { name: 'package', include: [PACKAGE_TEST] } },
    ],
  },
});
