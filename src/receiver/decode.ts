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

// ---- the decoded messages ------------------------------------------------------------------------
// What protobufjs's `decode` and `JSON.parse` both give for the OTLP messages (./otlp-proto.ts):
// the proto's fields in lowerCamelCase, each possibly absent (its proto3 default) or, in JSON, null.
// A JSON body is untrusted, so a nested message is only read through `?.` and every repeated field
// through `messages` or `values`, which check that it is a list (of objects). Leaves whose form
// differs between the encodings (ids, 64-bit integers, bytes, enums) are `unknown` and read only by the
// leaf readers below, which accept either form and reject anything else.

/** A field a message may leave out: absent, or null in OTLP/JSON. */
type Opt<T> = T | null | undefined;

interface ExportTraceServiceRequest { resourceSpans?: unknown }
interface ExportMetricsServiceRequest { resourceMetrics?: unknown }
interface ExportLogsServiceRequest { resourceLogs?: unknown }

interface Resource { attributes?: unknown }
interface InstrumentationScope { name?: unknown; version?: unknown }
interface KeyValue { key?: unknown; value?: Opt<AnyValue> }
/** `oneof value`: the one set field says which. */
interface AnyValue {
  stringValue?: unknown;
  boolValue?: unknown;
  intValue?: unknown;
  doubleValue?: unknown;
  arrayValue?: Opt<{ values?: unknown }>;
  kvlistValue?: Opt<{ values?: unknown }>;
  bytesValue?: unknown;
}

interface ResourceSpans { resource?: Opt<Resource>; scopeSpans?: unknown }
interface ScopeSpans { scope?: Opt<InstrumentationScope>; spans?: unknown }
interface Span {
  traceId?: unknown;
  spanId?: unknown;
  parentSpanId?: unknown;
  traceState?: unknown;
  name?: unknown;
  kind?: unknown;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: unknown;
  events?: unknown;
  links?: unknown;
  status?: Opt<{ code?: unknown; message?: unknown }>;
}
interface SpanEventMessage { name?: unknown; timeUnixNano?: unknown; attributes?: unknown }
interface SpanLinkMessage { traceId?: unknown; spanId?: unknown; attributes?: unknown }

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

interface ResourceLogs { scopeLogs?: unknown }
interface ScopeLogs { logRecords?: unknown }

/** The request message each signal's endpoint decodes. */
interface RequestMessages {
  traceRequest: ExportTraceServiceRequest;
  metricsRequest: ExportMetricsServiceRequest;
  logsRequest: ExportLogsServiceRequest;
}

/** Decodes an ExportTraceServiceRequest into spans, in the order they appear. Throws OtlpDecodeError. */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding): ReceivedSpan[] {
  const request = parseRequest(body, encoding, 'traceRequest');
  return withinStack(() => tracesOf(request));
}

function tracesOf(request: ExportTraceServiceRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of messages<ResourceSpans>(request.resourceSpans, 'resourceSpans')) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of messages<ScopeSpans>(resourceSpans.scopeSpans, 'scopeSpans')) {
      const scope = scopeOf(scopeSpans.scope);
      for (const span of messages<Span>(scopeSpans.spans, 'spans')) spans.push(spanOf(span, resource, scope));
    }
  }
  return spans;
}

/** Decodes an ExportMetricsServiceRequest into one entry per metric per scope. Throws OtlpDecodeError. */
export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): ReceivedMetric[] {
  const request = parseRequest(body, encoding, 'metricsRequest');
  return withinStack(() => metricsOf(request));
}

