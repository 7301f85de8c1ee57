// The README's and docs' pictures, taken from the real UI on every run so they never go stale: the
// example shop (examples/shop, traced with the OpenTelemetry Node SDK and exporting to the embedded
// receiver) under the shopper scenario of examples/shop.load.ts, in the Light and the Dark default
// themes: the results panel after the run, a slow request's trace in the trace view (the load test's
// CLIENT span and the shop's own spans in one waterfall), and the scenario's lines with their numbers
// and a hover with the failures' trace links. Written to docs/images/{results-panel,trace-view,
// scenario-lines}-{light,dark}.png.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { baseSettings, check, docsScreenshot, lens, openFile, pickCommand, poll, reloadWithTheme, resultsFrame, root, runCommand, setWorkspaceSettings, traceFrame, ui } from './driver.mjs';

export const name = 'docs-screenshots';
export const title = 'the pictures of the README and docs: the example shop in Light and Dark';

/** examples/shop.load.ts aimed at `url`, with a load that fits a picture: 10 users for 15 s. */
function shopScenario(url) {
  const source = readFileSync(path.join(root, 'examples/shop.load.ts'), 'utf8');
  const aimed = source
    .replaceAll("host: 'http://127.0.0.1:8080'", `host: '${url}'`)
    .replace("users: 500, spawnRate: 0.5, runTime: '1h'", "users: 10, spawnRate: 10, runTime: '15s'")
    .replace('wait: between(1, 3)', 'wait: between(0.2, 0.6)');
  // The example changed under this test: say so rather than take pictures of something else.
  if (!aimed.includes(`host: '${url}'`) || !aimed.includes("runTime: '15s'")) throw new Error('examples/shop.load.ts no longer has the shopper\'s host and load as this test expects');
  return aimed;
}

/** Starts the example shop exporting to `otlpUrl`; resolves with its URL and a stop function. */
async function startShop(otlpUrl) {
  const shop = spawn(process.execPath, [path.join(root, 'examples/shop/main.ts'), '--port', '0', '--latency-ms', '15', '--jitter-ms', '40', '--error-rate', '0.04'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, OTEL_SERVICE_NAME: 'shop', OTEL_BSP_SCHEDULE_DELAY: '300' },
  });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    shop.stdout.on('data', chunk => {
      seen += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]);
    });
    shop.once('exit', code => reject(new Error(`the example shop exited with ${code} before listening`)));
  });
  shop.stdout.resume();
  return { url, stop: () => new Promise(resolve => { shop.once('exit', resolve); shop.kill('SIGTERM'); }) };
}

export async function run() {
  const { page } = ui;
  const shop = await startShop(`http://127.0.0.1:${ui.receiverPort}`);
  try {
    writeFileSync(path.join(ui.workspace, 'shop.load.ts'), shopScenario(shop.url));
    setWorkspaceSettings(baseSettings());
    // One run per theme, the theme set by a window reload before the run: a reload reads the user
    // settings for certain, and a theme switch after the run would need one too, which would restart
    // the extension host and lose the receiver's traces.
    for (const [theme, suffix] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark']]) {
      const workbenchClass = await reloadWithTheme(theme);
      // What the reload restored (the last panel, trace view, output) closed: the run opens its own.
      await page.waitForTimeout(1500);
      await pickCommand('View: Close All Editor Groups');
      await runCommand('View: Show Explorer');
      check(`the workbench is in the ${theme} theme`, workbenchClass.includes(suffix === 'light' ? 'vs' : 'vs-dark') && (suffix === 'dark' || !workbenchClass.includes('vs-dark')), workbenchClass);
      await runAndPicture(suffix);
    }
  } finally {
    await page.mouse.move(5, 5);
    await shop.stop();
  }
}

