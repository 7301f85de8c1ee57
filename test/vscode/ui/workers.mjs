// `loadlens.run.workers` = 2 (the workspace's settings): workers.load.ts run twice from its CodeLens.
// First to its end: the header's strip says "2 workers" and each worker's users and requests, which add
// up to the table's total and to what the server received. Then a longer run, one worker killed with
// SIGKILL mid-run (its pid read from the strip, checked to be a Loadlens worker process): the strip says
// so at once in the error colour, and the run still ends with its report.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { check, lens, openFile, poll, resultsFrame, runCommand, screenshot, ui, workspaceSettingsFile } from './driver.mjs';
import { workersScenario } from './workspace.mjs';

export const name = 'workers';
export const title = '--workers 2 in the results panel (loadlens.run.workers)';

/** The strip as the page shows it: its title, each worker's text, class and requests; the table's total. */
const readStrip = frame => frame.evaluate(() => ({
  title: document.querySelector('.workers .workers-title')?.textContent ?? '',
  titleBad: document.querySelector('.workers .workers-title')?.classList.contains('bad') ?? false,
  workers: [...document.querySelectorAll('.workers .worker')].map(w => ({ text: w.textContent, lost: w.classList.contains('lost'), requests: Number(w.dataset.requests), color: getComputedStyle(w).color })),
  total: Number(document.querySelector('table.stats tfoot td.requests')?.textContent ?? NaN),
  state: document.querySelector('h2 .state')?.textContent ?? '',
  verdict: document.querySelector('h2 .state')?.classList.contains('failed') ? 'failed' : document.querySelector('h2 .state')?.classList.contains('passed') ? 'passed' : 'live',
  scenario: (document.querySelector('h2')?.textContent ?? '').replace(document.querySelector('h2 .state')?.textContent ?? '', '').trim(),
}));
/** Both workers running, each with its 2 users (the plan's 4, split in two) and some requests. */
const bothRunning = strip => strip?.scenario === 'workers' && strip.state === 'running' && strip.workers.length === 2 && strip.workers.every(w => w.requests > 0 && / 2 users · /.test(w.text));

