// The UI suite's shared driver: the loopback servers the scenarios target, the workspace they live in,
// the packaged .vsix installed into code-server, one Chromium page on its workbench, and the few
// gestures every feature file repeats (run a command, open a file, find a webview's page, change the
// theme, take a screenshot). Feature files (ui/*.mjs) import `ui` and these helpers; ui.mjs runs them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { poll, until } from '../../support/poll.ts';
import { freePort, launchBrowser, startCodeServer } from '../host.mjs';
import { writeScenarios } from './workspace.mjs';

export { poll, until };

export const root = path.resolve(import.meta.dirname, '../../..');
export const resultsDir = path.join(root, 'test-results');
/** The README's and docs' pictures: overwritten by every UI run, so they show the UI as it is. */
export const docsImagesDir = path.join(root, 'docs/images');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Everything the feature files share: set by start(), read as `ui.page`, `ui.target.served`, … */
export const ui = {
  /** What the loopback target received; `slowMs` is how long /api/slow takes (changed between two runs). */
  target: { served: 0, productRequests: 0, slowMs: 5, slowServed: 0, workersServed: 0 },
  /** Paths the user's "platform" page server was asked for (trace links with the `custom` preset). */
  tracePageRequests: [],
  url: '', tracePagesUrl: '', workspace: '', vsix: '', userSettings: '',
  /**
   * The embedded OTLP receiver's port (loadlens.otel.receiverPort), picked free at the start: fixed so
   * that the example shop, started later, can export its spans to it (a free one if it got taken).
   */
  receiverPort: 0,
  /** @type {any} */ server: undefined,
  /** @type {any} */ browser: undefined,
  /** @type {any} */ context: undefined,
  /** @type {any} */ page: undefined,
  /** The results panel's page when it is the only webview: a frame locator that waits as the page draws. */
  /** @type {any} */ view: undefined,
  started: 0,
};

const checks = [];
/** Records one check and prints it with what was seen. */
export function check(name, ok, detail = '') {
  checks.push(ok);
  console.log(`    ${ok ? '✔' : '✖'} ${name}${detail ? ` (${detail})` : ''}`);
}
export const tally = () => ({ passed: checks.filter(Boolean).length, failed: checks.filter(ok => !ok).length });

let target, tracePages;

/** Starts the loopback servers, writes the workspace, packages and installs the .vsix, opens the workbench. */
export async function start() {
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(docsImagesDir, { recursive: true });
  // The target: counts GET /api/items and GET /product/42; /api/broken and /api/orders always answer
  // 500 (failures with trace ids); /api/slow answers after slowMs; /api/workers counts the worker runs.
  const counts = ui.target;
  target = http.createServer((req, res) => {
    if (req.url?.startsWith('/api/workers')) counts.workersServed++;
    if (req.url?.startsWith('/api/slow')) {
      counts.slowServed++;
      req.resume();
      setTimeout(() => res.end('{"ok":true}'), counts.slowMs);
      return;
    }
    if (req.url?.startsWith('/api/items')) counts.served++;
    if (req.url === '/product/42') counts.productRequests++;
    if (req.url?.startsWith('/api/orders') || req.url?.startsWith('/api/broken')) res.statusCode = 500;
    req.resume();
    req.on('end', () => res.end('{"items":[1,2,3]}'));
  });
  await new Promise(resolve => target.listen(0, '127.0.0.1', resolve));
  ui.url = `http://127.0.0.1:${target.address().port}`;

  // The user's "platform": a page per trace, recording every path it is asked for.
  tracePages = http.createServer((req, res) => {
    ui.tracePageRequests.push(req.url);
    res.setHeader('content-type', 'text/html');
    res.end(`<!DOCTYPE html><title>trace page</title><p id="trace">${encodeURI(req.url)}</p>`);
  });
  await new Promise(resolve => tracePages.listen(0, '127.0.0.1', resolve));
  ui.tracePagesUrl = `http://127.0.0.1:${tracePages.address().port}`;

  ui.receiverPort = await freePort();
  ui.workspace = mkdtempSync(path.join(os.tmpdir(), 'loadlens-ui-'));
  writeScenarios(ui.workspace, ui.url);
  setWorkspaceSettings(customPresetSettings());

  console.log('[ui] packaging the .vsix');
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  ui.vsix = path.join(root, `loadlens-${version}.vsix`);

  ui.server = await startCodeServer({ smokeDriver: false, installVsix: ui.vsix });
  ui.userSettings = path.join(ui.server.state, 'user', 'User', 'settings.json');
  // The user settings file exists from the start, so the workbench watches it for the theme changes.
  mkdirSync(path.dirname(ui.userSettings), { recursive: true });
  writeFileSync(ui.userSettings, JSON.stringify({ 'workbench.colorTheme': 'Default Dark Modern' }, null, 2));
  ui.browser = await launchBrowser();
  ui.context = await ui.browser.newContext({ viewport: { width: 1500, height: 950 } });
  await ui.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.server.url });
  ui.page = await ui.context.newPage();
  ui.page.setDefaultTimeout(60_000);
  ui.view = ui.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  ui.started = Date.now();
  await ui.page.goto(`${ui.server.url}/?folder=${encodeURIComponent(ui.workspace)}`);
  await ui.page.locator('.monaco-workbench').waitFor();
}

