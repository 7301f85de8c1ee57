/**
 * OTLP/protobuf encoding of the engine's request spans, straight from the compact records.
 *
 * Why not the SDK's serializer: it reads ReadableSpan objects (which would have to be built first)
 * and spends 3 to 4 µs of CPU a span here: every attribute key re-encoded every time, ids decoded
 * from hex in JS, every message walked twice (once to measure it). Here the resource, the scope and
 * every attribute key are encoded once per run, ids are written by Node's native hex decoder, nested
 * lengths are back-patched in place, and batch buffers are reused: about 1.4 µs a span, for the
 * same message a collector receives from the SDK's exporter (the tests decode both and compare).
 *
 * Transport is the SDK's: `createOtlpSpanExporter` plugs this encoder into
 * @opentelemetry/otlp-exporter-base's OTLP/HTTP delegate, so endpoint, headers, compression,
 * timeout and retries (429/502/503/504 and network errors, with backoff) behave as the SDK's do.
 */
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ATTR_HTTP_RESPONSE_BODY_SIZE,
  ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_LOADLENS_CONNECT_DNS_MS, ATTR_LOADLENS_CONNECT_TCP_MS, ATTR_LOADLENS_CONNECT_TLS_MS,
  ATTR_LOADLENS_REQUEST_NAME, ATTR_LOADLENS_SCENARIO, ATTR_LOADLENS_SHARD, ATTR_LOADLENS_USER_ID, ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_FULL,
} from './attributes.ts';
import type { OtlpTarget } from './config.ts';
import type { IdSource } from './ids.ts';
import type { BatchExporter } from './span-queue.ts';
import {
  CONNECT_SPAN_NAME, EVENT_FIRST_BYTE, EVENT_REQUEST_SENT, KNOWN_METHODS, errorType, redactedUrl, serverAddress, serverPort, type RequestSpan,
} from './tracer.ts';
import { FIXED32, FIXED64, key, keyPrefix, LENGTH_DELIMITED, ProtoWriter, VARINT, writeKeyValue } from './proto-writer.ts';

/** Opens one Span inside ScopeSpans (field 2) and writes its trace id; returns the mark for `writer.end`. */
function beginSpan(writer: ProtoWriter, traceId: string): number {
  writer.byte(key(2, LENGTH_DELIMITED));
  const span = writer.begin(2);
  writer.byte(SPAN_TRACE_ID);
  writer.byte(16);
  writer.hex(traceId, 16);
  return span;
}

/** Attribute keys of the spans, each encoded once. */
const KEYS = {
  method: keyPrefix(ATTR_HTTP_REQUEST_METHOD),
  methodOriginal: keyPrefix(ATTR_HTTP_REQUEST_METHOD_ORIGINAL),
  urlFull: keyPrefix(ATTR_URL_FULL),
  serverAddress: keyPrefix(ATTR_SERVER_ADDRESS),
  serverPort: keyPrefix(ATTR_SERVER_PORT),
  protocolVersion: keyPrefix(ATTR_NETWORK_PROTOCOL_VERSION),
  requestName: keyPrefix(ATTR_LOADLENS_REQUEST_NAME),
  scenario: keyPrefix(ATTR_LOADLENS_SCENARIO),
  shard: keyPrefix(ATTR_LOADLENS_SHARD),
  userId: keyPrefix(ATTR_LOADLENS_USER_ID),
  statusCode: keyPrefix(ATTR_HTTP_RESPONSE_STATUS_CODE),
  bodySize: keyPrefix(ATTR_HTTP_RESPONSE_BODY_SIZE),
  errorType: keyPrefix(ATTR_ERROR_TYPE),
  transport: keyPrefix(ATTR_NETWORK_TRANSPORT),
  dnsMs: keyPrefix(ATTR_LOADLENS_CONNECT_DNS_MS),
  tcpMs: keyPrefix(ATTR_LOADLENS_CONNECT_TCP_MS),
  tlsMs: keyPrefix(ATTR_LOADLENS_CONNECT_TLS_MS),
};

/** Span field keys. */
const SPAN_TRACE_ID = key(1, LENGTH_DELIMITED);
const SPAN_SPAN_ID = key(2, LENGTH_DELIMITED);
const SPAN_PARENT_SPAN_ID = key(4, LENGTH_DELIMITED);
const SPAN_NAME = key(5, LENGTH_DELIMITED);
const SPAN_KIND = key(6, VARINT);
const SPAN_START = key(7, FIXED64);
const SPAN_END = key(8, FIXED64);
const SPAN_ATTRIBUTE = key(9, LENGTH_DELIMITED);
const SPAN_EVENT = key(11, LENGTH_DELIMITED);
const SPAN_STATUS = key(15, LENGTH_DELIMITED);
/** Field 16 (flags, fixed32) needs a two-byte key. */
const SPAN_FLAGS_KEY = [(16 << 3) | FIXED32 | 128, 1] as const;
/** W3C sampled flag, plus "has is_remote" (0x100) with is_remote false: what the SDK writes for a local span. */
const SPAN_FLAGS = 0x101;
/** OTLP's SpanKind numbers. */
const KIND_INTERNAL = 1;
const KIND_CLIENT = 3;
const STATUS_ERROR = 2;

