import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SpanKind, SpanStatusCode, context, trace, type HrTime } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MetricStore, TraceStore, startOtlpReceiver, type OtlpReceiver, type ReceivedMetric, type ReceivedSpan } from '../../src/receiver/index.ts';
import protobuf from 'protobufjs';
import { fakeSpan } from '../support/received-span.ts';

/** google.rpc.Status, read here independently of the receiver's writer. */
const RPC_STATUS = protobuf.parse('syntax = "proto3"; message Status { int32 code = 1; string message = 2; }').root.lookupType('Status');

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(() => receiver.close());

/** A tracer provider that exports with the SDK's OTLP/protobuf exporter to `url`. */
function sdkTracing(url: string, options: { compression?: 'gzip' | 'none'; serviceName?: string } = {}) {
  const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, compression: options.compression as never });
  return new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'receiver-test', 'deployment.environment.name': 'ci' }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxExportBatchSize: 512 })],
  });
}

const at = (seconds: number, nanos: number): HrTime => [seconds, nanos];

for (const compression of ['none', 'gzip'] as const) {
  test(`receiver: decodes spans from the SDK's OTLP/protobuf exporter (compression ${compression})`, async () => {
    const provider = sdkTracing(receiver.url, { compression });
    const tracer = provider.getTracer('checkout-service', '2.1.0');
    const server = tracer.startSpan('GET /product/:id', {
      kind: SpanKind.SERVER,
      startTime: at(1_700_000_000, 123_456_789),
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'loadlens.ratio': 0.25, 'loadlens.cached': false, 'loadlens.tags': ['a', 'b'] },
    });
    const client = tracer.startSpan('SELECT products', { kind: SpanKind.CLIENT, startTime: at(1_700_000_000, 200_000_000) }, trace.setSpan(context.active(), server));
    client.addEvent('first byte', { bytes: 512 }, at(1_700_000_000, 250_000_001));
    client.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    client.end(at(1_700_000_001, 0));
    server.end(at(1_700_000_001, 500_000_000));
    const others = [SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER].map(kind => {
      const span = tracer.startSpan(`kind ${kind}`, { kind });
      span.end();
      return span;
    });
    await provider.forceFlush();
    await provider.shutdown();

    const byId = (id: string) => receiver.spans().find(span => span.spanId === id);
    const serverSpan = byId(server.spanContext().spanId);
    const clientSpan = byId(client.spanContext().spanId);
    assert.ok(serverSpan && clientSpan, 'both spans stored');
    assert.deepEqual(
      { ...serverSpan, events: serverSpan.events.length },
      {
        traceId: server.spanContext().traceId,
        spanId: server.spanContext().spanId,
        parentSpanId: '',
        traceState: '',
        name: 'GET /product/:id',
        kind: 2,
        kindName: 'SERVER',
        startTimeUnixNano: '1700000000123456789',
        endTimeUnixNano: '1700000001500000000',
        attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'loadlens.ratio': 0.25, 'loadlens.cached': false, 'loadlens.tags': ['a', 'b'] },
        events: 0,
        links: [],
        status: { code: 0, codeName: 'UNSET', message: '' },
        resource: { 'service.name': 'receiver-test', 'deployment.environment.name': 'ci' },
        scope: { name: 'checkout-service', version: '2.1.0' },
      },
    );
    assert.equal(clientSpan.traceId, serverSpan.traceId);
    assert.equal(clientSpan.parentSpanId, serverSpan.spanId);
    assert.equal(clientSpan.kindName, 'CLIENT');
    assert.equal(clientSpan.startTimeUnixNano, '1700000000200000000');
    assert.equal(clientSpan.endTimeUnixNano, '1700000001000000000');
    assert.deepEqual(clientSpan.events, [{ name: 'first byte', timeUnixNano: '1700000000250000001', attributes: { bytes: 512 } }]);
    assert.deepEqual(clientSpan.status, { code: 2, codeName: 'ERROR', message: 'timeout' });
    assert.deepEqual(
      others.map(span => byId(span.spanContext().spanId)?.kindName),
      ['INTERNAL', 'PRODUCER', 'CONSUMER'],
    );

    const [summary] = receiver.store.recentTraces().filter(t => t.traceId === serverSpan.traceId);
    assert.deepEqual(summary, {
      traceId: serverSpan.traceId,
      spanCount: 2,
      rootName: 'GET /product/:id',
      rootService: 'receiver-test',
      startTimeUnixNano: '1700000000123456789',
      endTimeUnixNano: '1700000001500000000',
      durationMs: 1376.543211,
      hasError: true,
      services: ['receiver-test'],
    });
  });
}

