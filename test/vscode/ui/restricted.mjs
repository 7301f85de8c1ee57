// Restricted Mode: a second code-server with workspace trust on opens the same folder untrusted, so
// Run says why it does not run and nothing reaches the target.
import { check, ui, resultsDir } from './driver.mjs';
import path from 'node:path';
import { launchBrowser, startCodeServer } from '../host.mjs';

export const name = 'restricted';
export const title = 'Restricted Mode (untrusted folder)';

export async function run() {
  const restricted = await startCodeServer({ smokeDriver: false, installVsix: ui.vsix, workspaceTrust: true });
  const untrustedBrowser = await launchBrowser();
  const before = ui.target.served;
  const view = await (await untrustedBrowser.newContext({ viewport: { width: 1500, height: 950 } })).newPage();
  view.setDefaultTimeout(60_000);
  try {
    await view.goto(`${restricted.url}/?folder=${encodeURIComponent(ui.workspace)}`);
    await view.locator('.monaco-workbench').waitFor();
    // code-server opens a folder it has never seen in Restricted Mode; some builds ask first.
    await view.getByRole('button', { name: /No, I don.t trust the authors/ }).click({ timeout: 5000 }).catch(() => {});
    await view.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor();
    await view.getByRole('treeitem', { name: /items\.load\.ts/ }).click();
    const runLens = view.locator('.codelens-decoration a').filter({ hasText: /^Run$/ });
    await runLens.first().click();
    const toast = view.locator('.notification-toast', { hasText: 'this folder is not trusted' });
    await toast.first().waitFor({ timeout: 30_000 });
    const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
    check('Run in an untrusted folder says why it does not run', /this folder is not trusted, so its scenarios do not run: running a scenario executes its code/.test(text), text.slice(0, 200));
    await view.waitForTimeout(1000);
    check('nothing reached the target', ui.target.served === before, `${ui.target.served - before} requests`);
  } finally {
    await view.screenshot({ path: path.join(resultsDir, 'restricted-mode.png') }).catch(() => {});
    await untrustedBrowser.close().catch(() => {});
    await restricted.stop();
  }
}
