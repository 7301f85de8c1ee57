/**
 * The request tracer: one CLIENT span per request, made without the SDK's per-span machinery.
 *
 * Hot path (`start` → `complete` → `end`): ids come from a pooled random buffer, the sampling decision
 * is taken on its bytes, `traceparent` is written by the W3C propagator through one reused context,
 * the baggage header is computed once per run, and the span is a compact record that keeps references
 * to what the HTTP client measured anyway (its URL, its RequestSample, its ConnectTiming). Spans
 * take their exported form only when their batch is exported, off the request's path: OTLP bytes
 * straight from the records (otlp-spans.ts), or ReadableSpan objects for the console exporter
 * (`toReadableSpans`, also the reference the encoder is tested against).
 *
 * A sampled-out request still gets a trace id (failures always carry one) and a `traceparent` with
 * the sampled flag off, so the application under test makes the same decision; it records metrics
 * but no span.
 */
import {
  ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, defaultTextMapSetter, trace,
  type Attributes, type Context, type HrTime, type SpanContext, type SpanStatus,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { RequestSample } from '../stats/index.ts';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ATTR_HTTP_RESPONSE_BODY_SIZE,
  ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_LOADLENS_CONNECT_DNS_MS, ATTR_LOADLENS_CONNECT_TCP_MS, ATTR_LOADLENS_CONNECT_TLS_MS,
  ATTR_LOADLENS_REQUEST_NAME, ATTR_LOADLENS_SCENARIO, ATTR_LOADLENS_SHARD, ATTR_LOADLENS_USER_ID, ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_FULL, HTTP_REQUEST_METHOD_VALUE_OTHER,
  NETWORK_TRANSPORT_VALUE_TCP,
} from './attributes.ts';
import type { IdSource } from './ids.ts';
import type { RequestMetrics } from './metrics.ts';
import type { QueuedRecord } from './span-queue.ts';
import type { ConnectTiming, RequestTracer, TracedRequest } from './types.ts';

/** Span event names, at the moments the request was sent and its first response byte arrived. */
export const EVENT_REQUEST_SENT = 'http.request.sent';
export const EVENT_FIRST_BYTE = 'http.response.first_byte';
export const CONNECT_SPAN_NAME = 'connect';

const STARTED = 0;
const COMPLETED = 1;
const ENDED = 2;

/** What a RequestSpan reports to when it completes and ends. */
interface SpanSink {
  completed(span: RequestSpan): void;
  ended(span: RequestSpan): void;
}

/** One request's span while it is in flight and until its batch is exported. */
export class RequestSpan implements TracedRequest, QueuedRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly headers: Record<string, string>;
  readonly method: string;
  readonly name: string;
  readonly url: URL;
  readonly userId: number;
  /** Sampled, and spans are exported: the span goes to the queue when it ends. */
  readonly recorded: boolean;
  sample: RequestSample | undefined = undefined;
  connect: ConnectTiming | undefined = undefined;
  protocolVersion = '1.1';
  /** The first failed check's message. */
  checkFailure: string | undefined = undefined;
  private state = STARTED;
  private readonly sink: SpanSink;

  constructor(sink: SpanSink, traceId: string, spanId: string, headers: Record<string, string>, recorded: boolean,
    method: string, name: string, url: URL, userId: number) {
    this.sink = sink;
    this.traceId = traceId;
    this.spanId = spanId;
    this.headers = headers;
    this.recorded = recorded;
    this.method = method;
    this.name = name;
    this.url = url;
    this.userId = userId;
  }

  complete(sample: RequestSample, connect: ConnectTiming | undefined, protocolVersion?: string): void {
    if (this.state !== STARTED) return;
    this.state = COMPLETED;
    this.sample = sample;
    this.connect = connect;
    if (protocolVersion !== undefined) this.protocolVersion = protocolVersion;
    this.sink.completed(this);
  }

  fail(error: string): void {
    if (this.state !== ENDED) this.checkFailure ??= error;
  }

  end(): void {
    if (this.state === ENDED) return;
    this.state = ENDED;
    this.sink.ended(this);
  }

  spanCount(): number {
    return this.connect === undefined ? 1 : 2;
  }
}

export interface TracerOptions {
  ids: IdSource;
  /** Decides from the id bytes at `at` whether the trace is sampled. */
  sampler: (bytes: Buffer, at: number) => boolean;
  /** The run's `baggage` header, computed once. */
  baggage: string;
  /** Receives every completed request; undefined: no metrics. */
  metrics: RequestMetrics | undefined;
  /** Receives every ended sampled span; undefined: spans are not exported (ids are still propagated). */
  spans: { add(span: RequestSpan): void; countDropped(spans: number): void } | undefined;
}

