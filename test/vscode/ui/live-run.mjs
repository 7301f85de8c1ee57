// A live run of slow.load.ts as a person watches it: the focus on Stop and a selected request name
// survive 5 s of snapshots; the panel closed mid-run and reopened shows the run as it is now; Stop ends
// it; the finished panel in the three default themes; a window reload shows the last run again.
import { check, lens, openFile, poll, resultsFrame, runCommand, screenshot, setTheme, ui } from './driver.mjs';

export const name = 'live-run';
export const title = 'a live run: focus, selection, close and reopen, Stop, themes, window reload';

export async function run() {
  const { page, view } = ui;
  const editor = await openFile('slow.load.ts', "'/api/items?page=2'");
  const slowLens = lens(editor, /^Run$/);
  await slowLens.first().waitFor();
  await page.waitForTimeout(500);
  await slowLens.first().click();
  let live = await resultsFrame(20_000);
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
  await screenshot('panel-reopened');

  // Stop from the reopened panel: the run ends, saying why.
  await live.locator('#stop').click();
  await live.locator('h2 .state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  const kpis = await live.locator('.kpis').innerText();
  check('Stop ends the run and the header says why, with the run average', /Stopped\s+stopped on request/.test(kpis) && /RPS \(run average\)/.test(kpis), kpis.replace(/\s+/g, ' '));

  // The same finished panel in the three default themes.
  for (const [theme, file] of [['Default Light Modern', 'panel-light'], ['Default Dark Modern', 'panel-dark'], ['Default High Contrast', 'panel-high-contrast']]) {
    const switched = await setTheme(theme, () => resultsFrame(2000));
    live = switched.frame;
    await live.locator('button[data-tab="statistics"]').click();
    await screenshot(file);
    await live.locator('button[data-tab="charts"]').click();
    await page.waitForTimeout(300);
    await screenshot(`${file}-charts`);
    const wanted = theme.includes('Light') ? 'vscode-light' : theme.includes('Dark') ? 'vscode-dark' : 'vscode-high-contrast';
    check(`the panel follows the ${theme} theme`, switched.bodyClass.includes(wanted), switched.bodyClass);
  }
  await live.locator('button[data-tab="statistics"]').click();
  ({ frame: live } = await setTheme('Default Dark Modern', () => resultsFrame(2000)));

  // A window reload: the last run is shown again.
  const runId = await live.locator('.run-id code').textContent();
  await page.reload();
  await page.locator('.monaco-workbench').waitFor();
  live = await resultsFrame(60_000);
  const restored = live && await poll(() => live.evaluate(() => ({
    scenario: document.querySelector('h2')?.textContent?.replace(document.querySelector('h2 .state')?.textContent ?? '', '').trim(), state: document.querySelector('h2 .state')?.textContent,
    runId: document.querySelector('.run-id code')?.textContent, row: document.querySelector('table.stats tbody tr[data-key="GET /api/slow"] td.requests')?.textContent,
  })), shown => shown.runId === runId, { timeoutMs: 5000, everyMs: 250 });
  check('after a window reload the last run is shown', restored?.scenario === 'slow' && restored.state === 'finished' && restored.runId === runId && Number(restored.row) > 0,
    JSON.stringify(restored ?? 'no panel'));
  await screenshot('panel-after-reload');
}