test("receiver: decodes histogram, sum and gauge from the SDK's OTLP/protobuf metric exporter", async () => {
  const exporter = new OTLPMetricExporter({ url: `${receiver.url}/v1/metrics` });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'metrics-test' }),
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
  });
  const meter = provider.getMeter('loadlens-test', '0.1.0');
  const duration = meter.createHistogram('http.client.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
  for (const seconds of [0.005, 0.02, 0.02, 0.3, 2]) duration.record(seconds, { 'loadlens.request.name': '/product/{id}' });
  duration.record(0.05, { 'loadlens.request.name': '/cart/add' });
  meter.createCounter('loadlens.iterations').add(7, { scenario: 'shopper' });
  meter.createGauge('loadlens.users').record(25);
  await provider.forceFlush();
  await provider.shutdown();

  const histogram = receiver.metrics('http.client.request.duration').at(-1);
  assert.ok(histogram?.type === 'histogram');
  assert.equal(histogram.unit, 's');
  assert.equal(histogram.temporality, 'cumulative');
  assert.deepEqual(histogram.resource, { 'service.name': 'metrics-test' });
  assert.deepEqual(histogram.scope, { name: 'loadlens-test', version: '0.1.0' });
  const points = histogram.dataPoints
    .map(({ attributes, count, sum, min, max, bucketCounts, explicitBounds }) => ({ attributes, count, sum: sum?.toFixed(3), min, max, bucketCounts, explicitBounds }))
    .sort((a, b) => b.count - a.count);
  assert.deepEqual(points, [
    { attributes: { 'loadlens.request.name': '/product/{id}' }, count: 5, sum: '2.345', min: 0.005, max: 2, bucketCounts: [1, 2, 1, 1], explicitBounds: [0.01, 0.1, 1] },
    { attributes: { 'loadlens.request.name': '/cart/add' }, count: 1, sum: '0.050', min: 0.05, max: 0.05, bucketCounts: [0, 1, 0, 0], explicitBounds: [0.01, 0.1, 1] },
  ]);
  assert.ok(BigInt(histogram.dataPoints[0]!.timeUnixNano) >= BigInt(histogram.dataPoints[0]!.startTimeUnixNano));

  const counter = receiver.metrics('loadlens.iterations').at(-1);
  assert.ok(counter?.type === 'sum');
  assert.deepEqual(
    { temporality: counter.temporality, isMonotonic: counter.isMonotonic, points: counter.dataPoints.map(p => [p.attributes, p.value]) },
    { temporality: 'cumulative', isMonotonic: true, points: [[{ scenario: 'shopper' }, 7]] },
  );
  const gauge = receiver.metrics('loadlens.users').at(-1);
  assert.ok(gauge?.type === 'gauge');
  assert.deepEqual(gauge.dataPoints.map(p => p.value), [25]);
});

