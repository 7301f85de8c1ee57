/**
 * esbuild's JS API is bundled into dist/engine.js, and a bundled copy refuses to guess where esbuild's
 * native binary is: it needs ESBUILD_BINARY_PATH. The installed extension has no node_modules, so its
 * .vsix ships the binary for its platform at dist/bin/esbuild (see scripts/package.mjs); a checkout or
 * an npm install has it in node_modules/@esbuild/<platform>. Run from source (not bundled), the esbuild
 * package finds its binary itself and this does nothing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export function useBundledEsbuild(): void {
  // Only the CommonJS bundle has __dirname.
  if (process.env.ESBUILD_BINARY_PATH || typeof __dirname !== 'string') return;
  const executable = process.platform === 'win32' ? 'esbuild.exe' : 'bin/esbuild';
  const beside = path.join(__dirname, 'bin', path.basename(executable));
  if (existsSync(beside)) {
    process.env.ESBUILD_BINARY_PATH = beside;
    return;
  }
  try {
    const require = createRequire(__filename);
    process.env.ESBUILD_BINARY_PATH = require.resolve(`@esbuild/${process.platform}-${process.arch}/${executable}`);
  } catch {
    // Not installed: the loader reports esbuild's own error when it first compiles a scenario.
  }
}