export async function run() {
  const { page } = ui;
  const settingsFile = workspaceSettingsFile();
  const settingsBefore = readFileSync(settingsFile, 'utf8');
  writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(settingsBefore), 'loadlens.run.workers': 2 }, null, 2));
  writeFileSync(path.join(ui.workspace, 'workers.load.ts'), workersScenario(ui.url, '4s'));
  try {
    await page.waitForTimeout(1500);
    const editor = await openFile('workers.load.ts', "'/api/workers'");
    const runLens = lens(editor, /^Run$/);
    await runLens.first().waitFor();
    // Room for the panel in the pictures: no secondary side bar (Chat), if the workbench shows one.
    await page.locator('.part.auxiliarybar .codicon-close, .part.auxiliarybar [aria-label^="Hide"]').first().click({ timeout: 3000 }).catch(() => {});
    await page.waitForTimeout(500);

    // 1. A clean run to its end.
    const before = ui.target.workersServed;
    await runLens.first().click();
    let panel = await resultsFrame();
    let strip = await poll(() => readStrip(panel).catch(() => undefined), bothRunning, { timeoutMs: 30_000, everyMs: 200 });
    check('during a run with 2 workers the header says "2 workers", each with its users and requests',
      strip?.title === '2 workers' && strip.workers.length === 2 && strip.workers.every(w => /^worker [12] \(pid \d+\): 2 users · [\d,]+ requests$/.test(w.text)),
      strip ? `${strip.title}: ${strip.workers.map(w => w.text).join(' | ')}` : 'no strip');
    await screenshot('workers-panel');
    await panel.locator('h2', { hasText: 'workers' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 30_000 });
    strip = await readStrip(panel);
    const served = ui.target.workersServed - before;
    const sum = strip.workers.reduce((n, w) => n + w.requests, 0);
    check('after the run the workers\' requests add up to the panel\'s total and to what the server received',
      strip.workers.length === 2 && sum === strip.total && sum === served && strip.workers.every(w => w.requests > 0),
      `${strip.workers.map(w => w.requests).join(' + ')} = ${sum}; panel total ${strip.total}; server ${served}`);
    check('and each worker shows its CPU and peak memory from the report',
      strip.workers.every(w => /^worker [12] \(pid \d+\): [\d,]+ requests · CPU [\d.]+ m?s · peak \d+ MB$/.test(w.text)), strip.workers.map(w => w.text).join(' | '));
    check('a clean run with workers is shown as passed (its exit code 0)', strip.verdict === 'passed', strip.verdict);

    // 2. A longer run; one worker killed once both have reported.
    writeFileSync(path.join(ui.workspace, 'workers.load.ts'), workersScenario(ui.url, '10s'));
    await page.waitForTimeout(1000);
    await runCommand('View: Focus First Editor Group');
    await page.locator('.tab', { hasText: 'workers.load.ts' }).first().click();
    await runLens.first().click();
    panel = await resultsFrame();
    strip = await poll(() => readStrip(panel).catch(() => undefined), bothRunning, { timeoutMs: 30_000, everyMs: 200 });
    const victim = Number(/pid (\d+)/.exec(strip?.workers[1]?.text ?? '')?.[1]);
    // Only a process that is one of Loadlens's workers is killed (its command line ends with 'worker').
    const cmdline = Number.isInteger(victim) && victim > 0 ? readFileSync(`/proc/${victim}/cmdline`, 'utf8').split('\0').filter(Boolean) : [];
    const isWorker = cmdline.at(-1) === 'worker' && cmdline.some(arg => arg.endsWith('engine.js'));
    check('the second worker\'s pid in the strip is a Loadlens worker process', isWorker, `pid ${victim}: ${cmdline.slice(-2).join(' ')}`);
    if (!isWorker) return;
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    strip = await poll(() => readStrip(panel), shown => shown.workers.some(w => w.lost), { timeoutMs: 10_000, everyMs: 50 });
    const lostAfterMs = strip.workers.some(w => w.lost) ? Date.now() - killedAt : undefined;
    const lost = strip.workers.find(w => w.lost);
    check('the killed worker shows lost at once, in the error colour, with its reason and what is kept',
      lostAfterMs !== undefined && lostAfterMs <= 1000 && strip.title === '2 workers, 1 lost' && strip.titleBad && strip.state === 'running'
        && new RegExp(`^worker 2 \\(pid ${victim}\\) was killed by SIGKILL: its [\\d,]+ requests are kept$`).test(lost?.text ?? '')
        && lost.color !== strip.workers.find(w => !w.lost)?.color,
      `${lostAfterMs ?? 'not'} ms after the kill: ${strip.title}: ${strip.workers.map(w => `${w.text} [${w.color}]`).join(' | ')}; ${strip.state}`);
    await screenshot('workers-lost');
    await panel.locator('h2', { hasText: 'workers' }).locator('.state', { hasText: 'finished' }).waitFor({ timeout: 40_000 });
    strip = await readStrip(panel);
    const keptLost = strip.workers.find(w => w.lost);
    check('the run still ends with its report: the lost worker\'s requests are in the total',
      strip.workers.length === 2 && keptLost !== undefined && keptLost.requests > 0 && strip.workers.reduce((n, w) => n + w.requests, 0) === strip.total
        && /^worker 1 \(pid \d+\): [\d,]+ requests · CPU /.test(strip.workers[0].text),
      `${strip.state}: ${strip.workers.map(w => w.text).join(' | ')}; total ${strip.total}`);
    // The editor's verdict is the CLI's exit code (4: a worker was lost), not "passed": the badge and the status bar say so.
    const statusText = await page.locator('.statusbar-item', { hasText: 'Loadlens:' }).first().innerText().catch(() => '');
    check('a run that lost a worker is not shown as passed: the badge is failed and the status bar says ended by force',
      strip.verdict === 'failed' && /ended by force/.test(statusText), `badge ${strip.verdict}; status bar '${statusText.replace(/\s+/g, ' ')}'`);
    await screenshot('workers-finished');
  } finally {
    writeFileSync(settingsFile, settingsBefore);
  }
}
