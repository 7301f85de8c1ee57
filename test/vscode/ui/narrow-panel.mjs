// The results panel 500 px wide: on the Failures and Slowest tabs the trace ids (what a user opens
// these tabs for) are inside the panel's viewport with nothing scrolled, not pushed off to the right
// behind a horizontal scroll.
import { baseSettings, check, lens, openFile, poll, resultsFrame, screenshot, setWorkspaceSettings, ui } from './driver.mjs';

export const name = 'narrow-panel';
export const title = 'a 500 px wide results panel: the trace ids visible without scrolling';

const WIDTH = 500;

/** Where the tab's first trace link is, and whether it is inside the page's viewport and every clipping box around it. */
const placeOfFirstTraceLink = (frame, table) => frame.evaluate(selector => {
  const link = document.querySelector(`${selector} a.trace`);
  if (!link) return { found: false };
  const box = link.getBoundingClientRect();
  let visible = box.width > 0 && box.left >= 0 && box.right <= document.documentElement.clientWidth && box.top >= 0 && box.bottom <= window.innerHeight;
  let scrolled = window.scrollX !== 0;
  for (let node = link.parentElement; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.overflowX === 'visible') continue;
    const clip = node.getBoundingClientRect();
    visible &&= box.left >= clip.left && box.right <= clip.left + node.clientWidth;
    scrolled ||= node.scrollLeft !== 0;
  }
  return { found: true, visible, scrolled, left: Math.round(box.left), right: Math.round(box.right), width: document.documentElement.clientWidth, text: link.textContent };
}, `table.${table}`);

export async function run() {
  const { page, view } = ui;
  setWorkspaceSettings(baseSettings());
  await page.waitForTimeout(1500);
  const editor = await openFile('orders.load.ts', "'/api/orders/7'");
  await lens(editor, 'Run with OTel').first().click();
  await view.locator('h2', { hasText: 'orders' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
  // The panel alone in the window: the scenario's editor closed (its group goes with it), then the
  // browser window narrowed until the panel's page is 500 px wide.
  const scenarioTab = page.locator('.tab', { hasText: 'orders.load.ts' }).first();
  await scenarioTab.hover();
  await scenarioTab.locator('.tab-actions .action-label').first().click({ force: true });
  await page.mouse.move(5, 5);
  await page.waitForTimeout(1000);
  let frame = await resultsFrame();
  const viewport = page.viewportSize();
  let width = await frame.evaluate(() => document.documentElement.clientWidth);
  for (let attempt = 0; attempt < 3 && width !== WIDTH; attempt++) {
    await page.setViewportSize({ width: page.viewportSize().width - (width - WIDTH), height: viewport.height });
    width = await poll(() => frame.evaluate(() => document.documentElement.clientWidth), w => w === WIDTH, { timeoutMs: 3000, everyMs: 200 });
  }
  try {
    check(`the results panel's page is ${WIDTH} px wide`, width === WIDTH, `${width} px in a ${page.viewportSize().width} px window`);
    for (const [tab, table] of [['failures', 'failures'], ['slowest', 'slowest']]) {
      await frame.locator(`button[data-tab="${tab}"]`).click();
      await frame.locator(`table.${table} a.trace`).first().waitFor();
      const place = await placeOfFirstTraceLink(frame, table);
      check(`on the ${tab} tab at ${width} px the first trace id is in sight with nothing scrolled`, place.found && place.visible && !place.scrolled,
        place.found ? `${place.text} at x ${place.left}–${place.right} of ${place.width}${place.scrolled ? ', scrolled' : ''}` : 'no trace link');
      await screenshot(`narrow-${tab}`);
    }
  } finally {
    await page.setViewportSize(viewport);
  }
}
