// The results page inside the webview: a header with the run at a glance, then tabs (Statistics,
// Charts, Breakdown, Failures, Slowest, Iteration errors, Thresholds). It only renders what the extension posts
// (HostToView) and asks for actions (ViewToHost).
//
// Rendering is Lit's (lit-html templates): each render patches the DOM in place, rows are keyed
// (`repeat`), so focus on Stop, a text selection, scroll positions and tooltips survive every update.
// Lit rather than a hand-written diff or @vscode-elements: it is the diffing engine those components
// are built on, 6 kB, with no shadow DOM in our page (so `--vscode-*` variables and the tests' selectors
// reach every node), and its keyed `repeat` is what a live table needs. Charts are created once and
// only fed new points (`chart.update('none')`). Snapshots may arrive faster than once a second (a
// reopened panel gets a burst); the page renders at most once a second whatever the rate.
import { CategoryScale, Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { html, nothing, render, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { applyHostMessage, emptyPanelState, panelModel, type PanelModel, type PanelState, type WorkersView } from '../src/shared/panel-model.ts';
import type { HostToView, ViewToHost } from '../src/shared/protocol.ts';
import { describeLostSpans, generatorWarning, type FailureRow, type IntervalPoint, type SlowRequest, type TelemetryCounts } from '../src/shared/report.ts';
import { formatMs, sortRows, type StatsColumnId, type StatsTableRow } from '../src/shared/stats-table.ts';
import { runTimeRange, type TraceLinkTarget } from '../src/shared/trace-link.ts';
import { breakdownTab as breakdownView } from '../src/shared/panel-breakdown.ts';
import { breakdownTab } from './breakdown.ts';
import './style.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend, Filler);

declare function acquireVsCodeApi(): { postMessage(message: ViewToHost): void; getState(): unknown; setState(state: unknown): void };
const vscode = acquireVsCodeApi();

/** Snapshots never cause more than one render in this many ms. */
const RENDER_INTERVAL_MS = 1000;

const TABS = ['statistics', 'charts', 'breakdown', 'failures', 'slowest', 'errors', 'thresholds'] as const;
type Tab = typeof TABS[number];
const TAB_TITLES: Record<Tab, string> = {
  statistics: 'Statistics', charts: 'Charts', breakdown: 'Breakdown', failures: 'Failures', slowest: 'Slowest', errors: 'Iteration errors', thresholds: 'Thresholds',
};

/** What the user chose in the page (kept with the run across reloads). */
interface PageChoices {
  tab: Tab;
  sort?: { column: StatsColumnId; descending: boolean };
  /** The Breakdown tab's part whose slowest traces are listed (`row key` newline `part key`). */
  part?: string;
}

interface SavedState {
  run: PanelState;
  choices: PageChoices;
}

const saved = vscode.getState() as Partial<SavedState> | undefined;
// A page saved by a Loadlens before RunHeader (a run without `header`) starts empty; the extension replays the run.
let state: PanelState = saved?.run?.run && !saved.run.run.header ? emptyPanelState() : saved?.run ?? emptyPanelState();
let choices: PageChoices = saved?.choices ?? { tab: 'statistics' };
const app = document.getElementById('app')!;
// The extension's HTML holds a placeholder for pages that never run this script; Lit renders into an
// empty container (it appends after whatever is there).
app.replaceChildren();

window.addEventListener('message', (event: MessageEvent<HostToView>) => {
  const message = event.data;
  if (message.kind === 'trace') return; // for the trace view (webview/trace-view.ts)
  const previousRun = state.run?.header.runId;
  const lostBefore = lostWorkers(state);
  state = applyHostMessage(state, message);
  if (state.run?.header.runId !== previousRun && message.kind === 'run-started') resetCharts();
  // A worker process just lost is news to show now, not within the second.
  if (lostWorkers(state) > lostBefore) renderAtOnce();
  else scheduleRender();
});

/** How many of the run's worker processes the latest snapshot says were lost. */
function lostWorkers(shown: PanelState): number {
  return shown.snapshot?.workers?.filter(w => w.lost !== undefined).length ?? 0;
}

app.addEventListener('click', event => {
  const target = event.target as HTMLElement;
  const copy = target.closest<HTMLElement>('[data-copy]');
  const trace = target.closest<HTMLElement>('[data-trace-id]');
  const location = target.closest<HTMLElement>('[data-file]');
  if (copy) {
    event.preventDefault();
    vscode.postMessage({ kind: 'copy', text: copy.dataset.copy! });
  } else if (trace) {
    event.preventDefault();
    vscode.postMessage({ kind: 'open-trace', target: traceTarget(trace.dataset.traceId!) });
  } else if (location) {
    event.preventDefault();
    vscode.postMessage({ kind: 'open-location', file: location.dataset.file!, line: Number(location.dataset.line), column: Number(location.dataset.column) });
  }
});

// ---------------------------------------------------------------------------------------------------
// Render scheduling: at most one render a second for snapshots; a user's click, and a worker process
// just lost, render at once.

let lastRenderAt = -Infinity;
let renderTimer: ReturnType<typeof setTimeout> | undefined;
/** Whether the page shows a run's numbers yet: the first render with numbers (a reopened panel's) never waits. */
let showsRun = false;

function scheduleRender(): void {
  if (renderTimer !== undefined) return;
  const wait = showsRun ? Math.max(0, lastRenderAt + RENDER_INTERVAL_MS - performance.now()) : 0;
  renderTimer = setTimeout(() => {
    renderTimer = undefined;
    renderNow();
  }, wait);
}

/** One render; each is measured as 'loadlens-render' on the page's performance timeline (the bench reads it). */
function renderNow(): void {
  lastRenderAt = performance.now();
  render(page(), app);
  showsRun = state.snapshot !== undefined || state.report !== undefined;
  updateCharts(state.points);
  vscode.setState({ run: state, choices } satisfies SavedState);
  performance.measure('loadlens-render', { start: lastRenderAt });
}

function renderAtOnce(): void {
  if (renderTimer !== undefined) clearTimeout(renderTimer);
  renderTimer = undefined;
  renderNow();
}

function choose(next: Partial<PageChoices>): void {
  choices = { ...choices, ...next };
  renderNow();
}

// ---------------------------------------------------------------------------------------------------
// The page

function page(): TemplateResult {
  if (state.diagnostics) {
    return html`<h2>The run did not start</h2><ul class="diagnostics">
      ${state.diagnostics.map(d => html`<li><a href="#" data-file=${d.file} data-line=${d.line} data-column=${d.column}><code>${d.file}:${d.line}:${d.column}</code></a> ${d.message}</li>`)}
      ${(state.problems ?? []).map(p => html`<li>${p}</li>`)}</ul>`;
  }
  const model = panelModel(state);
  if (!model) {
    return state.error
      ? html`<p class="error">${state.error}</p>`
      : html`<p class="empty">No run yet. Click <strong>▶ Run with OTel</strong> above a scenario in a <code>*.load.ts</code> file.</p>`;
  }
  const warning = state.report && generatorWarning(state.report);
  const breakdown = breakdownView(state);
  const counts: Record<Tab, number | undefined> = {
    statistics: model.table.rows.length,
    charts: undefined,
    breakdown: breakdown?.rows.length,
    failures: model.failures.reduce((n, f) => n + f.count, 0),
    slowest: model.slowest.length,
    errors: model.iterationErrors.reduce((n, e) => n + e.count, 0),
    thresholds: model.thresholds.length,
  };
  return html`
    ${header(model)}
    ${model.otlpReceiver === undefined ? nothing : html`<p class="otlp-receiver" title="Loadlens's own OTLP/HTTP receiver (protobuf or JSON): spans exported here appear in the trace view with the load test's">OTLP receiver: <code>${model.otlpReceiver}</code> — point your application's <code>OTEL_EXPORTER_OTLP_ENDPOINT</code> here</p>`}
    ${state.error === undefined ? nothing : html`<p class="error">${state.error}</p>`}
    ${warning ? html`<p class="warning">${warning}</p>` : nothing}
    <nav class="tabs" role="tablist">
      ${TABS.map(tab => html`<button role="tab" class="tab-button ${tab === choices.tab ? 'selected' : ''}" data-tab=${tab} aria-selected=${tab === choices.tab ? 'true' : 'false'}
        @click=${() => choose({ tab })}>${TAB_TITLES[tab]}${counts[tab] === undefined ? nothing : html` <span class="count ${tab !== 'statistics' && tab !== 'slowest' && (counts[tab] ?? 0) > 0 && tab !== 'breakdown' && (tab !== 'thresholds' || model.thresholds.some(t => !t.ok)) ? 'bad' : ''}">${counts[tab]}</span>`}</button>`)}
    </nav>
    <section class="tab-panel scroll" role="tabpanel" ?hidden=${choices.tab !== 'statistics'}>${statsTable(model)}</section>
    <section class="tab-panel charts" role="tabpanel" ?hidden=${choices.tab !== 'charts'}>
      <div class="chart"><canvas id="chart-rps"></canvas></div><div class="chart"><canvas id="chart-latency"></canvas></div><div class="chart"><canvas id="chart-users"></canvas></div>
    </section>
    <section class="tab-panel scroll" role="tabpanel" ?hidden=${choices.tab !== 'breakdown'}>${breakdownTab(breakdown, choices.part, part => choose({ part: choices.part === part ? undefined : part }), traceLink)}</section>
    <section class="tab-panel scroll" role="tabpanel" ?hidden=${choices.tab !== 'failures'}>${failuresTable(model.failures)}</section>
    <section class="tab-panel scroll" role="tabpanel" ?hidden=${choices.tab !== 'slowest'}>${slowestTable(model.slowest)}</section>
    <section class="tab-panel scroll" role="tabpanel" ?hidden=${choices.tab !== 'errors'}>${iterationErrors(model)}</section>
    <section class="tab-panel scroll" role="tabpanel" ?hidden=${choices.tab !== 'thresholds'}>${thresholds(model)}</section>
    ${model.telemetry ? telemetryLine(model.telemetry) : nothing}`;
}

function telemetryLine(t: TelemetryCounts): TemplateResult {
  const lost = describeLostSpans(t);
  return html`<p class="telemetry">Spans exported ${t.spansExported} · dropped ${t.spansDropped} · failed exports ${t.exportFailures}${lost ? ` · ${lost}` : ''}</p>`;
}

function header(model: PanelModel): TemplateResult {
  const h = model.header;
  return html`<header class="run-header">
    <h2>${h.scenario}<span class="state ${h.finished ? (h.passed ? 'passed' : 'failed') : 'live'}">${h.state}</span></h2>
    <div class="kpis">
      ${kpi('Elapsed', h.elapsed)}
      ${h.remaining === undefined ? nothing : kpi('Remaining', h.remaining)}
      ${kpi('Users', h.users)}
      ${kpi(h.rpsLabel, h.rps)}
      ${kpi('Failures', h.failurePercent, h.failing ? 'bad' : '')}
      ${h.dropped === undefined ? nothing : kpi('Dropped arrivals', String(h.dropped), 'warn', 'Open model: arrivals dropped because every allowed user (maxUsers) was busy')}
      ${h.stopReason === undefined ? nothing : kpi('Stopped', h.stopReason)}
    </div>
    ${model.workers ? workersStrip(model.workers) : nothing}
    <div class="actions">
      ${h.finished
        ? html`<button class="secondary" id="export-html" @click=${() => vscode.postMessage({ kind: 'export-report', format: 'html' })}>Export HTML</button><button class="secondary" id="export-json" @click=${() => vscode.postMessage({ kind: 'export-report', format: 'json' })}>Export JSON</button>`
        : html`<button id="stop" @click=${() => vscode.postMessage({ kind: 'stop-run' })}>Stop</button>`}
    </div>
    <p class="run-id">run <code>${h.runId}</code></p>
  </header>`;
}

/** The worker processes of a `--workers N` run: patched in place (keyed by worker), a lost one in the error colour. */
function workersStrip(view: WorkersView): TemplateResult {
  return html`<div class="workers" role="status" aria-label=${view.title}>
    <span class="workers-title ${view.lost > 0 ? 'bad' : ''}">${view.title}</span>
    ${repeat(view.workers, w => w.key, w => html`<span class="worker ${w.lost ? 'lost bad' : ''}" data-worker=${w.key} data-requests=${w.requests}>${w.text}</span>`)}
  </div>`;
}

function kpi(label: string, value: string, cls = '', title = ''): TemplateResult {
  return html`<div class="kpi ${cls}" title=${title || nothing}><span class="label">${label}</span><span class="value">${value}</span></div>`;
}

function statsTable(model: PanelModel): TemplateResult {
  const { table } = model;
  const sort = choices.sort;
  const rows = sort ? sortRows(table.rows, sort.column, sort.descending) : table.rows;
  const cells = (row: StatsTableRow) => table.columns.map(column => {
    const cell = row.cells[column.id];
    const cls = `${column.align === 'right' ? 'num' : ''} ${column.id}${column.alarming && row.failures > 0 ? ' bad' : ''}`;
    return html`<td class=${cls} title=${column.id === 'name' ? cell.text : nothing}>${cell.text}</td>`;
  });
  const sortBy = (column: StatsColumnId) => choose({ sort: { column, descending: sort?.column === column ? !sort.descending : column !== 'name' && column !== 'method' } });
  return html`<table class="stats">
    <thead><tr>${table.columns.map(column => html`<th class=${column.align === 'right' ? 'num' : ''} title=${column.description}
      aria-sort=${sort?.column === column.id ? (sort.descending ? 'descending' : 'ascending') : 'none'} data-column=${column.id}
      @click=${() => sortBy(column.id)}>${column.header}${sort?.column === column.id ? (sort.descending ? ' ▾' : ' ▴') : ''}</th>`)}</tr></thead>
    <tbody>${repeat(rows, row => row.key, row => html`<tr data-key=${row.key}>${cells(row)}</tr>`)}</tbody>
    <tfoot><tr class="total">${cells(table.aggregate)}</tr></tfoot>
  </table>
  <p class="note">${table.rate === 'current' ? 'RPS: requests per second over the last ~10 s.' : 'RPS: the average over the whole run.'} TTFB: time to first byte. Connect: DNS + TCP + TLS, over the requests that opened a connection. Click a column to sort.</p>`;
}

// The trace ids are what a user opens these two tabs for, so they come first: a narrow panel (500 px)
// scrolls the other columns, never the ids, out of sight. Several ids of one failure wrap onto lines.
function failuresTable(rows: FailureRow[]): TemplateResult {
  if (rows.length === 0) return html`<p class="none">No failures.</p>`;
  return html`<table class="failures"><thead><tr><th>Traces (newest first)</th><th class="num">Count</th><th>Request</th><th>Error</th></tr></thead>
    <tbody>${repeat(rows, f => `${f.method} ${f.name} ${f.error}`, f => html`<tr>
      <td class="traces"><div class="trace-ids">${repeat([...f.traceIds].reverse(), id => id, traceLink)}</div></td>
      <td class="num bad">${f.count}</td><td class="name">${requestLabel(f.method, f.name)}</td><td class="error">${f.error}</td></tr>`)}</tbody></table>`;
}

function slowestTable(rows: SlowRequest[]): TemplateResult {
  if (rows.length === 0) return html`<p class="none">No requests yet.</p>`;
  return html`<table class="slowest"><thead><tr><th>Trace</th><th class="num">Duration</th><th class="num">Status</th><th>Request</th></tr></thead>
    <tbody>${repeat(rows, s => `${s.traceId ?? ''}${s.at}${s.name}`, s => html`<tr><td class="traces">${s.traceId ? traceLink(s.traceId) : '–'}</td><td class="num">${formatMs(s.durationMs)}</td>
      <td class="num ${s.status >= 400 || s.status === 0 ? 'bad' : ''}">${s.status || 'no response'}</td><td class="name">${requestLabel(s.method, s.name)}</td></tr>`)}</tbody></table>`;
}

/** 'GET /product/{id}' (the row's method and name in one column, as the HTML report's "Request"). */
function requestLabel(method: string, name: string): string {
  return method ? `${method} ${name}` : name;
}

function iterationErrors(model: PanelModel): TemplateResult {
  if (model.iterationErrors.length === 0) return html`<p class="none">No iteration errors: no exception escaped the scenario function.</p>`;
  return html`<table class="iteration-errors"><thead><tr><th class="num">Count</th><th>Error</th><th>Where</th></tr></thead>
    <tbody>${repeat(model.iterationErrors, e => `${e.message} ${e.where ?? ''}`, e => html`<tr><td class="num bad">${e.count}</td><td class="error">${e.message}</td>
      <td>${e.location
        ? html`<a href="#" class="location" data-file=${e.location.file} data-line=${e.location.line} data-column=${e.location.column} title="Open ${e.where} in the editor"><code>${shortWhere(e.where ?? '')}</code></a>`
        : html`<code>${e.where ?? '–'}</code>`}</td></tr>`)}</tbody></table>`;
}

/** 'path/to/shop.load.ts:14:71' as 'shop.load.ts:14:71' (the link's title has the whole path). */
function shortWhere(where: string): string {
  return where.replace(/^.*[\\/]/, '');
}

function thresholds(model: PanelModel): TemplateResult {
  if (model.thresholds.length === 0) {
    return html`<p class="none">${model.header.finished ? 'The scenario sets no thresholds.' : 'Thresholds are checked when the run ends.'}</p>`;
  }
  return html`<table class="thresholds"><thead><tr><th></th><th>Threshold</th><th class="num">Actual</th></tr></thead>
    <tbody>${model.thresholds.map(t => html`<tr class=${t.ok ? 'ok' : 'bad'}><td class="mark">${t.ok ? '✓' : '✗'}</td>
      <td>${t.location ? html`<a href="#" data-file=${t.location.file} data-line=${t.location.line} data-column=${t.location.column}><code>${t.expression}</code></a>` : html`<code>${t.expression}</code>`}</td>
      <td class="num">${t.actual}</td></tr>`)}</tbody></table>`;
}

/**
 * A trace id, shortened for space: a link that opens the trace, the whole id on hover, and a copy
 * button that always copies the whole id.
 */
function traceLink(traceId: string): TemplateResult {
  return html`<span class="trace-id"><a href="#" class="trace" data-trace-id=${traceId} title="Open trace ${traceId}">${traceId.slice(0, 12)}…</a><button class="copy" data-copy=${traceId} title="Copy trace id ${traceId}" aria-label="Copy trace id ${traceId}">${COPY_ICON}</button></span>`;
}

/** Two overlapping sheets, drawn (not a font glyph: '⧉' is missing from many fonts and shows as a box). */
const COPY_ICON = html`<svg class="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.3">
  <rect x="5.5" y="5.5" width="8" height="8" rx="1"/><path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h1"/></svg>`;

/** What a click on `traceId` opens: the trace, searched for over this run's time range (padded). */
function traceTarget(traceId: string): TraceLinkTarget {
  const run = state.run?.header;
  if (!run) return { traceId };
  const endedAt = state.report ? Date.parse(state.report.endedAt) : undefined;
  return { traceId, runId: run.runId, ...runTimeRange(run.startedAt, endedAt, Date.now()) };
}

// ---------------------------------------------------------------------------------------------------
// Charts: created once per page, then fed (never destroyed while the canvases stay).

type LineChart = Chart<'line', number[], string>;
interface Series { label: string; value(p: IntervalPoint): number; color: string }
const CHARTS: Array<{ id: string; title: string; series: Series[] }> = [
  { id: 'chart-rps', title: 'Requests per second', series: [
    { label: 'RPS', value: p => p.rps, color: '--vscode-charts-green' },
    { label: 'Failures/s', value: p => p.failuresPerSec, color: '--vscode-charts-red' },
  ] },
  { id: 'chart-latency', title: 'Response time (ms)', series: [
    { label: 'p50', value: p => p.p50, color: '--vscode-charts-blue' },
    { label: 'p95', value: p => p.p95, color: '--vscode-charts-yellow' },
    { label: 'p99', value: p => p.p99, color: '--vscode-charts-red' },
  ] },
  { id: 'chart-users', title: 'Users', series: [{ label: 'Users', value: p => p.users, color: '--vscode-charts-purple' }] },
];
const FALLBACK_COLORS: Record<string, string> = {
  '--vscode-charts-green': '#3fb950', '--vscode-charts-red': '#f85149', '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700', '--vscode-charts-purple': '#b180d7',
};
let charts = new Map<string, LineChart>();

function resetCharts(): void {
  // A new run: same charts, no points (never destroyed, so the canvases keep their place and size).
  for (const chart of charts.values()) {
    chart.data.labels = [];
    for (const dataset of chart.data.datasets) dataset.data = [];
    chart.update('none');
  }
}

function updateCharts(points: IntervalPoint[]): void {
  const start = state.run?.header.startedAt ?? points[0]?.t ?? 0;
  const labels = points.map(p => formatElapsed(p.t - start));
  for (const spec of CHARTS) {
    const canvas = document.getElementById(spec.id) as HTMLCanvasElement | null;
    if (!canvas) continue;
    let chart = charts.get(spec.id);
    if (chart && chart.canvas !== canvas) {
      // The page dropped the canvas (a run that did not start): a new canvas needs a new chart.
      chart.destroy();
      chart = undefined;
    }
    if (!chart) {
      chart = createChart(canvas, spec);
      charts.set(spec.id, chart);
    }
    chart.data.labels = labels;
    spec.series.forEach((series, i) => {
      const dataset = chart.data.datasets[i];
      if (dataset) dataset.data = points.map(series.value);
    });
    chart.update('none');
  }
  if (charts.size > CHARTS.length) charts = new Map([...charts].slice(-CHARTS.length));
}

/** The theme's colors for the charts (canvas cannot read CSS variables itself). */
function themeColors(): { series(name: string): string; fg: string; grid: string } {
  const style = getComputedStyle(document.body);
  return {
    // A line is drawn opaque: some themes give chart colors an alpha (#rrggbbaa) meant for fills.
    series: name => (style.getPropertyValue(name).trim() || FALLBACK_COLORS[name] || '#888888').replace(/^(#[0-9a-f]{6})[0-9a-f]{2}$/i, '$1'),
    fg: style.getPropertyValue('--vscode-foreground').trim() || '#ccc',
    grid: style.getPropertyValue('--vscode-editorWidget-border').trim() || style.getPropertyValue('--vscode-panel-border').trim() || 'rgba(128,128,128,0.35)',
  };
}

function createChart(canvas: HTMLCanvasElement, spec: typeof CHARTS[number]): LineChart {
  performance.mark('loadlens-chart-created');
  const chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: { labels: [], datasets: spec.series.map(s => ({ label: s.label, data: [], pointRadius: 0, borderWidth: 1.5, tension: 0.2 })) },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { title: { display: true, text: spec.title }, legend: { labels: { boxWidth: 12 } } },
      scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { beginAtZero: true } },
    },
  });
  paintChart(chart, spec);
  return chart;
}

/** Sets a chart's colors from the current theme. */
function paintChart(chart: LineChart, spec: typeof CHARTS[number]): void {
  const colors = themeColors();
  spec.series.forEach((series, i) => {
    const dataset = chart.data.datasets[i];
    if (dataset) dataset.borderColor = dataset.backgroundColor = colors.series(series.color);
  });
  const options = chart.options;
  if (options.plugins?.title) options.plugins.title.color = colors.fg;
  if (options.plugins?.legend?.labels) options.plugins.legend.labels.color = colors.fg;
  for (const axis of [options.scales?.x, options.scales?.y]) {
    if (!axis) continue;
    if (axis.ticks) axis.ticks.color = colors.fg;
    if (axis.grid) axis.grid.color = colors.grid;
  }
}

// VS Code marks a theme change on <body> (class vscode-light / vscode-dark / vscode-high-contrast) and
// on <html> (new --vscode-* values in its style): repaint the charts in the new colors, in place.
const themeObserver = new MutationObserver(() => {
  for (const spec of CHARTS) {
    const chart = charts.get(spec.id);
    if (!chart) continue;
    paintChart(chart, spec);
    chart.update('none');
  }
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

/** Seconds into the run as the charts' x labels: '0:05', '1:30'. */
function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

renderNow();
vscode.postMessage({ kind: 'ready' });
