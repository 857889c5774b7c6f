// `import code from './client/main.ts?browser'` imports a TypeScript module bundled for the report
// page, as text: the module and everything it imports, as one script that runs in the page (an
// IIFE: it leaves no globals). The build (scripts/build.mjs) and the tests (vitest.config.ts) both
// bundle with this function, so the page a test opens runs the same code as the page the CLI writes.
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The import suffix that asks for a browser bundle. */
export const BROWSER_SUFFIX = '?browser';

/**
 * Bundles `entry` (an absolute path) for the browser.
 * @param {string} entry
 * @returns {Promise<{ code: string, inputs: string[] }>} the script, and the absolute paths of the files it was built from
 */
export async function bundleForBrowser(entry) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs).map((input) => resolve(root, input)) };
}
