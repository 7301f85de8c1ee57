// Part 8 of `npm run bench`: the results panel's render time per snapshot with 200 rows, in headless
// Chromium (the harness's, test/vscode/host.mjs), against the panel it replaced, which rebuilt the whole
// page and its three charts on every message (the `main` branch's webview/main.ts before issue 9, built
// here from git as the baseline; skipped when git cannot show it).
//
// The page is the real bundle (dist/webview.js) under a stub of the webview API. The panel renders at
// most once a second; the bench holds the page's timers and runs them right after each snapshot, so 60
// snapshots take 60 renders, not 60 s, and each render is timed with the page's own performance.now():
// the message dispatched, the timers run, the DOM patched and the charts drawn (all synchronous).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../test/vscode/host.mjs';

const root = path.resolve(import.meta.dirname, '..');
const ROWS = 200;
const SNAPSHOTS = 60;
/** A commit whose panel rebuilt everything on each message (main just before issue 9's panel). */
const BASELINE = process.env.BENCH_PANEL_BASELINE || '6389be5223d2967f02cf2722a48403dff6af1541';

/** Builds the baseline panel from git into a temporary bundle; undefined when git cannot show it. */
async function buildBaseline() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-panel-baseline-'));
  try {
    const archive = execFileSync('git', ['archive', BASELINE, 'webview', 'src/shared'], { cwd: root, maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
    const old = readFileSync(path.join(dir, 'webview/main.ts'), 'utf8');
    // Only a panel that still rebuilds (destroy + replaceChildren) is the baseline this part compares with.
    if (!old.includes('chart.destroy()') || !old.includes('replaceChildren')) return undefined;
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [path.join(dir, 'webview/main.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'es2022',
      outfile: path.join(dir, 'out/panel.js'), loader: { '.css': 'empty' }, nodePaths: [path.join(root, 'node_modules')], logLevel: 'error',
    });
    return { script: path.join(dir, 'out/panel.js'), dir };
  } catch (error) {
    console.log(`(no baseline: ${error.message.split('\n')[0]})`);
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

/** The page: the webview's markup, a stub of acquireVsCodeApi, and timers the bench runs when it says. */
const PAGE = `<!DOCTYPE html><html><head><style>
:root { --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-font-family: sans-serif; --vscode-font-size: 13px; }
body { width: 1400px; }
</style></head><body><div id="app"></div></body></html>`;

const SETUP = () => {
  window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState() {} });
  const held = [];
  window.setTimeout = (fn) => { held.push(fn); return held.length; };
  window.clearTimeout = () => {};
  window.runHeldTimers = () => { while (held.length > 0) held.shift()(); };
};

/** One snapshot of a run with `rows` request rows, its numbers moving with `i`. */
const SNAPSHOT = ({ i, rows, startedAt }) => {
  const row = (n) => ({
    method: n % 3 === 0 ? 'POST' : 'GET', name: `/api/resource-${n}/{id}`, count: 100 * i + n, failures: n % 7 === 0 ? i : 0,
    p50: 10 + (n % 13) + i * 0.1, p90: 30 + n % 17, p95: 40 + (n % 19) + i, p99: 90 + (n % 23) * i, avg: 14 + n % 5, min: 1 + n % 3, max: 300 + i * 3,
    avgSize: 1000 + n * 10, ttfbAvg: 8 + n % 4, connectAvg: 2 + n % 2, connects: n % 2, currentRps: 5 + ((n + i) % 11), currentFailuresPerSec: n % 7 === 0 ? 0.2 : 0,
    statusClasses: n % 7 === 0 ? { '2xx': 100 * i, '5xx': i } : { '2xx': 100 * i + n },
  });
  const requests = Array.from({ length: rows }, (_, n) => row(n));
  const totals = { ...row(0), method: '', name: 'Aggregated', count: requests.reduce((s, r) => s + r.count, 0), failures: requests.reduce((s, r) => s + r.failures, 0), currentRps: 1500 + i };
  const t = startedAt + (i + 1) * 1000;
  return {
    runId: 'bench', scenario: 'bench', state: 'running', startedAt, elapsedMs: (i + 1) * 1000, users: 50, targetUsers: 50, totals, requests,
    failures: requests.filter(r => r.failures > 0).slice(0, 20).map(r => ({ method: r.method, name: r.name, error: 'HTTP 500', count: r.failures, traceIds: ['0123456789abcdef0123456789abcdef'], lastAt: t })),
    slowest: requests.slice(0, 10).map(r => ({ method: r.method, name: r.name, durationMs: r.max, status: 200, traceId: 'fedcba9876543210fedcba9876543210', at: t })),
    iterationErrors: [], current: { t, rps: 1500 + i, failuresPerSec: 3, p50: 12, p95: 60 + i, p99: 120, users: 50 },
  };
};

/** Loads `script` in a fresh page, posts run-started then SNAPSHOTS snapshots; the ms of each render. */
async function measure(browser, script, { tab } = {}) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.setContent(PAGE);
    await page.evaluate(SETUP);
    await page.addScriptTag({ path: script });
    const startedAt = Date.now();
    await page.evaluate(({ startedAt }) => {
      const data = { kind: 'run-started', runId: 'bench', scenario: 'bench', file: 'bench.load.ts', startedAt, targetUsers: 50, runTimeMs: 600_000, host: 'http://127.0.0.1' };
      window.dispatchEvent(new MessageEvent('message', { data }));
      window.runHeldTimers?.();
    }, { startedAt });
    if (tab) await page.evaluate((tab) => document.querySelector(`[data-tab="${tab}"]`)?.click(), tab);
    const times = [];
    let firstCanvas;
    for (let i = 0; i < SNAPSHOTS; i++) {
      const snapshot = await page.evaluate(SNAPSHOT, { i, rows: ROWS, startedAt });
      const ms = await page.evaluate((data) => {
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data }));
        window.runHeldTimers();
        return performance.now() - t0;
      }, { kind: 'stats', snapshot });
      times.push(ms);
      const canvas = await page.evaluateHandle(() => document.getElementById('chart-rps'));
      if (i === 0) firstCanvas = canvas;
      else if (i === SNAPSHOTS - 1) {
        const same = await page.evaluate(([a, b]) => a === b, [firstCanvas, canvas]);
        times.sameCanvas = same;
      }
    }
    times.rows = await page.evaluate(() => document.querySelectorAll('table.stats tbody tr').length);
    return times;
  } finally {
    await page.close();
  }
}

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), mean: times.reduce((s, t) => s + t, 0) / times.length };
};

