/**
 * The layout of the trace view's waterfall: the spans of one trace, from every service that exported
 * some, nested by `parentSpanId`, each with its start offset and duration on the trace's own clock.
 * Pure (no DOM, no editor) so the numbers a user reads can be tested with `node --test`.
 *
 * Spans arrive late and in any order (each service exports in its own batches), so a tree is built
 * from whatever has arrived: a span whose parent has not arrived (yet) is shown as a root and marked
 * `parentMissing`, never dropped.
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { AttributeValue, Attributes, ReceivedSpan, SpanKindName, StatusCodeName } from './spans.ts';
import { formatMs } from './stats-table.ts';

/** Time between a CLIENT span and the SERVER span that continued it: the network and the server's queues. */
export interface ClientServerGap {
  /** The client's span id. */
  clientSpanId: string;
  /** client duration − server duration: time the request spent outside the server's own span. */
  totalMs: number;
  /** server start − client start: connecting, sending, and waiting to be accepted. */
  beforeMs: number;
  /** client end − server end: the response travelling back and being read. */
  afterMs: number;
}

/** A span event, timed from its span's start. */
export interface TraceEventRow {
  name: string;
  offsetMs: number;
  attributes: Attributes;
}

/** One line of the waterfall, in display order (depth-first, siblings by start time). */
export interface TraceRow {
  spanId: string;
  parentSpanId: string;
  /** 0 for a root; a child is one deeper than its parent. */
  depth: number;
  service: string;
  kind: SpanKindName;
  name: string;
  /** From the trace's earliest span start. */
  startOffsetMs: number;
  durationMs: number;
  /** The bar, as fractions (0..1) of the trace's whole duration: where it starts and how wide it is. */
  barStart: number;
  barWidth: number;
  status: StatusCodeName;
  statusMessage: string;
  /** The span has a parent id, but no span of that id has arrived. */
  parentMissing: boolean;
  /** Only on a SERVER span whose parent is a CLIENT span. */
  gap?: ClientServerGap;
  attributes: Attributes;
  resource: Attributes;
  events: TraceEventRow[];
}

export interface TraceTree {
  traceId: string;
  /** Earliest span start, epoch nanoseconds as a decimal string ('0' when there is no span). */
  startTimeUnixNano: string;
  /** From the earliest start to the latest end. */
  durationMs: number;
  rows: TraceRow[];
  /** Distinct `service.name`s in display order. */
  services: string[];
  errorCount: number;
}

/** Nanosecond difference as milliseconds (bigint first: epoch nanos exceed 2^53, their differences do not). */
function msBetween(fromNano: bigint, toNano: bigint): number {
  return Number(toNano - fromNano) / 1e6;
}

/** `service.name` of the span's resource, as OTel's SDKs default it when missing. */
export function serviceOf(span: Pick<ReceivedSpan, 'resource'>): string {
  const name = span.resource[ATTR_SERVICE_NAME];
  return typeof name === 'string' && name !== '' ? name : 'unknown_service';
}

/**
 * Builds the waterfall of `spans` (all of one trace; spans of another trace id are ignored). Spans
 * are deduplicated by span id (an exporter's retry can deliver one twice): the first one wins.
 */
