// The comparison tab's page: two runs of one scenario side by side. Per stats row (method + name),
// p50, p95, p99, RPS and error rate as "base → new" with the change, regressions marked by the rule of
// src/shared/compare.ts (the same as `loadlens compare`); below, the two runs' charts overlaid on one
// time axis (seconds since each run's start). It renders what the extension posts (HostToCompareView).
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { COMPARED_METRICS, COMPARED_PART_METRICS, METRIC_LABELS, partLabel, rowLabel, type RowComparison, type RunComparison } from '../src/shared/compare.ts';
import type { CompareViewToHost, HostToCompareView } from '../src/shared/protocol.ts';
import type { IntervalPoint, RunReport } from '../src/shared/report.ts';
import { formatChange, formatMetricValue } from '../src/shared/compare-format.ts';
import './style.css';
import './compare.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

declare function acquireVsCodeApi(): { postMessage(message: CompareViewToHost): void; getState(): unknown; setState(state: unknown): void };
const vscode = acquireVsCodeApi();

const app = document.getElementById('app')!;
let charts: Array<Chart<'line', Array<{ x: number; y: number }>>> = [];

window.addEventListener('message', (event: MessageEvent<HostToCompareView>) => {
  const message = event.data;
  if (message.kind !== 'comparison') return;
  // The serializer reopens the comparison after a reload from these two files.
  vscode.setState({ baseFile: message.baseFile, nextFile: message.nextFile });
  render(message);
});

app.addEventListener('click', event => {
  const open = (event.target as HTMLElement).closest<HTMLElement>('[data-open-run]');
  if (open) {
    event.preventDefault();
    vscode.postMessage({ kind: 'open-run', file: open.dataset.openRun! });
  }
});

