/**
 * OTLP export requests → the receiver's plain types (./types.ts), from either encoding:
 * - protobuf, decoded by protobufjs into message objects (bytes as Buffer, 64-bit integers as Long);
 * - JSON, per the OTLP/JSON mapping (lowerCamelCase keys, ids as hex, 64-bit integers as decimal
 *   strings or numbers, enums as integers; enum names are accepted too).
 * Both have the same lowerCamelCase shape, so one normaliser reads both, and only the leaves
 * (ids, 64-bit integers, bytes) look at which form they got. A field a message leaves out reads as
 * its proto3 default in either form.
 */
import { metricsOf } from './decode-metrics.ts';
import { otlpRequests } from './otlp-proto.ts';
import {
  attributes, enumNumber, hexId, messages, OtlpDecodeError, scopeOf, str, uint64String, type InstrumentationScope, type Opt, type Resource,
} from './otlp-values.ts';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type Attributes, type ReceivedMetric, type ReceivedSpan, type SpanEvent, type SpanLink } from './types.ts';

export { OtlpDecodeError };

export type OtlpEncoding = 'protobuf' | 'json';

// ---- the decoded messages ------------------------------------------------------------------------
// What protobufjs's `decode` and `JSON.parse` both give for the OTLP messages (./otlp-proto.ts):
// the proto's fields in lowerCamelCase, each possibly absent (its proto3 default) or, in JSON, null.
// A JSON body is untrusted, so a nested message is only read through `?.` and every repeated field
// through `messages` or `values`, which check that it is a list (of objects). Leaves whose form
// differs between the encodings (ids, 64-bit integers, bytes, enums) are `unknown` and read only by the
// leaf readers of ./otlp-values.ts, which accept either form and reject anything else.

interface ExportTraceServiceRequest { resourceSpans?: unknown }
interface ExportLogsServiceRequest { resourceLogs?: unknown }

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

interface ResourceLogs { scopeLogs?: unknown }
interface ScopeLogs { logRecords?: unknown }

/** The request message each signal's endpoint decodes. */
interface RequestMessages {
  traceRequest: ExportTraceServiceRequest;
  metricsRequest: { resourceMetrics?: unknown };
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
      return otlpRequests[type].decode(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)) as RequestMessages[K];
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

