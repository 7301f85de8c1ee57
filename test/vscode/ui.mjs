// End to end through the real UI, as a person uses it: the packaged .vsix installed into code-server,
// a *.load.ts opened from the explorer, the "Run" CodeLens clicked, and the results panel read from the
// webview's DOM in headless Chromium. The scenario targets a loopback server started here, which
// counts what it receives; the panel must show the same count.
// Then trace links: with the `custom` preset pointing at a page served here, a click on a failure's
// trace id in the panel opens that page for exactly that trace id, and the copy button copies it whole.
// Then, with nothing configured (the preset removed), a failure's trace id opens Loadlens's trace view on
// that trace, and the scenario's call line shows its numbers and a hover with the failures.
// Then, in the same folder (no package.json, no node_modules): the Problems panel shows a misspelt option
// from `loadlens check` and TypeScript's own error on it (types with nothing installed), hovers show the
// problem and the API's doc comment.
// Then "Debug" on a scenario with a breakpoint set by F9: the debugger stops on that line; and
// "Set OTLP Headers…" from the command palette. Then a second editor with workspace trust on: in the
// untrusted folder, Run says why and runs nothing.
// Then run history and comparison: two runs of one scenario against a target made slower in between
// (5 ms, then 60 ms), the older opened from the Loadlens view in the activity bar, then "Compare with…"
// on the newer: the comparison tab marks p95 as a regression.
// Then `loadlens.run.workers` = 2: the panel's header names the two worker processes with their users
// and requests (which add up to the panel's total and the server's count); one worker killed mid-run
// shows lost at once, and the run still ends with its report.
// Ends with "ui: N passed, N failed"; screenshots land in test-results/ (ui-panel.png, trace-view.png,
// editor-decorations.png, ui-problem.png, ui-types.png, debug-stopped.png, history-view.png,
// compare.png, workers-panel.png, workers-lost.png, workers-finished.png, restricted-mode.png; ui-last.png at the end).
// LOADLENS_UI_ONLY=workers runs only the workers step (to work on it without the 7-minute flow).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, startCodeServer } from './host.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const resultsDir = path.join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const checks = [];
const check = (name, ok, detail = '') => {
  checks.push(ok);
  console.log(`    ${ok ? '✔' : '✖'} ${name}${detail ? ` (${detail})` : ''}`);
};

// The target: counts GET /api/items and GET /product/42; /api/broken and /api/orders always answer 500
// (failures with trace ids).
let served = 0;
let productRequests = 0;
// /api/slow answers after slowMs (changed between two runs for the comparison); slowServed counts them.
let slowMs = 5;
let slowServed = 0;
// GET /api/workers: the runs with two worker processes.
let workersServed = 0;
const target = http.createServer((req, res) => {
  if (req.url?.startsWith('/api/workers')) workersServed++;
  if (req.url?.startsWith('/api/slow')) {
    slowServed++;
    req.resume();
    setTimeout(() => res.end('{"ok":true}'), slowMs);
    return;
  }
  if (req.url?.startsWith('/api/items')) served++;
  if (req.url === '/product/42') productRequests++;
  if (req.url?.startsWith('/api/orders')) res.statusCode = 500;
  req.resume();
  if (req.url?.startsWith('/api/broken')) res.statusCode = 500;
  req.on('end', () => res.end('{"items":[1,2,3]}'));
});
await new Promise(resolve => target.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${target.address().port}`;

// The user's "platform": a page per trace, recording every path it is asked for.
const tracePageRequests = [];
const tracePages = http.createServer((req, res) => {
  tracePageRequests.push(req.url);
  res.setHeader('content-type', 'text/html');
  res.end(`<!DOCTYPE html><title>trace page</title><p id="trace">${encodeURI(req.url)}</p>`);
});
await new Promise(resolve => tracePages.listen(0, '127.0.0.1', resolve));
const tracePagesUrl = `http://127.0.0.1:${tracePages.address().port}`;

const workspace = mkdtempSync(path.join(os.tmpdir(), 'loadlens-ui-'));
mkdirSync(path.join(workspace, '.vscode'));
writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({
  'loadlens.otel.traceLink.preset': 'custom',
  'loadlens.otel.traceLink.template': `${tracePagesUrl}/trace/{traceId}?from={startMs}&to={endMs}&run={runId}`,
  // A free port for the embedded receiver: other test runs on this machine may hold 4318.
  'loadlens.otel.receiverPort': 0,
}, null, 2));
writeFileSync(path.join(workspace, 'broken.load.ts'), `import { scenario, constant } from 'loadlens';

export const broken = scenario({ host: '${url}', users: 1, spawnRate: 1, runTime: '2s', wait: constant(0.2) }, async ({ http }) => {
  await http.get('/api/broken');
});
`);
writeFileSync(path.join(workspace, 'items.load.ts'), `import { scenario, constant } from 'loadlens';

export const items = scenario({ host: '${url}', users: 2, spawnRate: 2, runTime: '4s', wait: constant(0.05) }, async ({ http, check }) => {
  const res = await http.get('/api/items?page=1', { name: '/api/items' });
  check(res, { 'three items': r => r.json().items.length === 3 });
});
`);

// Long enough for 5 s of snapshots, a close and reopen of the panel, then Stop.
writeFileSync(path.join(workspace, 'slow.load.ts'), `import { scenario, constant } from 'loadlens';

export const slow = scenario({ host: '${url}', users: 2, spawnRate: 2, runTime: '90s', wait: constant(0.1) }, async ({ http }) => {
  await http.get('/api/items?page=2', { name: '/api/slow' });
});
`);

// Line 5 is where the breakpoint goes.
writeFileSync(path.join(workspace, 'stepper.load.ts'), `import { scenario } from 'loadlens';

export const stepper = scenario({ host: '${url}', users: 5, runTime: '1m' }, async ({ http, check }) => {
  const res = await http.get('/product/42', { name: '/product/{id}' });
  const status = res.status;
  check(res, { 'status 200': r => r.status === 200 && status === 200 });
});
`);

writeFileSync(path.join(workspace, 'orders.load.ts'), `import { scenario, constant } from 'loadlens';

export const orders = scenario({ host: '${url}', users: 1, spawnRate: 1, runTime: '2s', wait: constant(0.2) }, async ({ http }) => {
  await http.get('/api/orders/7', { name: '/api/orders/{id}' });
});
`);

writeFileSync(path.join(workspace, 'latency.load.ts'), `import { scenario } from 'loadlens';

export const latency = scenario({ host: '${url}', users: 2, spawnRate: 10, runTime: '2s' }, async ({ http }) => {
  await http.get('/api/slow', { name: '/api/slow' });
});
`);

