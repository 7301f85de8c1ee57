// The trace view's page: a waterfall of one trace's spans across services, to scale, with the gap
// between each CLIENT span and the SERVER span that continued it spelled out, and the selected span's
// attributes and events. It renders what the extension posts (HostToView 'trace', again as late spans
// arrive) and asks for actions (ViewToHost).
import type { HostToView, ViewToHost } from '../src/shared/protocol.ts';
import type { TraceLinkTarget } from '../src/shared/trace-link.ts';
import { buildTraceTree, describeGap, formatAttribute, formatSpanMs, type TraceRow, type TraceTree } from '../src/shared/trace-tree.ts';
import type { Attributes } from '../src/shared/spans.ts';
import './style.css';
import './trace-view.css';

declare function acquireVsCodeApi(): { postMessage(message: ViewToHost): void; getState(): unknown; setState(state: unknown): void };
const vscode = acquireVsCodeApi();

const target = JSON.parse(document.body.dataset.target ?? '{}') as TraceLinkTarget;
// The serializer reopens this trace after a reload from this state.
vscode.setState({ target });

const app = document.getElementById('app')!;
let tree: TraceTree | undefined;
let platform: string | undefined;
let receiving = true;
let selected: string | undefined;

window.addEventListener('message', (event: MessageEvent<HostToView>) => {
  const message = event.data;
  if (message.kind !== 'trace' || message.traceId !== target.traceId) return;
  tree = buildTraceTree(message.traceId, message.spans);
  platform = message.platform;
  receiving = message.receiving;
  // Start with the first span in error, else the root: its attributes say what the request was.
  if (selected === undefined || !tree.rows.some(r => r.spanId === selected)) selected = (tree.rows.find(r => r.status === 'ERROR') ?? tree.rows[0])?.spanId;
  render();
});

app.addEventListener('click', event => {
  const clicked = event.target as HTMLElement;
  if (clicked.closest('#copy-trace-id')) {
    vscode.postMessage({ kind: 'copy', text: target.traceId });
    return;
  }
  if (clicked.closest('#open-in-platform')) {
    vscode.postMessage({ kind: 'open-trace', target });
    return;
  }
  const row = clicked.closest<HTMLElement>('[data-span-id]');
  if (row) {
    selected = row.dataset.spanId;
    render();
  }
});

function render(): void {
  const header = el('header', { class: 'trace-header' },
    el('h2', {}, 'Trace'),
    el('span', { class: 'trace-full-id', title: 'The full trace id' }, target.traceId),
    el('button', { id: 'copy-trace-id', class: 'secondary', title: 'Copy the full trace id' }, 'Copy'),
    ...(platform ? [el('button', { id: 'open-in-platform', title: `Open this trace in ${platform}` }, `Open in ${platform}`)] : []));
  if (!tree || tree.rows.length === 0) {
    app.replaceChildren(header, el('p', { class: 'waiting' }, receiving
      ? 'Waiting for spans… the application may export in batches (every few seconds by default). This view updates as they arrive.'
      // After a reload the receiver starts afresh: it keeps traces in memory only, from the runs since.
      : "No spans of this trace: Loadlens's receiver keeps traces in memory from the runs since the editor started. Run with OTel to see new ones."));
    return;
  }
  const t = tree;
  const summary = el('p', { class: 'trace-summary' },
    `${t.rows.length} span${t.rows.length === 1 ? '' : 's'} · ${t.services.join(', ')} · ${formatSpanMs(t.durationMs)}`,
    t.errorCount > 0 ? el('span', { class: 'bad' }, ` · ${t.errorCount} in error`) : '');
  const waterfall = el('div', { class: 'waterfall' }, axis(t.durationMs), ...t.rows.flatMap(row => spanRow(row, t)));
  const row = t.rows.find(r => r.spanId === selected);
  app.replaceChildren(header, summary, waterfall, ...(row ? [details(row)] : []));
}

function axis(durationMs: number): HTMLElement {
  // Three ticks fit however narrow the tab: the start, the middle and the end of the trace.
  const ticks = [0, 0.5, 1].map(f => {
    const tick = el('span', {}, f === 0 ? '0' : formatSpanMs(durationMs * f));
    if (f === 0) tick.style.left = '0';
    else if (f === 1) tick.style.right = '0';
    else {
      tick.style.left = '50%';
      tick.style.transform = 'translateX(-50%)';
    }
    return tick;
  });
  return el('div', { class: 'axis' }, el('span', {}, 'Service · kind · span'), el('div', { class: 'ticks' }, ...ticks));
}

