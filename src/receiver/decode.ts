/**
 * OTLP export requests → the receiver's plain types (./types.ts), from either encoding:
 * - protobuf, decoded by protobufjs into message objects (bytes as Buffer, 64-bit integers as Long);
 * - JSON, per the OTLP/JSON mapping (lowerCamelCase keys, ids as hex, 64-bit integers as decimal
 *   strings or numbers, enums as integers; enum names are accepted too).
 * Both have the same lowerCamelCase shape, so one normaliser reads both, and only the leaves
 * (ids, 64-bit integers, bytes) look at which form they got. A field a message leaves out reads as
 * its proto3 default in either form.
 */
import { otlpTypes } from './otlp-proto.ts';
import {
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  type AttributeValue,
  type Attributes,
  type Exemplar,
  type ReceivedMetric,
  type ReceivedSpan,
  type SpanEvent,
  type SpanLink,
  type Temporality,
} from './types.ts';

/** The body is not a valid export request in its declared encoding; the receiver answers 400 with this message. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

export type OtlpEncoding = 'protobuf' | 'json';

/** Decodes an ExportTraceServiceRequest into spans, in the order they appear. Throws OtlpDecodeError. */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding): ReceivedSpan[] {
  const request = parseRequest(body, encoding, 'traceRequest');
  return withinStack(() => tracesOf(request));
}

function tracesOf(request: any): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of list(request.resourceSpans, 'resourceSpans')) {
    const resource = attributes(resourceSpans?.resource?.attributes);
    for (const scopeSpans of list(resourceSpans?.scopeSpans, 'scopeSpans')) {
      const scope = scopeOf(scopeSpans?.scope);
      for (const span of list(scopeSpans?.spans, 'spans')) spans.push(spanOf(span, resource, scope));
    }
  }
  return spans;
}

/** Decodes an ExportMetricsServiceRequest into one entry per metric per scope. Throws OtlpDecodeError. */
export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): ReceivedMetric[] {
  const request = parseRequest(body, encoding, 'metricsRequest');
  return withinStack(() => metricsOf(request));
}

function metricsOf(request: any): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const resourceMetrics of list(request.resourceMetrics, 'resourceMetrics')) {
    const resource = attributes(resourceMetrics?.resource?.attributes);
    for (const scopeMetrics of list(resourceMetrics?.scopeMetrics, 'scopeMetrics')) {
      const scope = scopeOf(scopeMetrics?.scope);
      for (const metric of list(scopeMetrics?.metrics, 'metrics')) {
        const decoded = metricOf(metric, resource, scope);
        if (decoded) metrics.push(decoded);
      }
    }
  }
  return metrics;
}

/** Counts the log records of an ExportLogsServiceRequest (the receiver accepts logs but keeps none). Throws OtlpDecodeError. */
export function countLogRecords(body: Uint8Array, encoding: OtlpEncoding): number {
  const request = parseRequest(body, encoding, 'logsRequest');
  let count = 0;
  for (const resourceLogs of list(request.resourceLogs, 'resourceLogs')) {
    for (const scopeLogs of list(resourceLogs?.scopeLogs, 'scopeLogs')) count += list(scopeLogs?.logRecords, 'logRecords').length;
  }
  return count;
}

/** Attribute values nest (arrays, key-value lists): a hostile depth must be a 400, not a crash. */
function withinStack<T>(normalise: () => T): T {
  try {
    return normalise();
  } catch (error) {
    if (error instanceof RangeError) throw new OtlpDecodeError(`request nested too deeply: ${error.message}`);
    throw error;
  }
}