export class Tracer implements RequestTracer, SpanSink {
  private readonly options: TracerOptions;
  private readonly propagator = new W3CTraceContextPropagator();
  /** The span context the propagator reads, rewritten before each injection (injection is synchronous). */
  private readonly injected: SpanContext = { traceId: '', spanId: '', traceFlags: TraceFlags.SAMPLED, isRemote: false };
  private readonly injectionContext: Context;

  constructor(options: TracerOptions) {
    this.options = options;
    this.injectionContext = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext(this.injected));
  }

  start(method: string, name: string, url: URL, userId: number): RequestSpan {
    const ids = this.options.ids;
    const at = ids.next();
    const sampled = this.options.sampler(ids.bytes, at);
    const traceId = ids.traceId(at);
    const spanId = ids.spanId(at);
    const injected = this.injected;
    injected.traceId = traceId;
    injected.spanId = spanId;
    injected.traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
    const headers: Record<string, string> = { baggage: this.options.baggage };
    this.propagator.inject(this.injectionContext, headers, defaultTextMapSetter);
    return new RequestSpan(this, traceId, spanId, headers, sampled && this.options.spans !== undefined, method, name, url, userId);
  }

  completed(span: RequestSpan): void {
    const metrics = this.options.metrics;
    const sample = span.sample!;
    if (metrics === undefined) return;
    metrics.record(span.method, span.name, serverAddress(span.url), sample.status, errorType(sample),
      sample.durationMs / 1000, sample.ttfbMs / 1000, span.connect === undefined ? -1 : span.connect.totalMs / 1000);
  }

  ended(span: RequestSpan): void {
    if (!span.recorded) return;
    const spans = this.options.spans!;
    // Without `complete` there are no timings to export: a runner bug, counted rather than hidden.
    if (span.sample === undefined) spans.countDropped(1);
    else spans.add(span);
  }
}

/** `server.address` as the semantic conventions want it: the host name, IPv6 without brackets. */
export function serverAddress(url: URL): string {
  const host = url.hostname;
  return host.charCodeAt(0) === 91 /* [ */ ? host.slice(1, -1) : host;
}

/**
 * `error.type` of a finished request: the status code for an HTTP error (low cardinality, as the
 * semantic conventions say), else the engine's failure kind ('timeout', 'ECONNREFUSED', ...).
 */
export function errorType(sample: RequestSample): string | undefined {
  const error = sample.error;
  if (error === undefined) return undefined;
  return sample.status >= 400 && error.startsWith('HTTP ') ? String(sample.status) : error;
}

/** Methods the HTTP semantic conventions know; others are reported as '_OTHER'. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);
/** Query parameters whose values the semantic conventions ask to redact from `url.full`. */
const SECRET_QUERY_PARAMETERS = ['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature'];

/** `url.full` without credentials or signature query values. */
export function redactedUrl(url: URL): string {
  const secretQuery = url.search !== '' && SECRET_QUERY_PARAMETERS.some(parameter => url.searchParams.has(parameter));
  if (url.username === '' && url.password === '' && !secretQuery) return url.href;
  const copy = new URL(url.href);
  if (copy.username !== '') copy.username = 'REDACTED';
  if (copy.password !== '') copy.password = 'REDACTED';
  if (secretQuery) for (const parameter of SECRET_QUERY_PARAMETERS) if (copy.searchParams.has(parameter)) copy.searchParams.set(parameter, 'REDACTED');
  return copy.href;
}