function spanRow(row: TraceRow, t: TraceTree): HTMLElement[] {
  const color = serviceColor(row.service, t.services);
  const service = el('span', { class: 'service' }, row.service);
  service.style.background = color;
  const label = el('div', { class: 'span-label', title: `${row.service} · ${row.kind} · ${row.name}` },
    service, el('span', { class: 'kind' }, row.kind), el('span', { class: 'span-name' }, row.name),
    row.parentMissing ? el('span', { class: 'missing', title: `parent span ${row.parentSpanId} has not arrived` }, '(parent not received yet)') : '');
  label.style.paddingLeft = `${row.depth * 16}px`;
  const bar = el('div', { class: 'bar', title: `starts at ${formatSpanMs(row.startOffsetMs)}, lasts ${formatSpanMs(row.durationMs)}` });
  bar.style.left = `${row.barStart * 100}%`;
  bar.style.width = `${row.barWidth * 100}%`;
  bar.style.background = color;
  const barLabel = el('span', { class: 'bar-label' }, `${formatSpanMs(row.durationMs)}${row.status === 'ERROR' ? ' ✗' : ''}`);
  // The duration sits right of its bar; left of it when the bar ends near the track's end and there
  // is room before it; else inside the bar.
  if (row.barStart + row.barWidth < 0.8) barLabel.style.left = `calc(${(row.barStart + row.barWidth) * 100}% + 4px)`;
  else if (row.barStart > 0.25) barLabel.style.right = `calc(${(1 - row.barStart) * 100}% + 4px)`;
  else {
    barLabel.classList.add('inside');
    barLabel.style.left = `${row.barStart * 100}%`;
  }
  const line = el('div', { class: `span-row${row.status === 'ERROR' ? ' error' : ''}${row.spanId === selected ? ' selected' : ''}`, 'data-span-id': row.spanId },
    label, el('div', { class: 'track' }, bar, barLabel));
  if (!row.gap) return [line];
  const gap = el('div', { class: 'gap-row', 'data-span-id': row.spanId }, `↳ ${describeGap(row.gap)}`);
  gap.style.paddingLeft = `${row.depth * 16 + 4}px`;
  return [line, gap];
}

function details(row: TraceRow): HTMLElement {
  const facts: Array<[string, string]> = [
    ['service', row.service], ['kind', row.kind], ['span id', row.spanId], ['parent span id', row.parentSpanId || '(root)'],
    ['start', `+${formatSpanMs(row.startOffsetMs)}`], ['duration', formatSpanMs(row.durationMs)],
    ['status', row.statusMessage ? `${row.status}: ${row.statusMessage}` : row.status],
  ];
  if (row.gap) facts.push(['network + queueing', describeGap(row.gap)]);
  const sections: Node[] = [el('h3', {}, row.name), table('span', facts)];
  sections.push(el('h3', {}, 'Attributes'), attributesTable('attributes', row.attributes));
  if (row.events.length > 0) {
    sections.push(el('h3', {}, 'Events'), table('events', row.events.map(e => [`+${formatSpanMs(e.offsetMs)}`,
      `${e.name}${Object.keys(e.attributes).length > 0 ? ` ${Object.entries(e.attributes).map(([k, v]) => `${k}=${formatAttribute(v)}`).join(' ')}` : ''}`])));
  }
  // The resource is the same for every span of a service and long (host, process, SDK): folded.
  sections.push(el('details', { class: 'resource' }, el('summary', {}, `Resource of ${row.service} (${Object.keys(row.resource).length} attributes)`), attributesTable('resource', row.resource)));
  return el('section', { class: 'span-details' }, ...sections);
}

function attributesTable(cls: string, attributes: Attributes): HTMLElement {
  const entries = Object.entries(attributes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return el('p', { class: 'empty' }, 'none');
  return table(cls, entries.map(([k, v]) => [k, formatAttribute(v)]));
}

function table(cls: string, rows: Array<[string, string]>): HTMLElement {
  return el('table', { class: cls }, el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v)))));
}

/** A stable, distinct colour per service of this trace. */
function serviceColor(service: string, services: readonly string[]): string {
  const palette = ['#3b82c4', '#8957c9', '#2e9e6a', '#c28a1e', '#c2477f', '#4a9fb0'];
  return palette[Math.max(0, services.indexOf(service)) % palette.length]!;
}

function el(tag: string, attrs: Record<string, string>, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== '') node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

render();
vscode.postMessage({ kind: 'ready' });
