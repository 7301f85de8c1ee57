/**
 * TypeScript server plugin: `import ... from 'loadlens'` gets the shipped declarations
 * (dist/loadlens.d.ts, rolled up from src/engine/api/index.ts at build) in a folder with no package.json and
 * no node_modules, in .ts and .js files alike, so a scenario type-checks and has completions and the
 * API's doc comments with nothing installed.
 *
 * Why a plugin: the engine resolves 'loadlens' to its own API when it loads a scenario, so the editor
 * must do the same without writing anything into the user's folder (no generated tsconfig, no
 * node_modules/loadlens). It only fills in a resolution that failed: a `loadlens` the user installed
 * (`npm install -D loadlens`) or mapped with tsconfig `paths` wins, so their editor and their CI agree.
 * It does this for every file, not only `*.load.ts`: helpers that scenarios import use the types too,
 * and nothing but a Loadlens user imports a module named 'loadlens'.
 *
 * tsserver loads it as `node_modules/loadlens-typescript-plugin` inside the extension (see
 * scripts/package.mjs); that folder's index.js requires this bundle, dist/typescript-plugin.js.
 */
import path from 'node:path';
import type * as ts from 'typescript';

/** The module name users import. */
export const MODULE_NAME = 'loadlens';

type ResolveModuleNameLiterals = NonNullable<ts.LanguageServiceHost['resolveModuleNameLiterals']>;

/**
 * Wraps a host's module resolution: each `loadlens` import left unresolved resolves to `declarations`
 * (an absolute path to a .d.ts). Exported for the unit test, which drives it with the real compiler.
 */
export function withShippedDeclarations(resolve: ResolveModuleNameLiterals, declarations: string): ResolveModuleNameLiterals {
  const shipped: ts.ResolvedModuleWithFailedLookupLocations = {
    resolvedModule: { resolvedFileName: declarations, extension: '.d.ts', isExternalLibraryImport: true, resolvedUsingTsExtension: false },
  };
  return (literals, ...rest) => {
    const resolved = resolve(literals, ...rest);
    return resolved.map((resolution, i) => (literals[i]?.text === MODULE_NAME && !resolution.resolvedModule ? shipped : resolution));
  };
}

function init(_modules: { typescript: typeof ts }): ts.server.PluginModule {
  return {
    create(info) {
      const host = info.languageServiceHost;
      const declarations = path.join(__dirname, 'loadlens.d.ts');
      if (host.resolveModuleNameLiterals) {
        host.resolveModuleNameLiterals = withShippedDeclarations(host.resolveModuleNameLiterals.bind(host), declarations);
        info.project.projectService.logger.info(`loadlens-typescript-plugin: 'loadlens' resolves to ${declarations} where nothing else provides it`);
      } else {
        info.project.projectService.logger.info('loadlens-typescript-plugin: this TypeScript has no resolveModuleNameLiterals; not active');
      }
      return info.languageService;
    },
  };
}

// tsserver requires the plugin and calls what it exports: scripts/build.mjs makes this default export
// the bundle's `module.exports`.
export default init;