export function buildTraceTree(traceId: string, spans: readonly ReceivedSpan[]): TraceTree {
  const wanted = traceId.toLowerCase();
  const byId = new Map<string, ReceivedSpan>();
  for (const span of spans) if (span.traceId === wanted && !byId.has(span.spanId)) byId.set(span.spanId, span);
  if (byId.size === 0) return { traceId: wanted, startTimeUnixNano: '0', durationMs: 0, rows: [], services: [], errorCount: 0 };

  let start: bigint | undefined;
  let end: bigint | undefined;
  for (const span of byId.values()) {
    const s = BigInt(span.startTimeUnixNano);
    const e = BigInt(span.endTimeUnixNano);
    if (start === undefined || s < start) start = s;
    if (end === undefined || e > end) end = e;
  }
  const traceStart = start!;
  const traceMs = Math.max(0, msBetween(traceStart, end!));

  const children = new Map<string, ReceivedSpan[]>();
  const roots: ReceivedSpan[] = [];
  for (const span of byId.values()) {
    const parent = span.parentSpanId;
    if (parent !== '' && parent !== span.spanId && byId.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(span);
      children.set(parent, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: ReceivedSpan, b: ReceivedSpan) => {
    const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
  };

  const rows: TraceRow[] = [];
  const visited = new Set<string>();
  const visit = (span: ReceivedSpan, depth: number, parent: ReceivedSpan | undefined) => {
    // A malformed trace could make a cycle of parent ids; each span is shown once.
    if (visited.has(span.spanId)) return;
    visited.add(span.spanId);
    rows.push(toRow(span, depth, parent, byId.has(span.parentSpanId), traceStart, traceMs));
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) visit(child, depth + 1, span);
  };
  for (const root of roots.sort(byStart)) visit(root, 0, undefined);
  // Spans only reachable through a cycle have no root: show them at the top level rather than lose them.
  for (const span of [...byId.values()].sort(byStart)) if (!visited.has(span.spanId)) visit(span, 0, undefined);

  const services: string[] = [];
  for (const row of rows) if (!services.includes(row.service)) services.push(row.service);
  return {
    traceId: wanted,
    startTimeUnixNano: traceStart.toString(),
    durationMs: traceMs,
    rows,
    services,
    errorCount: rows.filter(row => row.status === 'ERROR').length,
  };
}

function toRow(span: ReceivedSpan, depth: number, parent: ReceivedSpan | undefined, parentArrived: boolean, traceStart: bigint, traceMs: number): TraceRow {
  const start = BigInt(span.startTimeUnixNano);
  const end = BigInt(span.endTimeUnixNano);
  const startOffsetMs = msBetween(traceStart, start);
  const durationMs = Math.max(0, msBetween(start, end));
  const row: TraceRow = {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    depth,
    service: serviceOf(span),
    kind: span.kindName,
    name: span.name,
    startOffsetMs,
    durationMs,
    barStart: traceMs > 0 ? startOffsetMs / traceMs : 0,
    barWidth: traceMs > 0 ? durationMs / traceMs : 1,
    status: span.status.codeName,
    statusMessage: span.status.message,
    parentMissing: span.parentSpanId !== '' && !parentArrived,
    attributes: span.attributes,
    resource: span.resource,
    events: span.events.map(event => ({ name: event.name, offsetMs: msBetween(start, BigInt(event.timeUnixNano)), attributes: event.attributes })),
  };
  if (parent !== undefined && parent.kindName === 'CLIENT' && span.kindName === 'SERVER') {
    const clientStart = BigInt(parent.startTimeUnixNano);
    const clientEnd = BigInt(parent.endTimeUnixNano);
    row.gap = {
      clientSpanId: parent.spanId,
      totalMs: msBetween(clientStart, clientEnd) - durationMs,
      beforeMs: msBetween(clientStart, start),
      afterMs: msBetween(end, clientEnd),
    };
  }
  return row;
}

/** Milliseconds in the trace view: '0.42 ms', '12.3 ms', '250 ms', '1.25 s' (the one formatMs, precise). */
export const formatSpanMs = (ms: number): string => formatMs(ms, { precise: true });

/** The sentence the view shows under a SERVER span: where the rest of the client's time went. */
export function describeGap(gap: ClientServerGap): string {
  const head = `${formatSpanMs(gap.totalMs)} outside the server's span (network and queueing): ${formatSpanMs(gap.beforeMs)} before it started, `;
  // A server span that ends after its client's: the server marked its end late (e.g. Node's response
  // 'finish' event, seen after the client already read the answer), or the two clocks differ.
  if (gap.afterMs < 0) return `${head}and it ended ${formatSpanMs(-gap.afterMs)} after the client had the answer (the server recorded its end late)`;
  return `${head}${formatSpanMs(gap.afterMs)} after it ended`;
}

/** An attribute value as one line of text: strings as they are, everything else as JSON. */
export function formatAttribute(value: AttributeValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
