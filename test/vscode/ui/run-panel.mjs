// The installed extension's CodeLenses on items.load.ts; "Run" clicked; the results panel read from the
// webview's DOM: its row counts exactly what the loopback target received.
import { check, lens, openFile, poll, screenshot, ui } from './driver.mjs';

export const name = 'run-panel';
export const title = 'installed .vsix, CodeLens, results panel';

export async function run() {
  const { page, view } = ui;
  const editor = await openFile('items.load.ts', "'/api/items?page=1'");
  const runLens = lens(editor, /^Run$/);
  await runLens.first().waitFor();
  // The editor may re-render its lenses once more after they first appear: read them until they settle.
  const expected = '▶ Run with OTel|Run|Options…|Debug';
  const titles = await poll(() => editor.locator('.codelens-decoration a').allInnerTexts(), t => t.join('|') === expected, { timeoutMs: 10_000, everyMs: 200 });
  check('the installed extension activated and shows its CodeLenses', titles.join('|') === expected, titles.join(' | ') || 'none');
  await runLens.first().click();

  await view.locator('table.stats tbody tr').first().waitFor();
  const liveKpis = await view.locator('.kpis').innerText();
  check('the panel shows live numbers while the run goes', /Users\s+\d+ \/ 2/.test(liveKpis), liveKpis.replace(/\s+/g, ' '));
  await view.locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  const rows = await view.locator('table.stats tbody tr').allInnerTexts();
  const itemsRow = rows.map(r => r.split('\t')).find(cells => cells[1] === '/api/items');
  const { served } = ui.target;
  check('the stats table has the /api/items row', itemsRow !== undefined, rows.join(' / ').replace(/\s+/g, ' '));
  check('the row counts exactly what the server received', itemsRow !== undefined && Number(itemsRow[2]) === served, `panel ${itemsRow?.[2]}, server ${served}`);
  check('no failures', itemsRow !== undefined && itemsRow[3].startsWith('0'), itemsRow?.[3]);
  const canvases = await view.locator('.charts canvas').count();
  check('three live charts are drawn', canvases === 3, `${canvases} canvases`);
  const tab = await page.locator('.tab', { hasText: 'Loadlens' }).first().innerText();
  check('the panel tab names the scenario', tab.includes('items'), tab.trim());
  await screenshot('ui-panel');
}
