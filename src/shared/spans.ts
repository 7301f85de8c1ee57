/**
 * What an OTLP receiver hands out, as wire types every layer shares (the receiver, the extension, the
 * trace view's page, the pure trace and breakdown code): spans decoded from OTLP and flattened into
 * plain JSON values (no classes, no bigint, no byte arrays), so they cross IPC and a webview's
 * postMessage unchanged, and the receiver's own counts. Ids are lower-case hex; instants are
 * nanoseconds since the epoch as decimal strings, because they exceed Number's 2^53 and bigint does
 * not survive JSON.
 */

/** An attribute value as OTLP's AnyValue carries it. int64 values beyond ±2^53 become decimal strings; bytes become base64. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

/** OTLP's SpanKind names, indexed by its wire number. */
export const SPAN_KIND_NAMES = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export type SpanKindName = (typeof SPAN_KIND_NAMES)[number];

/** OTLP's Status.code names, indexed by its wire number. */
export const STATUS_CODE_NAMES = ['UNSET', 'OK', 'ERROR'] as const;
export type StatusCodeName = (typeof STATUS_CODE_NAMES)[number];

export interface SpanEvent {
  name: string;
  timeUnixNano: string;
  attributes: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** One span as received. `resource` is shared by every span of the same export batch and resource. */
export interface ReceivedSpan {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** 16 hex digits, or '' for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** OTLP's wire number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  kindName: SpanKindName;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attributes;
  events: SpanEvent[];
  links: SpanLink[];
  /** `code`: 0 unset, 1 ok, 2 error. */
  status: { code: number; codeName: StatusCodeName; message: string };
  resource: Attributes;
  scope: { name: string; version: string };
}

// What the receiver says about itself (the embedded receiver's stats, shown by the extension).

/** Requests by outcome, and what they carried. */
export interface ReceiverCounts {
  traceRequests: number;
  metricRequests: number;
  logRequests: number;
  logRecords: number;
  /** Requests answered 4xx (undecodable, wrong type, too large, wrong path or method). */
  rejectedRequests: number;
}

/** What the bounded trace store holds, dropped and evicted. */
export interface TraceStoreStats {
  spansReceived: number;
  /** Spans refused: their trace already held `maxSpansPerTrace`, or no room could be made for them. */
  spansDropped: number;
  /** Traces (and their spans) pushed out to make room. */
  tracesEvicted: number;
  spansEvicted: number;
  /** Of the traces pushed out, those with an error span (0 unless errors alone outgrow their share of the budget). */
  errorTracesEvicted: number;
  tracesStored: number;
  spansStored: number;
  errorTracesStored: number;
  /** Traces kept as one of their row's slowest (error traces excluded: they count above). */
  slowTracesStored: number;
  /** Estimated heap held by the stored spans, their traces, and the shared resources and scopes. */
  bytesStored: number;
  budgetBytes: number;
  /** Strings cut and attributes, events, links or array elements left out by the span limits. */
  valuesTruncated: number;
}
