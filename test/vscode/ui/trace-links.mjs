// Trace links to the user's platform: with the `custom` preset pointing at a page served here, a click
// on a failure's trace id in the panel opens that page for exactly that trace id (searching from a
// minute before the run, with the run id), and the copy button beside it copies the whole id.
import { check, customPresetSettings, lens, openFile, poll, setWorkspaceSettings, ui } from './driver.mjs';

export const name = 'trace-links';
export const title = 'trace links (custom preset → a page served here)';

export async function run() {
  const { page, view, context } = ui;
  setWorkspaceSettings(customPresetSettings());
  await page.waitForTimeout(1500);
  const editor = await openFile('broken.load.ts', "'/api/broken'");
  const otelLens = lens(editor, 'Run with OTel');
  await otelLens.first().waitFor();
  await page.waitForTimeout(500);
  const runClickedAt = Date.now();
  await otelLens.first().click();
  // This run's end (the panel may still say 'finished' for a previous run until this one starts).
  await view.locator('h2', { hasText: 'broken' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  await view.locator('button[data-tab="failures"]').click();
  const link = view.locator('table.failures a.trace').first();
  await link.waitFor();
  const traceId = await link.getAttribute('data-trace-id');
  const linkTitle = await link.getAttribute('title');
  const shown = await link.innerText();
  check('a failure shows its trace id shortened, the whole id on hover', /^[0-9a-f]{32}$/.test(traceId ?? '') && linkTitle === `Open trace ${traceId}` && shown === `${traceId.slice(0, 12)}…`, `${shown} / ${linkTitle}`);
  const popup = context.waitForEvent('page', { timeout: 20_000 }).catch(() => undefined);
  const before = ui.tracePageRequests.length;
  await link.click();
  // VS Code may ask before opening an external site; localhost is trusted, but answer if it asks.
  const openButton = page.getByRole('button', { name: /^Open$/ });
  if (await openButton.isVisible({ timeout: 2000 }).catch(() => false)) await openButton.click();
  const opened = await popup;
  await poll(() => ui.tracePageRequests.length, n => n > before, { timeoutMs: 15_000, everyMs: 100 });
  const asked = ui.tracePageRequests.slice(before).find(u => u.startsWith('/trace/'));
  const query = new URL(asked ?? '/', ui.tracePagesUrl).searchParams;
  check('clicking the failure\'s trace id opens the platform page for exactly that trace', asked !== undefined && asked.split('?')[0] === `/trace/${traceId}`, `asked ${asked ?? 'nothing'}${opened ? `; popup ${opened.url()}` : ''}`);
  const from = Number(query.get('from'));
  check('the link searches from a minute before the run started', from > runClickedAt - 70_000 && from < runClickedAt - 50_000, `from ${from}, run clicked ${runClickedAt}`);
  check('the link carries the run id', /^[0-9a-f-]{36}$/.test(query.get('run') ?? ''), query.get('run') ?? 'none');
  await opened?.close().catch(() => {});

  // The copy button beside that same (shortened) id.
  const copy = view.locator(`table.failures .trace-id:has(a[data-trace-id="${traceId}"]) button.copy`).first();
  const copies = await copy.getAttribute('data-copy');
  await copy.click();
  const clipboard = await poll(() => page.evaluate(() => navigator.clipboard.readText()).catch(error => `(unreadable: ${error.message})`), text => text === traceId, { timeoutMs: 5000, everyMs: 200 });
  check('the copy button copies the whole trace id', clipboard === traceId, `clipboard ${clipboard}, button ${copies}`);
}
