// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's CommonJS globals, for the few plain .js config files (jest.config.js). */
const nodeCommonJsGlobals = {
  module: 'writable',
  exports: 'writable',
  require: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
  process: 'readonly',
  console: 'readonly',
};

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'src/migrations/'],
  },
  eslint.configs.recommended,
  // The non-type-checked set: no TypeScript program is built per lint run, so linting stays fast.
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // A leading underscore marks a deliberately unused name: an argument, a destructured
      // field dropped from a rest object, a caught error.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeCommonJsGlobals },
  },
);