/** The per-run parts of every export request, encoded once. */
export interface SpanEncoderOptions {
  resource: Resource;
  scope: InstrumentationScope;
  scenario: string;
  /** "i/N" for a shard run (`loadlens.shard` on every CLIENT span). */
  shard?: string;
  /** For the connect children's span ids. */
  ids: IdSource;
}

/** Writers kept for reuse; more than the exports in flight would only hold memory. */
const SPARE_WRITERS = 4;

export class SpanEncoder {
  /**
   * Writers not in use. A batch is encoded into a writer that is lent out with its bytes until the
   * export is over (`release`): a fresh 250 KB buffer per batch, or a copy of one, costs more in page
   * faults than the encoding itself.
   */
  private readonly spare: ProtoWriter[] = [];
  private readonly lent = new Map<Uint8Array, ProtoWriter>();
  /** ResourceSpans field 1 (Resource) and ScopeSpans field 1 (InstrumentationScope), tags included. */
  private readonly resourceField: Buffer;
  private readonly scopeField: Buffer;
  /** `loadlens.scenario` (and `loadlens.shard`, for a shard run): the same on every CLIENT span, encoded once. */
  private readonly runAttributes: Buffer;
  private readonly ids: IdSource;

  constructor(options: SpanEncoderOptions) {
    this.ids = options.ids;
    const writer = new ProtoWriter(4096);
    writer.byte(key(1, LENGTH_DELIMITED));
    const resource = writer.begin(2);
    for (const [name, value] of Object.entries(options.resource.attributes)) {
      if (value !== undefined) writeKeyValue(writer, key(1, LENGTH_DELIMITED), keyPrefix(name), value);
    }
    writer.end(resource);
    this.resourceField = Buffer.from(writer.finish());

    writer.pos = 0;
    writer.byte(key(1, LENGTH_DELIMITED));
    const scope = writer.begin();
    writer.byte(key(1, LENGTH_DELIMITED));
    writer.string(options.scope.name);
    if (options.scope.version) {
      writer.byte(key(2, LENGTH_DELIMITED));
      writer.string(options.scope.version);
    }
    writer.end(scope);
    this.scopeField = Buffer.from(writer.finish());

    writer.pos = 0;
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.scenario, options.scenario);
    if (options.shard !== undefined) writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.shard, options.shard);
    this.runAttributes = Buffer.from(writer.finish());
  }

  /**
   * One ExportTraceServiceRequest holding the CLIENT span (and connect child) of each record. The
   * bytes stay valid until they are given back with `release`.
   */
  encode(records: readonly RequestSpan[]): Uint8Array {
    const writer = this.spare.pop() ?? new ProtoWriter(256 * 1024);
    writer.pos = 0;
    writer.byte(key(1, LENGTH_DELIMITED)); // ExportTraceServiceRequest.resource_spans
    const resourceSpans = writer.begin(4);
    writer.raw(this.resourceField);
    writer.byte(key(2, LENGTH_DELIMITED)); // ResourceSpans.scope_spans
    const scopeSpans = writer.begin(4);
    writer.raw(this.scopeField);
    for (const record of records) {
      this.writeClientSpan(writer, record);
      if (record.connect !== undefined) this.writeConnectSpan(writer, record);
    }
    writer.end(scopeSpans);
    writer.end(resourceSpans);
    const bytes = writer.written();
    this.lent.set(bytes, writer);
    return bytes;
  }

  /** The export of `bytes` is over: their writer may be reused. */
  release(bytes: Uint8Array): void {
    const writer = this.lent.get(bytes);
    if (writer === undefined) return;
    this.lent.delete(bytes);
    if (this.spare.length < SPARE_WRITERS) this.spare.push(writer);
  }

  private writeClientSpan(writer: ProtoWriter, record: RequestSpan): void {
    const sample = record.sample!;
    const span = beginSpan(writer, record.traceId);
    writer.byte(SPAN_SPAN_ID);
    writer.byte(8);
    writer.hex(record.spanId, 8);
    writer.byte(SPAN_NAME);
    const name = writer.begin();
    writer.chars(record.method);
    writer.byte(32);
    writer.chars(record.name);
    writer.end(name);
    writer.byte(SPAN_KIND);
    writer.byte(KIND_CLIENT);
    writer.byte(SPAN_START);
    writer.epochNanos(sample.startedAt);
    writer.byte(SPAN_END);
    writer.epochNanos(sample.startedAt + Math.max(0, sample.durationMs));

    const url = record.url;
    const knownMethod = KNOWN_METHODS.has(record.method);
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.method, knownMethod ? record.method : '_OTHER');
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.urlFull, redactedUrl(url));
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.serverAddress, serverAddress(url));
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.serverPort, serverPort(url));
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.protocolVersion, record.protocolVersion);
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.requestName, record.name);
    writer.raw(this.runAttributes);
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.userId, record.userId);
    if (!knownMethod) writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.methodOriginal, record.method);
    if (sample.status > 0) {
      writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.statusCode, sample.status);
      writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.bodySize, sample.bytes);
    }
    const type = errorType(sample) ?? record.checkFailure;
    if (type !== undefined) writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.errorType, type);

    if (sample.status > 0) {
      const connect = record.connect;
      const connectEnd = connect === undefined ? 0 : performance.timeOrigin + connect.startedAt + connect.totalMs;
      const firstByte = sample.startedAt + sample.ttfbMs;
      this.writeEvent(writer, EVENT_REQUEST_SENT, Math.min(Math.max(sample.startedAt, connectEnd), firstByte));
      this.writeEvent(writer, EVENT_FIRST_BYTE, firstByte);
    }

    const message = sample.error ?? record.checkFailure;
    writer.byte(SPAN_STATUS);
    const status = writer.begin();
    if (message !== undefined) {
      writer.byte(key(2, LENGTH_DELIMITED));
      writer.string(message);
      writer.byte(key(3, VARINT));
      writer.byte(STATUS_ERROR);
    }
    writer.end(status);
    writer.byte(SPAN_FLAGS_KEY[0]);
    writer.byte(SPAN_FLAGS_KEY[1]);
    writer.fixed32(SPAN_FLAGS);
    writer.end(span);
  }

  private writeConnectSpan(writer: ProtoWriter, record: RequestSpan): void {
    const connect = record.connect!;
    const url = record.url;
    const startedAt = performance.timeOrigin + connect.startedAt;
    const span = beginSpan(writer, record.traceId);
    writer.byte(SPAN_SPAN_ID);
    writer.byte(8);
    const ids = this.ids;
    const at = ids.next() + 16; // a fresh random span id, straight from the pool
    writer.raw(ids.bytes.subarray(at, at + 8));
    writer.byte(SPAN_PARENT_SPAN_ID);
    writer.byte(8);
    writer.hex(record.spanId, 8);
    writer.byte(SPAN_NAME);
    writer.string(CONNECT_SPAN_NAME);
    writer.byte(SPAN_KIND);
    writer.byte(KIND_INTERNAL);
    writer.byte(SPAN_START);
    writer.epochNanos(startedAt);
    writer.byte(SPAN_END);
    writer.epochNanos(startedAt + Math.max(0, connect.totalMs));
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.serverAddress, serverAddress(url));
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.serverPort, serverPort(url));
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.transport, 'tcp');
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.dnsMs, connect.dnsMs);
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.tcpMs, connect.tcpMs);
    writeKeyValue(writer, SPAN_ATTRIBUTE, KEYS.tlsMs, connect.tlsMs);
    writer.byte(SPAN_STATUS);
    writer.byte(0);
    writer.byte(SPAN_FLAGS_KEY[0]);
    writer.byte(SPAN_FLAGS_KEY[1]);
    writer.fixed32(SPAN_FLAGS);
    writer.end(span);
  }

  private writeEvent(writer: ProtoWriter, name: string, epochMs: number): void {
    writer.byte(SPAN_EVENT);
    const event = writer.begin();
    writer.byte(key(1, FIXED64));
    writer.epochNanos(epochMs);
    writer.byte(key(2, LENGTH_DELIMITED));
    writer.string(name);
    writer.end(event);
  }
}

