// One report rendered three ways (the terminal summary, the HTML report, the results panel's model):
// the same columns, the same rows, the same numbers with the same units (issue 9). Then the panel's
// reducer and model: live vs finished RPS, remaining time, dropped arrivals, stop reason, iteration
// errors' lines, threshold units.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatsTable, formatSummary } from '../../src/engine/outputs/terminal.ts';
import { renderHtmlReport } from '../../src/engine/outputs/report-html.ts';
import { applyHostMessage, emptyPanelState, MAX_POINTS, panelModel, parseWhere, type PanelState } from '../../src/shared/panel-model.ts';
import type { HostToView } from '../../src/shared/protocol.ts';
import type { RunReport } from '../../src/shared/report.ts';
import { liveStatsTable, sortRows, type StatsTable } from '../../src/shared/stats-table.ts';
import { RUN_ID, RUN_START, shopReport, shopSnapshot } from '../fixtures/snapshots/shop-run.ts';

const runStarted: Extract<HostToView, { kind: 'run-started' }> = {
  kind: 'run-started', header: { runId: RUN_ID, scenario: 'shopper', file: 'examples/shop.load.ts', startedAt: RUN_START, targetUsers: 50, runTimeMs: 60_000, host: 'http://127.0.0.1:8080', otel: true },
};

function finishedPanel(report: RunReport, exitCode = 1): PanelState {
  return applyHostMessage(applyHostMessage(emptyPanelState(), runStarted), { kind: 'finished', report, exitCode });
}

/** The terminal's final table as [header cells, ...row cells] (its columns are 2+ spaces apart). */
function terminalTable(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex(line => line.startsWith('Type  Name'));
  const table: string[][] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === '') break;
    if (/^-+(\s+-+)*\s*$/.test(line)) continue;
    const cells = line.trimEnd().split(/\s{2,}/);
    // The aggregate has no Type: its line starts with blanks.
    table.push(line.startsWith(' ') ? ['', ...cells.slice(1)] : cells);
  }
  return table;
}

