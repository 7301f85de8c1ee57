/**
 * What the receiver hands out: spans and metrics decoded from OTLP and flattened into plain JSON
 * values (no classes, no bigint, no byte arrays), so they cross IPC and a webview's postMessage
 * unchanged. Ids are lower-case hex; instants are nanoseconds since the epoch as decimal strings,
 * because they exceed Number's 2^53 and bigint does not survive JSON.
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

export interface Exemplar {
  value: number;
  timeUnixNano: string;
  /** '' when the measurement was not made inside a sampled span. */
  traceId: string;
  spanId: string;
  filteredAttributes: Attributes;
}

interface DataPointBase {
  attributes: Attributes;
  startTimeUnixNano: string;
  timeUnixNano: string;
  exemplars: Exemplar[];
}

/** A gauge's or a sum's point. */
export interface NumberDataPoint extends DataPointBase {
  value: number;
}

export interface HistogramDataPoint extends DataPointBase {
  count: number;
  /** undefined when the producer did not record a sum (e.g. negative measurements). */
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  /** bucketCounts.length === explicitBounds.length + 1; bucket i counts values in (bounds[i-1], bounds[i]]. */
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ExponentialHistogramDataPoint extends DataPointBase {
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
}

export interface SummaryDataPoint extends DataPointBase {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

export type Temporality = 'unspecified' | 'delta' | 'cumulative';

interface MetricBase {
  name: string;
  description: string;
  unit: string;
  resource: Attributes;
  scope: { name: string; version: string };
}

/** One metric of one export, with its points. Discriminated by `type`. */
export type ReceivedMetric =
  | (MetricBase & { type: 'gauge'; dataPoints: NumberDataPoint[] })
  | (MetricBase & { type: 'sum'; temporality: Temporality; isMonotonic: boolean; dataPoints: NumberDataPoint[] })
  | (MetricBase & { type: 'histogram'; temporality: Temporality; dataPoints: HistogramDataPoint[] })
  | (MetricBase & { type: 'exponentialHistogram'; temporality: Temporality; dataPoints: ExponentialHistogramDataPoint[] })
  | (MetricBase & { type: 'summary'; dataPoints: SummaryDataPoint[] });

export type MetricType = ReceivedMetric['type'];
