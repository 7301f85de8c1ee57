// Run history and comparison: two runs of latency.load.ts against a target made slower in between
// (5 ms, then 60 ms); the older opened from the Loadlens view in the activity bar, then "Compare with…"
// on the newer: the comparison tab marks p95 as a regression.
import { check, findFrame, lens, openFile, poll, resultsFrame, runCommand, screenshot, ui } from './driver.mjs';

export const name = 'history';
export const title = 'run history (the Loadlens view) and the comparison of two runs';

export async function run() {
  const { page } = ui;
  const editor = await openFile('latency.load.ts', "'/api/slow'");
  const latencyRun = lens(editor, /^Run$/);
  await latencyRun.first().waitFor();
  const runsServed = [];
  for (const delay of [5, 60]) {
    ui.target.slowMs = delay;
    const before = ui.target.slowServed;
    await runCommand('View: Focus First Editor Group');
    await latencyRun.first().click();
    // Started, then finished: the header names the scenario; its state is 'finished' only at the end of this run.
    const panelPage = await resultsFrame();
    // This run is under way once the target sees its requests (the panel heard 'started' before them).
    await poll(() => ui.target.slowServed, n => n > before, { timeoutMs: 30_000, everyMs: 100 });
    await page.waitForTimeout(500);
    await panelPage.locator('h2', { hasText: 'latency' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
    runsServed.push(ui.target.slowServed - before);
  }
  // The Loadlens view in the activity bar, opened by a click on its icon.
  await page.locator('.activitybar [aria-label^="Loadlens"]').first().click();
  const runItems = page.getByRole('treeitem', { name: /^latency run of / });
  await poll(() => runItems.count(), n => n >= 2, { timeoutMs: 15_000, everyMs: 300 });
  const runNames = await runItems.evaluateAll(items => items.map(i => i.getAttribute('aria-label')));
  check('the Loadlens view lists both runs of the scenario, newest first, with their numbers',
    runNames.length === 2 && runNames.every(n => /, no thresholds: \d+ req · [\d.]+ RPS · p95 [\d.]+ m?s · 0% errors$/.test(n)) && runNames[1].includes(` ${runsServed[0]} req `) && runNames[0].includes(` ${runsServed[1]} req `),
    `${runNames.join(' / ')}; server ${runsServed.join(', ')}`);
  // A click on the older (5 ms) run shows it in the results panel.
  await runItems.nth(1).click();
  const pastPage = await resultsFrame();
  // The statistics table's row for the request (in the DOM whichever tab is selected) counts that run's requests.
  const pastRequests = () => pastPage.evaluate(() => document.querySelector('table.stats tbody tr[data-key="GET /api/slow"] td.requests')?.textContent?.trim() ?? '');
  const pastCount = await poll(pastRequests, count => count === String(runsServed[0]), { timeoutMs: 15_000, everyMs: 300 });
  check('a past run opens from the view: the panel shows its requests', pastCount === String(runsServed[0]), `panel ${pastCount || 'no row'}; server ${runsServed[0]}`);
  await screenshot('history-view');

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
  const compareFrame = await findFrame(() => document.body?.dataset.view === 'compare' && document.querySelector('table.comparison') !== null);
  check('the comparison tab opened', compareFrame !== undefined);
  if (!compareFrame) return;
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
  await screenshot('compare');
}
