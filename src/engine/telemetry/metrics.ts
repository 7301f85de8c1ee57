/**
 * The engine's OTel metrics, aggregated in place. The SDK's synchronous histogram costs about 1 µs per
 * `record` (it hashes the attributes of every measurement); here a request finds its series by name
 * and a short scan, then bumps three fixed-bucket histograms. The SDK's PeriodicExportingMetricReader
 * pulls the aggregates through `collect()` (this class is its MetricProducer), so export intervals,
 * timeouts and the OTLP exporter stay the SDK's.
 *
 * Instruments (all histograms in seconds, explicit buckets as the HTTP semantic conventions advise):
 * - `http.client.request.duration`: http.request.method, loadlens.request.name, server.address,
 *   http.response.status_code (when a response came), error.type (when the request failed);
 * - `loadlens.http.client.time_to_first_byte`: the same attributes, requests that got a response;
 * - `loadlens.http.client.connect.duration`: http.request.method, loadlens.request.name, server.address,
 *   requests that opened a connection;
 * - `loadlens.users.active`: gauge, the virtual users running at collection time.
 * A shard run (`--shard i/N`) adds `loadlens.shard` to every point.
 * No exemplars: neither sdk-metrics 3.1 nor otlp-transformer 0.301 can carry them.
 *
 * Memory: at most `MAX_SERIES` series (the SDK's default cardinality limit); measurements beyond go
 * to one overflow series marked `otel.metric.overflow: true`, as the specification says.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality, DataPointType,
  type CollectionResult, type DataPoint, type GaugeMetricData, type Histogram, type HistogramMetricData, type MetricData, type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_LOADLENS_REQUEST_NAME, ATTR_LOADLENS_SHARD, ATTR_SERVER_ADDRESS,
  METRIC_HTTP_CLIENT_REQUEST_DURATION, METRIC_LOADLENS_CONNECT_DURATION, METRIC_LOADLENS_TIME_TO_FIRST_BYTE, METRIC_LOADLENS_USERS_ACTIVE,
} from './attributes.ts';

/** The HTTP semantic conventions' advised boundaries for `http.client.request.duration`, in seconds. */
export const DURATION_BOUNDARIES: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
export const MAX_SERIES = 2000;

export const METRIC_NAMES = {
  requestDuration: METRIC_HTTP_CLIENT_REQUEST_DURATION,
  timeToFirstByte: METRIC_LOADLENS_TIME_TO_FIRST_BYTE,
  connectDuration: METRIC_LOADLENS_CONNECT_DURATION,
  activeUsers: METRIC_LOADLENS_USERS_ACTIVE,
} as const;