/** The HTML report's stats table as [header cells, ...row cells], as text (tags stripped, entities read). */
function htmlTable(page: string): string[][] {
  const table = /<table class="stats">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
  const text = (cell: string) => cell.replace(/<wbr>/g, '').replace(/<\/span> <span/g, '</span><span').replace(/<\/span><span/g, '</span> <span').replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim();
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map(([, row]) => [...row!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(([, cell]) => text(cell!)));
}

/** The panel's table as [header cells, ...row cells]: exactly the texts its cells show. */
function panelTable(table: StatsTable): string[][] {
  return [table.columns.map(c => c.header), ...[...table.rows, table.aggregate].map(row => table.columns.map(c => row.cells[c.id].text))];
}

describe('one table model, three renderers', () => {
  const terminal = terminalTable(formatSummary(shopReport, { width: 400 }));
  const html = htmlTable(renderHtmlReport(shopReport));
  const panel = panelTable(panelModel(finishedPanel(shopReport))!.table);

  test('the terminal, the HTML report and the panel have the same columns, with p95, TTFB and Connect, and RPS as the run average', () => {
    const columns = ['Type', 'Name', '# reqs', '# fails', 'Median', '90%ile', '95%ile', '99%ile', 'Average', 'Min', 'Max', 'Avg size', 'RPS', 'TTFB', 'Connect', 'Status'];
    assert.deepEqual(panel[0], columns);
    assert.deepEqual(html[0], columns);
    assert.deepEqual(terminal[0], columns);
  });

  test('they show the same rows with the same numbers in the same units', () => {
    assert.equal(panel.length, 6); // header, 4 requests, the aggregate
    assert.deepEqual(html, panel);
    assert.deepEqual(terminal, panel);
  });

  test('the numbers are the report\'s: checkout\'s p95 and its RPS averaged over the 60 s run', () => {
    const checkout = panel.find(row => row[1] === '/checkout/confirm')!;
    assert.deepEqual(checkout.slice(2, 8), ['604', '17 (2.8%)', '142 ms', '388 ms', '512 ms', '1.2 s']);
    assert.equal(checkout[12], (604 / 60).toFixed(1)); // 10.1: the run average, not the last 10 s
    const aggregate = panel.at(-1)!;
    assert.deepEqual([aggregate[0], aggregate[1], aggregate[2], aggregate[12]], ['', 'Aggregated', '6112', String(Math.round(shopReport.totals.rps))]);
  });

  test('during the run, the live terminal table and the panel both mean the current rate', () => {
    const live = liveStatsTable(shopSnapshot);
    const liveTerminal = terminalTable(formatStatsTable([...shopSnapshot.requests, shopSnapshot.totals], 400));
    assert.equal(live.rate, 'current');
    assert.deepEqual(liveTerminal, panelTable(live));
    assert.equal(liveTerminal[0]![12], 'Current RPS');
    assert.equal(liveTerminal.find(row => row[1] === '/product/{product_id}')![12], '44.6');
  });
});

describe('the panel model', () => {
  test('during the run: state, elapsed, remaining, users, current RPS, failure %', () => {
    const state = applyHostMessage(applyHostMessage(emptyPanelState(), runStarted), { kind: 'stats', snapshot: { ...shopSnapshot, elapsedMs: 42_300, droppedIterations: 7 } });
    const { header } = panelModel(state)!;
    assert.deepEqual(header, {
      scenario: 'shopper', runId: RUN_ID, state: shopSnapshot.state, finished: false, elapsed: '0:42', remaining: '0:17',
      users: `${shopSnapshot.users} / 50`, rpsLabel: 'RPS (current)', rps: '111', failurePercent: '0.5%', failing: true, dropped: 7,
    });
  });

  test('after the run: the run average, the stop reason, and the thresholds in their own units', () => {
    const model = panelModel(finishedPanel({ ...shopReport, droppedIterations: 3 }))!;
    assert.equal(model.header.rpsLabel, 'RPS (run average)');
    assert.equal(model.header.rps, '102');
    assert.equal(model.header.stopReason, 'run time reached');
    assert.equal(model.header.dropped, 3);
    assert.equal(model.header.remaining, undefined);
    assert.equal(model.header.passed, false);
    assert.deepEqual(model.thresholds.map(t => [t.expression, t.ok, t.actual]), [
      ['p95 < 300ms', true, '186 ms'], ['errorRate < 1%', true, '0.47%'], ['p99{name:/checkout/confirm} < 1s', false, '1.21 s'],
    ]);
  });

  test('iteration errors carry their file:line for the editor', () => {
    const model = panelModel(finishedPanel(shopReport))!;
    assert.deepEqual(model.iterationErrors.map(e => [e.count, e.location]), [[14, { file: 'examples/shop.load.ts', line: 14, column: 71 }]]);
    assert.deepEqual(parseWhere('C:\\work\\shop.load.ts:3:9'), { file: 'C:\\work\\shop.load.ts', line: 3, column: 9 });
    assert.equal(parseWhere('somewhere'), undefined);
  });

  test('keeps at most MAX_POINTS chart points, one per second, and a timeline message restores them', () => {
    let state = applyHostMessage(emptyPanelState(), runStarted);
    for (let i = 0; i < MAX_POINTS + 50; i++) {
      const current = { ...shopSnapshot.current, t: RUN_START + i * 1000 };
      state = applyHostMessage(state, { kind: 'stats', snapshot: { ...shopSnapshot, current } });
      state = applyHostMessage(state, { kind: 'stats', snapshot: { ...shopSnapshot, current } }); // the same second twice
    }
    assert.equal(state.points.length, MAX_POINTS);
    assert.equal(state.points[0]!.t, RUN_START + 50_000);
    const reopened = applyHostMessage(applyHostMessage(emptyPanelState(), runStarted), { kind: 'timeline', points: state.points });
    assert.deepEqual(reopened.points.map(p => p.t), state.points.map(p => p.t));
  });

  test('statistics sort by any column, numbers numerically', () => {
    const table = liveStatsTable(shopSnapshot);
    assert.deepEqual(sortRows(table.rows, 'p99', true).map(r => r.cells.name.text), ['/checkout/confirm', '/cart/add', '/product/{product_id}', '/authenticate']);
    assert.deepEqual(sortRows(table.rows, 'requests', false).map(r => r.cells.requests.value), [604, 612, 2448, 2448]);
    assert.deepEqual(sortRows(table.rows, 'name', false).map(r => r.key), ['POST /authenticate', 'POST /cart/add', 'POST /checkout/confirm', 'GET /product/{product_id}']);
  });
});