/** Closes the browser and the servers; keeps code-server's logs when a check failed. */
export async function stop() {
  await ui.page?.screenshot({ path: path.join(resultsDir, 'ui-last.png') }).catch(() => {});
  await ui.browser?.close().catch(() => {});
  await ui.server?.stop({ keepState: checks.some(ok => !ok) });
  target?.close();
  tracePages?.close();
}

/** Nothing configured but the embedded receiver's port (not 4318: other test runs on this machine may hold it). */
export const baseSettings = () => ({ 'loadlens.otel.receiverPort': ui.receiverPort });
/** The workspace settings the run starts with: trace links open the page server's `custom` template. */
export const customPresetSettings = () => ({
  ...baseSettings(),
  'loadlens.otel.traceLink.preset': 'custom',
  'loadlens.otel.traceLink.template': `${ui.tracePagesUrl}/trace/{traceId}?from={startMs}&to={endMs}&run={runId}`,
});
export const workspaceSettingsFile = () => path.join(ui.workspace, '.vscode', 'settings.json');
/** Replaces the workspace's .vscode/settings.json. */
export function setWorkspaceSettings(settings) {
  mkdirSync(path.join(ui.workspace, '.vscode'), { recursive: true });
  writeFileSync(workspaceSettingsFile(), JSON.stringify(settings, null, 2));
}