/** A fixed-bucket histogram of seconds; bucket i counts values in (bounds[i-1], bounds[i]]. */
class SecondsHistogram {
  private readonly counts = new Float64Array(DURATION_BOUNDARIES.length + 1);
  count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  record(seconds: number): void {
    let bucket = 0;
    while (bucket < DURATION_BOUNDARIES.length && seconds > DURATION_BOUNDARIES[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.count++;
    this.sum += seconds;
    if (seconds < this.min) this.min = seconds;
    if (seconds > this.max) this.max = seconds;
  }

  add(other: SecondsHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  value(): Histogram {
    return {
      buckets: { boundaries: [...DURATION_BOUNDARIES], counts: Array.from(this.counts) },
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
    };
  }
}

/** One combination of attribute values, with its three histograms. */
class RequestSeries {
  readonly method: string;
  readonly requestName: string;
  readonly serverAddress: string;
  readonly statusCode: number;
  readonly errorType: string | undefined;
  readonly duration = new SecondsHistogram();
  readonly timeToFirstByte = new SecondsHistogram();
  readonly connect = new SecondsHistogram();
  private cachedAttributes: Attributes | undefined;

  constructor(method: string, requestName: string, serverAddress: string, statusCode: number, errorType: string | undefined) {
    this.method = method;
    this.requestName = requestName;
    this.serverAddress = serverAddress;
    this.statusCode = statusCode;
    this.errorType = errorType;
  }

  attributes(): Attributes {
    if (this.cachedAttributes === undefined) {
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: this.method,
        [ATTR_LOADLENS_REQUEST_NAME]: this.requestName,
        [ATTR_SERVER_ADDRESS]: this.serverAddress,
      };
      if (this.statusCode > 0) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = this.statusCode;
      if (this.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = this.errorType;
      this.cachedAttributes = attributes;
    }
    return this.cachedAttributes;
  }
}

/** The metrics SDK specification's overflow series (cardinality limits); no semantic-conventions constant names it. */
const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

export interface RequestMetricsOptions {
  resource: Resource;
  scope: InstrumentationScope;
  temporality: 'cumulative' | 'delta';
  activeUsers: () => number;
  /** "i/N" for a shard run: `loadlens.shard` on every data point, so N shards' series never merge into one. */
  shard?: string;
}

export class RequestMetrics implements MetricProducer {
  private readonly byName = new Map<string, RequestSeries[]>();
  private readonly overflow = new RequestSeries('', '', '', 0, undefined);
  private seriesCount = 0;
  private readonly options: RequestMetricsOptions;
  /** Start of the current aggregation period: the telemetry start (cumulative) or the previous collection (delta). */
  private periodStart: HrTime = hrTime();

  constructor(options: RequestMetricsOptions) {
    this.options = options;
  }

  /**
   * Hot path: one finished request. `statusCode` 0 = no response; `connectSeconds` < 0 = no new
   * connection. Allocates only when a new series appears.
   */
  record(method: string, requestName: string, serverAddress: string, statusCode: number, errorType: string | undefined,
    durationSeconds: number, ttfbSeconds: number, connectSeconds: number): void {
    const series = this.series(method, requestName, serverAddress, statusCode, errorType);
    series.duration.record(durationSeconds);
    if (statusCode > 0) series.timeToFirstByte.record(ttfbSeconds);
    if (connectSeconds >= 0) series.connect.record(connectSeconds);
  }

  private series(method: string, requestName: string, serverAddress: string, statusCode: number, errorType: string | undefined): RequestSeries {
    let list = this.byName.get(requestName);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const candidate = list[i]!;
        if (candidate.statusCode === statusCode && candidate.method === method && candidate.errorType === errorType && candidate.serverAddress === serverAddress) return candidate;
      }
    }
    if (this.seriesCount >= MAX_SERIES) return this.overflow;
    if (list === undefined) {
      list = [];
      this.byName.set(requestName, list);
    }
    const created = new RequestSeries(method, requestName, serverAddress, statusCode, errorType);
    list.push(created);
    this.seriesCount++;
    return created;
  }

  /** Called by the metric reader at each export. */
  async collect(): Promise<CollectionResult> {
    const startTime = this.periodStart;
    const endTime = hrTime();
    const all = [...this.byName.values()].flat();
    if (this.overflow.duration.count > 0) all.push(this.overflow);

    const shard = this.options.shard;
    // Once per series per export, not per request.
    const point = <T>(attributes: Attributes, value: T): DataPoint<T> => ({
      startTime, endTime, attributes: shard === undefined ? attributes : { ...attributes, [ATTR_LOADLENS_SHARD]: shard }, value,
    });
    const durations: DataPoint<Histogram>[] = [];
    const ttfbs: DataPoint<Histogram>[] = [];
    // Connect time does not depend on the response: one point per (method, name, server).
    const connects = new Map<string, { attributes: Attributes; histogram: SecondsHistogram }>();
    for (const series of all) {
      const attributes = series === this.overflow ? OVERFLOW_ATTRIBUTES : series.attributes();
      if (series.duration.count > 0) durations.push(point(attributes, series.duration.value()));
      if (series.timeToFirstByte.count > 0) ttfbs.push(point(attributes, series.timeToFirstByte.value()));
      if (series.connect.count > 0) {
        const key = series === this.overflow ? '' : `${series.method}\u0000${series.requestName}\u0000${series.serverAddress}`;
        let merged = connects.get(key);
        if (merged === undefined) {
          merged = {
            attributes: series === this.overflow ? OVERFLOW_ATTRIBUTES : { [ATTR_HTTP_REQUEST_METHOD]: series.method, [ATTR_LOADLENS_REQUEST_NAME]: series.requestName, [ATTR_SERVER_ADDRESS]: series.serverAddress },
            histogram: new SecondsHistogram(),
          };
          connects.set(key, merged);
        }
        merged.histogram.add(series.connect);
      }
    }

    const temporality = this.options.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
    const histogram = (name: string, description: string, dataPoints: DataPoint<Histogram>[]): HistogramMetricData => ({
      descriptor: { name, description, unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    });
    const activeUsers: GaugeMetricData = {
      descriptor: { name: METRIC_NAMES.activeUsers, description: 'Virtual users running.', unit: '{user}', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [{ startTime: endTime, endTime, attributes: shard === undefined ? {} : { [ATTR_LOADLENS_SHARD]: shard }, value: this.options.activeUsers() }],
    };
    const metrics: MetricData[] = [activeUsers];
    if (durations.length > 0) metrics.push(histogram(METRIC_NAMES.requestDuration, 'Duration of HTTP client requests.', durations));
    if (ttfbs.length > 0) metrics.push(histogram(METRIC_NAMES.timeToFirstByte, 'Time from sending an HTTP request to the first byte of its response.', ttfbs));
    if (connects.size > 0) {
      metrics.push(histogram(METRIC_NAMES.connectDuration, 'Time to open a connection (DNS, TCP, TLS) for an HTTP request.',
        [...connects.values()].map(merged => point(merged.attributes, merged.histogram.value()))));
    }

    if (this.options.temporality === 'delta') {
      for (const series of all) {
        series.duration.reset();
        series.timeToFirstByte.reset();
        series.connect.reset();
      }
      this.periodStart = endTime;
    }
    return {
      resourceMetrics: { resource: this.options.resource, scopeMetrics: [{ scope: this.options.scope, metrics }] },
      errors: [],
    };
  }
}
