/**
 * OTLP metrics → ReceivedMetric (./types.ts): one entry per metric per scope, its data points in plain
 * numbers (64-bit counts as numbers, timestamps as decimal strings), from either encoding.
 */
import type { Attributes, Exemplar, ReceivedMetric, ReceivedSpan, Temporality } from './types.ts';
import {
  double, enumNumber, has, hexId, int64Value, messages, optionalDouble, scopeOf, str, uint64Number, uint64String, values,
  type InstrumentationScope, type Opt, type Resource, attributes,
} from './otlp-values.ts';

interface ExportMetricsServiceRequest { resourceMetrics?: unknown }
interface ResourceMetrics { resource?: Opt<Resource>; scopeMetrics?: unknown }
interface ScopeMetrics { scope?: Opt<InstrumentationScope>; metrics?: unknown }
/** `oneof data`: gauge, sum, histogram, exponentialHistogram or summary. */
interface Metric {
  name?: unknown;
  description?: unknown;
  unit?: unknown;
  gauge?: Opt<{ dataPoints?: unknown }>;
  sum?: Opt<{ dataPoints?: unknown; aggregationTemporality?: unknown; isMonotonic?: unknown }>;
  histogram?: Opt<{ dataPoints?: unknown; aggregationTemporality?: unknown }>;
  exponentialHistogram?: Opt<{ dataPoints?: unknown; aggregationTemporality?: unknown }>;
  summary?: Opt<{ dataPoints?: unknown }>;
}
interface DataPoint { attributes?: unknown; startTimeUnixNano?: unknown; timeUnixNano?: unknown; exemplars?: unknown }
/** A gauge's or sum's point, and an exemplar: `oneof value { double as_double; sfixed64 as_int; }`. */
interface NumberValue { asDouble?: unknown; asInt?: unknown }
interface NumberDataPoint extends DataPoint, NumberValue {}
interface HistogramDataPoint extends DataPoint {
  count?: unknown;
  sum?: unknown;
  min?: unknown;
  max?: unknown;
  bucketCounts?: unknown;
  explicitBounds?: unknown;
}
interface ExponentialHistogramDataPoint extends DataPoint {
  count?: unknown;
  sum?: unknown;
  min?: unknown;
  max?: unknown;
  scale?: unknown;
  zeroCount?: unknown;
  positive?: Opt<Buckets>;
  negative?: Opt<Buckets>;
}
interface Buckets { offset?: unknown; bucketCounts?: unknown }
interface SummaryDataPoint extends DataPoint { count?: unknown; sum?: unknown; quantileValues?: unknown }
interface ValueAtQuantile { quantile?: unknown; value?: unknown }
interface ExemplarMessage extends NumberValue {
  timeUnixNano?: unknown;
  traceId?: unknown;
  spanId?: unknown;
  filteredAttributes?: unknown;
}

export function metricsOf(request: ExportMetricsServiceRequest): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const resourceMetrics of messages<ResourceMetrics>(request.resourceMetrics, 'resourceMetrics')) {
    const resource = attributes(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of messages<ScopeMetrics>(resourceMetrics.scopeMetrics, 'scopeMetrics')) {
      const scope = scopeOf(scopeMetrics.scope);
      for (const metric of messages<Metric>(scopeMetrics.metrics, 'metrics')) {
        const decoded = metricOf(metric, resource, scope);
        if (decoded) metrics.push(decoded);
      }
    }
  }
  return metrics;
}

const TEMPORALITIES: readonly Temporality[] = ['unspecified', 'delta', 'cumulative'];
const TEMPORALITY_NAMES = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'] as const;

function temporalityOf(raw: unknown): Temporality {
  return TEMPORALITIES[enumNumber(raw, 'AGGREGATION_TEMPORALITY_', TEMPORALITY_NAMES)] ?? 'unspecified';
}