/** Runs the shopper with OTel, opens its slowest request's trace, and takes the three pictures. */
async function runAndPicture(suffix) {
  const { page } = ui;
  const editor = await openFile('shop.load.ts', 'export const shopper');
  // Room for the pictures: no primary side bar, no secondary one (Chat), no notification.
  await runCommand('View: Close Primary Side Bar');
  await page.locator('.part.auxiliarybar .codicon-close, .part.auxiliarybar [aria-label^="Hide"]').first().click({ timeout: 3000 }).catch(() => {});
  await runCommand('Notifications: Clear All Notifications');
  const runLens = lens(editor, 'Run with OTel');
  await runLens.first().waitFor();
  await page.waitForTimeout(500);
  await runLens.first().click();
  const panel = await resultsFrame();
  await panel.locator('h2', { hasText: 'shopper' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 90_000 });
  const bodyClass = await panel.evaluate(() => document.body.className);
  check(`the results panel is in the ${suffix} theme`, bodyClass.includes(`vscode-${suffix}`), bodyClass);

  // The slowest request's trace, once the shop's spans are in it (the shop exports them in batches to
  // the embedded receiver, whose port this suite fixed at its start).
  await panel.locator('button[data-tab="slowest"]').click();
  await panel.locator('table.slowest a.trace').first().click();
  const trace = await traceFrame();
  const rows = trace && await poll(() => trace.evaluate(() => [...document.querySelectorAll('.span-row')].map(r => r.textContent ?? '')),
    shown => shown.some(r => /SERVER/.test(r)), { timeoutMs: 15_000, everyMs: 250 });
  check(`the trace view shows the load test's CLIENT span and the example shop's SERVER span in one trace (${suffix})`,
    rows !== undefined && rows.some(r => /CLIENT/.test(r)) && rows.some(r => /^shop.*SERVER/.test(r)), (rows ?? []).join(' / ').replace(/\s+/g, ' ').slice(0, 200));
  await pictures(suffix);
  await page.mouse.move(5, 5);
}

/** The three pictures: the results panel beside the scenario, the trace view, the scenario's lines. */
async function pictures(suffix) {
  const { page } = ui;
  const editorArea = () => page.locator('.part.editor').first().boundingBox();
  const maximized = async shoot => {
    await runCommand('View: Toggle Maximize Editor Group');
    await page.waitForTimeout(800);
    try {
      await shoot();
    } finally {
      await page.mouse.move(5, 5);
      await runCommand('View: Toggle Maximize Editor Group');
    }
  };
  // 1. The results panel (Statistics) beside the scenario.
  await page.locator('.tab', { hasText: 'Loadlens: shopper' }).first().click();
  const panel = await resultsFrame();
  await panel.locator('button[data-tab="statistics"]').click();
  await page.waitForTimeout(500);
  await docsScreenshot(`results-panel-${suffix}`, { clip: await editorArea() });
  // 2. The trace view, its editor group the whole width.
  await page.locator('.tab', { hasText: /^Trace / }).first().click();
  const trace = await traceFrame(15_000);
  check(`the trace view shows its spans again when its tab is shown (${suffix})`, trace !== undefined);
  await maximized(async () => docsScreenshot(`trace-view-${suffix}`, { clip: await editorArea() }));
  // 3. The scenario's lines (CodeLens, each request line's numbers, the hover on one), the whole width.
  await page.locator('.tab', { hasText: 'shop.load.ts' }).first().click();
  await maximized(async () => {
    const productLine = page.locator('.monaco-editor .view-line', { hasText: 'await http.get(`/product/' });
    await productLine.locator('span', { hasText: 'http' }).first().hover();
    const hoverText = await page.locator('.monaco-hover:visible', { hasText: 'GET /product/{product_id}' }).first().innerText({ timeout: 10_000 }).catch(() => '');
    check(`the request line's hover shows its row (${suffix})`, /GET \/product\/\{product_id\}/.test(hoverText), hoverText.replace(/\s+/g, ' ').slice(0, 160));
    await docsScreenshot(`scenario-lines-${suffix}`, { clip: await editorArea() });
  });
}