function parseRequest(body: Uint8Array, encoding: OtlpEncoding, type: 'traceRequest' | 'metricsRequest' | 'logsRequest'): any {
  if (encoding === 'protobuf') {
    try {
      // protobufjs reads strings with Buffer's native UTF-8 decoder only when handed a Buffer.
      return otlpTypes()[type].decode(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    } catch (error) {
      throw new OtlpDecodeError(`invalid protobuf: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OtlpDecodeError('invalid JSON: the request must be an object');
  return parsed;
}

// ---- messages ------------------------------------------------------------------------------------

function spanOf(raw: any, resource: Attributes, scope: ReceivedSpan['scope']): ReceivedSpan {
  const kind = enumNumber(raw.kind, 'SPAN_KIND_', SPAN_KIND_NAMES);
  const statusCode = enumNumber(raw.status?.code, 'STATUS_CODE_', STATUS_CODE_NAMES);
  return {
    traceId: hexId(raw.traceId, 'traceId'),
    spanId: hexId(raw.spanId, 'spanId'),
    parentSpanId: hexId(raw.parentSpanId, 'parentSpanId'),
    traceState: str(raw.traceState),
    name: str(raw.name),
    kind,
    kindName: SPAN_KIND_NAMES[kind] ?? 'UNSPECIFIED',
    startTimeUnixNano: uint64String(raw.startTimeUnixNano),
    endTimeUnixNano: uint64String(raw.endTimeUnixNano),
    attributes: attributes(raw.attributes),
    events: list(raw.events, 'events').map(eventOf),
    links: list(raw.links, 'links').map(linkOf),
    status: { code: statusCode, codeName: STATUS_CODE_NAMES[statusCode] ?? 'UNSET', message: str(raw.status?.message) },
    resource,
    scope,
  };
}

function eventOf(raw: any): SpanEvent {
  return { name: str(raw?.name), timeUnixNano: uint64String(raw?.timeUnixNano), attributes: attributes(raw?.attributes) };
}

function linkOf(raw: any): SpanLink {
  return { traceId: hexId(raw?.traceId, 'traceId'), spanId: hexId(raw?.spanId, 'spanId'), attributes: attributes(raw?.attributes) };
}

function scopeOf(raw: any): ReceivedSpan['scope'] {
  return { name: str(raw?.name), version: str(raw?.version) };
}

const TEMPORALITIES: readonly Temporality[] = ['unspecified', 'delta', 'cumulative'];
const TEMPORALITY_NAMES = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'] as const;

function temporalityOf(raw: any): Temporality {
  return TEMPORALITIES[enumNumber(raw, 'AGGREGATION_TEMPORALITY_', TEMPORALITY_NAMES)] ?? 'unspecified';
}

/** undefined for a metric with no data (allowed by the proto; nothing to keep). */
function metricOf(raw: any, resource: Attributes, scope: ReceivedSpan['scope']): ReceivedMetric | undefined {
  const base = { name: str(raw?.name), description: str(raw?.description), unit: str(raw?.unit), resource, scope };
  if (has(raw, 'gauge')) return { ...base, type: 'gauge', dataPoints: list(raw.gauge?.dataPoints, 'dataPoints').map(numberPointOf) };
  if (has(raw, 'sum')) {
    return {
      ...base,
      type: 'sum',
      temporality: temporalityOf(raw.sum?.aggregationTemporality),
      isMonotonic: raw.sum?.isMonotonic === true,
      dataPoints: list(raw.sum?.dataPoints, 'dataPoints').map(numberPointOf),
    };
  }
  if (has(raw, 'histogram')) {
    return {
      ...base,
      type: 'histogram',
      temporality: temporalityOf(raw.histogram?.aggregationTemporality),
      dataPoints: list(raw.histogram?.dataPoints, 'dataPoints').map(point => ({
        ...pointBase(point),
        count: uint64Number(point.count),
        sum: optionalDouble(point, 'sum'),
        min: optionalDouble(point, 'min'),
        max: optionalDouble(point, 'max'),
        bucketCounts: list(point.bucketCounts, 'bucketCounts').map(uint64Number),
        explicitBounds: list(point.explicitBounds, 'explicitBounds').map(double),
      })),
    };
  }
  if (has(raw, 'exponentialHistogram')) {
    return {
      ...base,
      type: 'exponentialHistogram',
      temporality: temporalityOf(raw.exponentialHistogram?.aggregationTemporality),
      dataPoints: list(raw.exponentialHistogram?.dataPoints, 'dataPoints').map(point => ({
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
      dataPoints: list(raw.summary?.dataPoints, 'dataPoints').map(point => ({
        ...pointBase(point),
        count: uint64Number(point.count),
        sum: double(point.sum),
        quantiles: list(point.quantileValues, 'quantileValues').map(q => ({ quantile: double(q?.quantile), value: double(q?.value) })),
      })),
    };
  }
  return undefined;
}

function pointBase(raw: any) {
  return {
    attributes: attributes(raw?.attributes),
    startTimeUnixNano: uint64String(raw?.startTimeUnixNano),
    timeUnixNano: uint64String(raw?.timeUnixNano),
    exemplars: list(raw?.exemplars, 'exemplars').map(exemplarOf),
  };
}

function numberPointOf(raw: any) {
  return { ...pointBase(raw), value: numberValue(raw) };
}

function exemplarOf(raw: any): Exemplar {
  return {
    value: numberValue(raw),
    timeUnixNano: uint64String(raw?.timeUnixNano),
    traceId: hexId(raw?.traceId, 'traceId'),
    spanId: hexId(raw?.spanId, 'spanId'),
    filteredAttributes: attributes(raw?.filteredAttributes),
  };
}

/** The `oneof value { double as_double; sfixed64 as_int; }` of points and exemplars. */
function numberValue(raw: any): number {
  if (has(raw, 'asDouble')) return double(raw.asDouble);
  if (has(raw, 'asInt')) {
    const value = int64Value(raw.asInt);
    return typeof value === 'number' ? value : Number(value);
  }
  return 0;
}

function bucketsOf(raw: any): { offset: number; bucketCounts: number[] } {
  return { offset: Number(raw?.offset ?? 0), bucketCounts: list(raw?.bucketCounts, 'bucketCounts').map(uint64Number) };
}

// ---- attributes ----------------------------------------------------------------------------------

function attributes(raw: unknown): Attributes {
  const result: Attributes = {};
  for (const keyValue of list(raw, 'attributes') as any[]) {
    const key = str(keyValue?.key);
    const value = anyValue(keyValue?.value);
    // A plain assignment of '__proto__' would replace the object's prototype instead of adding a key.
    if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
    else result[key] = value;
  }
  return result;
}

function anyValue(raw: any): AttributeValue {
  if (raw === null || typeof raw !== 'object') return null;
  if (has(raw, 'stringValue')) return str(raw.stringValue);
  if (has(raw, 'boolValue')) return raw.boolValue === true;
  if (has(raw, 'intValue')) return int64Value(raw.intValue);
  if (has(raw, 'doubleValue')) return double(raw.doubleValue);
  if (has(raw, 'arrayValue')) return list(raw.arrayValue?.values, 'arrayValue.values').map(anyValue);
  if (has(raw, 'kvlistValue')) return attributes(raw.kvlistValue?.values);
  if (has(raw, 'bytesValue')) return typeof raw.bytesValue === 'string' ? raw.bytesValue : bufferOf(raw.bytesValue).toString('base64');
  return null;
}

// ---- leaves --------------------------------------------------------------------------------------

/** A set field: an own property in JSON and in protobufjs messages alike (defaults live on the prototype). */
function has(raw: unknown, key: string): boolean {
  return raw !== null && typeof raw === 'object' && Object.hasOwn(raw, key) && (raw as Record<string, unknown>)[key] != null;
}

const EMPTY: readonly unknown[] = [];

function list(raw: unknown, field: string): any[] {
  if (raw == null) return EMPTY as any[];
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`'${field}' must be an array`);
  return raw;
}

function str(raw: unknown): string {
  return raw == null ? '' : String(raw);
}

/** A double; OTLP/JSON may spell the non-finite ones as "NaN", "Infinity", "-Infinity". */
function double(raw: unknown): number {
  return raw == null ? 0 : Number(raw);
}

function optionalDouble(raw: any, key: string): number | undefined {
  return has(raw, key) ? double(raw[key]) : undefined;
}

const HEX = /^[0-9a-f]*$/i;

/** Span and trace ids: bytes in protobuf, hex strings in OTLP/JSON; '' when absent. */
function hexId(raw: unknown, field: string): string {
  if (raw == null) return '';
  if (typeof raw === 'string') {
    if (!HEX.test(raw)) throw new OtlpDecodeError(`'${field}' must be hex in OTLP/JSON, got '${raw.slice(0, 40)}'`);
    return raw.toLowerCase();
  }
  const bytes = bufferOf(raw);
  return bytes.length === 0 ? '' : bytes.toString('hex');
}

function bufferOf(raw: unknown): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (Array.isArray(raw)) return Buffer.from(raw as number[]);
  throw new OtlpDecodeError(`expected bytes, got ${typeof raw}`);
}

interface LongLike {
  low: number;
  high: number;
}

function isLong(raw: unknown): raw is LongLike {
  return raw !== null && typeof raw === 'object' && typeof (raw as LongLike).low === 'number' && typeof (raw as LongLike).high === 'number';
}

const TWO_32 = 4294967296;
const DECIMAL = /^-?\d+$/;

function decimal(raw: string): string {
  if (!DECIMAL.test(raw)) throw new OtlpDecodeError(`expected a decimal integer, got '${raw.slice(0, 40)}'`);
  return raw;
}

/** An unsigned 64-bit integer (fixed64 nanoseconds) as an exact decimal string; '0' when absent. */
function uint64String(raw: unknown): string {
  if (isLong(raw)) {
    const high = raw.high >>> 0;
    const low = raw.low >>> 0;
    // Below 2^53 a double is exact and much cheaper than a bigint.
    if (high < 0x200000) return String(high * TWO_32 + low);
    return ((BigInt(high) << 32n) | BigInt(low)).toString();
  }
  if (typeof raw === 'string') return BigInt(decimal(raw)).toString();
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? String(raw) : BigInt(Math.trunc(raw)).toString();
  return '0';
}

/** An unsigned 64-bit count as a number (counts never approach 2^53). */
function uint64Number(raw: unknown): number {
  if (isLong(raw)) return (raw.high >>> 0) * TWO_32 + (raw.low >>> 0);
  if (typeof raw === 'string') return Number(decimal(raw));
  return typeof raw === 'number' ? raw : 0;
}

/** A signed 64-bit integer: a number when exact, else a decimal string. */
function int64Value(raw: unknown): number | string {
  if (isLong(raw)) {
    const high = raw.high | 0;
    if (high >= -0x200000 && high < 0x200000) return high * TWO_32 + (raw.low >>> 0);
    return BigInt.asIntN(64, (BigInt(raw.high >>> 0) << 32n) | BigInt(raw.low >>> 0)).toString();
  }
  if (typeof raw === 'string') {
    const value = Number(decimal(raw));
    return Number.isSafeInteger(value) ? value : BigInt(raw).toString();
  }
  return typeof raw === 'number' ? raw : 0;
}

/** An enum: an integer on the wire and in OTLP/JSON; a name such as 'SPAN_KIND_SERVER' is accepted too. */
function enumNumber(raw: unknown, prefix: string, names: readonly string[]): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const index = names.indexOf(raw.startsWith(prefix) ? raw.slice(prefix.length) : raw);
    if (index >= 0) return index;
    if (DECIMAL.test(raw)) return Number(raw);
    throw new OtlpDecodeError(`unknown enum value '${raw.slice(0, 40)}'`);
  }
  return 0;
}