/** undefined for a metric with no data (allowed by the proto; nothing to keep). */
function metricOf(raw: Metric, resource: Attributes, scope: ReceivedSpan['scope']): ReceivedMetric | undefined {
  const base = { name: str(raw.name), description: str(raw.description), unit: str(raw.unit), resource, scope };
  if (has(raw, 'gauge')) return { ...base, type: 'gauge', dataPoints: messages<NumberDataPoint>(raw.gauge?.dataPoints, 'dataPoints').map(numberPointOf) };
  if (has(raw, 'sum')) {
    return {
      ...base,
      type: 'sum',
      temporality: temporalityOf(raw.sum?.aggregationTemporality),
      isMonotonic: raw.sum?.isMonotonic === true,
      dataPoints: messages<NumberDataPoint>(raw.sum?.dataPoints, 'dataPoints').map(numberPointOf),
    };
  }
  if (has(raw, 'histogram')) {
    return {
      ...base,
      type: 'histogram',
      temporality: temporalityOf(raw.histogram?.aggregationTemporality),
      dataPoints: messages<HistogramDataPoint>(raw.histogram?.dataPoints, 'dataPoints').map(point => ({
        ...pointBase(point),
        count: uint64Number(point.count),
        sum: optionalDouble(point, 'sum'),
        min: optionalDouble(point, 'min'),
        max: optionalDouble(point, 'max'),
        bucketCounts: values(point.bucketCounts, 'bucketCounts').map(uint64Number),
        explicitBounds: values(point.explicitBounds, 'explicitBounds').map(double),
      })),
    };
  }
  if (has(raw, 'exponentialHistogram')) {
    return {
      ...base,
      type: 'exponentialHistogram',
      temporality: temporalityOf(raw.exponentialHistogram?.aggregationTemporality),
      dataPoints: messages<ExponentialHistogramDataPoint>(raw.exponentialHistogram?.dataPoints, 'dataPoints').map(point => ({
        ...pointBase(point),
        count: uint64Number(point.count),
        sum: optionalDouble(point, 'sum'),
        min: optionalDouble(point, 'min'),
        max: optionalDouble(point, 'max'),
        scale: Number(point.scale ?? 0),
        zeroCount: uint64Number(point.zeroCount),
        positive: bucketsOf(point.positive),
        negative: bucketsOf(point.negative),
      })),
    };
  }
  if (has(raw, 'summary')) {
    return {
      ...base,
      type: 'summary',
      dataPoints: messages<SummaryDataPoint>(raw.summary?.dataPoints, 'dataPoints').map(point => ({
        ...pointBase(point),
        count: uint64Number(point.count),
        sum: double(point.sum),
        quantiles: messages<ValueAtQuantile>(point.quantileValues, 'quantileValues').map(q => ({ quantile: double(q.quantile), value: double(q.value) })),
      })),
    };
  }
  return undefined;
}

function pointBase(raw: DataPoint) {
  return {
    attributes: attributes(raw.attributes),
    startTimeUnixNano: uint64String(raw.startTimeUnixNano),
    timeUnixNano: uint64String(raw.timeUnixNano),
    exemplars: messages<ExemplarMessage>(raw.exemplars, 'exemplars').map(exemplarOf),
  };
}

function numberPointOf(raw: NumberDataPoint) {
  return { ...pointBase(raw), value: numberValue(raw) };
}

function exemplarOf(raw: ExemplarMessage): Exemplar {
  return {
    value: numberValue(raw),
    timeUnixNano: uint64String(raw.timeUnixNano),
    traceId: hexId(raw.traceId, 'traceId'),
    spanId: hexId(raw.spanId, 'spanId'),
    filteredAttributes: attributes(raw.filteredAttributes),
  };
}

/** The `oneof value { double as_double; sfixed64 as_int; }` of points and exemplars. */
function numberValue(raw: NumberValue): number {
  if (has(raw, 'asDouble')) return double(raw.asDouble);
  if (has(raw, 'asInt')) {
    const value = int64Value(raw.asInt);
    return typeof value === 'number' ? value : Number(value);
  }
  return 0;
}

function bucketsOf(raw: Opt<Buckets>): { offset: number; bucketCounts: number[] } {
  return { offset: Number(raw?.offset ?? 0), bucketCounts: values(raw?.bucketCounts, 'bucketCounts').map(uint64Number) };
}

// ---- attributes ----------------------------------------------------------------------------------
