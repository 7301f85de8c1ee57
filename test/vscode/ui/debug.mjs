// "Debug" on a scenario with a breakpoint set by F9: one user, one iteration, the debugger stops on
// that line of the .load.ts with the response in the Variables view.
import { check, lens, screenshot, ui } from './driver.mjs';

export const name = 'debug';
export const title = 'Debug lens, breakpoint, debugger stopped';

export async function run() {
  const { page } = ui;
  const before = ui.target.productRequests;
  await page.getByRole('treeitem', { name: /stepper\.load\.ts/ }).click();
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  await editor.locator('.view-line', { hasText: 'const status = res.status;' }).click();
  await page.keyboard.press('F9');
  await editor.locator('.codicon-debug-breakpoint').first().waitFor();
  await lens(editor, /^Debug$/).first().click();
  // The editor marks the line the debugger stopped on; the call stack names the file and line.
  await page.locator('.debug-top-stack-frame-line').first().waitFor({ timeout: 90_000 });
  const stoppedLine = await page.locator('.editor-group-container.active .monaco-editor .line-numbers.active-line-number, .editor-group-container.active .monaco-editor .active-line-number').first().innerText().catch(() => '');
  const callStack = await page.locator('.debug-call-stack').first().innerText().catch(() => '');
  check('the debugger stopped in stepper.load.ts at line 5', /stepper\.load\.ts\s*5:\d+/.test(callStack), `${callStack.replace(/\s+/g, ' ').slice(0, 160)}; active line ${stoppedLine}`);
  // `res` is a const of the function body: js-debug lists it in the Block scope.
  await page.locator('.debug-variables .monaco-list-row', { hasText: /^Block$/ }).first().click();
  await page.locator('.debug-variables .monaco-list-row', { hasText: /^res\b/ }).first().waitFor({ timeout: 10_000 }).catch(() => {});
  const variables = await page.locator('.debug-variables').first().innerText().catch(() => '');
  check('the response is in the Variables view', /\bres\b/.test(variables), variables.replace(/\s+/g, ' ').slice(0, 160));
  // Room for the editor in the picture: hide the secondary side bar (Chat) if the workbench shows one.
  await page.locator('.part.auxiliarybar .codicon-close, .part.auxiliarybar [aria-label^="Hide"]').first().click({ timeout: 3000 }).catch(() => {});
  await page.locator('.debug-top-stack-frame-line').first().scrollIntoViewIfNeeded().catch(() => {});
  check('the request before the breakpoint was sent, once', ui.target.productRequests - before === 1, `${ui.target.productRequests - before} requests`);
  await screenshot('debug-stopped');
  await page.keyboard.press('F5'); // continue: the one iteration ends the run
  await page.locator('.debug-top-stack-frame-line').first().waitFor({ state: 'detached', timeout: 30_000 });
  check('one user, one iteration: one request in all', ui.target.productRequests - before === 1, `${ui.target.productRequests - before} requests`);
}
