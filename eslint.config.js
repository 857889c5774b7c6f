import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first, and what each may import: one row per row of the repository map
 * in CONTRIBUTING.md. A layer may import itself and the layers it lists; `errors.ts` and `version.ts`
 * are open to all. Tests are not a layer: they may reach into any module they test.
 */
const LAYERS = {
  util: [],
  log: ['util'],
  config: ['util', 'log'],
  suite: ['util'],
  model: ['util', 'log', 'config'],
  pipeline: ['util', 'log', 'config', 'model'],
  project: ['util', 'log', 'config', 'model', 'pipeline'],
  runner: ['util', 'log', 'config', 'suite', 'model', 'pipeline', 'project'],
  analysis: ['util', 'log', 'config', 'suite'],
  report: ['util', 'log', 'suite', 'analysis'],
  engine: ['util', 'log', 'config', 'suite', 'model', 'pipeline', 'project', 'runner', 'analysis'],
  commands: ['util', 'log', 'config', 'suite', 'model', 'pipeline', 'project', 'runner', 'analysis', 'report', 'engine'],
  cli: ['util', 'commands'],
};

/** The files that may use the `process` global: the CLI's entry and Io, and the host facts module. */
const PROCESS_FILES = ['src/cli/bin.ts', 'src/cli/process-io.ts', 'src/host.ts'];

function layerRule(layer, allowed) {
  const forbidden = Object.keys(LAYERS).filter((other) => other !== layer && !allowed.includes(other));
  return {
    files: [`src/${layer}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: forbidden.map((other) => `**/${other}/**`),
              message: `src/${layer}/ may import only ${allowed.length > 0 ? allowed.map((l) => `${l}/`).join(', ') : 'itself'} (and errors.ts): see the repository map in CONTRIBUTING.md.`,
            },
            { group: ['tagliots'], message: 'import the module itself, not the public entry point.' },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  // src/log/generated/: written by scripts/gen-schema.mjs, checked by src/log/schema.test.ts.
  { ignores: ['dist/**', 'node_modules/**', 'runs/**', 'coverage/**', '**/node_modules/**', 'src/log/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', structuredClone: 'readonly', Buffer: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-console': 'error',
    },
  },
  {
    // Only the CLI entry, scripts and tests may talk to the console directly.
    files: ['scripts/**', 'test/**', '**/*.test.ts', 'src/cli/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // One place touches the process: everything else gets cwd, env and streams through the Io or options.
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts', ...PROCESS_FILES],
    rules: { 'no-restricted-globals': ['error', { name: 'process', message: 'take cwd, env and output from the Io or the options; facts about the process come from src/host.ts.' }] },
  },
  ...Object.entries(LAYERS).map(([layer, allowed]) => layerRule(layer, allowed)),
  {
    // The report page's script, bundled for the browser (scripts/browser-bundle.mjs): within the
    // report layer's imports, the run log's types only (its zod schemas would be bundled into the
    // page), and nothing of Node's.
    files: ['src/report/html/client/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/log/**'], allowTypeImports: true, message: 'the page may import only the types of src/log/ (import type).' },
            { group: ['node:*'], message: 'the page runs in a browser.' },
          ],
        },
      ],
    },
  },
);