/** A hand-made OTLP/JSON trace request, as the specification spells it (hex ids, int64 as strings, enums as integers). */
function jsonTraces(traceId: string) {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-service' } }] },
      scopeSpans: [{
        scope: { name: 'hand-made', version: '1' },
        spans: [
          {
            traceId: traceId.toUpperCase(),
            spanId: '00f067aa0ba902b7',
            name: 'POST /checkout/confirm',
            kind: 2,
            startTimeUnixNano: '1700000000000000001',
            endTimeUnixNano: '1700000000250000001',
            attributes: [
              { key: 'http.response.status_code', value: { intValue: '500' } },
              { key: 'big', value: { intValue: '9007199254740993' } },
              { key: 'ratio', value: { doubleValue: 0.5 } },
              { key: 'ok', value: { boolValue: false } },
              { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 3 }] } } },
              { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'y' } }] } } },
              { key: 'raw', value: { bytesValue: 'AQID' } },
              { key: 'empty', value: {} },
            ],
            events: [{ timeUnixNano: '1700000000100000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'out of stock' } }] }],
            status: { code: 2, message: 'out of stock' },
          },
          { traceId, spanId: '1111111111111111', parentSpanId: '00f067aa0ba902b7', name: 'reserve stock', kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: 1700000000000000, endTimeUnixNano: '1700000000200000000' },
        ],
      }],
    }],
  };
}

for (const gzip of [false, true]) {
  test(`receiver: decodes a hand-made OTLP/JSON trace request${gzip ? ' (gzip)' : ''}`, async () => {
    const traceId = gzip ? '5b8efff798038103d269b633813fc60c' : '4bf92f3577b34da6a3ce929d0e0e4736';
    const json = Buffer.from(JSON.stringify(jsonTraces(traceId)));
    const response = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(gzip && { 'Content-Encoding': 'gzip' }) },
      body: gzip ? gzipSync(json) : json,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.text(), '{}');

    const spans = receiver.store.getTrace(traceId) ?? [];
    assert.deepEqual(spans.map(s => [s.name, s.kindName, s.parentSpanId, s.startTimeUnixNano]), [
      ['POST /checkout/confirm', 'SERVER', '', '1700000000000000001'],
      ['reserve stock', 'CLIENT', '00f067aa0ba902b7', '1700000000000000'],
    ]);
    const [root] = spans as ReceivedSpan[];
    assert.equal(root?.traceId, traceId);
    assert.deepEqual(root?.attributes, {
      'http.response.status_code': 500,
      big: '9007199254740993',
      ratio: 0.5,
      ok: false,
      list: ['x', 3],
      map: { inner: 'y' },
      raw: 'AQID',
      empty: null,
    });
    assert.deepEqual(root?.events, [{ name: 'exception', timeUnixNano: '1700000000100000000', attributes: { 'exception.message': 'out of stock' } }]);
    assert.deepEqual(root?.status, { code: 2, codeName: 'ERROR', message: 'out of stock' });
    assert.deepEqual(root?.resource, { 'service.name': 'json-service' });
    assert.deepEqual(root?.scope, { name: 'hand-made', version: '1' });
  });
}

test('receiver: decodes OTLP/JSON metrics with exemplars, and counts OTLP/JSON log records', async () => {
  const metrics = {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
      scopeMetrics: [{
        scope: { name: 'json-meter' },
        metrics: [
          {
            name: 'http.server.request.duration',
            unit: 's',
            histogram: {
              aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
              dataPoints: [{
                attributes: [{ key: 'http.route', value: { stringValue: '/product/:id' } }],
                startTimeUnixNano: '1700000000000000000',
                timeUnixNano: '1700000010000000000',
                count: '3',
                sum: 0.75,
                bucketCounts: ['1', '1', '1'],
                explicitBounds: [0.1, 0.5],
                exemplars: [{ timeUnixNano: '1700000005000000000', asDouble: 0.6, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }],
              }],
            },
          },
          { name: 'queue.depth', gauge: { dataPoints: [{ asInt: '7', timeUnixNano: '1700000010000000000' }] } },
          { name: 'no.data' },
        ],
      }],
    }],
  };
  const metricsResponse = await postJson(`${receiver.url}/v1/metrics`, metrics);
  assert.equal(metricsResponse.status, 200);
  const histogram = receiver.metrics('http.server.request.duration').at(-1);
  assert.deepEqual(histogram, {
    name: 'http.server.request.duration',
    description: '',
    unit: 's',
    resource: { 'service.name': 'shop' },
    scope: { name: 'json-meter', version: '' },
    type: 'histogram',
    temporality: 'delta',
    dataPoints: [{
      attributes: { 'http.route': '/product/:id' },
      startTimeUnixNano: '1700000000000000000',
      timeUnixNano: '1700000010000000000',
      exemplars: [{ value: 0.6, timeUnixNano: '1700000005000000000', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', filteredAttributes: {} }],
      count: 3,
      sum: 0.75,
      min: undefined,
      max: undefined,
      bucketCounts: [1, 1, 1],
      explicitBounds: [0.1, 0.5],
    }],
  } satisfies ReceivedMetric);
  assert.deepEqual(receiver.metrics('queue.depth').at(-1)?.dataPoints.map(p => 'value' in p && p.value), [7]);
  assert.deepEqual(receiver.metrics('no.data'), [], 'a metric without data is not kept');

  const logsBefore = receiver.counts().logRecords;
  const logs = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'a' } }, { body: { stringValue: 'b' } }] }, { logRecords: [{}] }] }] };
  const logsResponse = await postJson(`${receiver.url}/v1/logs`, logs);
  assert.equal(logsResponse.status, 200);
  assert.equal(await logsResponse.text(), '{}');
  assert.equal(receiver.counts().logRecords - logsBefore, 3);
});