/** Runs a command by its title from the command palette. */
export async function runCommand(title) {
  const { page } = ui;
  await page.keyboard.press('F1');
  await page.keyboard.type(title);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** Runs a command by picking its row in the palette (sure to hit that command, or Escape if it is not offered). */
export async function pickCommand(title) {
  const { page } = ui;
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input.input').fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click({ timeout: 5000 }).catch(() => page.keyboard.press('Escape'));
}

/**
 * A feature's starting point, whatever the one before it left: the keyboard back on the workbench (not
 * in a webview), no quick input or notification, no editor open, the explorer in the side bar.
 */
export async function resetWorkbench() {
  const { page } = ui;
  await page.keyboard.press('Escape');
  await page.locator('.part.sidebar .composite.title').first().click({ timeout: 5000 }).catch(() => {});
  await pickCommand('View: Close All Editor Groups');
  await pickCommand('Notifications: Clear All Notifications');
  await runCommand('View: Show Explorer');
  await page.waitForTimeout(500);
}

/** Clicks a file in the explorer and waits for its tab; returns its editor (found by a line of its text). */
export async function openFile(name, lineText) {
  const { page } = ui;
  await page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/\./g, '\\.')}`) }).first().click();
  await page.locator('.tab.active', { hasText: name }).waitFor();
  return page.locator('.monaco-editor', { has: page.locator('.view-line', { hasText: lineText }) });
}

/** A CodeLens of `editor` by its exact title (a RegExp) or a part of it (a string). */
export const lens = (editor, title) => editor.locator('.codelens-decoration a').filter({ hasText: title });

/**
 * The first frame of the page for which `test` (run inside the frame's document) is true, polled for
 * `timeoutMs`; undefined when none.
 */
export async function findFrame(test, timeoutMs = 30_000) {
  const { page } = ui;
  const found = await poll(async () => {
    for (const frame of page.frames()) {
      if (await frame.evaluate(test).catch(() => false)) return frame;
    }
    return undefined;
  }, frame => frame !== undefined, { timeoutMs, everyMs: 250 });
  return found;
}
/** The results panel's page (not the trace view's nor the comparison's), once it has drawn its header. */
export const resultsFrame = (timeoutMs = 30_000) => findFrame(() => document.body?.dataset.view === undefined && document.querySelector('#app h2') !== null, timeoutMs);
/** Loadlens's trace view, once it shows spans. */
export const traceFrame = (timeoutMs = 30_000) => findFrame(() => document.body?.dataset.view === 'trace' && document.querySelector('.span-row') !== null, timeoutMs);

/** The body class a webview gets in each default theme. */
const themeClass = theme => theme.includes('Light') ? 'vscode-light' : theme.includes('High') ? 'vscode-high-contrast' : 'vscode-dark';

/**
 * Switches the workbench's colour theme through the user settings and waits for the webview page that
 * `find()` finds (found again on every look: a page can be replaced as its tab is shown) to follow. If
 * the settings watcher missed the write, a window reload reads them afresh (unless `reload` is false:
 * a reload restarts the extension host, which forgets its receiver's traces). Returns the page last
 * found and its body class. With no `find`, waits for the workbench's own colours instead.
 */
export async function setTheme(theme, find, { reload = true } = {}) {
  const { page } = ui;
  const wanted = themeClass(theme);
  // The workbench's own class: 'vs' (light), 'vs-dark' or 'hc-black'.
  const workbenchClass = { 'vscode-light': /(^| )vs( |$)/, 'vscode-dark': /(^| )vs-dark( |$)/, 'vscode-high-contrast': /(^| )hc-(black|light)( |$)/ }[wanted];
  let frame;
  const look = find === undefined
    ? () => page.evaluate(() => document.querySelector('.monaco-workbench')?.className ?? '')
    : async () => {
      frame = await find();
      return frame ? await frame.evaluate(() => document.body.className).catch(() => '') : '';
    };
  const done = kind => (find === undefined ? workbenchClass.test(kind) : kind.includes(wanted));
  // As a person does it: "Preferences: Color Theme" and the theme picked by its name. The settings file
  // is kept in step; if the workbench did not switch, it is written again, each time a little
  // differently (the indent): a watcher that missed one write sees a change in the next.
  const current = JSON.parse(readFileSync(ui.userSettings, 'utf8'));
  writeFileSync(ui.userSettings, JSON.stringify({ ...current, 'workbench.colorTheme': theme }, null, 2));
  await pickColorTheme(theme).catch(() => page.keyboard.press('Escape'));
  let seen = await poll(look, done, { timeoutMs: 4000, everyMs: 250 });
  for (let attempt = 1; attempt < 3 && !done(seen); attempt++) {
    writeFileSync(ui.userSettings, JSON.stringify({ ...current, 'workbench.colorTheme': theme }, null, 2 + attempt));
    seen = await poll(look, done, { timeoutMs: 4000, everyMs: 250 });
  }
  if (find === undefined) {
    await page.waitForTimeout(800);
    return { frame: undefined, bodyClass: seen };
  }
  if (!done(seen) && reload) {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor();
    seen = await poll(look, kind => kind.includes(wanted), { timeoutMs: 60_000, everyMs: 250 });
  }
  // The workbench repaints its own parts a moment after the webview has its new class.
  await page.waitForTimeout(800);
  return { frame, bodyClass: seen };
}

/**
 * Writes `theme` into the user settings and reloads the window, which reads them afresh (a settings
 * watcher can miss a write; a reload cannot). Returns the workbench's class once it has loaded.
 */
export async function reloadWithTheme(theme) {
  const { page } = ui;
  const current = JSON.parse(readFileSync(ui.userSettings, 'utf8'));
  writeFileSync(ui.userSettings, JSON.stringify({ ...current, 'workbench.colorTheme': theme }, null, 2));
  await page.reload();
  await page.locator('.monaco-workbench').waitFor();
  const wanted = theme.includes('Light') ? /(^| )vs( |$)/ : /(^| )vs-dark( |$)/;
  const workbench = () => page.evaluate(() => document.querySelector('.monaco-workbench')?.className ?? '');
  const seen = await poll(workbench, kind => wanted.test(kind), { timeoutMs: 20_000, everyMs: 250 });
  await page.waitForTimeout(1000);
  return seen;
}

/** "Preferences: Color Theme" from the command palette, then `theme` typed and chosen. */
async function pickColorTheme(theme) {
  const { page } = ui;
  const input = page.locator('.quick-input-widget input.input');
  await page.keyboard.press('F1');
  await input.fill('>Preferences: Color Theme');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Preferences: Color Theme' }).first().click({ timeout: 5000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Default Light Modern' }).first().waitFor({ timeout: 5000 });
  await input.fill(theme);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** The whole window (or `clip`) to test-results/NAME.png. */
export const screenshot = (name, options = {}) => ui.page.screenshot({ path: path.join(resultsDir, `${name}.png`), ...options });
/** A picture for the README and docs: docs/images/NAME.png, overwritten by each run. */
export const docsScreenshot = (name, options = {}) => ui.page.screenshot({ path: path.join(docsImagesDir, `${name}.png`), ...options });