// Four users, two per worker process; 'RUN_TIME' is set per run (a short clean run, a longer one with a kill).
const workersScenario = runTime => `import { scenario, constant } from 'loadlens';

export const workers = scenario({ host: '${url}', users: 4, spawnRate: 100, runTime: '${runTime}', wait: constant(0.02) }, async ({ http }) => {
  await http.get('/api/workers', { name: '/api/workers' });
});
`;
writeFileSync(path.join(workspace, 'workers.load.ts'), workersScenario('4s'));

// A scenario with a misspelt option, for the Problems as you type (loadlens check) and the types (the plugin).
writeFileSync(path.join(workspace, 'typo.load.ts'), `import { scenario, between } from 'loadlens';

export const browse = scenario({
  host: '${url}',
  users: 2,
  spawnrate: 2,
  wait: between(0.1, 0.2),
}, async ({ http }) => {
  await http.get('/api/items');
});
`);

console.log('[ui] packaging the .vsix');
execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const vsix = path.join(root, `loadlens-${version}.vsix`);

const server = await startCodeServer({ smokeDriver: false, installVsix: vsix });
const userSettings = path.join(server.state, 'user', 'User', 'settings.json');
// The user settings file exists from the start, so the workbench watches it for the theme changes below.
mkdirSync(path.dirname(userSettings), { recursive: true });
writeFileSync(userSettings, '{}\n');
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
const page = await context.newPage();
page.setDefaultTimeout(60_000);
const started = Date.now();
/** Runs a command by its title from the command palette. */
const runCommand = async title => {
  await page.keyboard.press('F1');
  await page.keyboard.type(title);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
};
const only = process.env.LOADLENS_UI_ONLY;
try {
  steps: {
  if (only === 'workers') {
    writeFileSync(userSettings, JSON.stringify({ 'workbench.colorTheme': 'Default Dark Modern' }, null, 2));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor();
    await workersPanel();
    break steps;
  }
  console.log('  ui: installed .vsix, CodeLens, results panel');
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor();
  await page.getByRole('treeitem', { name: /items\.load\.ts/ }).click();
  const runLens = page.locator('.codelens-decoration a').filter({ hasText: /^Run$/ });
  await runLens.first().waitFor();
  // The editor may re-render its lenses once more after they first appear: read them until they settle.
  let titles = [];
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(200)) {
    titles = await page.locator('.codelens-decoration a').allInnerTexts();
    if (titles.join('|') === '▶ Run with OTel|Run|Options…|Debug') break;
  }
  check('the installed extension activated and shows its CodeLenses', titles.join('|') === '▶ Run with OTel|Run|Options…|Debug', titles.join(' | ') || 'none');
  await runLens.first().click();

  const view = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await view.locator('table.stats tbody tr').first().waitFor();
  const liveKpis = await view.locator('.kpis').innerText();
  check('the panel shows live numbers while the run goes', /Users\s+\d+ \/ 2/.test(liveKpis), liveKpis.replace(/\s+/g, ' '));
  await view.locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  const rows = await view.locator('table.stats tbody tr').allInnerTexts();
  const itemsRow = rows.map(r => r.split('\t')).find(cells => cells[1] === '/api/items');
  check('the stats table has the /api/items row', itemsRow !== undefined, rows.join(' / ').replace(/\s+/g, ' '));
  check('the row counts exactly what the server received', itemsRow !== undefined && Number(itemsRow[2]) === served, `panel ${itemsRow?.[2]}, server ${served}`);
  check('no failures', itemsRow !== undefined && itemsRow[3].startsWith('0'), itemsRow?.[3]);
  const canvases = await view.locator('.charts canvas').count();
  check('three live charts are drawn', canvases === 3, `${canvases} canvases`);
  const tab = await page.locator('.tab', { hasText: 'Loadlens' }).first().innerText();
  check('the panel tab names the scenario', tab.includes('items'), tab.trim());
  await page.screenshot({ path: path.join(resultsDir, 'ui-panel.png') });

  console.log('  ui: a live run: focus, selection, close and reopen, Stop, themes, window reload');
  /** The results panel's page (not the trace view's), found among the frames. */
  const resultsFrame = async (timeout = 20_000) => {
    for (const deadline = Date.now() + timeout; Date.now() < deadline; await page.waitForTimeout(100)) {
      for (const frame of page.frames()) {
        const ok = await frame.evaluate(() => document.body?.dataset.view !== 'trace' && document.querySelector('#app .run-header') !== null).catch(() => false);
        if (ok) return frame;
      }
    }
    return undefined;
  };
  await page.getByRole('treeitem', { name: /slow\.load\.ts/ }).click();
  await page.locator('.tab.active', { hasText: 'slow.load.ts' }).waitFor();
  const slowEditor = page.locator('.monaco-editor', { has: page.locator('.view-line', { hasText: "'/api/items?page=2'" }) });
  const slowLens = slowEditor.locator('.codelens-decoration a').filter({ hasText: /^Run$/ });
  await slowLens.first().waitFor();
  await page.waitForTimeout(500);
  await slowLens.first().click();
  let live = await resultsFrame();
  await live.locator('h2', { hasText: 'slow' }).waitFor({ timeout: 30_000 });
  await live.locator('table.stats tbody tr[data-key="GET /api/slow"]').waitFor({ timeout: 30_000 });
  // The user puts the focus on Stop and selects a request name, then watches 5 s of snapshots.
  await live.locator('#stop').focus();
  const watchedBefore = await live.evaluate(() => {
    const cell = document.querySelector('table.stats tbody tr[data-key="GET /api/slow"] td.name');
    const range = document.createRange();
    range.selectNodeContents(cell);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    window.__watched = { row: cell.closest('tr'), stop: document.getElementById('stop'), canvas: document.getElementById('chart-rps') };
    performance.clearMeasures('loadlens-render');
    return { requests: cell.closest('tr').querySelector('td.requests').textContent, selected: getSelection().toString(), focused: document.activeElement?.id };
  });
  await page.waitForTimeout(5000);
  const watchedAfter = await live.evaluate(() => {
    const row = document.querySelector('table.stats tbody tr[data-key="GET /api/slow"]');
    return {
      requests: row.querySelector('td.requests').textContent, selected: getSelection().toString(), focused: document.activeElement?.id,
      sameRow: row === window.__watched.row, sameStop: document.getElementById('stop') === window.__watched.stop,
      sameCanvas: document.getElementById('chart-rps') === window.__watched.canvas, renders: performance.getEntriesByName('loadlens-render').length,
      state: document.querySelector('h2 .state').textContent,
    };
  });
  check('the numbers moved during those 5 s', Number(watchedAfter.requests) > Number(watchedBefore.requests) && watchedAfter.state === 'running', `${watchedBefore.requests} → ${watchedAfter.requests} requests, ${watchedAfter.state}`);
  check('Stop keeps the focus across 5 s of snapshots', watchedBefore.focused === 'stop' && watchedAfter.focused === 'stop' && watchedAfter.sameStop, `activeElement #${watchedAfter.focused}`);
  check('a selected request name stays selected across 5 s of snapshots', watchedBefore.selected === '/api/slow' && watchedAfter.selected === '/api/slow', `'${watchedBefore.selected}' → '${watchedAfter.selected}'`);
  check('the row and the chart canvas are the same nodes, updated in place', watchedAfter.sameRow && watchedAfter.sameCanvas);
  check('at most one render a second', watchedAfter.renders >= 3 && watchedAfter.renders <= 6, `${watchedAfter.renders} renders in 5 s`);

  // Close the panel mid-run, then reopen it with the command: the run as it is now, within 2 s.
  const panelTab = page.locator('.tab', { hasText: 'Loadlens' }).first();
  await panelTab.hover();
  await panelTab.locator('.tab-actions .action-label').first().click({ force: true });
  await page.waitForTimeout(1000);
  const closed = await resultsFrame(1000) === undefined;
  await runCommand('Loadlens: Show Results Panel');
  const reopenedAt = Date.now();
  // The only webview now: the frame locator waits for the row as the page draws it.
  const rowAgain = view.locator('table.stats tbody tr[data-key="GET /api/slow"] td.requests');
  await rowAgain.waitFor({ timeout: 10_000 }).catch(() => {});
  const reopenMs = Date.now() - reopenedAt;
  const shownRequests = Number(await rowAgain.textContent({ timeout: 1000 }).catch(() => '0'));
  live = await resultsFrame(10_000);
  const reopenState = await live?.locator('h2 .state').textContent().catch(() => '');
  check('closed mid-run and reopened, the panel shows the live rows within 2 s', closed && shownRequests > Number(watchedAfter.requests) && reopenState === 'running' && reopenMs <= 2000,
    `closed ${closed}, ${shownRequests} requests, ${reopenState}, ${reopenMs} ms after the command`);
  const chartPoints = await live?.evaluate(() => document.querySelectorAll('.charts canvas').length);
  check('and its charts are there again', chartPoints === 3, `${chartPoints} canvases`);
  await page.screenshot({ path: path.join(resultsDir, 'panel-reopened.png') });

  // Stop from the reopened panel: the run ends, saying why.
  await live.locator('#stop').click();
  await live.locator('h2 .state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  const kpis = await live.locator('.kpis').innerText();
  check('Stop ends the run and the header says why, with the run average', /Stopped\s+stopped on request/.test(kpis) && /RPS \(run average\)/.test(kpis), kpis.replace(/\s+/g, ' '));

  // The same finished panel in the three default themes.
  for (const [theme, file] of [['Default Light Modern', 'panel-light'], ['Default Dark Modern', 'panel-dark'], ['Default High Contrast', 'panel-high-contrast']]) {
    const current = JSON.parse(readFileSync(userSettings, 'utf8'));
    writeFileSync(userSettings, JSON.stringify({ ...current, 'workbench.colorTheme': theme }, null, 2));
    const wanted = theme.includes('Light') ? 'vscode-light' : theme.includes('Dark') ? 'vscode-dark' : 'vscode-high-contrast';
    let switched = false;
    for (const deadline = Date.now() + 6000; !switched && Date.now() < deadline; await page.waitForTimeout(250)) {
      switched = (await live.evaluate(() => document.body.className)).includes(wanted);
    }
    if (!switched) {
      // The settings watcher missed the write: a window reload reads the user settings afresh.
      await page.reload();
      await page.locator('.monaco-workbench').waitFor();
      live = await resultsFrame(60_000);
    }
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      const kind = await live.evaluate(() => document.body.className);
      if ((theme.includes('Light') && kind.includes('vscode-light')) || (theme.includes('Dark') && kind.includes('vscode-dark')) || (theme.includes('High') && kind.includes('vscode-high-contrast'))) break;
    }
    await page.waitForTimeout(800);
    const bodyClass = await live.evaluate(() => document.body.className);
    await live.locator('button[data-tab="statistics"]').click();
    await page.screenshot({ path: path.join(resultsDir, `${file}.png`) });
    await live.locator('button[data-tab="charts"]').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(resultsDir, `${file}-charts.png`) });
    check(`the panel follows the ${theme} theme`, bodyClass.includes(theme.includes('Light') ? 'vscode-light' : theme.includes('Dark') ? 'vscode-dark' : 'vscode-high-contrast'), bodyClass);
  }
  await live.locator('button[data-tab="statistics"]').click();
  writeFileSync(userSettings, JSON.stringify({ 'workbench.colorTheme': 'Default Dark Modern' }, null, 2));

  // A window reload: the last run is shown again.
  const runId = await live.locator('.run-id code').textContent();
  await page.reload();
  await page.locator('.monaco-workbench').waitFor();
  live = await resultsFrame(60_000);
  const restored = live && await live.evaluate(() => ({
    scenario: document.querySelector('h2')?.textContent?.replace(document.querySelector('h2 .state')?.textContent ?? '', '').trim(), state: document.querySelector('h2 .state')?.textContent,
    runId: document.querySelector('.run-id code')?.textContent, row: document.querySelector('table.stats tbody tr[data-key="GET /api/slow"] td.requests')?.textContent,
  }));
  check('after a window reload the last run is shown', restored?.scenario === 'slow' && restored.state === 'finished' && restored.runId === runId && Number(restored.row) > 0,
    JSON.stringify(restored ?? 'no panel'));
  await page.screenshot({ path: path.join(resultsDir, 'panel-after-reload.png') });
  // Back to the layout the next steps expect: one editor group, nothing open (a run opens the panel).
  // The keyboard goes to the workbench, not to the webview, once an editor tab has been clicked.
  await page.locator('.tab', { hasText: 'slow.load.ts' }).first().click().catch(() => {});
  await runCommand('View: Close All Editor Groups');
  await page.waitForTimeout(500);

  console.log('  ui: trace links (custom preset → a page served here)');
  await page.getByRole('treeitem', { name: /broken\.load\.ts/ }).click();
  const brokenEditor = page.locator('.monaco-editor', { has: page.locator('.view-line', { hasText: "'/api/broken'" }) });
  const otelLens = brokenEditor.locator('.codelens-decoration a').filter({ hasText: 'Run with OTel' });
  await otelLens.first().waitFor();
  await page.waitForTimeout(500);
  const runClickedAt = Date.now();
  await otelLens.first().click();
  // This run's end (the panel still says 'finished' for the previous run until this one starts).
  await view.locator('h2', { hasText: 'broken' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  await view.locator('button[data-tab="failures"]').click();
  const link = view.locator('table.failures a.trace').first();
  await link.waitFor();
  const traceId = await link.getAttribute('data-trace-id');
  const title = await link.getAttribute('title');
  const shown = await link.innerText();
  check('a failure shows its trace id shortened, the whole id on hover', /^[0-9a-f]{32}$/.test(traceId ?? '') && title === `Open trace ${traceId}` && shown === `${traceId.slice(0, 12)}…`, `${shown} / ${title}`);
  const popup = context.waitForEvent('page', { timeout: 20_000 }).catch(() => undefined);
  const before = tracePageRequests.length;
  await link.click();
  // VS Code may ask before opening an external site; localhost is trusted, but answer if it asks.
  const openButton = page.getByRole('button', { name: /^Open$/ });
  if (await openButton.isVisible({ timeout: 2000 }).catch(() => false)) await openButton.click();
  const opened = await popup;
  for (const deadline = Date.now() + 15_000; tracePageRequests.length === before && Date.now() < deadline;) await new Promise(r => setTimeout(r, 100));
  const asked = tracePageRequests.slice(before).find(u => u.startsWith('/trace/'));
  const query = new URL(asked ?? '/', tracePagesUrl).searchParams;
  check('clicking the failure\'s trace id opens the platform page for exactly that trace', asked !== undefined && asked.split('?')[0] === `/trace/${traceId}`, `asked ${asked ?? 'nothing'}${opened ? `; popup ${opened.url()}` : ''}`);
  const from = Number(query.get('from'));
  check('the link searches from a minute before the run started', from > runClickedAt - 70_000 && from < runClickedAt - 50_000, `from ${from}, run clicked ${runClickedAt}`);
  check('the link carries the run id', /^[0-9a-f-]{36}$/.test(query.get('run') ?? ''), query.get('run') ?? 'none');
  await opened?.close().catch(() => {});

  // The copy button beside that same (shortened) id.
  const copy = view.locator(`table.failures .trace-id:has(a[data-trace-id="${traceId}"]) button.copy`).first();
  const copies = await copy.getAttribute('data-copy');
  await copy.click();
  let clipboard = '';
  for (const deadline = Date.now() + 5000; clipboard !== traceId && Date.now() < deadline; await page.waitForTimeout(200)) {
    clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch(error => `(unreadable: ${error.message})`);
  }
  check('the copy button copies the whole trace id', clipboard === traceId, `clipboard ${clipboard}, button ${copies}`);

  console.log('  ui: nothing configured: the trace view');
  // The user removes the platform: trace ids open Loadlens's own view again.
  writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'loadlens.otel.receiverPort': 0 }, null, 2));
  await page.waitForTimeout(1500);
  // Open it beside broken.load.ts's editor, not in the panel's group (the last click was in the panel).
  await runCommand('View: Focus First Editor Group');
  await page.getByRole('treeitem', { name: /orders\.load\.ts/ }).click();
  await page.locator('.tab.active', { hasText: 'orders.load.ts' }).waitFor();
  const ordersEditor = page.locator('.monaco-editor', { has: page.locator('.view-line', { hasText: "'/api/orders/7'" }) });
  const ordersLens = ordersEditor.locator('.codelens-decoration a').filter({ hasText: 'Run with OTel' });
  await ordersLens.first().waitFor();
  await ordersLens.first().click();
  await view.locator('h2', { hasText: 'orders' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  const orderLink = view.locator('table.failures a.trace').first();
  await orderLink.waitFor();
  const orderTraceId = await orderLink.getAttribute('data-trace-id');
  check('the failure has a trace id', /^[0-9a-f]{32}$/.test(orderTraceId ?? ''), orderTraceId ?? 'none');
  await orderLink.click();
  // The trace view is a second webview; its inner page says data-view="trace".
  let traceFrame;
  for (const deadline = Date.now() + 30_000; !traceFrame && Date.now() < deadline; await page.waitForTimeout(250)) {
    for (const frame of page.frames()) {
      const isTrace = await frame.evaluate(() => document.body?.dataset.view === 'trace' && document.querySelector('.span-row') !== null).catch(() => false);
      if (isTrace) traceFrame = frame;
    }
  }
  check('the trace view opened with spans', traceFrame !== undefined);
  if (traceFrame) {
    const shownId = await traceFrame.locator('.trace-full-id').innerText();
    check('it shows the clicked trace id in full', shownId === orderTraceId, shownId);
    const spanRows = await traceFrame.locator('.span-row').allInnerTexts();
    check('its waterfall has the request\'s CLIENT span', spanRows.some(r => /CLIENT/.test(r) && r.includes('GET /api/orders/{id}')), spanRows.join(' / ').replace(/\s+/g, ' '));
    const details = await traceFrame.locator('.span-details').innerText();
    check('the span\'s attributes are shown', /http\.request\.method\s+GET/.test(details) && details.includes(`url.full\t${url}/api/orders/7`) && /http\.response\.status_code\s+500/.test(details),
      details.split('\n').filter(l => /http\.|url\./.test(l)).join('; '));
    const tabs = await page.locator('.tab').allInnerTexts();
    check('the tab is titled by the trace', tabs.some(t => t.includes(`Trace ${orderTraceId.slice(0, 8)}`)), tabs.join(' | ').replace(/\s+/g, ' '));
    await page.screenshot({ path: path.join(resultsDir, 'trace-view.png') });
  }

  console.log('  ui: the call line shows its numbers and a hover with the failures');
  await page.locator('.tab', { hasText: 'orders.load.ts' }).first().click();
  // Room for the screenshot: the editor alone, no notification over it.
  for (const command of ['View: Toggle Maximize Editor Group', 'View: Toggle Secondary Side Bar Visibility', 'Notifications: Clear All Notifications']) await runCommand(command);
  // The editor draws a decoration's text as CSS ::after content on a span of its line.
  const lineWithNumbers = () => page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-line')]
    .filter(line => line.textContent?.includes("http.get('/api/orders/7'"))
    .map(line => [...line.querySelectorAll('span')].map(span => getComputedStyle(span, '::after').content).filter(c => c.includes('failed')).join(''))
    .join(''));
  let numbers = '';
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && numbers === ''; await page.waitForTimeout(200)) numbers = await lineWithNumbers();
  check('the http.get line ends with its numbers', /p95 [\d.]+ m?s · (\d+) \/ \1 failed/.test(numbers), numbers);
  await page.locator('.monaco-editor .view-line', { hasText: "http.get('/api/orders/7'" }).locator('span', { hasText: 'http' }).first().hover();
  // The Problem's own hover says 'HTTP 500' first; Loadlens's hover with the trace links follows.
  const hover = page.locator('.monaco-hover:visible', { hasText: 'HTTP 500 ×' });
  const failureHover = await hover.first().innerText({ timeout: 10_000 }).catch(() => '');
  check('its hover lists the failure with trace links', /HTTP 500 × \d+: [0-9a-f]{12}…/.test(failureHover), failureHover.replace(/\s+/g, ' '));
  await page.screenshot({ path: path.join(resultsDir, 'editor-decorations.png') });

  console.log('  ui: types with no install, Problems as you type');
  // The trace-view part above maximized the editor group and hid the secondary side bar: restore the group.
  await runCommand('View: Toggle Maximize Editor Group');
  await page.getByRole('treeitem', { name: /typo\.load\.ts/ }).click();
  await page.keyboard.press('Control+Shift+M'); // the Problems panel
  const problemRows = () => page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  let problems = [];
  for (const deadline = Date.now() + 150_000; Date.now() < deadline; await page.waitForTimeout(500)) {
    problems = (await problemRows()).map(r => r.replace(/\s+/g, ' '));
    if (problems.some(r => r.includes("did you mean 'spawnRate'")) && problems.some(r => /Did you mean to write 'spawnRate'/.test(r))) break;
  }
  check("loadlens check marks the typo: unknown option 'spawnrate': did you mean 'spawnRate'?", problems.some(r => r.includes("unknown option 'spawnrate': did you mean 'spawnRate'?") && /\[Ln 6, Col 3\]/.test(r)), problems.join(' / '));
  check("TypeScript knows the scenario's types with nothing installed (its own did-you-mean on the option)", problems.some(r => /Did you mean to write 'spawnRate'/.test(r)), `${problems.length} rows`);
  check("no 'Cannot find module' and no implicit any anywhere", !problems.some(r => /Cannot find module|implicitly has an 'any'/.test(r)), problems.join(' / '));
  check('the valid scenario (items.load.ts) has no problems', !problems.some(r => r.includes('items.load.ts')), problems.filter(r => r.includes('items.load.ts')).join(' / '));
  // Hover the misspelt option: both messages, then the API's doc comment on scenario.
  const hoverTextOf = async (word, expected) => {
    let text = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !text.includes(expected); await page.waitForTimeout(300)) {
      await page.mouse.move(5, 5);
      await page.locator('.view-line span', { hasText: word }).first().hover();
      await page.waitForTimeout(1000);
      text = (await page.locator('.monaco-hover:visible').allInnerTexts().catch(() => [])).join('\n');
    }
    return text;
  };
  const problemHover = await hoverTextOf(/^spawnrate$/, "did you mean 'spawnRate'");
  check('hovering the typo shows the problem', problemHover.includes("did you mean 'spawnRate'"), problemHover.replace(/\s+/g, ' ').slice(0, 160));
  await page.screenshot({ path: path.join(resultsDir, 'ui-problem.png') });
  const docHover = await hoverTextOf(/^scenario$/, 'Defines a scenario');
  check('hovering scenario shows its signature and doc comment', docHover.includes('Defines a scenario') && docHover.includes('ScenarioOptions'), docHover.replace(/\s+/g, ' ').slice(0, 160));
  await page.screenshot({ path: path.join(resultsDir, 'ui-types.png') });

  await debugOneIteration();
  await setHeadersThroughTheInputBox();
  await historyAndComparison();
  await workersPanel();
  }
} catch (error) {
  check('the UI flow completed', false, error.message.split('\n')[0]);
} finally {
  await page.screenshot({ path: path.join(resultsDir, 'ui-last.png') }).catch(() => {});
  await browser.close().catch(() => {});
  await server.stop({ keepState: checks.some(ok => !ok) });
  tracePages.close();
}
/**
 * Two runs of latency.load.ts, the target 5 ms then 60 ms slower; the older opened from the Loadlens view
 * (a click on its tree item in the activity bar's view), then "Compare with…" on the newer.
 */
