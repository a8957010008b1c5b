// Lint rules, including the one-way flow of imports: webhooks → jobs → src (see docs/ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noUpstream = (what, patterns) => ({
  files: what,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message: 'Imports flow one way: webhooks/web → jobs → src. Move the shared piece down instead.' })) }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.services/**', '.tools/**', 'coverage/**', 'dist/**', '**/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', performance: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', Response: 'readonly', Request: 'readonly', Headers: 'readonly', FormData: 'readonly', Blob: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  noUpstream(['src/**/*.ts'], ['**/jobs/**', '**/webhooks/**', '**/web/**', '**/scripts/**', '**/tools/**', '**/test/**']),
  noUpstream(['jobs/**/*.ts'], ['**/webhooks/**', '**/web/**', '**/scripts/**', '**/test/**']),
  noUpstream(['webhooks/**/*.ts'], ['**/web/**', '**/scripts/**', '**/test/**']),
  {
    // Functions stay short: a long one becomes named steps (the dashboard's pages: named components).
    // Not for tests (a test reads top to bottom) or the simulator's schema (a declaration).
    files: ['**/*.{ts,tsx,js}'],
    ignores: ['test/**', 'tools/shopify-simulator/schema.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    // The engine is pure: no I/O, no clock, nothing from the rest of the app.
    files: ['src/segments/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../*', '!../segments/*'], message: 'src/segments is pure: import nothing from the rest of the app.' }],
        paths: ['node:fs', 'fs', 'node:net', 'node:http', 'node:child_process', 'mongoose', 'bullmq', 'ioredis', 'express'].map((name) => ({ name, message: 'src/segments does no I/O.' })),
      }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Pass now/asOf in; the engine reads no clock.' }],
    },
  },
);
