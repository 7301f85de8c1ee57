// Authoring in a folder with nothing installed: the Problems panel shows a misspelt option from
// `loadlens check` and TypeScript's own error on it (the shipped types), and hovers show the problem and
// the API's doc comment.
import { check, poll, screenshot, ui } from './driver.mjs';

export const name = 'authoring';
export const title = 'types with no install, Problems as you type';

export async function run() {
  const { page } = ui;
  await page.getByRole('treeitem', { name: /typo\.load\.ts/ }).click();
  await page.keyboard.press('Control+Shift+M'); // the Problems panel
  const problemRows = async () => (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map(r => r.replace(/\s+/g, ' '));
  const problems = await poll(problemRows, rows => rows.some(r => r.includes("did you mean 'spawnRate'")) && rows.some(r => /Did you mean to write 'spawnRate'/.test(r)), { timeoutMs: 150_000, everyMs: 500 });
  check("loadlens check marks the typo: unknown option 'spawnrate': did you mean 'spawnRate'?", problems.some(r => r.includes("unknown option 'spawnrate': did you mean 'spawnRate'?") && /\[Ln 6, Col 3\]/.test(r)), problems.join(' / '));
  check("TypeScript knows the scenario's types with nothing installed (its own did-you-mean on the option)", problems.some(r => /Did you mean to write 'spawnRate'/.test(r)), `${problems.length} rows`);
  check("no 'Cannot find module' and no implicit any anywhere", !problems.some(r => /Cannot find module|implicitly has an 'any'/.test(r)), problems.join(' / '));
  check('the valid scenario (items.load.ts) has no problems', !problems.some(r => r.includes('items.load.ts')), problems.filter(r => r.includes('items.load.ts')).join(' / '));
  // Hover the misspelt option: both messages, then the API's doc comment on scenario.
  const hoverTextOf = (word, expected) => poll(async () => {
    await page.mouse.move(5, 5);
    await page.locator('.view-line span', { hasText: word }).first().hover();
    await page.waitForTimeout(1000);
    return (await page.locator('.monaco-hover:visible').allInnerTexts().catch(() => [])).join('\n');
  }, text => text.includes(expected), { timeoutMs: 20_000, everyMs: 300 });
  const problemHover = await hoverTextOf(/^spawnrate$/, "did you mean 'spawnRate'");
  check('hovering the typo shows the problem', problemHover.includes("did you mean 'spawnRate'"), problemHover.replace(/\s+/g, ' ').slice(0, 160));
  await screenshot('ui-problem');
  const docHover = await hoverTextOf(/^scenario$/, 'Defines a scenario');
  check('hovering scenario shows its signature and doc comment', docHover.includes('Defines a scenario') && docHover.includes('ScenarioOptions'), docHover.replace(/\s+/g, ' ').slice(0, 160));
  await screenshot('ui-types');
}