async function historyAndComparison() {
  console.log('  ui: run history (the Loadlens view) and the comparison of two runs');
  // The Debug step left the Run and Debug view in the side bar: back to the explorer.
  await runCommand('View: Show Explorer');
  await runCommand('View: Focus First Editor Group');
  await page.getByRole('treeitem', { name: /latency\.load\.ts/ }).click();
  await page.locator('.tab.active', { hasText: 'latency.load.ts' }).waitFor();
  const latencyEditor = page.locator('.monaco-editor', { has: page.locator('.view-line', { hasText: "'/api/slow'" }) });
  const latencyRun = latencyEditor.locator('.codelens-decoration a').filter({ hasText: /^Run$/ });
  await latencyRun.first().waitFor();
  // Other webviews are open (the trace view): find the results panel's page by its body (no data-view).
  const resultsFrame = async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      for (const frame of page.frames()) {
        const isPanel = await frame.evaluate(() => document.body?.dataset.view === undefined && document.querySelector('#app') !== null).catch(() => false);
        if (isPanel) return frame;
      }
    }
    throw new Error('no results panel page');
  };
  const runsServed = [];
  for (const delay of [5, 60]) {
    slowMs = delay;
    const before = slowServed;
    await runCommand('View: Focus First Editor Group');
    await latencyRun.first().click();
    // Started, then finished: the header names the scenario; its state is 'finished' only at the end of this run.
    const panelPage = await resultsFrame();
    // This run is under way once the target sees its requests (the panel heard 'started' before them).
    for (const deadline = Date.now() + 30_000; slowServed === before && Date.now() < deadline;) await new Promise(r => setTimeout(r, 100));
    await page.waitForTimeout(500);
    await panelPage.locator('h2', { hasText: 'latency' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
    runsServed.push(slowServed - before);
  }
  // The Loadlens view in the activity bar, opened by a click on its icon.
  await page.locator('.activitybar [aria-label^="Loadlens"]').first().click();
  const runItems = page.getByRole('treeitem', { name: /^latency run of / });
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && (await runItems.count()) < 2; await page.waitForTimeout(300));
  const runNames = await runItems.evaluateAll(items => items.map(i => i.getAttribute('aria-label')));
  check('the Loadlens view lists both runs of the scenario, newest first, with their numbers',
    runNames.length === 2 && runNames.every(n => /, no thresholds: \d+ req · [\d.]+ RPS · p95 [\d.]+ m?s · 0% errors$/.test(n)) && runNames[1].includes(` ${runsServed[0]} req `) && runNames[0].includes(` ${runsServed[1]} req `),
    `${runNames.join(' / ')}; server ${runsServed.join(', ')}`);
  // A click on the older (5 ms) run shows it in the results panel.
  await runItems.nth(1).click();
  const pastPage = await resultsFrame();
  // The statistics table's row for the request (in the DOM whichever tab is selected) counts that run's requests.
  const pastRequests = () => pastPage.evaluate(() => document.querySelector('table.stats tbody tr[data-key="GET /api/slow"] td.requests')?.textContent?.trim() ?? '');
  let pastCount = '';
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && pastCount !== String(runsServed[0]); await page.waitForTimeout(300)) pastCount = await pastRequests();
  check('a past run opens from the view: the panel shows its requests', pastCount === String(runsServed[0]), `panel ${pastCount || 'no row'}; server ${runsServed[0]}`);
  await page.screenshot({ path: path.join(resultsDir, 'history-view.png') });

  // "Compare with…" on the newer run: the quick pick offers the older one; the comparison tab opens.
  const quickPickRow = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first();
  await runItems.nth(0).click({ button: 'right' });
  await page.locator('.context-view .action-label', { hasText: 'Compare with…' }).first().click();
  // The workbench's context menu sometimes stays open after a click under load: then the same command
  // from the row's inline button (the ⇄ icon shown on hover).
  if (!(await quickPickRow.waitFor({ timeout: 5000 }).then(() => true, () => false))) {
    await page.keyboard.press('Escape');
    await runItems.nth(0).hover();
    // The tree item is the list row itself; its inline actions are inside it.
    await runItems.nth(0).locator('.action-label[aria-label="Compare with…"]').first().click();
    await quickPickRow.waitFor();
  }
  await page.keyboard.press('Enter');
  let compareFrame;
  for (const deadline = Date.now() + 30_000; !compareFrame && Date.now() < deadline; await page.waitForTimeout(250)) {
    for (const frame of page.frames()) {
      const isCompare = await frame.evaluate(() => document.body?.dataset.view === 'compare' && document.querySelector('table.comparison') !== null).catch(() => false);
      if (isCompare) compareFrame = frame;
    }
  }
  check('the comparison tab opened', compareFrame !== undefined);
  if (compareFrame) {
    const p95Cell = compareFrame.locator('tr[data-row="GET /api/slow"] td[data-metric="p95"]');
    const p95Class = await p95Cell.getAttribute('class');
    const p95Text = (await p95Cell.innerText()).replace(/\s+/g, ' ');
    check('it marks p95 of GET /api/slow as a regression (5 ms → 60 ms target)', p95Class.includes('regression') && /[\d.]+ ms → [\d.]+ ms \+[\d.]+ ms \(\+[\d.]+%\) ▲ regression/.test(p95Text), `${p95Class}: ${p95Text}`);
    const verdict = await compareFrame.locator('#verdict').innerText();
    check('the verdict names the p95 regression', verdict.includes('GET /api/slow p95'), verdict);
    const errorCell = await compareFrame.locator('tr[data-row="GET /api/slow"] td[data-metric="errorRate"]').getAttribute('class');
    check('the unchanged error rate is not a regression', errorCell.includes('unchanged'), errorCell);
    const charts = await compareFrame.locator('.charts canvas').count();
    check('the two runs\' charts are drawn overlaid (latency, RPS)', charts === 2, `${charts} canvases`);
    // The whole editor area for the picture: the results panel's tab closed (its page was read above)
    // and no panel (the Debug step left its console open) under it.
    await runCommand('View: Hide Panel');
    const resultsTab = page.locator('.tab', { hasText: 'Loadlens: latency' }).first();
    await resultsTab.hover().catch(() => {});
    await resultsTab.locator('.tab-actions .action-label').first().click({ timeout: 5000 }).catch(() => {});
    await page.locator('.tab', { hasText: 'Compare latency' }).first().click({ timeout: 10_000 }).catch(() => {});
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(resultsDir, 'compare.png') });
  }
}