/**
 * The OTLP/HTTP (protobuf) span exporter: the SDK's delegate (transport, retries, timeout,
 * compression, headers, concurrency limit) with this module's encoder as its serializer.
 */
export function createOtlpSpanExporter(target: OtlpTarget, encoder: SpanEncoder): BatchExporter<RequestSpan> {
  /** The bytes the delegate just serialized: it calls the serializer synchronously inside `export`. */
  let serialized: Uint8Array | undefined;
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions(
      { url: target.url, headers: { ...target.headers }, timeoutMillis: target.timeoutMillis, compression: target.compression as never },
      'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' },
    ),
    {
      serializeRequest: (records: RequestSpan[]) => (serialized = encoder.encode(records)),
      // An empty ExportTraceServiceResponse; a partial success would only be logged by the SDK (to a no-op logger).
      deserializeResponse: () => ({}),
    },
    'otlp_http_span_exporter',
    // For the SDK's self-observability metrics only, which are off (no meter provider): the cheapest count will do.
    { name: 'span', countItems: (records: RequestSpan[]) => records.length },
    undefined,
  );
  const exporter = new OTLPExporterBase<RequestSpan[]>(delegate);
  return {
    export(records, done) {
      serialized = undefined;
      const lent: { bytes?: Uint8Array; over?: boolean } = {};
      // The delegate calls back once the transport let go of the bytes (after any retries): then they can be reused.
      exporter.export(records, result => {
        lent.over = true;
        if (lent.bytes !== undefined) encoder.release(lent.bytes);
        done(result);
      });
      lent.bytes = serialized;
      serialized = undefined;
      if (lent.over && lent.bytes !== undefined) encoder.release(lent.bytes);
    },
    shutdown: () => exporter.shutdown(),
  };
}
