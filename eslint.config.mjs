// Type-aware lint for the promise and exhaustiveness mistakes the compiler lets through: a promise nobody awaits
// loses its rejection, and a switch that misses a variant silently does nothing.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', '.build/', 'coverage/', 'data/', 'test-output/', '**/*.js', '**/*.mjs']),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // tsconfig.json covers everything but the SuperOffice entry point, which only its own config checks.
        project: ['./tsconfig.json', './tsconfig.superoffice.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `default: return assertNever(x)` is the house's exhaustiveness guard, so a default counts as exhaustive.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Awaiting what is not a promise, or returning a promise unawaited from a try whose catch should see it.
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
    },
  },
);