/**
 * `loadlens.run.workers` = 2 (the workspace's settings): workers.load.ts run twice from its CodeLens.
 * First to its end: the header's strip says "2 workers" and each worker's users and requests, which add
 * up to the table's total and to what the server received. Then a longer run, one worker killed with
 * SIGKILL mid-run (its pid read from the strip, checked to be a Loadlens worker process): the strip says
 * so at once in the error colour, and the run still ends with its report.
 */
async function workersPanel() {
  console.log('  ui: --workers 2 in the results panel (loadlens.run.workers)');
  const settingsFile = path.join(workspace, '.vscode', 'settings.json');
  const settingsBefore = readFileSync(settingsFile, 'utf8');
  writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(settingsBefore), 'loadlens.run.workers': 2 }, null, 2));
  await page.waitForTimeout(1500);
  await runCommand('View: Show Explorer');
  await runCommand('View: Focus First Editor Group');
  await page.getByRole('treeitem', { name: /workers\.load\.ts/ }).click();
  await page.locator('.tab.active', { hasText: 'workers.load.ts' }).waitFor();
  const editor = page.locator('.monaco-editor', { has: page.locator('.view-line', { hasText: "'/api/workers'" }) });
  const runLens = editor.locator('.codelens-decoration a').filter({ hasText: /^Run$/ });
  await runLens.first().waitFor();
  // Room for the panel in the pictures: no secondary side bar (Chat), if the workbench shows one.
  await page.locator('.part.auxiliarybar .codicon-close, .part.auxiliarybar [aria-label^="Hide"]').first().click({ timeout: 3000 }).catch(() => {});
  await page.waitForTimeout(500);
  const panelFrame = async () => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      for (const frame of page.frames()) {
        const isPanel = await frame.evaluate(() => document.body?.dataset.view === undefined && document.querySelector('#app h2') !== null).catch(() => false);
        if (isPanel) return frame;
      }
    }
    throw new Error('no results panel page');
  };
  /** The strip as the page shows it: its title, each worker's text, class and requests; the table's total. */
  const readStrip = frame => frame.evaluate(() => ({
    title: document.querySelector('.workers .workers-title')?.textContent ?? '',
    titleBad: document.querySelector('.workers .workers-title')?.classList.contains('bad') ?? false,
    workers: [...document.querySelectorAll('.workers .worker')].map(w => ({ text: w.textContent, lost: w.classList.contains('lost'), requests: Number(w.dataset.requests), color: getComputedStyle(w).color })),
    total: Number(document.querySelector('table.stats tfoot td.requests')?.textContent ?? NaN),
    state: document.querySelector('h2 .state')?.textContent ?? '',
    verdict: document.querySelector('h2 .state')?.classList.contains('failed') ? 'failed' : document.querySelector('h2 .state')?.classList.contains('passed') ? 'passed' : 'live',
    scenario: (document.querySelector('h2')?.textContent ?? '').replace(document.querySelector('h2 .state')?.textContent ?? '', '').trim(),
  }));

  // 1. A clean run to its end.
  const before = workersServed;
  await runLens.first().click();
  let panel = await panelFrame();
  let strip;
  // Live: both workers with their users (the plan's 4 users, 2 each) and some requests.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(200)) {
    strip = await readStrip(panel).catch(() => undefined);
    if (strip?.scenario === 'workers' && strip.state === 'running' && strip.workers.length === 2 && strip.workers.every(w => w.requests > 0 && / 2 users · /.test(w.text))) break;
  }
  check('during a run with 2 workers the header says "2 workers", each with its users and requests',
    strip?.title === '2 workers' && strip.workers.length === 2 && strip.workers.every(w => /^worker [12] \(pid \d+\): 2 users · [\d,]+ requests$/.test(w.text)),
    strip ? `${strip.title}: ${strip.workers.map(w => w.text).join(' | ')}` : 'no strip');
  await page.screenshot({ path: path.join(resultsDir, 'workers-panel.png') });
  await panel.locator('h2', { hasText: 'workers' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  strip = await readStrip(panel);
  const served = workersServed - before;
  const sum = strip.workers.reduce((n, w) => n + w.requests, 0);
  check('after the run the workers\' requests add up to the panel\'s total and to what the server received',
    strip.workers.length === 2 && sum === strip.total && sum === served && strip.workers.every(w => w.requests > 0),
    `${strip.workers.map(w => w.requests).join(' + ')} = ${sum}; panel total ${strip.total}; server ${served}`);
  check('and each worker shows its CPU and peak memory from the report',
    strip.workers.every(w => /^worker [12] \(pid \d+\): [\d,]+ requests · CPU [\d.]+ m?s · peak \d+ MB$/.test(w.text)), strip.workers.map(w => w.text).join(' | '));
  check('a clean run with workers is shown as passed (its exit code 0)', strip.verdict === 'passed', strip.verdict);

  // 2. A longer run; one worker killed once both have reported.
  writeFileSync(path.join(workspace, 'workers.load.ts'), workersScenario('10s'));
  await page.waitForTimeout(1000);
  await runCommand('View: Focus First Editor Group');
  await page.locator('.tab', { hasText: 'workers.load.ts' }).first().click();
  await runLens.first().click();
  panel = await panelFrame();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(200)) {
    strip = await readStrip(panel).catch(() => undefined);
    if (strip?.state === 'running' && strip.workers.length === 2 && strip.workers.every(w => w.requests > 0 && / 2 users · /.test(w.text))) break;
  }
  const victim = Number(/pid (\d+)/.exec(strip?.workers[1]?.text ?? '')?.[1]);
  // Only a process that is one of Loadlens's workers is killed (its command line ends with 'worker').
  const cmdline = Number.isInteger(victim) && victim > 0 ? readFileSync(`/proc/${victim}/cmdline`, 'utf8').split('\0').filter(Boolean) : [];
  const isWorker = cmdline.at(-1) === 'worker' && cmdline.some(arg => arg.endsWith('engine.js'));
  check('the second worker\'s pid in the strip is a Loadlens worker process', isWorker, `pid ${victim}: ${cmdline.slice(-2).join(' ')}`);
  if (!isWorker) return;
  const killedAt = Date.now();
  process.kill(victim, 'SIGKILL');
  let lostAfterMs;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(50)) {
    strip = await readStrip(panel);
    if (strip.workers.some(w => w.lost)) {
      lostAfterMs = Date.now() - killedAt;
      break;
    }
  }
  const lost = strip.workers.find(w => w.lost);
  check('the killed worker shows lost at once, in the error colour, with its reason and what is kept',
    lostAfterMs !== undefined && lostAfterMs <= 1000 && strip.title === '2 workers, 1 lost' && strip.titleBad && strip.state === 'running'
      && new RegExp(`^worker 2 \\(pid ${victim}\\) was killed by SIGKILL: its [\\d,]+ requests are kept$`).test(lost?.text ?? '')
      && lost.color !== strip.workers.find(w => !w.lost)?.color,
    `${lostAfterMs ?? 'not'} ms after the kill: ${strip.title}: ${strip.workers.map(w => `${w.text} [${w.color}]`).join(' | ')}; ${strip.state}`);
  await page.screenshot({ path: path.join(resultsDir, 'workers-lost.png') });
  await panel.locator('h2', { hasText: 'workers' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 40_000 });
  strip = await readStrip(panel);
  const keptLost = strip.workers.find(w => w.lost);
  check('the run still ends with its report: the lost worker\'s requests are in the total',
    strip.workers.length === 2 && keptLost !== undefined && keptLost.requests > 0 && strip.workers.reduce((n, w) => n + w.requests, 0) === strip.total
      && /^worker 1 \(pid \d+\): [\d,]+ requests · CPU /.test(strip.workers[0].text),
    `${strip.state}: ${strip.workers.map(w => w.text).join(' | ')}; total ${strip.total}`);
  // The editor's verdict is the CLI's exit code (4: a worker was lost), not "passed": the badge and the status bar say so.
  const statusText = await page.locator('.statusbar-item', { hasText: 'Loadlens:' }).first().innerText().catch(() => '');
  check('a run that lost a worker is not shown as passed: the badge is failed and the status bar says ended by force',
    strip.verdict === 'failed' && /ended by force/.test(statusText), `badge ${strip.verdict}; status bar '${statusText.replace(/\s+/g, ' ')}'`);
  await page.screenshot({ path: path.join(resultsDir, 'workers-finished.png') });
  writeFileSync(settingsFile, settingsBefore);
}