function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

const rejections: Array<{ what: string; path?: string; method?: string; headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> | string; status: number; message: RegExp }> = [
  { what: 'truncated protobuf', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0x05, 0x01]), status: 400, message: /^invalid protobuf: index out of range/ },
  { what: 'garbage JSON', headers: { 'Content-Type': 'application/json' }, body: '{"resourceSpans": [', status: 400, message: /^invalid JSON: / },
  { what: 'JSON array at the top', headers: { 'Content-Type': 'application/json' }, body: '[]', status: 400, message: /^invalid JSON: the request must be an object$/ },
  { what: 'JSON with resourceSpans not a list', headers: { 'Content-Type': 'application/json' }, body: '{"resourceSpans": {}}', status: 400, message: /^'resourceSpans' must be an array$/ },
  { what: 'JSON with a base64 trace id', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'S/kvNXezTaajzpKdDg5HNg==' }] }] }] }), status: 400, message: /^'traceId' must be hex in OTLP\/JSON/ },
  // A message list holding something else: a 400 naming the item (it once was a TypeError, a 500).
  { what: 'JSON with a null span', headers: { 'Content-Type': 'application/json' }, body: '{"resourceSpans":[{"scopeSpans":[{"spans":[null]}]}]}', status: 400, message: /^'spans\[0\]' must be an object$/ },
  { what: 'JSON with a number for a data point', headers: { 'Content-Type': 'application/json' }, path: '/v1/metrics', body: '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[1]}}]}]}]}', status: 400, message: /^'dataPoints\[0\]' must be an object$/ },
  { what: 'attribute values nested 50 000 deep', headers: { 'Content-Type': 'application/json' }, body: deeplyNestedSpanAttribute(50_000), status: 400, message: /^request nested too deeply: Maximum call stack size exceeded$/ },
  { what: 'gzip header on a plain body', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: '{}', status: 400, message: /^invalid gzip: / },
  { what: 'text/plain', headers: { 'Content-Type': 'text/plain' }, body: 'hello', status: 415, message: /^unsupported content type 'text\/plain'/ },
  { what: 'brotli', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'br' }, body: '{}', status: 415, message: /^unsupported content encoding 'br'/ },
  { what: 'GET', method: 'GET', status: 405, message: /^OTLP\/HTTP takes POST$/ },
  { what: 'an unknown signal', path: '/v1/profiles', headers: { 'Content-Type': 'application/json' }, body: '{}', status: 404, message: /^no OTLP signal at \/v1\/profiles$/ },
];

