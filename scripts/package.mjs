// `npm run package`: builds loadlens-<version>.vsix for this machine's platform (or `-- --target T`).
// The engine loads scenarios with esbuild, whose JS API drives a native binary: the .vsix carries that
// binary (dist/bin/esbuild, about 10 MB) and is therefore platform-specific (vsce --target).
// It also carries the TypeScript server plugin as node_modules/loadlens-typescript-plugin, the only place
// tsserver looks for it. vsce never packs a top-level node_modules without --dependencies, and with it
// packs what `npm list --production` names; so vsce runs in a staging folder (out/vsix/) whose
// package.json depends on that one folder and nothing else (everything else is bundled in dist/).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PLUGIN_NAME, pluginPackage } from './tsserver-plugin.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const targetIndex = process.argv.indexOf('--target');
const target = targetIndex > 0 ? process.argv[targetIndex + 1] : `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const [platform, arch] = target.split('-');
const binaryPackage = `@esbuild/${platform}-${arch}`;

let binary;
try {
  const require = createRequire(path.join(root, 'node_modules/esbuild/package.json'));
  const dir = path.dirname(require.resolve(`${binaryPackage}/package.json`));
  binary = path.join(dir, platform === 'win32' ? 'esbuild.exe' : 'bin/esbuild');
} catch {
  console.error(`package: ${binaryPackage} is not installed; for another platform run: npm install --no-save --force ${binaryPackage}@$(node -p "require('esbuild/package.json').version")`);
  process.exit(1);
}
const bundled = path.join(root, 'dist/bin', platform === 'win32' ? 'esbuild.exe' : 'esbuild');
mkdirSync(path.dirname(bundled), { recursive: true });
copyFileSync(binary, bundled);
chmodSync(bundled, 0o755);

const stage = path.join(root, 'out/vsix');
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
for (const entry of ['README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore', 'dist', 'snippets', 'media']) {
  if (existsSync(path.join(root, entry))) cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
}
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// The npm package's own fields: vsce packs by .vscodeignore and refuses a manifest with `files` too.
delete manifest.devDependencies;
delete manifest.files;
writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ ...manifest, dependencies: { [PLUGIN_NAME]: '0.0.0' } }, null, 2));
const pluginDir = path.join(stage, 'node_modules', PLUGIN_NAME);
mkdirSync(pluginDir, { recursive: true });
for (const [name, text] of Object.entries(pluginPackage('../../dist/typescript-plugin.js'))) writeFileSync(path.join(pluginDir, name), text);

const out = path.join(root, targetIndex > 0 ? `loadlens-${target}-${version}.vsix` : `loadlens-${version}.vsix`);
// The README (the Marketplace page) links docs/*.md and shows docs/images/*.png by relative paths; vsce
// rewrites them to absolute URLs from the repository's address (it guesses them only for GitHub/GitLab).
const repository = String(manifest.repository?.url ?? manifest.repository ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
const baseUrls = repository ? ['--baseContentUrl', `${repository}/blob/HEAD`, '--baseImagesUrl', `${repository}/raw/HEAD`] : [];
execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--target', target, '--out', out, ...baseUrls], { cwd: stage, stdio: 'inherit' });
if (!existsSync(out)) throw new Error(`vsce did not write ${out}`);
console.log(`${path.basename(out)}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB`);