/** "Loadlens: Set OTLP Headers…" from the command palette: a password box, and the value is kept out of sight. */
async function setHeadersThroughTheInputBox() {
  console.log('  ui: Set OTLP Headers… (password input)');
  const secret = `ui-secret-${Date.now().toString(36)}`;
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill('>Loadlens: Set OTLP Headers');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Set OTLP Headers' }).first().click();
  await page.locator('.quick-input-widget', { hasText: 'OTEL_EXPORTER_OTLP_HEADERS' }).waitFor();
  check('the headers box hides what is typed', (await input.getAttribute('type')) === 'password', `input type ${await input.getAttribute('type')}`);
  await input.fill(`X-SF-TOKEN=${secret}`);
  await page.keyboard.press('Enter');
  const toast = page.locator('.notification-toast', { hasText: 'OTLP headers stored' });
  await toast.first().waitFor({ timeout: 20_000 });
  const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
  check('storing the headers names them, not their values', text.includes('X-SF-TOKEN') && !text.includes(secret), text.slice(0, 120));
  const userSettings = path.join(server.state, 'user', 'User', 'settings.json');
  const files = [
    ...readdirSync(workspace, { recursive: true }).map(f => path.join(workspace, String(f))).filter(f => statSync(f).isFile()),
    ...(existsSync(userSettings) ? [userSettings] : []),
  ];
  check('the value is in no file of the workspace nor the user settings', files.every(f => !readFileSync(f, 'latin1').includes(secret)), `${files.length} files`);
}

