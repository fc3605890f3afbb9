// ESLint (flat config): typescript-eslint's recommended rules for every TypeScript file, plus
// eslint-plugin-lit and eslint-plugin-wc for the element and its stories. Formatting is Prettier's
// job (.prettierrc.json), so no stylistic rules here. `npm run lint` runs both; `npm test` runs it.
import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/', 'storybook-static/', 'node_modules/', 'coverage/', 'test/consumer/apps/**/node_modules/', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // Deliberate: unused arguments named _x, and catch bindings kept for readability.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // An empty catch is how "best effort" reads here (closing what may already be closed).
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests: chai's property assertions (`expect(x).to.be.true`) are expressions by design, and
    // JSON answers from the relay are read loosely.
    files: ['test/**/*.ts', 'test/**/*.js'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    files: ['src/components/**/*.ts', 'stories/**/*.ts', 'src/video-call.ts', 'src/react.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/components/**/*.ts', 'src/video-call.ts'],
    ...wc.configs['flat/recommended'],
  },
);
