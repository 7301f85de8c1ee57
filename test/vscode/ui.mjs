// End to end through the real UI, as a person uses it: the packaged .vsix installed into code-server,
// a *.load.ts opened from the explorer, the "Run" CodeLens clicked, and the results panel read from the
// webview's DOM in headless Chromium. The scenario targets a loopback server started here, which
// counts what it receives; the panel must show the same count.
// Then, in the same folder (no package.json, no node_modules): the Problems panel shows a misspelt option
// from `loadlens check` and TypeScript's own error on it (types with nothing installed), hovers show the
// problem and the API's doc comment. Ends with "ui: N passed, N failed"; screenshots land in
// test-results/ui-panel.png, ui-problem.png, ui-types.png (and ui-last.png, whatever happened).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

// The target: counts GET /api/items.
let served = 0;
const target = http.createServer((req, res) => {
  if (req.url?.startsWith('/api/items')) served++;
  req.resume();
  req.on('end', () => res.end('{"items":[1,2,3]}'));
});
await new Promise(resolve => target.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${target.address().port}`;

const workspace = mkdtempSync(path.join(os.tmpdir(), 'loadlens-ui-'));
writeFileSync(path.join(workspace, 'items.load.ts'), `import { scenario, constant } from 'loadlens';

export const items = scenario({ host: '${url}', users: 2, spawnRate: 2, runTime: '4s', wait: constant(0.05) }, async ({ http, check }) => {
  const res = await http.get('/api/items?page=1', { name: '/api/items' });
  check(res, { 'three items': r => r.json().items.length === 3 });
});
`);

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
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1500, height: 950 } })).newPage();
page.setDefaultTimeout(60_000);
const started = Date.now();
try {
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
    if (titles.join('|') === '▶ Run with OTel|Run|Options…') break;
  }
  check('the installed extension activated and shows the CodeLens trio', titles.join('|') === '▶ Run with OTel|Run|Options…', titles.join(' | ') || 'none');
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

  console.log('  ui: types with no install, Problems as you type');
  await page.keyboard.press('Control+Alt+B'); // close the secondary side bar (chat): room for the editor
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
  const hoverText = async (word, expected) => {
    let text = '';
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !text.includes(expected); await page.waitForTimeout(300)) {
      await page.mouse.move(5, 5);
      await page.locator('.view-line span', { hasText: word }).first().hover();
      await page.waitForTimeout(1000);
      text = (await page.locator('.monaco-hover:visible').allInnerTexts().catch(() => [])).join('\n');
    }
    return text;
  };
  const problemHover = await hoverText(/^spawnrate$/, "did you mean 'spawnRate'");
  check('hovering the typo shows the problem', problemHover.includes("did you mean 'spawnRate'"), problemHover.replace(/\s+/g, ' ').slice(0, 160));
  await page.screenshot({ path: path.join(resultsDir, 'ui-problem.png') });
  const docHover = await hoverText(/^scenario$/, 'Defines a scenario');
  check('hovering scenario shows its signature and doc comment', docHover.includes('Defines a scenario') && docHover.includes('ScenarioOptions'), docHover.replace(/\s+/g, ' ').slice(0, 160));
  await page.screenshot({ path: path.join(resultsDir, 'ui-types.png') });
} catch (error) {
  check('the UI flow completed', false, error.message.split('\n')[0]);
} finally {
  await page.screenshot({ path: path.join(resultsDir, 'ui-last.png') }).catch(() => {});
  await browser.close().catch(() => {});
  server.stop();
  target.close();
}
const passed = checks.filter(Boolean).length;
const failed = checks.length - passed;
console.log(`[ui] done in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshot: test-results/ui-panel.png`);
console.log(`ui: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