/** Opens stepper.load.ts, sets a breakpoint on line 5 with F9, clicks "Debug": the debugger stops there. */
async function debugOneIteration() {
  console.log('  ui: Debug lens, breakpoint, debugger stopped');
  // A clean editor area for the picture: the earlier steps left files and the panel open side by side.
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input.input').fill('>View: Close All Editor Groups');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Close All Editor Groups' }).first().click({ timeout: 5000 }).catch(() => page.keyboard.press('Escape'));
  await page.getByRole('treeitem', { name: /stepper\.load\.ts/ }).click();
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  await editor.locator('.view-line', { hasText: 'const status = res.status;' }).click();
  await page.keyboard.press('F9');
  await editor.locator('.codicon-debug-breakpoint').first().waitFor();
  const debugLens = editor.locator('.codelens-decoration a').filter({ hasText: /^Debug$/ });
  await debugLens.first().click();
  // The editor marks the line the debugger stopped on; the call stack names the file and line.
  await page.locator('.debug-top-stack-frame-line').first().waitFor({ timeout: 90_000 });
  const stoppedLine = await page.locator('.editor-group-container.active .monaco-editor .line-numbers.active-line-number, .editor-group-container.active .monaco-editor .active-line-number').first().innerText().catch(() => '');
  const callStack = await page.locator('.debug-call-stack').first().innerText().catch(() => '');
  check('the debugger stopped in stepper.load.ts at line 5', /stepper\.load\.ts\s*5:\d+/.test(callStack), `${callStack.replace(/\s+/g, ' ').slice(0, 160)}; active line ${stoppedLine}`);
  // `res` is a const of the function body: js-debug lists it in the Block scope.
  await page.locator('.debug-variables .monaco-list-row', { hasText: /^Block$/ }).first().click();
  await page.locator('.debug-variables .monaco-list-row', { hasText: /^res\b/ }).first().waitFor({ timeout: 10_000 }).catch(() => {});
  const variables = await page.locator('.debug-variables').first().innerText().catch(() => '');
  check('the response is in the Variables view', /\bres\b/.test(variables), variables.replace(/\s+/g, ' ').slice(0, 160));
  // Room for the editor in the picture: hide the secondary side bar (Chat) if the workbench shows one.
  await page.locator('.part.auxiliarybar .codicon-close, .part.auxiliarybar [aria-label^="Hide"]').first().click({ timeout: 3000 }).catch(() => {});
  await page.locator('.debug-top-stack-frame-line').first().scrollIntoViewIfNeeded().catch(() => {});
  check('the request before the breakpoint was sent, once', productRequests === 1, `${productRequests} requests`);
  await page.screenshot({ path: path.join(resultsDir, 'debug-stopped.png') });
  await page.keyboard.press('F5'); // continue: the one iteration ends the run
  await page.locator('.debug-top-stack-frame-line').first().waitFor({ state: 'detached', timeout: 30_000 });
  check('one user, one iteration: one request in all', productRequests === 1, `${productRequests} requests`);
}