function deeplyNestedSpanAttribute(depth: number): string {
  const value = `${'{"arrayValue":{"values":['.repeat(depth)}${']}}'.repeat(depth)}`;
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"deep","value":${value}}]}]}]}]}`;
}

test('receiver: rejects what it cannot take, with the status OTLP/HTTP specifies', async () => {
  const rejectedBefore = receiver.counts().rejectedRequests;
  const spansBefore = receiver.store.stats().spansReceived;
  for (const { what, path = '/v1/traces', method = 'POST', headers, body, status, message } of rejections) {
    const response = await fetch(`${receiver.url}${path}`, { method, headers, body });
    assert.equal(response.status, status, what);
    const bytes = new Uint8Array(await response.arrayBuffer());
    // A 400 carries a google.rpc.Status (code 3, INVALID_ARGUMENT) in the request's encoding.
    let text = Buffer.from(bytes).toString('utf8');
    if (status === 400) {
      const rpcStatus = (response.headers.get('content-type') === 'application/json' ? JSON.parse(text) : RPC_STATUS.decode(bytes)) as { code: number; message: string };
      assert.equal(rpcStatus.code, 3, what);
      text = rpcStatus.message;
    }
    assert.match(text, message, what);
  }
  assert.equal(receiver.counts().rejectedRequests - rejectedBefore, rejections.length);
  assert.equal(receiver.store.stats().spansReceived, spansBefore, 'nothing rejected was stored');
});

test('receiver: answers 413 past the body limit, compressed or once decompressed', async () => {
  const small = await startOtlpReceiver({ maxBodyBytes: 1024 });
  try {
    const cases: Array<{ what: string; headers: Record<string, string>; body: Buffer<ArrayBuffer>; message: string }> = [
      { what: 'a 2 KiB body', headers: {}, body: Buffer.alloc(2048, 0x20), message: 'body larger than 1024 bytes' },
      { what: 'a 100 KiB gzip bomb', headers: { 'Content-Encoding': 'gzip' }, body: gzipSync(Buffer.alloc(100 * 1024, 0x20)), message: 'body larger than 1024 bytes once decompressed' },
    ];
    for (const { what, headers, body, message } of cases) {
      const response = await fetch(`${small.url}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
      assert.equal(response.status, 413, what);
      assert.equal(await response.text(), message, what);
    }
  } finally {
    await small.close();
  }
});

test('receiver: keeps the most recent N traces and at most M spans per trace, counting the rest (no slowest kept)', async () => {
  const maxTraces = 5;
  const bounded = await startOtlpReceiver({ store: new TraceStore({ maxTraces, maxSpansPerTrace: 3, slowestPerRow: 0 }) });
  try {
    const provider = sdkTracing(bounded.url);
    const tracer = provider.getTracer('bounds');
    const traceIds: string[] = [];
    for (let i = 0; i < maxTraces + 10; i++) {
      const span = tracer.startSpan(`trace ${i}`);
      span.end();
      traceIds.push(span.spanContext().traceId);
    }
    const wide = tracer.startSpan('wide root');
    for (let i = 0; i < 4; i++) tracer.startSpan(`child ${i}`, {}, trace.setSpan(context.active(), wide)).end();
    wide.end();
    await provider.forceFlush();
    await provider.shutdown();

    const kept = bounded.store.recentTraces().map(t => t.traceId);
    assert.deepEqual(kept, [wide.spanContext().traceId, ...traceIds.slice(-(maxTraces - 1)).reverse()], 'newest first, oldest evicted');
    assert.equal(bounded.store.getTrace(traceIds[0]!), undefined);
    assert.equal(bounded.store.getTrace(wide.spanContext().traceId)?.length, 3);
    assert.deepEqual(bounded.store.stats(), {
      spansReceived: 20,
      spansDropped: 2,
      tracesEvicted: 11,
      spansEvicted: 11,
      errorTracesEvicted: 0,
      tracesStored: 5,
      spansStored: 7,
      errorTracesStored: 0,
      slowTracesStored: 0,
      bytesStored: bounded.store.stats().bytesStored,
      budgetBytes: 32 * 1024 * 1024,
      valuesTruncated: 0,
    });
    assert.ok(bounded.store.stats().bytesStored > 7 * 300, `7 spans of the SDK estimated at ${bounded.store.stats().bytesStored} bytes`);
    assert.equal(bounded.spans().length, 7);
  } finally {
    await bounded.close();
  }
});

