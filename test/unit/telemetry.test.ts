import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { createHttpClient, type Response as EngineResponse } from '../../src/engine/run/http.ts';
import type { RequestSample } from '../../src/engine/stats/index.ts';
import {
  CONNECT_SPAN_NAME, EVENT_FIRST_BYTE, EVENT_REQUEST_SENT, METRIC_NAMES, TelemetryConfigError, readTelemetryConfig, startTelemetry,
  type ConnectTiming, type Telemetry, type TelemetryOptions,
} from '../../src/engine/telemetry/index.ts';
import { IdSource, ratioSampler } from '../../src/engine/telemetry/ids.ts';
import { SpanEncoder } from '../../src/engine/telemetry/otlp-spans.ts';
import { Tracer, toReadableSpans, type RequestSpan } from '../../src/engine/telemetry/tracer.ts';
import { decodeTraces, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../src/receiver/index.ts';

/** Environment for a telemetry instance that exports to `receiver` within about 100 ms. */
function exportingTo(receiver: OtlpReceiver, extra: Record<string, string> = {}): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '60000', ...extra };
}

function telemetryFor(env: Record<string, string>, options: Partial<TelemetryOptions> = {}): Telemetry {
  return startTelemetry({ runId: 'run-1', scenario: 'shopper', file: '/work/shop.load.ts', activeUsers: () => 3, env, ...options });
}

/**
 * Asserts that an interval between two span instants (decimal nanosecond strings) is `expectedMs`,
 * within 1 µs: epoch milliseconds as doubles carry about 0.25 µs of precision.
 */
function assertInterval(fromNs: string, toNs: string, expectedMs: number, what: string): void {
  const actual = Number(BigInt(toNs) - BigInt(fromNs)) / 1e6;
  assert.ok(Math.abs(actual - expectedMs) < 0.001, `${what}: ${actual} ms, expected ${expectedMs} ms`);
}

const PRODUCT_URL = new URL('http://127.0.0.1:8080/product/42?ref=home');

/** A synthetic request, as the HTTP client would report it. */
interface SyntheticRequest {
  method?: string;
  name?: string;
  url?: URL;
  userId?: number;
  status: number;
  error?: string;
  connect?: boolean;
  checkFailure?: string;
}

function sampleFor(request: SyntheticRequest, startedAtPerf: number): RequestSample {
  return {
    method: request.method ?? 'GET', name: request.name ?? '/product/{id}',
    startedAt: performance.timeOrigin + startedAtPerf, durationMs: 20, ttfbMs: 15, connectMs: request.connect ? 3 : 0,
    newConnection: request.connect === true, bytes: request.status > 0 ? 321 : 0, status: request.status, error: request.error,
  };
}

function connectFor(startedAtPerf: number): ConnectTiming {
  return { startedAt: startedAtPerf + 0.5, dnsMs: 0.25, tcpMs: 1.5, tlsMs: 1, totalMs: 2.75 };
}

/** Runs the requests through the tracer's full contract; returns each request's traced span. */
function drive(telemetry: Telemetry, requests: readonly SyntheticRequest[]) {
  return requests.map(request => {
    const traced = telemetry.tracer.start(request.method ?? 'GET', request.name ?? '/product/{id}', request.url ?? PRODUCT_URL, request.userId ?? 7);
    const startedAt = performance.now() - 25;
    traced.complete(sampleFor(request, startedAt), request.connect ? connectFor(startedAt) : undefined);
    if (request.checkFailure !== undefined) traced.fail(request.checkFailure);
    traced.end();
    return { request, traced, startedAt };
  });
}

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(() => receiver.close());

