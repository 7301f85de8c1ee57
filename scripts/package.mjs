// `npm run package`: builds loadlens-<version>.vsix for this machine's platform (or `-- --target T`).
// The engine loads scenarios with esbuild, whose JS API drives a native binary: the .vsix carries that
// binary (dist/bin/esbuild, about 10 MB) and is therefore platform-specific (vsce --target).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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

const out = path.join(root, targetIndex > 0 ? `loadlens-${target}-${version}.vsix` : `loadlens-${version}.vsix`);
execFileSync(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--target', target, '--out', out], { cwd: root, stdio: 'inherit' });
if (!existsSync(out)) throw new Error(`vsce did not write ${out}`);
console.log(`${path.basename(out)}: ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB`);