function metricsOf(request: ExportMetricsServiceRequest): ReceivedMetric[] {
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

/** Counts the log records of an ExportLogsServiceRequest (the receiver accepts logs but keeps none). Throws OtlpDecodeError. */
export function countLogRecords(body: Uint8Array, encoding: OtlpEncoding): number {
  const request = parseRequest(body, encoding, 'logsRequest');
  let count = 0;
  for (const resourceLogs of messages<ResourceLogs>(request.resourceLogs, 'resourceLogs')) {
    for (const scopeLogs of messages<ScopeLogs>(resourceLogs.scopeLogs, 'scopeLogs')) count += messages(scopeLogs.logRecords, 'logRecords').length;
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

function parseRequest<K extends keyof RequestMessages>(body: Uint8Array, encoding: OtlpEncoding, type: K): RequestMessages[K] {
  if (encoding === 'protobuf') {
    try {
      // protobufjs reads strings with Buffer's native UTF-8 decoder only when handed a Buffer. Its
      // message objects have exactly the fields of the .proto (set ones as own properties).
      return otlpTypes()[type].decode(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)) as RequestMessages[K];
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
  return parsed as RequestMessages[K];
}

// ---- messages ------------------------------------------------------------------------------------

function spanOf(raw: Span, resource: Attributes, scope: ReceivedSpan['scope']): ReceivedSpan {
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
    events: messages<SpanEventMessage>(raw.events, 'events').map(eventOf),
    links: messages<SpanLinkMessage>(raw.links, 'links').map(linkOf),
    status: { code: statusCode, codeName: STATUS_CODE_NAMES[statusCode] ?? 'UNSET', message: str(raw.status?.message) },
    resource,
    scope,
  };
}

function eventOf(raw: SpanEventMessage): SpanEvent {
  return { name: str(raw.name), timeUnixNano: uint64String(raw.timeUnixNano), attributes: attributes(raw.attributes) };
}

function linkOf(raw: SpanLinkMessage): SpanLink {
  return { traceId: hexId(raw.traceId, 'traceId'), spanId: hexId(raw.spanId, 'spanId'), attributes: attributes(raw.attributes) };
}

function scopeOf(raw: Opt<InstrumentationScope>): ReceivedSpan['scope'] {
  return { name: str(raw?.name), version: str(raw?.version) };
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

function attributes(raw: unknown): Attributes {
  const result: Attributes = {};
  for (const keyValue of messages<KeyValue>(raw, 'attributes')) {
    const key = str(keyValue.key);
    const value = anyValue(keyValue.value);
    // A plain assignment of '__proto__' would replace the object's prototype instead of adding a key.
    if (key === '__proto__') Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
    else result[key] = value;
  }
  return result;
}

/** An AnyValue; null for one with no value set, or for anything that is not a message (lenient inside arrays, as before). */
function anyValue(message: unknown): AttributeValue {
  if (message === null || typeof message !== 'object') return null;
  const raw: AnyValue = message;
  if (has(raw, 'stringValue')) return str(raw.stringValue);
  if (has(raw, 'boolValue')) return raw.boolValue === true;
  if (has(raw, 'intValue')) return int64Value(raw.intValue);
  if (has(raw, 'doubleValue')) return double(raw.doubleValue);
  if (has(raw, 'arrayValue')) return values(raw.arrayValue?.values, 'arrayValue.values').map(anyValue);
  if (has(raw, 'kvlistValue')) return attributes(raw.kvlistValue?.values);
  if (has(raw, 'bytesValue')) return typeof raw.bytesValue === 'string' ? raw.bytesValue : bufferOf(raw.bytesValue).toString('base64');
  return null;
}

// ---- leaves --------------------------------------------------------------------------------------

/** A set field: an own property in JSON and in protobufjs messages alike (defaults live on the prototype). */
function has(raw: unknown, key: string): boolean {
  return raw !== null && typeof raw === 'object' && Object.hasOwn(raw, key) && (raw as Record<string, unknown>)[key] != null;
}

const EMPTY: readonly never[] = [];

/** A repeated scalar field (counts, bounds): its values, each still to be read by a leaf reader. */
function values(raw: unknown, field: string): readonly unknown[] {
  if (raw == null) return EMPTY;
  if (!Array.isArray(raw)) throw new OtlpDecodeError(`'${field}' must be an array`);
  return raw;
}

/**
 * A repeated message field: its messages, each checked to be an object (in OTLP/JSON anything can
 * stand in a list). `T` is the message's shape; its leaves are still read by the leaf readers.
 */
function messages<T extends object>(raw: unknown, field: string): readonly T[] {
  const list = values(raw, field);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new OtlpDecodeError(`'${field}[${i}]' must be an object`);
  }
  return list as readonly T[];
}

function str(raw: unknown): string {
  return raw == null ? '' : String(raw);
}

/** A double; OTLP/JSON may spell the non-finite ones as "NaN", "Infinity", "-Infinity". */
function double(raw: unknown): number {
  return raw == null ? 0 : Number(raw);
}

function optionalDouble<K extends 'sum' | 'min' | 'max'>(raw: Partial<Record<K, unknown>>, key: K): number | undefined {
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
