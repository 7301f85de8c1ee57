// With no platform configured, a failure's trace id opens Loadlens's own trace view on that trace (its
// CLIENT span and attributes); then the scenario's call line shows its numbers and a hover with the
// failures' trace links.
import { baseSettings, check, lens, openFile, poll, runCommand, screenshot, setWorkspaceSettings, traceFrame, ui } from './driver.mjs';

export const name = 'trace-view';
export const title = 'nothing configured: the trace view, the call line\'s numbers and hover';

export async function run() {
  const { page, view } = ui;
  // The user removes the platform: trace ids open Loadlens's own view.
  setWorkspaceSettings(baseSettings());
  await page.waitForTimeout(1500);
  const editor = await openFile('orders.load.ts', "'/api/orders/7'");
  const ordersLens = lens(editor, 'Run with OTel');
  await ordersLens.first().waitFor();
  await ordersLens.first().click();
  await view.locator('h2', { hasText: 'orders' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  await view.locator('button[data-tab="failures"]').click();
  const orderLink = view.locator('table.failures a.trace').first();
  await orderLink.waitFor();
  const orderTraceId = await orderLink.getAttribute('data-trace-id');
  check('the failure has a trace id', /^[0-9a-f]{32}$/.test(orderTraceId ?? ''), orderTraceId ?? 'none');
  await orderLink.click();
  // The trace view is a second webview; its inner page says data-view="trace".
  const trace = await traceFrame();
  check('the trace view opened with spans', trace !== undefined);
  if (trace) {
    const shownId = await trace.locator('.trace-full-id').innerText();
    check('it shows the clicked trace id in full', shownId === orderTraceId, shownId);
    const spanRows = await trace.locator('.span-row').allInnerTexts();
    check('its waterfall has the request\'s CLIENT span', spanRows.some(r => /CLIENT/.test(r) && r.includes('GET /api/orders/{id}')), spanRows.join(' / ').replace(/\s+/g, ' '));
    const details = await trace.locator('.span-details').innerText();
    check('the span\'s attributes are shown', /http\.request\.method\s+GET/.test(details) && details.includes(`url.full\t${ui.url}/api/orders/7`) && /http\.response\.status_code\s+500/.test(details),
      details.split('\n').filter(l => /http\.|url\./.test(l)).join('; '));
    const tabs = await page.locator('.tab').allInnerTexts();
    check('the tab is titled by the trace', tabs.some(t => t.includes(`Trace ${orderTraceId.slice(0, 8)}`)), tabs.join(' | ').replace(/\s+/g, ' '));
    await screenshot('trace-view');
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
  const numbers = await poll(lineWithNumbers, text => text !== '', { timeoutMs: 10_000, everyMs: 200 });
  check('the http.get line ends with its numbers', /p95 [\d.]+ m?s · (\d+) \/ \1 failed/.test(numbers), numbers);
  await page.locator('.monaco-editor .view-line', { hasText: "http.get('/api/orders/7'" }).locator('span', { hasText: 'http' }).first().hover();
  // The Problem's own hover says 'HTTP 500' first; Loadlens's hover with the trace links follows.
  const hover = page.locator('.monaco-hover:visible', { hasText: 'HTTP 500 ×' });
  const failureHover = await hover.first().innerText({ timeout: 10_000 }).catch(() => '');
  check('its hover lists the failure with trace links', /HTTP 500 × \d+: [0-9a-f]{12}…/.test(failureHover), failureHover.replace(/\s+/g, ' '));
  await screenshot('editor-decorations');
  // The editor group back to its normal size (the secondary side bar stays hidden: more room for the rest).
  await page.mouse.move(5, 5);
  await runCommand('View: Toggle Maximize Editor Group');
}
