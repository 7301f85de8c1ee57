// The results page inside the webview: live charts, the stats table, failures and slow requests with
// their trace ids. It only renders what the extension posts (HostToView) and asks for actions (ViewToHost).
import { CategoryScale, Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { assertNever, type HostToView, type ViewToHost } from '../src/shared/protocol.ts';
import { generatorWarning, type Diagnostic, type FailureRow, type IntervalPoint, type RequestRow, type RunReport, type SlowRequest, type StatsSnapshot, type TelemetryCounts } from '../src/shared/report.ts';
import { runTimeRange, type TraceLinkTarget } from '../src/shared/trace-link.ts';
import './style.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend, Filler);

declare function acquireVsCodeApi(): { postMessage(message: ViewToHost): void; getState(): unknown; setState(state: unknown): void };
const vscode = acquireVsCodeApi();

/** At most this many points stay in the live charts (10 minutes at one a second). */
const MAX_POINTS = 600;

interface ViewState {
  run?: Extract<HostToView, { kind: 'run-started' }>;
  snapshot?: StatsSnapshot;
  telemetry?: TelemetryCounts;
  report?: RunReport;
  exitCode?: number;
  diagnostics?: Diagnostic[];
  problems?: string[];
  error?: string;
  points: IntervalPoint[];
}

let state: ViewState = (vscode.getState() as ViewState | undefined) ?? { points: [] };
const app = document.getElementById('app')!;
type LineChart = Chart<'line', number[], string>;
let charts: LineChart[] = [];

window.addEventListener('message', (event: MessageEvent<HostToView>) => {
  const message = event.data;
  switch (message.kind) {
    case 'run-started':
      state = { run: message, points: [] };
      break;
    case 'stats':
      state.snapshot = message.snapshot;
      state.telemetry = message.snapshot.telemetry;
      if (state.points.at(-1)?.t !== message.snapshot.current.t) state.points.push(message.snapshot.current);
      if (state.points.length > MAX_POINTS) state.points.splice(0, state.points.length - MAX_POINTS);
      break;
    case 'finished':
      state.report = message.report;
      state.exitCode = message.exitCode;
      state.telemetry = message.report.telemetry ?? state.telemetry;
      // The report's timeline is the whole run (down-sampled when long): it replaces the live points.
      if (message.report.timeline.length > 0) state.points = message.report.timeline.slice(-MAX_POINTS);
      break;
    case 'invalid':
      state = { diagnostics: message.diagnostics, problems: message.problems, points: [] };
      break;
    case 'engine-error':
      state.error = message.message;
      break;
    case 'trace':
      return; // for the trace view (webview/trace-view.ts), never posted to the results panel
    default:
      assertNever(message);
  }
  vscode.setState(state);
  render();
});

app.addEventListener('click', event => {
  const target = event.target as HTMLElement;
  const copy = target.closest<HTMLElement>('[data-copy]');
  const trace = target.closest<HTMLElement>('[data-trace-id]');
  if (copy) {
    event.preventDefault();
    vscode.postMessage({ kind: 'copy', text: copy.dataset.copy! });
  } else if (trace) {
    event.preventDefault();
    vscode.postMessage({ kind: 'open-trace', target: traceTarget(trace.dataset.traceId!) });
  } else if (target.closest('#stop')) {
    vscode.postMessage({ kind: 'stop-run' });
  }
});

function render(): void {
  if (state.diagnostics) {
    app.replaceChildren(el('h2', {}, 'The run did not start'), el('ul', { class: 'diagnostics' },
      ...state.diagnostics.map(d => el('li', {}, el('code', {}, `${d.file}:${d.line}:${d.column}`), ' ', d.message)),
      ...(state.problems ?? []).map(p => el('li', {}, p))));
    return;
  }
  if (!state.run) {
    if (state.error) app.replaceChildren(el('p', { class: 'error' }, state.error));
    return;
  }
  // The report lists the aggregate among its rows (method ''); a snapshot keeps it apart in `totals`.
  const allRows = state.report?.requests ?? state.snapshot?.requests ?? [];
  const rows = allRows.filter(r => r.method !== '');
  const totals = allRows.find(r => r.method === '') ?? state.snapshot?.totals;
  const finished = state.report !== undefined;
  const header = el('header', {},
    el('h2', {}, `${state.run.scenario}`, el('span', { class: 'state' }, finished ? 'finished' : state.snapshot?.state ?? 'starting')),
    el('div', { class: 'kpis' },
      kpi('Users', `${state.snapshot?.users ?? 0} / ${state.run.targetUsers}`),
      kpi(finished ? 'Average RPS' : 'RPS', (state.report?.totals.rps ?? state.snapshot?.current.rps ?? 0).toFixed(1)),
      kpi('Requests', String(state.report?.totals.requests ?? totals?.count ?? 0)),
      kpi('Failures', String(state.report?.totals.failures ?? totals?.failures ?? 0), (totals?.failures ?? 0) > 0 ? 'bad' : ''),
      kpi('p95', `${fmt(state.report?.totals.p95 ?? totals?.p95 ?? 0)} ms`),
      kpi('Elapsed', `${Math.round((state.snapshot?.elapsedMs ?? 0) / 1000)} s`),
    ),
    finished ? el('span', {}) : el('button', { id: 'stop' }, 'Stop'),
  );
  const sections: Node[] = [header];
  if (state.run.otlpReceiver) {
    sections.push(el('p', { class: 'otlp-receiver', title: 'Loadlens\'s own OTLP/HTTP receiver (protobuf or JSON): spans exported here appear in the trace view with the load test\'s' },
      'OTLP receiver: ', el('code', {}, state.run.otlpReceiver), ' — point your application\'s ', el('code', {}, 'OTEL_EXPORTER_OTLP_ENDPOINT'), ' here'));
  }
  if (state.error) sections.push(el('p', { class: 'error' }, state.error));
  const warning = state.report && generatorWarning(state.report);
  if (warning) sections.push(el('p', { class: 'warning' }, warning));
  sections.push(el('div', { class: 'charts' }, canvas('chart-rps'), canvas('chart-latency'), canvas('chart-users')));
  sections.push(el('h3', {}, 'Requests'), statsTable(rows, totals));
  const failures = state.report?.failures ?? state.snapshot?.failures ?? [];
  if (failures.length > 0) sections.push(el('h3', {}, 'Failures'), failuresTable(failures));
  const slowest = state.report?.slowest ?? state.snapshot?.slowest ?? [];
  if (slowest.length > 0) sections.push(el('h3', {}, 'Slowest requests'), slowestTable(slowest));
  if (state.report?.thresholds.length) {
    sections.push(el('h3', {}, 'Thresholds'), el('ul', { class: 'thresholds' },
      ...state.report.thresholds.map(t => el('li', { class: t.ok ? 'ok' : 'bad' }, `${t.ok ? '✓' : '✗'} ${t.expression} (actual ${fmt(t.actual)})`))));
  }
  if (state.telemetry) {
    const t = state.telemetry;
    sections.push(el('p', { class: 'telemetry' }, `Spans exported ${t.spansExported} · dropped ${t.spansDropped} · failed exports ${t.exportFailures}`));
  }
  for (const chart of charts) chart.destroy();
  app.replaceChildren(...sections);
  charts = drawCharts(state.points);
}

function statsTable(rows: RequestRow[], totals?: RequestRow): HTMLElement {
  const head = ['Type', 'Name', '# reqs', '# fails', 'Median', '90%ile', '99%ile', 'Average', 'Min', 'Max', 'Avg size', 'Connect', 'Current RPS'];
  const line = (r: RequestRow, cls = '') => el('tr', { class: cls },
    el('td', {}, r.method), el('td', { class: 'name' }, r.name), num(r.count), num(`${r.failures}${r.count ? ` (${((100 * r.failures) / r.count).toFixed(1)}%)` : ''}`, r.failures > 0 ? 'bad' : ''),
    num(fmt(r.p50)), num(fmt(r.p90)), num(fmt(r.p99)), num(fmt(r.avg)), num(fmt(r.min)), num(fmt(r.max)), num(Math.round(r.avgSize)),
    num(r.connects ? fmt(r.connectAvg) : '–'), num(r.currentRps.toFixed(1)));
  return el('table', { class: 'stats' }, el('thead', {}, el('tr', {}, ...head.map(h => el('th', {}, h)))),
    el('tbody', {}, ...rows.map(r => line(r)), ...(totals ? [line(totals, 'total')] : [])));
}

function failuresTable(rows: FailureRow[]): HTMLElement {
  return el('table', { class: 'failures' }, el('thead', {}, el('tr', {}, ...['Method', 'Name', 'Error', 'Count', 'Traces'].map(h => el('th', {}, h)))),
    el('tbody', {}, ...rows.map(f => el('tr', {}, el('td', {}, f.method), el('td', { class: 'name' }, f.name), el('td', {}, f.error), num(f.count),
      el('td', {}, ...f.traceIds.map(traceLink))))));
}

function slowestTable(rows: SlowRequest[]): HTMLElement {
  return el('table', { class: 'slowest' }, el('thead', {}, el('tr', {}, ...['Method', 'Name', 'Duration', 'Status', 'Trace'].map(h => el('th', {}, h)))),
    el('tbody', {}, ...rows.map(s => el('tr', {}, el('td', {}, s.method), el('td', { class: 'name' }, s.name), num(`${fmt(s.durationMs)} ms`), num(s.status || 'error'),
      el('td', {}, s.traceId ? traceLink(s.traceId) : '–')))));
}

/**
 * A trace id, shortened for space: a link that opens the trace, the whole id on hover, and a copy
 * button that always copies the whole id.
 */
function traceLink(traceId: string): HTMLElement {
  return el('span', { class: 'trace-id' },
    el('a', { href: '#', class: 'trace', 'data-trace-id': traceId, title: `Open trace ${traceId}` }, traceId.slice(0, 12) + '…'),
    el('button', { class: 'copy', 'data-copy': traceId, title: `Copy trace id ${traceId}`, 'aria-label': `Copy trace id ${traceId}` }, '⧉'));
}

/** What a click on `traceId` opens: the trace, searched for over this run's time range (padded). */
function traceTarget(traceId: string): TraceLinkTarget {
  const run = state.run;
  if (!run) return { traceId };
  const endedAt = state.report ? Date.parse(state.report.endedAt) : undefined;
  return { traceId, runId: run.runId, ...runTimeRange(run.startedAt, endedAt, Date.now()) };
}

function drawCharts(points: IntervalPoint[]): LineChart[] {
  const style = getComputedStyle(document.body);
  const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const fg = color('--vscode-foreground', '#ccc');
  const grid = color('--vscode-editorWidget-border', '#444');
  const labels = points.map(p => new Date(p.t).toLocaleTimeString());
  const make = (id: string, title: string, datasets: Array<{ label: string; data: number[]; color: string }>): LineChart | undefined => {
    const canvasEl = document.getElementById(id) as HTMLCanvasElement | null;
    if (!canvasEl) return undefined;
    return new Chart<'line', number[], string>(canvasEl, {
      type: 'line',
      data: { labels, datasets: datasets.map(d => ({ label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.color, pointRadius: 0, borderWidth: 1.5, tension: 0.2 })) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { title: { display: true, text: title, color: fg }, legend: { labels: { color: fg, boxWidth: 12 } } },
        scales: { x: { ticks: { color: fg, maxTicksLimit: 6 }, grid: { color: grid } }, y: { beginAtZero: true, ticks: { color: fg }, grid: { color: grid } } },
      },
    });
  };
  return [
    make('chart-rps', 'Requests per second', [
      { label: 'RPS', data: points.map(p => p.rps), color: '#3fb950' },
      { label: 'Failures/s', data: points.map(p => p.failuresPerSec), color: '#f85149' },
    ]),
    make('chart-latency', 'Response time (ms)', [
      { label: 'p50', data: points.map(p => p.p50), color: '#58a6ff' },
      { label: 'p95', data: points.map(p => p.p95), color: '#d29922' },
      { label: 'p99', data: points.map(p => p.p99), color: '#f85149' },
    ]),
    make('chart-users', 'Users', [{ label: 'Users', data: points.map(p => p.users), color: '#a371f7' }]),
  ].filter((c): c is LineChart => c !== undefined);
}

function kpi(label: string, value: string, cls = ''): HTMLElement {
  return el('div', { class: `kpi ${cls}` }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, value));
}

function canvas(id: string): HTMLElement {
  return el('div', { class: 'chart' }, el('canvas', { id }));
}

function num(value: string | number, cls = ''): HTMLElement {
  return el('td', { class: `num ${cls}` }, String(value));
}

function fmt(ms: number): string {
  return ms >= 100 ? Math.round(ms).toString() : ms.toFixed(1);
}

function el(tag: string, attrs: Record<string, string>, ...children: Array<Node | string | number>): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== '') node.setAttribute(k, v);
  for (const child of children) node.append(typeof child === 'number' ? String(child) : child);
  return node;
}

render();
vscode.postMessage({ kind: 'ready' });
