// ESLint (flat config): the recommended JavaScript and typescript-eslint rules; Prettier owns layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.dev/',
      '.wrangler/',
      'containers/**/node_modules/',
      'migrations/',
      'web/dist/',
      'web/src/api/schema.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name` is kept on purpose: a destructured field dropped, an argument an interface requires.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // A function past a screenful is several ideas: split it into named ones. Tests are exempt (a
    // table of cases or a scenario reads best in one piece).
    files: ['workers/**', 'durable-objects/**', 'containers/**', 'scripts/**', 'web/src/**'],
    rules: { 'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Route files are read side by side with the API reference: no line wider than Prettier's. Prettier
    // cannot break a string, so long messages and descriptions are joined from parts or named.
    files: ['workers/**/*routes.ts', 'workers/**/*-endpoints.ts'],
    rules: {
      'max-len': [
        'error',
        {
          code: 120,
          ignoreUrls: true,
          ignoreStrings: false,
          ignoreTemplateLiterals: false,
          ignoreRegExpLiterals: true,
        },
      ],
    },
  },
  {
    // Node scripts written as plain ES modules.
    files: ['**/*.mjs'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } },
  },
  {
    // vitest-pool-workers types its `env` by a reference and an interface that extends the bindings.
    files: ['test/unit/env.d.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': 'off', '@typescript-eslint/no-empty-object-type': 'off' },
  },
);
