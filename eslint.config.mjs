// @ts-check
import tseslint from 'typescript-eslint';

const vscodeOnlyInExtension = { name: 'vscode', message: 'The engine, the shared code and the webview run without an editor: keep vscode out (only src/extension/ may import it).' };
// Statistics have one entry point (src/engine/stats/index.ts): merging across workers and shards relies
// on every part of a Stats being encoded and merged together, so nothing outside reaches past it.
const statsEntryOnly = { regex: String.raw`/stats/(?!index\.ts$)[^/]+$`, message: 'Import statistics from src/engine/stats/index.ts, their one entry point.' };
const restricted = (/** @type {boolean} */ noVscode) => ({
  'no-restricted-imports': ['error', { paths: noVscode ? [vscodeOnlyInExtension] : [], patterns: [statsEntryOnly] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '**/*.js', '**/*.mjs', '.vscode-test/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'eqeqeq': ['error', 'smart'],
    },
  },
  { files: ['src/extension/**', 'test/**', 'bench/**'], rules: restricted(false) },
  { files: ['src/engine/**', 'src/shared/**', 'src/receiver/**', 'src/typescript-plugin/**', 'webview/**'], ignores: ['src/engine/stats/**'], rules: restricted(true) },
  { files: ['src/engine/stats/**'], rules: { 'no-restricted-imports': ['error', { paths: [vscodeOnlyInExtension] }] } },
);
