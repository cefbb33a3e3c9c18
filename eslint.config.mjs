// ESLint (flat config): the recommended JavaScript and typescript-eslint rules; Prettier owns layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.dev/', '.wrangler/', 'containers/**/node_modules/', 'migrations/', 'web/'] },
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