export function serverPort(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** Epoch milliseconds (fractional) as OTel's [seconds, nanoseconds]. */
export function hrTimeFromEpochMs(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds++;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

function hrDuration(ms: number): HrTime {
  return hrTimeFromEpochMs(Math.max(0, ms));
}

/** A finished span in the shape the SDK's exporters read. */
class ExportedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links = [];
  readonly events: TimedEvent[];
  readonly ended = true;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  private readonly context: SpanContext;

  constructor(fields: {
    name: string; kind: SpanKind; context: SpanContext; parent?: SpanContext; startMs: number; durationMs: number;
    status: SpanStatus; attributes: Attributes; events: TimedEvent[]; resource: Resource; scope: InstrumentationScope;
  }) {
    this.name = fields.name;
    this.kind = fields.kind;
    this.context = fields.context;
    this.parentSpanContext = fields.parent;
    this.startTime = hrTimeFromEpochMs(fields.startMs);
    this.endTime = hrTimeFromEpochMs(fields.startMs + Math.max(0, fields.durationMs));
    this.duration = hrDuration(fields.durationMs);
    this.status = fields.status;
    this.attributes = fields.attributes;
    this.events = fields.events;
    this.resource = fields.resource;
    this.instrumentationScope = fields.scope;
  }

  spanContext(): SpanContext {
    return this.context;
  }
}

export interface SpanBuildContext {
  resource: Resource;
  scope: InstrumentationScope;
  scenario: string;
  /** "i/N" for a shard run: `loadlens.shard` on every CLIENT span, beside `loadlens.scenario`. */
  shard?: string;
  /** For the connect children's span ids. */
  ids: IdSource;
}

/**
 * Builds the SDK's ReadableSpans for a batch of ended requests: the CLIENT span of each, and a
 * `connect` child for each request that opened a connection. Runs at export time only. N.B. the
 * OTLP encoder (otlp-spans.ts) writes the same spans directly: change both together (a test
 * compares them).
 */
export function toReadableSpans(records: readonly RequestSpan[], build: SpanBuildContext): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (const record of records) {
    const sample = record.sample!;
    const url = record.url;
    const address = serverAddress(url);
    const port = serverPort(url);
    const type = errorType(sample) ?? record.checkFailure;
    const context: SpanContext = { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false };

    const knownMethod = KNOWN_METHODS.has(record.method);
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: knownMethod ? record.method : HTTP_REQUEST_METHOD_VALUE_OTHER,
      [ATTR_URL_FULL]: redactedUrl(url),
      [ATTR_SERVER_ADDRESS]: address,
      [ATTR_SERVER_PORT]: port,
      [ATTR_NETWORK_PROTOCOL_VERSION]: record.protocolVersion,
      [ATTR_LOADLENS_REQUEST_NAME]: record.name,
      [ATTR_LOADLENS_SCENARIO]: build.scenario,
      // In the OTLP encoder's order (a test compares the two).
      ...(build.shard === undefined ? {} : { [ATTR_LOADLENS_SHARD]: build.shard }),
      [ATTR_LOADLENS_USER_ID]: record.userId,
    };
    if (!knownMethod) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = record.method;
    if (sample.status > 0) {
      attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = sample.status;
      attributes[ATTR_HTTP_RESPONSE_BODY_SIZE] = sample.bytes;
    }
    if (type !== undefined) attributes[ATTR_ERROR_TYPE] = type;

    const events: TimedEvent[] = [];
    const connect = record.connect;
    if (sample.status > 0) {
      // Sent once the connection (if this request opened one) was up; the first byte came at ttfb.
      const connectEnd = connect === undefined ? 0 : performance.timeOrigin + connect.startedAt + connect.totalMs;
      const firstByte = sample.startedAt + sample.ttfbMs;
      events.push({ name: EVENT_REQUEST_SENT, time: hrTimeFromEpochMs(Math.min(Math.max(sample.startedAt, connectEnd), firstByte)) });
      events.push({ name: EVENT_FIRST_BYTE, time: hrTimeFromEpochMs(firstByte) });
    }

    const message = sample.error ?? record.checkFailure;
    spans.push(new ExportedSpan({
      name: `${record.method} ${record.name}`,
      kind: SpanKind.CLIENT,
      context,
      startMs: sample.startedAt,
      durationMs: sample.durationMs,
      status: message === undefined ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR, message },
      attributes,
      events,
      resource: build.resource,
      scope: build.scope,
    }));

    if (connect !== undefined) {
      spans.push(new ExportedSpan({
        name: CONNECT_SPAN_NAME,
        kind: SpanKind.INTERNAL,
        context: { traceId: record.traceId, spanId: build.ids.nextSpanId(), traceFlags: TraceFlags.SAMPLED, isRemote: false },
        parent: context,
        startMs: performance.timeOrigin + connect.startedAt,
        durationMs: connect.totalMs,
        status: { code: SpanStatusCode.UNSET },
        attributes: {
          [ATTR_SERVER_ADDRESS]: address,
          [ATTR_SERVER_PORT]: port,
          [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP,
          [ATTR_LOADLENS_CONNECT_DNS_MS]: connect.dnsMs,
          [ATTR_LOADLENS_CONNECT_TCP_MS]: connect.tcpMs,
          [ATTR_LOADLENS_CONNECT_TLS_MS]: connect.tlsMs,
        },
        events: [],
        resource: build.resource,
        scope: build.scope,
      }));
    }
  }
  return spans;
}
