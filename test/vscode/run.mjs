// Runs the mocha suite under test/vscode/suite inside a real VS Code extension host.
//   default                          code-server (bundled VS Code) driven by headless Chromium, offline
//   LOADLENS_TEST_HOST=electron      desktop VS Code through @vscode/test-electron (downloads VS Code,
//                                    or uses LOADLENS_VSCODE_EXECUTABLE)
// Ends with "vscode: N passed, N failed, N skipped" and a non-zero exit on any failure, crash or timeout of the host.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { launchBrowser, startCodeServer } from './host.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const extensionDevelopmentPath = root;
const extensionTestsPath = path.join(root, 'out/test/vscode/suite/index.js');
const workspace = path.join(root, 'test/vscode/workspace');
const timeoutMs = Number(process.env.LOADLENS_TEST_TIMEOUT_MS || 300_000);
const resultsDir = path.join(root, 'test-results');

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--tests'], { stdio: 'inherit' });
mkdirSync(resultsDir, { recursive: true });
const resultFile = path.join(resultsDir, 'vscode-suite.json');
rmSync(resultFile, { force: true });

let code;
if (process.env.LOADLENS_TEST_HOST === 'electron') {
  const { runTests } = await import('@vscode/test-electron');
  code = await runTests({
    extensionDevelopmentPath, extensionTestsPath,
    vscodeExecutablePath: process.env.LOADLENS_VSCODE_EXECUTABLE || undefined,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { LOADLENS_TEST_RESULT_FILE: resultFile, ...(process.env.LOADLENS_TEST_GREP ? { LOADLENS_TEST_GREP: process.env.LOADLENS_TEST_GREP } : {}) },
  }).then(() => 0, () => 1);
} else {
  code = await runInCodeServer();
}

// The suite writes its own tally from inside the host; a crash or timeout leaves none.
let passed = 0, failed = 0, skipped = 0;
if (existsSync(resultFile)) ({ passed, failed, skipped = 0 } = JSON.parse(readFileSync(resultFile, 'utf8')));
if (code !== 0 && failed === 0) failed = 1;
console.log(`vscode: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code === 0 && failed === 0 ? 0 : 1);

async function runInCodeServer() {
  const started = Date.now();
  const server = await startCodeServer({ extraEnv: { LOADLENS_TEST_RESULT_FILE: resultFile, ...(process.env.LOADLENS_TEST_GREP ? { LOADLENS_TEST_GREP: process.env.LOADLENS_TEST_GREP } : {}) } });
  console.log(`[vscode-host] code-server on ${server.url} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const browser = await launchBrowser();
  let result;
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    if (process.env.VERBOSE) page.on('console', m => console.log('[browser]', m.type(), m.text()));
    let finish;
    const exited = new Promise(resolve => (finish = resolve));
    // The smoke-test driver hands the extension host's mocha output and exit code to these.
    // The workbench logs its own offline noise (gallery, GitHub auth, chat) through the same channel:
    // print mocha's output (marked by suite/index.ts) and keep everything in the log file.
    const hostLog = path.join(resultsDir, 'vscode-host.log');
    writeFileSync(hostLog, '');
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const line = util.format(...(args || []));
      appendFileSync(hostLog, line + '\n');
      if (line.startsWith('mocha› ')) console.log(line.slice('mocha› '.length));
    });
    await page.exposeFunction('codeAutomationExit', exitCode => finish(exitCode));
    const authority = new URL(server.url).host;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${authority}${extensionDevelopmentPath}`],
      ['extensionTestsPath', `vscode-remote://${authority}${extensionTestsPath}`],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    let timer;
    result = await Promise.race([exited, new Promise(resolve => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    await page.screenshot({ path: path.join(resultsDir, 'vscode-suite.png') }).catch(() => {});
    if (result === 'timeout') console.log(`[vscode-host] the extension host did not finish within ${timeoutMs / 1000} s; log: ${server.logFile}`);
    console.log(`[vscode-host] extension host exit code ${result} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result === 0 ? 0 : 1;
  } finally {
    await browser.close().catch(() => {});
    await server.stop({ keepState: result !== 0 });
  }
}
