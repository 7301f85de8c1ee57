// "Loadlens: Set OTLP Headers…" from the command palette: a password box, and the value is kept out of
// every file (workspace and user settings) and out of the message that confirms it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { check, ui } from './driver.mjs';

export const name = 'secrets';
export const title = 'Set OTLP Headers… (password input)';

export async function run() {
  const { page } = ui;
  const secret = `ui-secret-${Date.now().toString(36)}`;
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.fill('>Loadlens: Set OTLP Headers');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Set OTLP Headers' }).first().click();
  await page.locator('.quick-input-widget', { hasText: 'OTEL_EXPORTER_OTLP_HEADERS' }).waitFor();
  check('the headers box hides what is typed', (await input.getAttribute('type')) === 'password', `input type ${await input.getAttribute('type')}`);
  await input.fill(`X-SF-TOKEN=${secret}`);
  await page.keyboard.press('Enter');
  const toast = page.locator('.notification-toast', { hasText: 'OTLP headers stored' });
  await toast.first().waitFor({ timeout: 20_000 });
  const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
  check('storing the headers names them, not their values', text.includes('X-SF-TOKEN') && !text.includes(secret), text.slice(0, 120));
  const files = [
    ...readdirSync(ui.workspace, { recursive: true }).map(f => path.join(ui.workspace, String(f))).filter(f => statSync(f).isFile()),
    ...(existsSync(ui.userSettings) ? [ui.userSettings] : []),
  ];
  check('the value is in no file of the workspace nor the user settings', files.every(f => !readFileSync(f, 'latin1').includes(secret)), `${files.length} files`);
}
