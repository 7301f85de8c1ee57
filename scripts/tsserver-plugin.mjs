// The TypeScript server plugin's package folder, as tsserver wants it: `node_modules/<name>` inside a
// probe location (the extension's folder). Written by scripts/build.mjs (for development hosts) and
// scripts/package.mjs (into the .vsix).

/** The name in package.json's contributes.typescriptServerPlugins. */
export const PLUGIN_NAME = 'loadlens-typescript-plugin';

/** The files of the plugin's package folder: a package.json and an index.js that requires `bundle` (a path as require() takes it). */
export function pluginPackage(bundle) {
  return {
    'package.json': `${JSON.stringify({ name: PLUGIN_NAME, version: '0.0.0', private: true, main: 'index.js' }, null, 2)}\n`,
    'index.js': `// The Loadlens TypeScript server plugin is bundled in the extension's dist/ folder.\nmodule.exports = require(${JSON.stringify(bundle)});\n`,
  };
}