export async function panelBench() {
  console.log(`\n== 8. Results panel: render time per snapshot, ${ROWS} rows, ${SNAPSHOTS} snapshots (headless Chromium)`);
  const bundle = path.join(root, 'dist/webview.js');
  const baseline = await buildBaseline();
  const browser = await launchBrowser();
  const result = { rows: ROWS, snapshots: SNAPSHOTS };
  try {
    // Warm up once (JIT, fonts), then alternate so both see the same machine.
    await measure(browser, bundle);
    const inPlace = [], inPlaceCharts = [], rebuild = [];
    for (let round = 0; round < 2; round++) {
      inPlace.push(await measure(browser, bundle));
      inPlaceCharts.push(await measure(browser, bundle, { tab: 'charts' }));
      if (baseline) rebuild.push(await measure(browser, baseline.script));
    }
    const all = (runs) => runs.flatMap(r => [...r].slice(1)); // the first snapshot creates the rows and charts
    result.inPlace = stats(all(inPlace));
    result.inPlaceChartsTab = stats(all(inPlaceCharts));
    result.rowsShown = inPlace[0].rows;
    result.canvasKept = inPlace.every(r => r.sameCanvas);
    console.log(`in place (Statistics tab): median ${result.inPlace.median.toFixed(2)} ms, p90 ${result.inPlace.p90.toFixed(2)} ms per snapshot; ${result.rowsShown} rows shown; same canvas after ${SNAPSHOTS} snapshots: ${result.canvasKept}`);
    console.log(`in place (Charts tab)    : median ${result.inPlaceChartsTab.median.toFixed(2)} ms, p90 ${result.inPlaceChartsTab.p90.toFixed(2)} ms per snapshot`);
    if (baseline) {
      result.rebuild = stats(all(rebuild));
      result.ratio = result.rebuild.median / result.inPlace.median;
      console.log(`full rebuild (the panel of ${BASELINE.slice(0, 7)}): median ${result.rebuild.median.toFixed(2)} ms, p90 ${result.rebuild.p90.toFixed(2)} ms per snapshot; same canvas: ${rebuild.every(r => r.sameCanvas)}`);
      console.log(`RATIO full rebuild / in place (median): ${result.ratio.toFixed(1)}; vs in place with the charts shown: ${(result.rebuild.median / result.inPlaceChartsTab.median).toFixed(1)}`);
    }
    console.log('(at most one render a second: this is the page\'s cost per second of a live run)');
  } finally {
    await browser.close();
    if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
  }
  return result;
}

// Run alone: node bench/panel.mjs (after node scripts/build.mjs).
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await panelBench();
  writeFileSync(path.join(os.tmpdir(), 'loadlens-panel-bench.json'), JSON.stringify(result, null, 2));
}