// Restricted Mode: a second editor with workspace trust on; the folder is not trusted, so Run says why
// and nothing reaches the target.
if (!only) {
  try {
    await restrictedMode();
  } catch (error) {
    check('the Restricted Mode flow completed', false, error.message.split('\n')[0]);
  }
}

async function restrictedMode() {
  console.log('  ui: Restricted Mode (untrusted folder)');
  const restricted = await startCodeServer({ smokeDriver: false, installVsix: vsix, workspaceTrust: true });
  const untrustedBrowser = await launchBrowser();
  const before = served;
  const view = await (await untrustedBrowser.newContext({ viewport: { width: 1500, height: 950 } })).newPage();
  view.setDefaultTimeout(60_000);
  try {
    await view.goto(`${restricted.url}/?folder=${encodeURIComponent(workspace)}`);
    await view.locator('.monaco-workbench').waitFor();
    // code-server opens a folder it has never seen in Restricted Mode; some builds ask first.
    await view.getByRole('button', { name: /No, I don.t trust the authors/ }).click({ timeout: 5000 }).catch(() => {});
    await view.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor();
    await view.getByRole('treeitem', { name: /items\.load\.ts/ }).click();
    const run = view.locator('.codelens-decoration a').filter({ hasText: /^Run$/ });
    await run.first().click();
    const toast = view.locator('.notification-toast', { hasText: 'this folder is not trusted' });
    await toast.first().waitFor({ timeout: 30_000 });
    const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
    check('Run in an untrusted folder says why it does not run', /this folder is not trusted, so its scenarios do not run: running a scenario executes its code/.test(text), text.slice(0, 200));
    await view.waitForTimeout(1000);
    check('nothing reached the target', served === before, `${served - before} requests`);
  } finally {
    await view.screenshot({ path: path.join(resultsDir, 'restricted-mode.png') }).catch(() => {});
    await untrustedBrowser.close().catch(() => {});
    await restricted.stop();
  }
}

target.close();
const passed = checks.filter(Boolean).length;
const failed = checks.length - passed;
console.log(`[ui] done in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots: test-results/ui-panel.png, trace-view.png, editor-decorations.png, ui-problem.png, ui-types.png, debug-stopped.png, history-view.png, compare.png, workers-panel.png, workers-lost.png, workers-finished.png, restricted-mode.png (ui-last.png: the end)`);
console.log(`ui: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
