// A stored trace's one-line summary, as a trace list shows it.
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ReceivedSpan } from '../shared/spans.ts';

/** A trace's one-line summary, as a trace list shows it. */
export interface TraceSummary {
  traceId: string;
  spanCount: number;
  /** The span without a parent among those received, else the earliest one. */
  rootName: string;
  rootService: string;
  /** Earliest span start and latest span end among the spans received, epoch nanoseconds as decimal strings. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  /** Whether any span has status ERROR. */
  hasError: boolean;
  /** Distinct `service.name`s, in the order first seen. */
  services: string[];
}

/** The summary of one trace's spans (any order). */
export function summarize(traceId: string, spans: readonly ReceivedSpan[]): TraceSummary {
  let root: ReceivedSpan | undefined;
  let start: bigint | undefined;
  let end: bigint | undefined;
  let hasError = false;
  const services: string[] = [];
  for (const span of spans) {
    const spanStart = BigInt(span.startTimeUnixNano);
    const spanEnd = BigInt(span.endTimeUnixNano);
    if (start === undefined || spanStart < start) start = spanStart;
    if (end === undefined || spanEnd > end) end = spanEnd;
    if (span.status.code === 2) hasError = true;
    const service = serviceName(span);
    if (!services.includes(service)) services.push(service);
    const isRoot = span.parentSpanId === '';
    const rootIsRoot = root !== undefined && root.parentSpanId === '';
    if (root === undefined || (isRoot && !rootIsRoot) || (isRoot === rootIsRoot && spanStart < BigInt(root.startTimeUnixNano))) root = span;
  }
  return {
    traceId,
    spanCount: spans.length,
    rootName: root?.name ?? '',
    rootService: root === undefined ? '' : serviceName(root),
    startTimeUnixNano: (start ?? 0n).toString(),
    endTimeUnixNano: (end ?? 0n).toString(),
    durationMs: start === undefined || end === undefined ? 0 : Number(end - start) / 1e6,
    hasError,
    services,
  };
}

function serviceName(span: ReceivedSpan): string {
  const name = span.resource[ATTR_SERVICE_NAME];
  return typeof name === 'string' ? name : 'unknown_service';
}
