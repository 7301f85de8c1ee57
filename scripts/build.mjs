// One build for the three programs: the extension (VS Code's extension host), the engine (plain Node:
// the CLI and the child the extension forks) and the webview (a browser page). They share src/shared/.
//   node scripts/build.mjs               development build (source maps)
//   node scripts/build.mjs --watch       rebuild on change
//   node scripts/build.mjs --production  minified, no source maps (what the .vsix ships)
//   node scripts/build.mjs --tests       also bundles the VS Code integration suite into out/test/
//   node scripts/build.mjs --bench       also builds dist/engine-undici8.js (the engine on undici 8, for npm run bench)
//   node scripts/build.mjs --outdir=DIR  writes the bundles to DIR instead of dist/ (the notices test)
// Every build but --watch also writes dist/THIRD-PARTY-NOTICES.txt: the licenses of the packages bundled.
// Besides the three programs: dist/scenario-locator.js (the scenario-file reader on TypeScript's parser,
// loaded by the extension and the engine on first use), dist/api.js (the scenario API for `require('loadlens')` outside the engine),
// dist/typescript-plugin.js (gives the editor the API's types with nothing installed) and, but for
// --watch, dist/loadlens.d.ts (the API's declarations rolled up from src/engine/api/index.ts) and
// out/tsserver-plugin-probe/ (the plugin's package folder for development hosts and tests).
import * as esbuild from 'esbuild';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeScenarioApiDeclarations } from './declarations.mjs';
import { thirdPartyNotices } from './third-party-notices.mjs';
import { PLUGIN_NAME, pluginPackage } from './tsserver-plugin.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const outdirArg = [...args].find(a => a.startsWith('--outdir='));
const dist = outdirArg ? path.resolve(outdirArg.slice('--outdir='.length)) : path.join(root, 'dist');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'linked',
  absWorkingDir: root,
  metafile: true,
};

/**
 * The scenario locator (src/shared/scenario-locator.ts) carries TypeScript's parser, 3.5 MB minified.
 * Bundled into the extension and the engine, V8 would read it at every start even if never run (+130 ms
 * of CPU and +20 MB per engine process, measured); so it is a bundle of its own, dist/scenario-locator.js,
 * that the two load with `await import(...)` on first use: the first CodeLens, a problem to place, a threshold.
 */
const locatorApart = {
  name: 'scenario-locator-apart',
  setup(build) {
    // Every import of the locator becomes a module that requires the bundle beside this one at run time
    // (a CommonJS require in both bundles: the extension host's dynamic import() is not relied on).
    build.onResolve({ filter: /[\\/]scenario-locator\.ts$/ }, () => ({ path: 'scenario-locator', namespace: 'locator-apart' }));
    build.onLoad({ filter: /.*/, namespace: 'locator-apart' }, () => ({ contents: "module.exports = require('./scenario-locator.js');", loader: 'js' }));
    build.onResolve({ filter: /^\.\/scenario-locator\.js$/ }, () => ({ path: './scenario-locator.js', external: true }));
  },
};

/** @type {esbuild.BuildOptions[]} */
const bundles = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [locatorApart],
  },
  {
    ...common,
    entryPoints: { engine: 'src/engine/main.ts' },
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // esbuild's JS API is bundled too; it drives esbuild's native binary, which it finds through
    // ESBUILD_BINARY_PATH (set by src/engine/esbuild-binary.ts: beside the bundle in the .vsix, else in node_modules).
    logOverride: { 'require-resolve-not-external': 'silent' },
    define: { __LOADLENS_VERSION__: JSON.stringify(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version) },
    plugins: [locatorApart],
  },
  {
    // Loaded by the extension and the engine on first use (see locatorApart); the extension host's Node is the older.
    ...common,
    entryPoints: { 'scenario-locator': 'src/shared/scenario-locator.ts' },
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // The embedded OTLP receiver's worker thread (src/receiver/worker.ts), started by the extension;
    // it runs in the extension host's Node, hence the same target.
    ...common,
    entryPoints: { 'receiver-worker': 'src/receiver/worker.ts' },
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    // What `npm install -D loadlens` users get from require('loadlens') outside the engine (the engine's
    // loader answers 'loadlens' with its own instance of the same module).
    entryPoints: { api: 'src/engine/api/index.ts' },
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
  },
  {
    ...common,
    entryPoints: { 'typescript-plugin': 'src/typescript-plugin/plugin.ts' },
    outdir: dist,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    // tsserver calls the module itself: the default export becomes module.exports.
    footer: { js: 'module.exports = module.exports.default;' },
  },
  {
    ...common,
    // webview/index.ts picks the page: the results panel (main.ts) or the trace view (trace-view.ts).
    entryPoints: { webview: 'webview/index.ts' },
    outdir: dist,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  },
];

if (args.has('--bench')) {
  // The same engine on undici 8, so `npm run bench` can compare the two majors inside the engine itself.
  const engine = bundles.find(options => options.entryPoints.engine);
  bundles.push({ ...engine, entryPoints: { 'engine-undici8': 'src/engine/main.ts' }, alias: { undici: 'undici8' } });
}

if (args.has('--tests')) {
  const suiteDir = 'test/vscode/suite';
  const entries = (await readdir(path.join(root, suiteDir))).filter(f => f.endsWith('.ts')).map(f => `${suiteDir}/${f}`);
  bundles.push({
    ...common,
    sourcemap: true,
    minify: false,
    entryPoints: entries,
    outdir: 'out/test/vscode/suite',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
}

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

if (watch) {
  for (const options of bundles) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  console.log('[watch] building; Ctrl+C to stop');
} else {
  const started = Date.now();
  const [results] = await Promise.all([Promise.all(bundles.map(options => esbuild.build(options))), writeDeclarations(), writePluginProbe()]);
  const shipped = results.flatMap((result, i) => (bundles[i].outdir === dist ? [{ bundle: bundleNames(bundles[i]), metafile: result.metafile }] : []));
  await writeFile(path.join(dist, 'THIRD-PARTY-NOTICES.txt'), thirdPartyNotices(root, shipped));
  console.log(`built ${bundles.length} bundles and loadlens.d.ts${production ? ' (production)' : ''} in ${Date.now() - started} ms`);
}

async function writeDeclarations() {
  await new Promise(resolve => setImmediate(resolve)); // let esbuild start first: this part is synchronous
  writeScenarioApiDeclarations(path.join(dist, 'loadlens.d.ts'));
}

/**
 * tsserver finds a plugin only as `<folder>/node_modules/<name>`. The .vsix carries that folder (see
 * scripts/package.mjs); a development host (the extension run from this checkout, whose node_modules is
 * the project's own) is pointed at out/tsserver-plugin-probe by `typescript.tsserver.pluginPaths`.
 */
async function writePluginProbe() {
  const dir = path.join(root, 'out/tsserver-plugin-probe/node_modules', PLUGIN_NAME);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(pluginPackage(path.join(dist, 'typescript-plugin.js')))) writeFileSync(path.join(dir, name), text);
}

/** 'dist/engine.js' for a bundle's entry points: where the notices say a package ships. */
function bundleNames(options) {
  return Object.keys(options.entryPoints).map(name => `dist/${name}.js`).join(', ');
}
