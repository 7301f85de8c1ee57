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
import type { AttributeValue } from '@opentelemetry/api';
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

/** Protobuf wire types. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** A field's key byte(s): (field << 3) | wire type; fields here are < 16 unless noted. */
const key = (field: number, wireType: number): number => (field << 3) | wireType;

/** A growable byte buffer that writes protobuf primitives; reused from batch to batch. */
export class ProtoWriter {
  buffer: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes));
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.pos++] = value;
  }

  /** A non-negative integer up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    while (value > 127) {
      buffer[this.pos++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    buffer[this.pos++] = value;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /** Epoch milliseconds (fractional) as fixed64 nanoseconds, exactly: no 64-bit product ever passes through a double. */
  epochNanos(epochMs: number): void {
    let seconds = Math.floor(epochMs / 1000);
    let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
    if (nanos >= 1e9) {
      seconds++;
      nanos -= 1e9;
    }
    // seconds × 1e9 + nanos from 16-bit limbs of seconds, so every product stays below 2^53
    // (floor-divisions, not %, which is a slow fmod on doubles).
    const secondsHigh = Math.floor(seconds / 65536);
    const low = (seconds - secondsHigh * 65536) * 1e9 + nanos;
    const high = secondsHigh * 1e9; // to be shifted left by 16 bits
    const highOver16 = Math.floor(high / 65536);
    const sum = low + (high - highOver16 * 65536) * 65536;
    const carry = Math.floor(sum / 4294967296);
    const lowWord = sum - carry * 4294967296;
    const highWord = highOver16 + carry;
    this.ensure(8);
    const buffer = this.buffer;
    const pos = this.pos;
    buffer[pos] = lowWord & 255;
    buffer[pos + 1] = (lowWord >>> 8) & 255;
    buffer[pos + 2] = (lowWord >>> 16) & 255;
    buffer[pos + 3] = lowWord >>> 24;
    buffer[pos + 4] = highWord & 255;
    buffer[pos + 5] = (highWord >>> 8) & 255;
    buffer[pos + 6] = (highWord >>> 16) & 255;
    buffer[pos + 7] = highWord >>> 24;
    this.pos = pos + 8;
  }

  /** A length-prefixed UTF-8 string. */
  string(value: string): void {
    const mark = this.begin();
    this.chars(value);
    this.end(mark);
  }

  /** A string's UTF-8 bytes without a length prefix (inside a message whose length is back-patched). */
  chars(value: string): void {
    const length = value.length;
    this.ensure(length * 3);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        this.pos += buffer.write(value, this.pos, 'utf8');
        return;
      }
      buffer[pos++] = code;
    }
    this.pos = pos;
  }

  /** 2n hex digits as n raw bytes (ids). */
  hex(value: string, bytes: number): void {
    this.ensure(bytes);
    this.pos += this.buffer.write(value, this.pos, bytes, 'hex');
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Starts a length-delimited body, reserving `reserve` bytes for its length; returns the mark for
   * `end`. Reserve what the body usually needs (1 byte up to 127, 2 up to 16 383): `end` moves the
   * body when the guess was wrong, so any reserve is correct and a good one is free.
   */
  begin(reserve = 1): number {
    this.ensure(reserve);
    const mark = this.pos;
    this.pos += reserve;
    return mark * 8 + reserve; // the reserve rides in the mark's low 3 bits
  }

  end(mark: number): void {
    const reserve = mark % 8;
    const start = (mark - reserve) / 8;
    const bodyStart = start + reserve;
    const length = this.pos - bodyStart;
    const size = varintSize(length);
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buffer.copyWithin(start + size, bodyStart, this.pos);
      this.pos += size - reserve;
    }
    let at = start;
    let value = length;
    while (value > 127) {
      this.buffer[at++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    this.buffer[at] = value;
  }

  /** What was written, as a view of the buffer (valid until the writer writes again). */
  written(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  /** A copy of what was written. */
  finish(): Buffer {
    return Buffer.from(this.written());
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 127) {
    size++;
    value = Math.floor(value / 128);
  }
  return size;
}

/** A KeyValue's key, encoded once: field 1 (key) with its string, then field 2's key byte (AnyValue follows). */
function keyPrefix(name: string): Buffer {
  const writer = new ProtoWriter(64);
  writer.byte(key(1, LENGTH_DELIMITED));
  writer.string(name);
  writer.byte(key(2, LENGTH_DELIMITED));
  return Buffer.from(writer.finish());
}

/** Opens one Span inside ScopeSpans (field 2) and writes its trace id; returns the mark for `writer.end`. */
function beginSpan(writer: ProtoWriter, traceId: string): number {
  writer.byte(key(2, LENGTH_DELIMITED));
  const span = writer.begin(2);
  writer.byte(SPAN_TRACE_ID);
  writer.byte(16);
  writer.hex(traceId, 16);
  return span;
}

/** Writes one KeyValue as field `field` of the enclosing message; values as the SDK's serializer types them. */
function writeKeyValue(writer: ProtoWriter, fieldKey: number, prefix: Buffer, value: AttributeValue): void {
  writer.byte(fieldKey);
  const keyValue = writer.begin();
  writer.raw(prefix);
  const anyValue = writer.begin();
  writeAnyValue(writer, value);
  writer.end(anyValue);
  writer.end(keyValue);
}

function writeAnyValue(writer: ProtoWriter, value: AttributeValue): void {
  if (typeof value === 'string') {
    writer.byte(key(1, LENGTH_DELIMITED));
    writer.string(value);
  } else if (typeof value === 'boolean') {
    writer.byte(key(2, VARINT));
    writer.byte(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) {
      writer.byte(key(3, VARINT));
      writer.varint(value);
    } else {
      writer.byte(key(4, FIXED64));
      writer.double(value);
    }
  } else if (Array.isArray(value)) {
    writer.byte(key(5, LENGTH_DELIMITED));
    const array = writer.begin(2);
    for (const item of value) {
      writer.byte(key(1, LENGTH_DELIMITED));
      const itemValue = writer.begin();
      if (item !== null && item !== undefined) writeAnyValue(writer, item);
      writer.end(itemValue);
    }
    writer.end(array);
  }
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