test('trace store: a trace that gets a new span becomes the most recent; listeners see kept spans only', () => {
  const store = new TraceStore({ maxTraces: 2, maxSpansPerTrace: 2, slowestPerRow: 0 });
  const batches: string[][] = [];
  const subscription = store.onSpans(spans => batches.push(spans.map(s => s.spanId)));
  store.add([fakeSpan('a', 'a1'), fakeSpan('b', 'b1')]);
  store.add([fakeSpan('a', 'a2'), fakeSpan('a', 'a3')]); // a3: trace a is full
  store.add([fakeSpan('c', 'c1')]); // evicts b, the least recently updated
  subscription.dispose();
  store.add([fakeSpan('c', 'c2')]);
  assert.deepEqual(store.recentTraces().map(t => [t.traceId, t.spanCount]), [['c', 2], ['a', 2]]);
  assert.deepEqual(batches, [['a1', 'b1'], ['a2'], ['c1']]);
  const { bytesStored, ...counts } = store.stats();
  assert.deepEqual(counts, {
    spansReceived: 6, spansDropped: 1, tracesEvicted: 1, spansEvicted: 1, errorTracesEvicted: 0, tracesStored: 2, spansStored: 4,
    errorTracesStored: 0, slowTracesStored: 0, budgetBytes: 32 * 1024 * 1024, valuesTruncated: 0,
  });
  assert.ok(bytesStored > 4 * 200 && bytesStored < 4 * 1000, `4 small spans estimated at ${bytesStored} bytes`);
  assert.throws(() => new TraceStore({ maxTraces: 0 }), /maxTraces must be a positive integer, got 0/);
});

test('trace store: a summary names the parentless span as root even when a child arrived first', () => {
  const store = new TraceStore();
  store.add([
    fakeSpan('t', 'child', { parentSpanId: 'root', startTimeUnixNano: '1500000', endTimeUnixNano: '9000000', status: { code: 2, codeName: 'ERROR', message: '' }, resource: { 'service.name': 'shop' } }),
    fakeSpan('t', 'root', { name: 'GET /cart', startTimeUnixNano: '2000000', resource: { 'service.name': 'loadlens' } }),
  ]);
  assert.deepEqual(store.recentTraces(1), [{
    traceId: 't', spanCount: 2, rootName: 'GET /cart', rootService: 'loadlens', startTimeUnixNano: '1500000', endTimeUnixNano: '9000000',
    durationMs: 7.5, hasError: true, services: ['shop', 'loadlens'],
  }]);
});

test('metric store: keeps the newest maxMetrics, oldest first, and counts all', () => {
  const store = new MetricStore({ maxMetrics: 3 });
  const metric = (name: string): ReceivedMetric => ({ name, description: '', unit: '', resource: {}, scope: { name: '', version: '' }, type: 'gauge', dataPoints: [] });
  store.add(['m1', 'm2', 'm3', 'm4'].map(metric));
  store.add([metric('m5')]);
  assert.deepEqual(store.metrics().map(m => m.name), ['m3', 'm4', 'm5']);
  assert.deepEqual(store.metrics('m4').map(m => m.name), ['m4']);
  assert.equal(store.receivedCount, 5);
});

test('receiver: waitForSpans resolves on spans that arrive later, and rejects saying what it got', async () => {
  const own = await startOtlpReceiver();
  try {
    const traceId = 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb';
    const waiting = own.waitForSpans(span => span.traceId === traceId, 2000);
    const waitingForCount = own.waitForSpans(2, 2000);
    await postJson(`${own.url}/v1/traces`, jsonTraces(traceId));
    assert.deepEqual((await waiting).map(s => s.name), ['POST /checkout/confirm', 'reserve stock']);
    assert.equal((await waitingForCount).length, 2);
    await assert.rejects(own.waitForSpans(3, 50), { message: 'waited 50 ms for 3 spans; the store holds 2 spans' });
  } finally {
    await own.close();
  }
});
