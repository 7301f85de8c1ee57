// Load tests in the Testing view: a second window on a folder of its own, with one load file of two
// scenarios against the loopback target (`healthy` meets `errorRate < 1%`, `failing` breaches it on
// /api/broken). "Test: Run All Tests" from the command palette runs both, one after another; the Test
// Explorer's rows then show which passed and which failed, down to the thresholds, and the failure's
// message names the threshold and the value measured. Screenshots: testing-view.png, testing-message.png.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseSettings, check, poll, resultsDir, ui } from './driver.mjs';

export const name = 'testing';
export const title = 'the Testing view: Run All Tests, passed and failed, down to the thresholds';

const loadFile = url => `import { scenario, constant } from 'loadlens';

export const healthy = scenario({
  host: '${url}', users: 1, runTime: '2s', wait: constant(0.1),
  thresholds: { errorRate: '< 1%' },
}, async ({ http }) => {
  await http.get('/api/items', { name: '/api/items' });
});

export const failing = scenario({
  host: '${url}', users: 1, runTime: '2s', wait: constant(0.1),
  thresholds: { errorRate: '< 1%' },
}, async ({ http }) => {
  await http.get('/api/broken');
});
`;

/** The Test Explorer's rows as `label: State`, from each row's accessible name ('healthy (Passed), in 2.0s'). */
const explorerRows = page => page.locator('.test-explorer .monaco-list-row').evaluateAll(rows => rows.map(row => {
  const [, label, state] = /^(.*?)(?: \((\w[\w ]*)\))?(?:, in [\d.]+m?s)?$/.exec(row.getAttribute('aria-label') ?? '') ?? [];
  return `${label}: ${state ?? 'none'}`;
}));

export async function run() {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'loadlens-ui-testing-'));
  writeFileSync(path.join(folder, 'checkout.load.ts'), loadFile(ui.url));
  mkdirSync(path.join(folder, '.vscode'));
  writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify(baseSettings(), null, 2));
  const page = await ui.context.newPage();
  page.setDefaultTimeout(60_000);
  try {
    await page.goto(`${ui.server.url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor();
    // The Testing view, as a person opens it: its icon in the activity bar.
    await page.locator('.activitybar [aria-label^="Testing"]').first().click();
    const fileRow = page.locator('.test-explorer .monaco-list-row', { hasText: 'checkout.load.ts' });
    await fileRow.first().waitFor({ timeout: 60_000 });
    check('the Testing view lists the workspace\'s load file', true);

    const served = ui.target.served;
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input.input').fill('>Test: Run All Tests');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run All Tests' }).first().click();
    // Both runs end: the file's row shows a verdict (failed, as one scenario failed).
    const rows = await poll(() => explorerRows(page), list => list.includes('checkout.load.ts: Failed'), { timeoutMs: 90_000, everyMs: 500 });
    console.log(`    rows after the run: ${rows.join(' | ')}`);
    check('Run All ran the scenarios: the healthy one\'s requests reached the target', ui.target.served > served, `${ui.target.served - served} requests to /api/items`);
    // Open every level: the scenarios, then their thresholds.
    for (let depth = 0; depth < 3; depth++) {
      const collapsed = page.locator('.test-explorer .monaco-list-row[aria-expanded="false"]');
      for (let i = await collapsed.count(); i > 0; i--) await collapsed.first().click().catch(() => {});
    }
    const expanded = await poll(() => explorerRows(page), list => list.length >= 5, { timeoutMs: 10_000, everyMs: 300 });
    console.log(`    rows expanded: ${expanded.join(' | ')}`);
    check('the scenario that met its threshold passed', expanded.includes('healthy: Passed'), expanded.join(' | '));
    check('the scenario that breached it failed', expanded.includes('failing: Failed'), expanded.join(' | '));
    check('each threshold has its own verdict', expanded.filter(r => r === 'errorRate < 1%: Passed').length === 1 && expanded.filter(r => r === 'errorRate < 1%: Failed').length === 1, expanded.join(' | '));
    await page.screenshot({ path: path.join(resultsDir, 'testing-view.png') });

    // The failure's message, as the Test Results panel shows it when its entry is picked.
    await page.keyboard.press('Escape');
    const messageEntry = page.locator('.part.panel .monaco-list-row[role="treeitem"][aria-label^="errorRate < 1% — actual"]').first();
    await messageEntry.click({ timeout: 20_000 });
    // Run (the default profile) exports no spans, so no trace links here: the host suite checks those under Run with OTel.
    const shown = await poll(() => page.locator('.part.panel').innerText().then(t => t.replace(/\s+/g, ' ')), text => text.includes('Reads all requests'), { timeoutMs: 15_000, everyMs: 300 });
    check('the failure reads "errorRate < 1% — actual 100%", with the rows it read and their failures',
      shown.includes('errorRate < 1% — actual 100%') && /GET \/api\/broken \d+ requests · \d+ failed \(100%\)/.test(shown) && /\d+× GET \/api\/broken: HTTP 500/.test(shown), shown.slice(0, 300));
    await page.screenshot({ path: path.join(resultsDir, 'testing-message.png') });
  } finally {
    await page.close().catch(() => {});
  }
}
