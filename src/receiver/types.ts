/**
 * The metrics the receiver decodes from OTLP, flattened into plain JSON values as its spans are (see
 * src/shared/spans.ts, where the span types live: every layer shares them).
 */
import type { Attributes } from '../shared/spans.ts';

// The span wire types, from the receiver's own module as before.
export { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../shared/spans.ts';
export type { AttributeValue, Attributes, ReceivedSpan, SpanEvent, SpanKindName, SpanLink, StatusCodeName } from '../shared/spans.ts';

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
