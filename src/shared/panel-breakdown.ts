/**
 * The results panel's Breakdown tab as plain data (issue 16): per request row, where its time went
 * across services, a stacked bar of its parts at p50, the table of parts, each part's slowest traces,
 * the root causes of its failures, and what the breakdown could not use. From the report once the run
 * has its final breakdown, else from the embedded receiver's live breakdown. The webview only draws it.
 */
import type { RowBreakdown, RunBreakdownState } from './breakdown/live.ts';
import type { BreakdownCounts, BreakdownPart, PartKind, RequestBreakdown } from './breakdown/types.ts';
import type { PanelState } from './panel-model.ts';
import type { RequestRow } from './report.ts';
import { formatMs } from './stats-table.ts';
import { formatShare, partLabel, topPartLine } from './where-time-went.ts';
import { formatCount } from './workers.ts';

/** The part colours, in order of share (the theme's chart colours; the webview maps an index to a colour). */
export const PART_COLOURS = 6;

export interface BreakdownTabView {
  /** One line over the rows: what the breakdown covers and whether it is final. */
  status: string;
  /** The run waits for the application's late spans: the numbers may still change. */
  waiting: boolean;
  rows: BreakdownRowView[];
  /** What the breakdown received and could not use, each counter always shown. */
  counters: CounterView[];
  /** Why there is nothing to show (no rows), in words that say what to do. */
  empty?: string;
}

export interface CounterView {
  label: string;
  value: string;
  /** Spans lost or not placed: shown in the warning colour when not 0. */
  warn: boolean;
  title: string;
}

export interface BreakdownRowView {
  /** `method name`: stable across updates. */
  key: string;
  title: string;
  /** 'from 1,234 traces'. */
  traces: string;
  /** `p95 48 ms · 61 % in inventory db.query SELECT stock`, as the line's hover says. */
  summary?: string;
  /** The stacked bar at p50: segments in order of share, widths in percent adding up to 100. */
  bar: BarSegment[];
  parts: PartView[];
  rootCauses: RootCauseView[];
}

export interface BarSegment {
  key: string;
  label: string;
  /** 0..100. */
  widthPercent: number;
  /** 'network', 'other', or a colour index 0..PART_COLOURS-1. */
  colour: PartColour;
  /** '12.3 ms'. */
  p50: string;
}

export type PartColour = 'network' | 'other' | number;

export interface PartView {
  /** `service span`: stable across updates, the key of "show its slowest traces". */
  key: string;
  label: string;
  service: string;
  span: string;
  kind: PartKind;
  p50: string;
  p95: string;
  p99: string;
  share: string;
  colour: PartColour;
  /** The traces in which this part took longest, longest first; [] when unknown (an older report, a CLI run). */
  slowest: { traceId: string; self: string; duration: string }[];
}

export interface RootCauseView {
  key: string;
  service: string;
  span: string;
  message: string;
  count: number;
  /** Newest first. */
  traceIds: string[];
}

/**
 * The tab's view, or undefined before a run started. `otlpReceiver`: the embedded receiver's URL
 * when the run exported to it (an empty tab then says where the application should export).
 */
export function breakdownTab(state: PanelState): BreakdownTabView | undefined {
  if (!state.run) return undefined;
  const { report, snapshot, breakdown: live } = state;
  const otlpReceiver = state.run.otlpReceiver;
  const reportRows = report?.requests.filter(row => row.breakdown !== undefined) ?? [];
  const fromReport = reportRows.length > 0;
  const liveRows: RowBreakdown[] = live?.state.rows ?? [];
  const statsRows: readonly Pick<RequestRow, 'method' | 'name' | 'p95'>[] = report?.requests ?? snapshot?.requests ?? [];
  const p95Of = (method: string, name: string) => statsRows.find(r => r.method === method && r.name === name)?.p95;

  const rows: BreakdownRowView[] = fromReport
    ? reportRows.map(row => rowView(row.method, row.name, row.breakdown!, row.p95, row.breakdownTraces ?? []))
    : orderLike(liveRows, statsRows).map(row => rowView(row.method, row.name, row.breakdown, p95Of(row.method, row.name), row.slowest));
  const counts = report?.breakdownCounts ?? live?.state.counts;
  const waiting = live?.waiting === true && !fromReport;
  const requests = counts?.requests ?? 0;
  const status = waiting
    ? `Waiting for the application's late spans (it exports in batches)… ${formatCount(requests)} requests broken down so far.`
    : fromReport
      ? `Where each request's time went, along its critical path, from ${formatCount(requests)} requests' traces${report?.receiver ? ` (${formatCount(report.receiver.lateSpans)} spans came after the load)` : ''}.`
      : rows.length > 0 ? `Live: ${formatCount(requests)} requests broken down so far.` : '';
  return {
    status,
    waiting,
    rows,
    counters: counters(counts, report?.receiver?.spansReceived ?? live?.state.spansReceived, live?.state.appSpans),
    ...(rows.length === 0 ? { empty: emptyReason(state, otlpReceiver, live?.state) } : {}),
  };
}