describe('configuration from OTEL_* variables', () => {
  const cases: { name: string; env: Record<string, string>; setting?: string; expect: (config: ReturnType<typeof readTelemetryConfig>) => unknown; want: unknown }[] = [
    { name: 'defaults', env: {}, expect: c => [c.serviceName, c.traces.exporters, c.traces.otlp.url, c.metrics.otlp.url, c.traces.sampler, c.metrics.exportIntervalMillis, c.traces.scheduleDelayMillis],
      want: ['loadlens', ['otlp'], 'http://localhost:4318/v1/traces', 'http://localhost:4318/v1/metrics', { kind: 'always_on' }, 60_000, 5000] },
    { name: 'general endpoint gets the signal path appended', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/base/' },
      expect: c => [c.traces.otlp.url, c.metrics.otlp.url], want: ['http://collector:4318/base/v1/traces', 'http://collector:4318/base/v1/metrics'] },
    { name: 'a signal endpoint is used as it is', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/spans' },
      expect: c => [c.traces.otlp.url, c.metrics.otlp.url], want: ['https://b/otlp/spans', 'http://a:1/v1/metrics'] },
    { name: 'headers merge, the signal ones win, values percent-decoded',
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=general,x-team=load%20tests', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=traces-only' },
      expect: c => [c.traces.otlp.headers, c.metrics.otlp.headers],
      want: [{ 'api-key': 'traces-only', 'x-team': 'load tests' }, { 'api-key': 'general', 'x-team': 'load tests' }] },
    { name: 'service name: OTEL_SERVICE_NAME wins', env: { OTEL_SERVICE_NAME: 'from-env', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes' }, setting: 'from-setting',
      expect: c => c.serviceName, want: 'from-env' },
    { name: 'service name: OTEL_RESOURCE_ATTRIBUTES over the setting', env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,team=perf' }, setting: 'from-setting',
      expect: c => [c.serviceName, c.resourceAttributes], want: ['from-attributes', { team: 'perf' }] },
    { name: 'service name: the setting over the default', env: {}, setting: 'from-setting', expect: c => c.serviceName, want: 'from-setting' },
    { name: 'samplers: parent-based forms decide as their root (the engine only makes roots)',
      env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, expect: c => c.traces.sampler, want: { kind: 'traceidratio', ratio: 0.25 } },
    { name: 'always_off', env: { OTEL_TRACES_SAMPLER: 'always_off' }, expect: c => c.traces.sampler, want: { kind: 'always_off' } },
    { name: 'exporter lists, none wins', env: { OTEL_TRACES_EXPORTER: 'console, otlp', OTEL_METRICS_EXPORTER: 'otlp,none' },
      expect: c => [c.traces.exporters, c.metrics.exporters], want: [['console', 'otlp'], []] },
    { name: 'OTEL_SDK_DISABLED exports nothing', env: { OTEL_SDK_DISABLED: 'true' }, expect: c => [c.traces.exporters, c.metrics.exporters], want: [[], []] },
    { name: 'batch and metric timings', env: { OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500', OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_METRIC_EXPORT_TIMEOUT: '5000' },
      expect: c => [c.traces.scheduleDelayMillis, c.traces.maxQueueSize, c.traces.maxExportBatchSize, c.metrics.exportIntervalMillis, c.metrics.exportTimeoutMillis],
      want: [100, 100, 100, 1000, 1000] },
    { name: 'delta temporality', env: { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'lowmemory' }, expect: c => c.metrics.temporality, want: 'delta' },
    { name: 'an unused signal is not validated', env: { OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' }, expect: c => c.metrics.exporters, want: [] },
  ];
  for (const { name, env, setting, expect, want } of cases) {
    test(name, () => assert.deepEqual(expect(readTelemetryConfig(env, setting)), want));
  }

  test('every problem is reported at once, each naming its variable, never a header value', () => {
    const error = (() => {
      try {
        readTelemetryConfig({
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url',
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer s3cret-token,=also-s3cret',
          OTEL_TRACES_SAMPLER: 'traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '1.5',
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_BSP_SCHEDULE_DELAY: 'soon',
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof TelemetryConfigError);
    assert.deepEqual(error.problems, [
      "OTEL_METRICS_EXPORTER: exporter 'prometheus' is not supported; use otlp, console or none",
      "OTEL_EXPORTER_OTLP_PROTOCOL='grpc': this build exports with http/protobuf only (@opentelemetry/exporter-trace-otlp-grpc is not installed); unset it or set it to http/protobuf",
      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT='not a url' is not a URL (e.g. http://localhost:4318)",
      'OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value with a valid header name',
      "OTEL_TRACES_SAMPLER_ARG='1.5' must be a ratio between 0 and 1 for traceidratio",
      "OTEL_BSP_SCHEDULE_DELAY='soon' must be an integer ≥ 0",
    ]);
    assert.doesNotMatch(error.message, /s3cret/);
  });

  test('startTelemetry refuses an unsupported protocol with a message naming the variable', () => {
    assert.throws(() => telemetryFor({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }), {
      name: 'TelemetryConfigError',
      message: /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='http\/json': this build exports with http\/protobuf only \(@opentelemetry\/exporter-trace-otlp-http is not installed\)/,
    });
  });
});

describe('ids and sampling', () => {
  test('ids are hex of the right length, unique, and traceparent carries them', () => {
    const telemetry = telemetryFor({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' });
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const traced = telemetry.tracer.start('GET', '/', PRODUCT_URL, 1);
      assert.match(traced.traceId, /^[0-9a-f]{32}$/);
      assert.match(traced.spanId, /^[0-9a-f]{16}$/);
      assert.equal(traced.headers.traceparent, `00-${traced.traceId}-${traced.spanId}-01`);
      seen.add(traced.traceId);
    }
    assert.equal(seen.size, 3000);
  });

  for (const ratio of [0, 0.1, 0.5, 1]) {
    test(`the ratio sampler decides as the SDK's TraceIdRatioBasedSampler (ratio ${ratio})`, () => {
      const ours = ratioSampler(ratio);
      const sdk = new TraceIdRatioBasedSampler(ratio);
      const ids = new IdSource();
      let sampled = 0;
      for (let i = 0; i < 5000; i++) {
        const at = ids.next();
        const decision = ours(ids.bytes, at);
        assert.equal(decision, sdk.shouldSample(ROOT_CONTEXT, ids.traceId(at)).decision === 2, ids.traceId(at));
        if (decision) sampled++;
      }
      assert.ok(Math.abs(sampled / 5000 - ratio) < 0.03, `sampled ${sampled} of 5000 at ratio ${ratio}`);
    });
  }
});

describe('span encoding', () => {
  /** Decoded spans with the connect children's random span ids blanked (each encoder draws its own). */
  const decoded = (bytes: Uint8Array) => decodeTraces(bytes, 'protobuf').map(span => (span.name === CONNECT_SPAN_NAME ? { ...span, spanId: '' } : span));

  for (const shard of [undefined, '1/3']) test(`the direct encoder produces what the SDK serializer produces from the same spans${shard ? ` (shard ${shard})` : ''}`, () => {
    const ids = new IdSource();
    const records: RequestSpan[] = [];
    const tracer = new Tracer({ ids, sampler: () => true, baggage: '', metrics: undefined, spans: { add: span => records.push(span), countDropped: () => undefined } });
    const requests: SyntheticRequest[] = [
      { status: 200, connect: true },
      { status: 200, checkFailure: 'order id returned' },
      { status: 503, error: 'HTTP 503' },
      { status: 0, error: 'ECONNREFUSED', url: new URL('http://[::1]:9/down') },
      { status: 302, error: 'HTTP 302 (expected 200)' },
      { method: 'PURGE', name: 'cache', status: 204, url: new URL('https://user:pw@shop.example/cache?sig=abc&x=1') },
      { name: '/produkt/{ïd}/größe', status: 200, url: new URL('http://127.0.0.1:8080/produkt/%C3%AF'), userId: 123_456 },
      { name: 'x'.repeat(300), status: 200, connect: true },
    ];
    for (const request of requests) {
      const traced = tracer.start(request.method ?? 'GET', request.name ?? '/product/{id}', request.url ?? PRODUCT_URL, request.userId ?? 7);
      const startedAt = performance.now();
      traced.complete(sampleFor(request, startedAt), request.connect ? connectFor(startedAt) : undefined);
      if (request.checkFailure) traced.fail(request.checkFailure);
      traced.end();
    }
    const build = {
      resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'loadlens', 'loadlens.run.id': 'r1', count: 3, ratio: 0.5, on: true })),
      scope: { name: 'loadlens', version: '1.2.3' }, scenario: 'shopper', ids, ...(shard ? { shard } : {}),
    };
    const ours = decoded(new SpanEncoder(build).encode(records));
    const sdk = decoded(ProtobufTraceSerializer.serializeRequest(toReadableSpans(records, build))!);
    assert.equal(ours.length, requests.length + 2);
    assert.deepEqual(ours, sdk);
    assert.deepEqual(ours.filter(span => span.kindName === 'CLIENT').map(span => span.attributes['loadlens.shard']), requests.map(() => shard));
  });
});

describe('spans from synthetic requests', () => {
  test('one CLIENT span per request with exact names, attributes, events and status; connect children', async () => {
    const telemetry = telemetryFor(exportingTo(receiver), { runId: 'run-synthetic' });
    const requests: SyntheticRequest[] = [
      { status: 200, connect: true, userId: 1 },
      { status: 200, userId: 1 },
      { status: 200, userId: 1, checkFailure: 'order id returned' },
      { method: 'POST', name: '/checkout/confirm', url: new URL('http://127.0.0.1:8080/checkout/confirm'), status: 500, error: 'HTTP 500', userId: 2, connect: true },
      { status: 0, error: 'timeout', userId: 2 },
      { status: 0, error: 'ECONNREFUSED', userId: 3 },
    ];
    const driven = drive(telemetry, requests);
    const counts = await telemetry.shutdown();
    const spans = receiver.spans().filter(span => span.resource['loadlens.run.id'] === 'run-synthetic');

    assert.deepEqual(counts, { spansExported: requests.length + 2, spansDropped: 0, exportFailures: 0 });
    assert.equal(spans.filter(span => span.kindName === 'CLIENT').length, requests.length);
    for (const { request, traced, startedAt } of driven) {
      const span = spans.find(candidate => candidate.spanId === traced.spanId);
      assert.ok(span, `span ${traced.spanId} exported`);
      const method = request.method ?? 'GET';
      const url = request.url ?? PRODUCT_URL;
      const expected: Record<string, unknown> = {
        'http.request.method': method,
        'url.full': url.href,
        'server.address': '127.0.0.1',
        'server.port': 8080,
        'network.protocol.version': '1.1',
        'loadlens.request.name': request.name ?? '/product/{id}',
        'loadlens.scenario': 'shopper',
        'loadlens.user.id': request.userId,
      };
      if (request.status > 0) Object.assign(expected, { 'http.response.status_code': request.status, 'http.response.body.size': 321 });
      const errorType = request.status >= 500 ? String(request.status) : request.error ?? request.checkFailure;
      if (errorType !== undefined) expected['error.type'] = errorType;
      assert.deepEqual(
        { name: span.name, kind: span.kindName, traceId: span.traceId, parent: span.parentSpanId, attributes: span.attributes, status: span.status },
        {
          name: `${method} ${request.name ?? '/product/{id}'}`, kind: 'CLIENT', traceId: traced.traceId, parent: '', attributes: expected,
          status: errorType === undefined ? { code: 0, codeName: 'UNSET', message: '' } : { code: 2, codeName: 'ERROR', message: request.error ?? request.checkFailure },
        },
      );
      const startNs = String(BigInt(Math.round((performance.timeOrigin + startedAt) * 1000)) * 1000n);
      assertInterval(startNs, span.startTimeUnixNano, 0, 'start');
      assertInterval(span.startTimeUnixNano, span.endTimeUnixNano, 20, 'duration');
      assert.deepEqual(span.events.map(event => event.name), request.status > 0 ? [EVENT_REQUEST_SENT, EVENT_FIRST_BYTE] : []);
      if (request.status > 0) {
        assertInterval(span.startTimeUnixNano, span.events[1]!.timeUnixNano, 15, 'first byte at ttfb');
        // Sent once the new connection was up (connect started at +0.5 ms and took 2.75 ms).
        assertInterval(span.startTimeUnixNano, span.events[0]!.timeUnixNano, request.connect ? 3.25 : 0, 'request sent');
      }

      const children = spans.filter(candidate => candidate.parentSpanId === traced.spanId);
      assert.equal(children.length, request.connect ? 1 : 0);
      if (request.connect) {
        const connect = children[0]!;
        assert.deepEqual(
          { name: connect.name, kind: connect.kindName, traceId: connect.traceId, attributes: connect.attributes },
          {
            name: 'connect', kind: 'INTERNAL', traceId: traced.traceId,
            attributes: { 'server.address': '127.0.0.1', 'server.port': 8080, 'network.transport': 'tcp', 'loadlens.connect.dns_ms': 0.25, 'loadlens.connect.tcp_ms': 1.5, 'loadlens.connect.tls_ms': 1 },
          },
        );
        assertInterval(connect.startTimeUnixNano, connect.endTimeUnixNano, 2.75, 'connect duration');
        assertInterval(span.startTimeUnixNano, connect.startTimeUnixNano, 0.5, 'connect start');
      }
    }
  });

  test('out-of-order calls are ignored: end twice, fail after end, end without complete (dropped and counted)', async () => {
    const telemetry = telemetryFor(exportingTo(receiver), { runId: 'run-order' });
    const first = telemetry.tracer.start('GET', '/a', PRODUCT_URL, 1);
    first.complete(sampleFor({ status: 200 }, performance.now()), undefined);
    first.end();
    first.end();
    first.fail('too late');
    first.complete(sampleFor({ status: 500, error: 'HTTP 500' }, performance.now()), undefined);
    const never = telemetry.tracer.start('GET', '/b', PRODUCT_URL, 1);
    never.end();
    assert.deepEqual(await telemetry.shutdown(), { spansExported: 1, spansDropped: 1, exportFailures: 0 });
    const spans = receiver.spans().filter(span => span.resource['loadlens.run.id'] === 'run-order');
    assert.deepEqual(spans.map(span => [span.name, span.status.codeName, span.attributes['http.response.status_code']]), [['GET /a', 'UNSET', 200]]);
  });

  test('10 % sampling: sampled-out requests keep a trace id and propagate flag 00; only sampled ones are exported', async () => {
    const telemetry = telemetryFor(exportingTo(receiver, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }), { runId: 'run-sampled' });
    const driven = drive(telemetry, Array.from({ length: 2000 }, (): SyntheticRequest => ({ status: 500, error: 'HTTP 500' })));
    const sampled = driven.filter(({ traced }) => traced.headers.traceparent!.endsWith('-01'));
    for (const { traced } of driven) assert.match(traced.headers.traceparent!, new RegExp(`^00-${traced.traceId}-${traced.spanId}-0[01]$`));
    assert.ok(sampled.length > 120 && sampled.length < 280, `${sampled.length} of 2000 sampled`);
    const counts = await telemetry.shutdown();
    const exported = receiver.spans().filter(span => span.resource['loadlens.run.id'] === 'run-sampled');
    assert.equal(counts.spansExported, sampled.length);
    assert.deepEqual(new Set(exported.map(span => span.spanId)), new Set(sampled.map(({ traced }) => traced.spanId)));
  });

  test('a full queue drops spans and counts them, without waiting', async () => {
    const telemetry = telemetryFor(exportingTo(receiver, { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100', OTEL_BSP_SCHEDULE_DELAY: '60000' }), { runId: 'run-full' });
    // No event-loop turn in between, so no export starts: the queue holds 100, the other 900 are dropped.
    // drive() is synchronous: the 1000 requests went through without waiting on the exporter, and none
    // was exported yet. (What tracing costs per request is measured in npm run bench, telemetry-cpu.)
    drive(telemetry, Array.from({ length: 1000 }, (): SyntheticRequest => ({ status: 200 })));
    assert.equal(receiver.spans().filter(span => span.resource['loadlens.run.id'] === 'run-full').length, 0);
    const counts = await telemetry.shutdown();
    assert.equal(counts.spansExported + counts.spansDropped, 1000);
    assert.equal(counts.spansDropped, 900);
    assert.equal(receiver.spans().filter(span => span.resource['loadlens.run.id'] === 'run-full').length, counts.spansExported);
  });
});

describe('resource, baggage and metrics', () => {
  test('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES on the resource; two runs, two run ids', async () => {
    const env = exportingTo(receiver, { OTEL_SERVICE_NAME: 'checkout-load', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=perf%20lab,loadlens.run.id=spoofed' });
    const runs = [telemetryFor(env, { runId: 'run-a' }), telemetryFor(env, { runId: 'run-b', scenario: 'browser' })];
    const traced = runs.map(telemetry => drive(telemetry, [{ status: 200 }])[0]!.traced);
    await Promise.all(runs.map(telemetry => telemetry.shutdown()));
    assert.deepEqual(traced.map(span => span.headers.baggage), ['loadlens.run.id=run-a', 'loadlens.run.id=run-b']);
    const resources = traced.map(span => receiver.spans().find(candidate => candidate.spanId === span.spanId)!.resource);
    assert.deepEqual(resources.map(resource => ({ ...resource, 'telemetry.sdk.version': undefined })), ['run-a', 'run-b'].map((runId, index) => ({
      'service.name': 'checkout-load',
      'service.version': 'dev',
      'deployment.environment.name': 'staging',
      team: 'perf lab',
      'loadlens.run.id': runId,
      'loadlens.scenario': index === 0 ? 'shopper' : 'browser',
      'loadlens.scenario.file': '/work/shop.load.ts',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': undefined,
    })));
  });

  test('a shard run: loadlens.shard "i/N" on the resource, every CLIENT span and every metric point, beside the shared run id', async () => {
    const shards = ['0/2', '1/2'].map(shard => telemetryFor(exportingTo(receiver), { runId: 'run-sharded', shard, activeUsers: () => 5 }));
    const traced = shards.map(telemetry => drive(telemetry, [{ status: 200, connect: true }, { status: 503, error: 'HTTP 503' }]).map(d => d.traced.spanId));
    await Promise.all(shards.map(telemetry => telemetry.shutdown()));
    for (const [index, shard] of ['0/2', '1/2'].entries()) {
      const spans = receiver.spans().filter(span => traced[index]!.includes(span.spanId));
      assert.equal(spans.length, 2);
      assert.deepEqual(spans.map(span => [span.resource['loadlens.run.id'], span.resource['loadlens.shard'], span.attributes['loadlens.shard']]), [
        ['run-sharded', shard, shard], ['run-sharded', shard, shard],
      ]);
    }
    for (const name of [METRIC_NAMES.requestDuration, METRIC_NAMES.timeToFirstByte, METRIC_NAMES.connectDuration, METRIC_NAMES.activeUsers]) {
      const metrics = receiver.metrics(name).filter(metric => metric.resource['loadlens.run.id'] === 'run-sharded');
      assert.deepEqual(metrics.map(metric => metric.resource['loadlens.shard']).sort(), ['0/2', '1/2'], name);
      for (const metric of metrics) {
        assert.ok(metric.dataPoints.length > 0, name);
        assert.ok(metric.dataPoints.every(point => point.attributes['loadlens.shard'] === metric.resource['loadlens.shard']), `${name}: ${JSON.stringify(metric.dataPoints.map(point => point.attributes))}`);
      }
    }
  });

  test('metrics: request duration, time to first byte and connect histograms by request name; active users', async () => {
    const telemetry = telemetryFor(exportingTo(receiver, { OTEL_TRACES_EXPORTER: 'none' }), { runId: 'run-metrics', activeUsers: () => 42 });
    drive(telemetry, [
      ...Array.from({ length: 30 }, (): SyntheticRequest => ({ name: '/product/{id}', status: 200 })),
      { name: '/product/{id}', status: 200, connect: true },
      ...Array.from({ length: 4 }, (): SyntheticRequest => ({ method: 'POST', name: '/checkout/confirm', status: 503, error: 'HTTP 503' })),
      { method: 'POST', name: '/checkout/confirm', status: 0, error: 'timeout' },
    ]);
    assert.deepEqual(await telemetry.shutdown(), { spansExported: 0, spansDropped: 0, exportFailures: 0 });
    const ofRun = (name: string) => receiver.metrics(name).filter(metric => metric.resource['loadlens.run.id'] === 'run-metrics');

    const duration = ofRun(METRIC_NAMES.requestDuration);
    assert.equal(duration.length, 1);
    const metric = duration[0]!;
    assert.equal(metric.type, 'histogram');
    assert.equal(metric.unit, 's');
    if (metric.type !== 'histogram') return;
    const points = metric.dataPoints.map(point => ({ attributes: point.attributes, count: point.count, sum: Number(point.sum!.toFixed(6)) }));
    assert.deepEqual(points, [
      { attributes: { 'http.request.method': 'GET', 'loadlens.request.name': '/product/{id}', 'server.address': '127.0.0.1', 'http.response.status_code': 200 }, count: 31, sum: 0.62 },
      { attributes: { 'http.request.method': 'POST', 'loadlens.request.name': '/checkout/confirm', 'server.address': '127.0.0.1', 'http.response.status_code': 503, 'error.type': '503' }, count: 4, sum: 0.08 },
      { attributes: { 'http.request.method': 'POST', 'loadlens.request.name': '/checkout/confirm', 'server.address': '127.0.0.1', 'error.type': 'timeout' }, count: 1, sum: 0.02 },
    ]);
    // 20 ms lies in (0.01, 0.025]: the third bucket.
    assert.deepEqual(metric.dataPoints[0]!.bucketCounts, [0, 0, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    const ttfb = ofRun(METRIC_NAMES.timeToFirstByte)[0]!;
    assert.deepEqual(ttfb.type === 'histogram' && ttfb.dataPoints.map(point => [point.attributes['loadlens.request.name'], point.count]), [['/product/{id}', 31], ['/checkout/confirm', 4]]);
    const connect = ofRun(METRIC_NAMES.connectDuration)[0]!;
    assert.deepEqual(connect.type === 'histogram' && connect.dataPoints.map(point => [point.attributes, point.count, point.sum]),
      [[{ 'http.request.method': 'GET', 'loadlens.request.name': '/product/{id}', 'server.address': '127.0.0.1' }, 1, 0.00275]]);
    const users = ofRun(METRIC_NAMES.activeUsers)[0]!;
    assert.deepEqual(users.type === 'gauge' && users.dataPoints.map(point => point.value), [42]);
  });
});

describe('a collector that is down or failing', () => {
  // Neither test below times anything: drive() is synchronous, so a request cannot wait on the exporter,
  // and a shutdown past its bound fails the test by its timeout. What a request costs with the collector
  // down, beside one that answers, is the collector-down row of npm run bench (telemetry-cpu).
  test('down (a closed port): requests are not slowed, shutdown resolves within its bound and counts failed exports', { timeout: 30_000 }, async () => {
    const closed = createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>(resolve => closed.close(() => resolve()));

    const telemetry = telemetryFor({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_METRIC_EXPORT_INTERVAL: '100',
      // The SDK's transport retries a refused connection with backoff until this timeout: keep it short so the test's process exits at once.
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    }, { shutdownTimeoutMs: 2000 });
    const driven = drive(telemetry, Array.from({ length: 600 }, (): SyntheticRequest => ({ status: 200 })));
    // Every request was traced and propagated as sampled, the collector's state notwithstanding.
    assert.equal(driven.filter(({ traced }) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(traced.headers.traceparent!)).length, 600);
    await new Promise(resolve => setTimeout(resolve, 150));
    const counts = await telemetry.shutdown();
    assert.equal(counts.spansExported, 0);
    assert.ok(counts.exportFailures >= 2, `failed exports: ${counts.exportFailures} (span batches and metrics)`);
  });

  test('slow (never answers): requests are not slowed, the exports time out and are counted', { timeout: 30_000 }, async () => {
    const silent = createServer(request => request.resume());
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
    const telemetry = telemetryFor({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, OTEL_BSP_SCHEDULE_DELAY: '10',
      OTEL_METRICS_EXPORTER: 'none', OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    }, { shutdownTimeoutMs: 2000 });
    const driven = drive(telemetry, Array.from({ length: 1000 }, (): SyntheticRequest => ({ status: 200 })));
    // Every request was traced and propagated as sampled, the collector's state notwithstanding.
    assert.equal(driven.filter(({ traced }) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(traced.headers.traceparent!)).length, 1000);
    const counts = await telemetry.shutdown();
    silent.closeAllConnections();
    await new Promise<void>(resolve => silent.close(() => resolve()));
    // 1000 spans in batches of 512: two exports, each given up after the 300 ms timeout; every span lost, with the reason.
    assert.deepEqual(counts, { spansExported: 0, spansDropped: 0, exportFailures: 2, spansLost: 1000, lastExportError: 'timeout' });
  });

  test('answering 500: every export fails and is counted; nothing is exported', async () => {
    let posts = 0;
    const failing = createServer((request, response) => {
      posts++;
      request.resume();
      request.on('end', () => response.writeHead(500).end());
    });
    await new Promise<void>(resolve => failing.listen(0, '127.0.0.1', resolve));
    const telemetry = telemetryFor({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(failing.address() as AddressInfo).port}`, OTEL_BSP_SCHEDULE_DELAY: '10' });
    drive(telemetry, Array.from({ length: 1200 }, (): SyntheticRequest => ({ status: 200 })));
    const counts = await telemetry.shutdown();
    await new Promise<void>(resolve => failing.close(() => resolve()));
    // 1200 spans in batches of 512: 3 span exports, and the final metric export; every span lost, with the reason.
    assert.deepEqual(counts, { spansExported: 0, spansDropped: 0, exportFailures: 4, spansLost: 1200, lastExportError: 'HTTP 500' });
    assert.equal(posts, 4);
  });
});

describe('end to end through the engine HTTP client', () => {
  let target: Server;
  let targetUrl: URL;
  const seen: { traceparent: string; baggage: string; path: string }[] = [];
  let connections = 0;
  before(async () => {
    target = createServer((request: IncomingMessage, response) => {
      seen.push({ traceparent: String(request.headers.traceparent), baggage: String(request.headers.baggage), path: request.url ?? '' });
      request.resume();
      request.on('end', () => {
        const failing = request.url === '/fail';
        response.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: !failing }));
      });
    });
    target.on('connection', () => connections++);
    await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve));
    targetUrl = new URL(`http://127.0.0.1:${(target.address() as AddressInfo).port}`);
  });
  after(() => new Promise<void>(resolve => {
    target.close(() => resolve());
    target.closeAllConnections();
  }));

  test('the target sees a traceparent whose ids are the exported CLIENT span; connect children = connections opened', async () => {
    const telemetry = telemetryFor(exportingTo(receiver), { runId: 'run-e2e' });
    const users = [1, 2, 3].map(userId => createHttpClient({ baseUrl: targetUrl, userId, timeoutMs: 5000, sink: () => undefined, tracer: telemetry.tracer }));
    let requests = 0;
    await Promise.all(users.map(async (http, index) => {
      for (let i = 0; i < 5; i++) {
        const response = await http.get(i === 4 ? '/fail' : `/product/${i}`, { name: i === 4 ? '/fail' : '/product/{id}' });
        requests++;
        // A failing check, as the runner reports it, on the second request of the first user.
        if (index === 0 && i === 1) (response as EngineResponse).traced?.fail('stock shown');
      }
      await http.close();
    }));
    // A request to a port where nothing listens: no response, no connection, still a span.
    const refused = createHttpClient({ baseUrl: new URL('http://127.0.0.1:9'), userId: 4, timeoutMs: 2000, sink: () => undefined, tracer: telemetry.tracer });
    const refusedResponse = await refused.get('/');
    await refused.close();
    requests++;
    const counts = await telemetry.shutdown();

    const spans = receiver.spans().filter(span => span.resource['loadlens.run.id'] === 'run-e2e');
    const clients = spans.filter(span => span.kindName === 'CLIENT');
    const connects = spans.filter(span => span.name === 'connect');
    assert.equal(clients.length, requests);
    assert.equal(counts.spansExported, spans.length);
    assert.equal(seen.length, 15);
    assert.equal(connections, 3, 'one keep-alive connection per user');
    assert.equal(connects.length, connections);

    for (const header of seen) {
      const [version, traceId, parentId, flags] = header.traceparent.split('-');
      assert.deepEqual([version, flags, header.baggage], ['00', '01', 'loadlens.run.id=run-e2e']);
      const client = clients.find(span => span.spanId === parentId);
      assert.ok(client, `a CLIENT span with the parent id ${parentId} the target saw`);
      assert.equal(client.traceId, traceId);
      assert.equal(client.attributes['url.full'], new URL(header.path, targetUrl).href);
    }
    for (const connect of connects) {
      const parent = clients.find(span => span.spanId === connect.parentSpanId);
      assert.ok(parent, 'a connect span is the child of a CLIENT span');
      assert.equal(parent.traceId, connect.traceId);
      assert.equal(parent.attributes['loadlens.request.name'], '/product/{id}', 'the first request of each user opened the connection');
      assert.ok(BigInt(connect.endTimeUnixNano) > BigInt(connect.startTimeUnixNano), 'connect took time');
      assert.ok((connect.attributes['loadlens.connect.tcp_ms'] as number) > 0);
      assert.ok(BigInt(connect.startTimeUnixNano) >= BigInt(parent.startTimeUnixNano) && BigInt(connect.endTimeUnixNano) <= BigInt(parent.endTimeUnixNano));
    }

    const statusOf = (span: ReceivedSpan) => [span.attributes['loadlens.user.id'], span.name, span.status.codeName, span.attributes['error.type'] ?? null];
    const failed = clients.filter(span => span.status.codeName === 'ERROR').map(statusOf).sort((a, b) => String(a).localeCompare(String(b)));
    assert.deepEqual(failed, [
      [1, 'GET /fail', 'ERROR', '500'],
      [1, 'GET /product/{id}', 'ERROR', 'stock shown'],
      [2, 'GET /fail', 'ERROR', '500'],
      [3, 'GET /fail', 'ERROR', '500'],
      [4, 'GET /', 'ERROR', 'ECONNREFUSED'],
    ]);
    const refusedSpan = clients.find(span => span.attributes['loadlens.user.id'] === 4)!;
    assert.equal(refusedSpan.traceId, refusedResponse.traceId);
    assert.equal(spans.filter(span => span.parentSpanId === refusedSpan.spanId).length, 0, 'no connect child without a connection');
  });
});
