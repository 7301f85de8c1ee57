// @ts-check
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const vscodeOnlyInExtension = { name: 'vscode', message: 'The engine, the shared code and the webview run without an editor: keep vscode out (only src/extension/ may import it).' };
// Statistics have one entry point (src/engine/stats/index.ts): merging across workers and shards relies
// on every part of a Stats being encoded and merged together, so nothing outside reaches past it.
const statsEntryOnly = { regex: String.raw`/stats/(?!index\.ts$)[^/]+$`, message: 'Import statistics from src/engine/stats/index.ts, their one entry point.' };
const restricted = (/** @type {boolean} */ noVscode) => ({
  'no-restricted-imports': ['error', { paths: noVscode ? [vscodeOnlyInExtension] : [], patterns: [statsEntryOnly] }],
});

/**
 * The layers, bottom up: src/shared (pure code and wire types) ← src/receiver, src/engine ←
 * src/extension; the webview's page imports src/shared only. Each zone: files under `target` may not
 * import files under `from`. The engine may start the receiver (`loadlens run --receiver`); the
 * extension may import every layer. test/unit/layers.test.ts proves a wrong-way import fails.
 */
export const LAYER_ZONES = [
  {
    target: 'src/shared',
    from: ['src/engine', 'src/extension', 'src/receiver', 'src/typescript-plugin', 'webview'],
    message: 'src/shared is the bottom layer (pure code and wire types): it imports nothing of ours outside src/shared. Move what both sides need into src/shared.',
  },
  {
    target: 'src/receiver',
    from: ['src/engine', 'src/extension', 'src/typescript-plugin', 'webview'],
    message: 'src/receiver imports src/shared only: the engine and the extension both run it.',
  },
  {
    target: 'src/engine',
    from: ['src/extension', 'src/typescript-plugin', 'webview'],
    message: 'src/engine imports src/shared and src/receiver only: the CLI runs it without an editor.',
  },
  {
    target: 'webview',
    from: ['src/engine', 'src/extension', 'src/receiver', 'src/typescript-plugin'],
    message: 'The webview is a browser page: it imports src/shared only (wire types and pure presentation).',
  },
  {
    // Within the engine: the run uses the loaded scenario, never the other way round.
    target: 'src/engine/scenario',
    from: ['src/engine/run', 'src/engine/outputs', 'src/engine/cli'],
    message: 'src/engine/scenario loads and validates: the run, the outputs and the CLI use it, so it imports none of them (no cycle between the stages).',
  },
  {
    target: 'src/typescript-plugin',
    from: ['src/engine', 'src/extension', 'src/receiver', 'webview'],
    message: "The TypeScript plugin runs inside the editor's TypeScript server: it imports src/shared only.",
  },
];

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
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] })],
      // no-cycle parses the modules an import leads to: TypeScript ones with typescript-eslint's parser.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: LAYER_ZONES }],
      // A cycle of imports (type-only ones too) means two modules are one: merge them or move what
      // both need into a third.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
);