/** Why the tab is empty, in words that say what to do. */
function emptyReason(state: PanelState, otlpReceiver: string | undefined, live: RunBreakdownState | undefined): string {
  if (otlpReceiver === undefined) {
    return 'No breakdown for this run: it needs Loadlens\'s own receiver to see every span. Run with OTel and no loadlens.otel.endpoint set ' +
      '(loadlens.otel.forward passes the spans on to your platform too), or use loadlens run --receiver in a terminal.';
  }
  if (live !== undefined && live.appSpans > 0) return state.report ? 'No request of this run had spans of the application.' : 'Spans are arriving: the first requests are broken down once their traces settle (about a second).';
  return `No spans from your app yet: point OTEL_EXPORTER_OTLP_ENDPOINT at ${otlpReceiver} (the app's own OpenTelemetry SDK, or zero-code auto-instrumentation, exports there).`;
}

/** Live rows in the stats table's order (the report's rows, or the snapshot's), unknown rows last. */
function orderLike(rows: readonly RowBreakdown[], order: readonly Pick<RequestRow, 'method' | 'name'>[]): RowBreakdown[] {
  const index = (row: RowBreakdown) => {
    const i = order.findIndex(r => r.method === row.method && r.name === row.name);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...rows].sort((a, b) => index(a) - index(b));
}

function rowView(method: string, name: string, breakdown: RequestBreakdown, p95: number | undefined, slowest: readonly { service: string; span: string; traces: { traceId: string; selfMs: number; durationMs: number }[] }[]): BreakdownRowView {
  const colours = new Map<BreakdownPart, PartColour>();
  let next = 0;
  for (const part of breakdown.parts) colours.set(part, part.kind === 'network' ? 'network' : part.kind === 'other' ? 'other' : next++ % PART_COLOURS);
  const p50Total = breakdown.parts.reduce((sum, part) => sum + Math.max(0, part.selfMs.p50), 0);
  const bar: BarSegment[] = p50Total <= 0 ? [] : breakdown.parts.filter(part => part.selfMs.p50 > 0).map(part => ({
    key: partKey(part),
    label: partLabel(part),
    widthPercent: (part.selfMs.p50 / p50Total) * 100,
    colour: colours.get(part)!,
    p50: formatMs(part.selfMs.p50),
  }));
  const summary = p95 === undefined ? undefined : topPartLine({ p95, breakdown });
  return {
    key: `${method} ${name}`,
    title: method ? `${method} ${name}` : name,
    traces: `from ${formatCount(breakdown.traces)} ${breakdown.traces === 1 ? 'trace' : 'traces'}`,
    ...(summary === undefined ? {} : { summary }),
    bar,
    parts: breakdown.parts.map(part => ({
      key: partKey(part),
      label: partLabel(part),
      service: part.service,
      span: part.span,
      kind: part.kind,
      p50: formatMs(part.selfMs.p50),
      p95: formatMs(part.selfMs.p95),
      p99: formatMs(part.selfMs.p99),
      share: formatShare(part.share),
      colour: colours.get(part)!,
      slowest: (slowest.find(s => s.service === part.service && s.span === part.span)?.traces ?? [])
        .map(t => ({ traceId: t.traceId, self: formatMs(t.selfMs), duration: formatMs(t.durationMs) })),
    })),
    rootCauses: breakdown.rootCauses.map(cause => ({
      key: `${cause.service} ${cause.span} ${cause.message}`,
      service: cause.service,
      span: cause.span,
      message: cause.message,
      count: cause.count,
      traceIds: [...cause.traceIds].reverse(),
    })),
  };
}

function partKey(part: Pick<BreakdownPart, 'service' | 'span'>): string {
  return `${part.service} ${part.span}`;
}

function counters(counts: BreakdownCounts | undefined, received: number | undefined, appSpans: number | undefined): CounterView[] {
  const c = counts ?? { spansReceived: 0, spansDropped: 0, spansUnparented: 0, spansUnmatched: 0, requests: 0, requestsRecomputed: 0, requestsDropped: 0 };
  const list: CounterView[] = [
    { label: 'Spans received', value: formatCount(received ?? c.spansReceived), warn: false, title: 'Spans the receiver decoded while the run was open, every service' },
    ...(appSpans === undefined ? [] : [{ label: 'from the app', value: formatCount(appSpans), warn: appSpans === 0, title: 'Spans of services other than the load generator: 0 means the application exports elsewhere, or not at all' }]),
    { label: 'Requests', value: formatCount(c.requests), warn: false, title: 'Requests (the load generator\'s spans) broken down' },
    { label: 'Dropped', value: formatCount(c.spansDropped), warn: c.spansDropped > 0, title: 'Spans refused by the breakdown\'s memory bounds' },
    { label: 'Unparented', value: formatCount(c.spansUnparented), warn: c.spansUnparented > 0, title: 'Spans whose parent span never arrived: attached to their request by time' },
    { label: 'Unmatched', value: formatCount(c.spansUnmatched), warn: false, title: 'Spans of traces in which no request of this run arrived (other traffic, or later than the wait)' },
  ];
  if (c.requestsDropped > 0) list.push({ label: 'Requests not broken down', value: formatCount(c.requestsDropped), warn: true, title: 'Requests of rows beyond the breakdown\'s limit of rows' });
  return list;
}
