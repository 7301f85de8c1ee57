/**
 * The installed extension has no node_modules: its .vsix ships esbuild's native binary for its
 * platform at dist/bin/esbuild (see scripts/package.mjs). esbuild's JS API (bundled into the engine)
 * finds it through ESBUILD_BINARY_PATH. From a source checkout or an npm install, the esbuild package
 * resolves its binary itself and this does nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function useBundledEsbuild(): void {
  // Only the CommonJS bundle has __dirname; run from source there is nothing to find.
  if (process.env.ESBUILD_BINARY_PATH || typeof __dirname !== 'string') return;
  const beside = path.join(__dirname, 'bin', process.platform === 'win32' ? 'esbuild.exe' : 'esbuild');
  if (existsSync(beside)) process.env.ESBUILD_BINARY_PATH = beside;
}