function render(message: Extract<HostToCompareView, { kind: 'comparison' }>): void {
  const { comparison: c, base, next } = message;
  const runLine = (label: string, report: RunReport, file: string) => el('div', { class: 'run' },
    el('span', { class: 'label' }, label),
    el('a', { href: '#', 'data-open-run': file, title: `Open this run in the results panel\n${file}` }, new Date(report.header.startedAt).toLocaleString()),
    el('span', { class: 'run-id' }, report.header.runId),
    el('span', { class: 'detail' }, `${report.totals.requests} requests in ${Math.round(report.durationMs / 1000)} s`));
  const verdict = c.regressions.length > 0
    ? el('p', { id: 'verdict', class: 'verdict bad' }, `${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'}: ${c.regressions.join(', ')}`)
    : el('p', { id: 'verdict', class: 'verdict ok' }, 'No regression beyond the margins.');
  const header = el('header', { class: 'compare-header' },
    el('h2', {}, `Compare ${c.scenario}`),
    el('div', { class: 'runs' }, runLine('Base', base, message.baseFile), runLine('New', next, message.nextFile)));
  const table = el('table', { class: 'comparison' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Type'), el('th', {}, 'Name'), ...COMPARED_METRICS.map(m => el('th', { class: 'num' }, METRIC_LABELS[m])))),
    el('tbody', {}, ...c.rows.map(row => {
      const cells = row.presence !== 'both'
        ? [el('td', { class: 'absent', colspan: String(COMPARED_METRICS.length) }, row.presence === 'base-only' ? `only in the base run (${row.baseCount} requests)` : `only in the new run (${row.nextCount} requests)`)]
        : row.deltas.map(d => el('td', { class: `delta ${d.verdict}`, 'data-metric': d.metric, title: d.verdict === 'regression' ? 'Worse beyond both margins (see the rule below)' : '' },
          el('div', { class: 'values' }, `${formatMetricValue(d.metric, d.base)} → ${formatMetricValue(d.metric, d.next)}`),
          el('div', { class: 'change' }, formatChange(d), d.verdict === 'regression' ? el('span', { class: 'mark' }, ' ▲ regression') : d.verdict === 'improvement' ? el('span', { class: 'mark' }, ' ▼ improved') : '')));
      return [
        el('tr', { class: row.method === '' ? 'total' : '', 'data-row': rowLabel(row) },
          el('td', {}, row.method), el('td', { class: 'name', title: row.name }, row.method === '' ? 'Aggregated' : row.name), ...cells),
        ...partRows(row),
      ];
    }).flat()));
  const chartsSection = el('div', { class: 'charts' }, canvas('compare-latency'), canvas('compare-rps'));
  // A narrow tab scrolls the table sideways rather than cutting its right-most columns off.
  app.replaceChildren(header, verdict, el('div', { class: 'table-scroll' }, table), chartsSection, rule(c));
  for (const chart of charts) chart.destroy();
  charts = drawCharts(base, next);
}

/**
 * Under a row, its breakdown parts that changed beyond the margins or that one run lacks (issue 16):
 * self-time p50, p95 and p99 by the rows' rule; unchanged parts are left out, as in `loadlens compare`.
 */
function partRows(row: RowComparison): HTMLElement[] {
  const rest = COMPARED_METRICS.length - COMPARED_PART_METRICS.length;
  return (row.parts ?? [])
    .filter(part => part.presence !== 'both' || part.deltas.some(d => d.verdict !== 'unchanged'))
    .map(part => {
      const cells = part.presence !== 'both'
        ? [el('td', { class: 'absent', colspan: String(COMPARED_METRICS.length) }, part.presence === 'base-only' ? 'only in the base run' : 'only in the new run')]
        : [
          ...part.deltas.map(d => el('td', { class: `delta ${d.verdict}`, 'data-metric': d.metric, title: `Self time on the critical path, ${METRIC_LABELS[d.metric]}` },
            el('div', { class: 'values' }, `${formatMetricValue(d.metric, d.base)} → ${formatMetricValue(d.metric, d.next)}`),
            el('div', { class: 'change' }, formatChange(d), d.verdict === 'regression' ? el('span', { class: 'mark' }, ' ▲ regression') : d.verdict === 'improvement' ? el('span', { class: 'mark' }, ' ▼ improved') : ''))),
          el('td', { colspan: String(rest) }),
        ];
      return el('tr', { class: 'part', 'data-part': `${rowLabel(row)}: ${partLabel(part)}` },
        el('td', {}), el('td', { class: 'name', title: `${partLabel(part)} (${part.kind}): its self time in ${rowLabel(row)}` }, `· ${partLabel(part)}`), ...cells);
    });
}

/** The rule in words, with the margins used. */
function rule(c: RunComparison): HTMLElement {
  const l = c.limits;
  const pct = (f: number) => `${Math.round(f * 1000) / 10}%`;
  return el('p', { class: 'rule' },
    'A change is a regression when it is worse beyond a relative AND an absolute margin, so noise on fast requests or tiny shifts on slow ones are not flagged: ',
    `p50/p95/p99 higher by more than ${pct(l.p95.relative)} and ${l.p95.absolute} ms; `,
    `RPS lower by more than ${pct(l.rps.relative)} and ${l.rps.absolute}/s; `,
    `error rate higher by more than ${pct(l.errorRate.relative)} and ${l.errorRate.absolute} percentage points. `,
    'Where both runs received the application\'s spans, each part of a row (a service\'s span, or the network) is compared too: its self time\'s p50/p95/p99 by the latency margins; the parts that changed are listed under their row.');
}

function drawCharts(base: RunReport, next: RunReport): Array<Chart<'line', Array<{ x: number; y: number }>>> {
  const styles = getComputedStyle(document.body);
  const fg = styles.getPropertyValue('--vscode-foreground').trim() || '#ccc';
  const grid = styles.getPropertyValue('--vscode-panel-border').trim() || 'rgba(128,128,128,0.2)';
  // Each run on its own clock: seconds since its first point, so the two overlay however far apart they ran.
  const series = (points: IntervalPoint[], pick: (p: IntervalPoint) => number) => {
    const t0 = (points[0]?.t ?? 0) - 1000;
    return points.map(p => ({ x: Math.round((p.t - t0) / 100) / 10, y: pick(p) }));
  };
  const line = (label: string, data: Array<{ x: number; y: number }>, color: string, dashed: boolean) =>
    ({ label, data, borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: dashed ? 1.5 : 2, borderDash: dashed ? [5, 4] : [], tension: 0 });
  const make = (id: string, title: string, datasets: Array<ReturnType<typeof line>>) => {
    const canvasEl = document.getElementById(id) as HTMLCanvasElement | null;
    if (!canvasEl) return undefined;
    return new Chart<'line', Array<{ x: number; y: number }>>(canvasEl, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        plugins: { title: { display: true, text: title, color: fg }, legend: { labels: { color: fg, boxWidth: 12 } } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 's since start', color: fg }, ticks: { color: fg, maxTicksLimit: 8 }, grid: { color: grid } },
          y: { beginAtZero: true, ticks: { color: fg }, grid: { color: grid } },
        },
      },
    });
  };
  return [
    make('compare-latency', 'Response time p95 and p50 (ms): base dashed, new solid', [
      line('base p95', series(base.timeline, p => p.p95), '#d29922', true),
      line('new p95', series(next.timeline, p => p.p95), '#d29922', false),
      line('base p50', series(base.timeline, p => p.p50), '#58a6ff', true),
      line('new p50', series(next.timeline, p => p.p50), '#58a6ff', false),
    ]),
    make('compare-rps', 'Requests and failures per second: base dashed, new solid', [
      line('base RPS', series(base.timeline, p => p.rps), '#3fb950', true),
      line('new RPS', series(next.timeline, p => p.rps), '#3fb950', false),
      line('base failures/s', series(base.timeline, p => p.failuresPerSec), '#f85149', true),
      line('new failures/s', series(next.timeline, p => p.failuresPerSec), '#f85149', false),
    ]),
  ].filter((chart): chart is Chart<'line', Array<{ x: number; y: number }>> => chart !== undefined);
}

function canvas(id: string): HTMLElement {
  return el('div', { class: 'chart' }, el('canvas', { id }));
}

function el(tag: string, attrs: Record<string, string>, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== '') node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

vscode.postMessage({ kind: 'ready' });
