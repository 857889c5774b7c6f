import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'runs/**', 'coverage/**', '**/node_modules/**'] },
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
    // Layering: analysis and report read run logs only; they never run pipelines or call models.
    files: ['src/analysis/**', 'src/report/**'],
    ignores: ['src/report/progress.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/runner/**', '**/model/**', '**/pipeline/**', '**/project/**'], message: 'analysis and report read run logs only.' }] }],
    },
  },
  {
    files: ['src/log/**', 'src/util/**', 'src/config/**', 'src/suite/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/runner/**', '**/commands/**', '**/cli/**', '**/report/**', '**/analysis/**'], message: 'lower layers must not import higher ones.' }] }],
    },
  },
);
