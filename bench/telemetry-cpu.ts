/**
 * What telemetry costs per request, in CPU: `node bench/telemetry-cpu.ts [requests]` (or
 * `BENCH_ONLY=telemetry-cpu npm run bench`, pinned to one core).
 *
 * CPU time of this process (user + system, GC threads included) per request, everything included:
 * the hot path, building and encoding the batches, sending them over HTTP to an OTLP sink, and the
 * metric collections. The target and the OTLP sink run in a child process whose CPU is not counted.
 * Two measurements per mode:
 *   tracer  the tracer alone, driven as the HTTP client drives it (start → complete → end, one
 *           request in 20 opening a connection): the telemetry's own cost per request;
 *   engine  the engine's HTTP client (createHttpClient, 16 virtual users, keep-alive) against the
 *           loopback target: the engine's whole cost per request, with that telemetry (the
 *           better of two runs).
 * Modes: none | tracing (every request) | sampled-10% (traceidratio 0.1) | metrics (traces exporter
 * none: ids and traceparent still made) | collector-down (tracing every request to a closed port: a
 * request must cost no more than with a collector that answers; moved here from a timed unit test) | sdk-span (the tracer row only: the SDK's Span +
 * BatchSpanProcessor + OTLP exporter per request, for comparison).
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { SpanKind, context, defaultTextMapSetter, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createHttpClient } from '../src/engine/run/http.ts';
import type { RequestSample } from '../src/engine/stats/index.ts';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_LOADLENS_REQUEST_NAME, ATTR_LOADLENS_RUN_ID, ATTR_LOADLENS_SCENARIO,
  ATTR_LOADLENS_USER_ID, ATTR_NETWORK_PROTOCOL_VERSION, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_SERVICE_NAME, ATTR_URL_FULL,
} from '../src/engine/telemetry/attributes.ts';
import { startTelemetry } from '../src/engine/telemetry/telemetry.ts';
import { EVENT_FIRST_BYTE, EVENT_REQUEST_SENT } from '../src/engine/telemetry/tracer.ts';
import type { RequestTracer, Telemetry } from '../src/engine/telemetry/types.ts';

/** The child: a JSON target and an OTLP sink answering an empty ExportTraceServiceResponse. */
const CHILD_SOURCE = `
const http = require('node:http');
const listen = server => new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const target = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json', 'content-length': 13 }).end('{"ok":"yes"}\\n'));
});
target.keepAliveTimeout = 60000;
const sink = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end());
});
Promise.all([listen(target), listen(sink)]).then(ports => process.send(ports));
process.on('disconnect', () => process.exit(0));`;

const CHUNK = 256;
const USERS = 16;
const URL_OF_REQUEST = new URL('http://127.0.0.1:8080/product/42');

type Mode = 'none' | 'tracing' | 'sampled-10%' | 'metrics' | 'collector-down' | 'sdk-span';
const MODE_ENV: Record<Exclude<Mode, 'none' | 'sdk-span'>, Record<string, string>> = {
  tracing: {},
  'sampled-10%': { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  metrics: { OTEL_TRACES_EXPORTER: 'none' },
  // The SDK's transport retries a refused connection until this timeout: short, as in the unit test it replaces.
  'collector-down': { OTEL_EXPORTER_OTLP_TIMEOUT: '300' },
};
/** A loopback port nobody listens on (bound, then closed): the collector-down mode's endpoint. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
const deadCollectorUrl = await closedPortUrl();

async function cpuPerRequest(requests: number, run: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / requests;
}

function telemetryFor(mode: Mode, sinkUrl: string): Telemetry | undefined {
  if (mode === 'none' || mode === 'sdk-span') return undefined;
  return startTelemetry({
    runId: 'bench', scenario: 'bench', file: 'bench.load.ts', activeUsers: () => USERS,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: mode === 'collector-down' ? deadCollectorUrl : sinkUrl, OTEL_BSP_MAX_QUEUE_SIZE: '16384', OTEL_METRIC_EXPORT_INTERVAL: '1000', ...MODE_ENV[mode] },
  });
}

function syntheticSample(index: number, startedAt: number): RequestSample {
  return {
    method: 'GET', name: '/product/{product_id}', startedAt, durationMs: 12.5, ttfbMs: 11, connectMs: index % 20 === 0 ? 1.2 : 0,
    newConnection: index % 20 === 0, bytes: 512, status: index % 100 === 0 ? 500 : 200, error: index % 100 === 0 ? 'HTTP 500' : undefined,
  };
}

/** The tracer alone (or, with no tracer, the RequestSample the engine makes anyway). */
async function tracerLoop(requests: number, tracer: RequestTracer | undefined): Promise<void> {
  for (let index = 0; index < requests; index++) {
    const now = performance.now();
    const sample = syntheticSample(index, performance.timeOrigin + now);
    if (tracer !== undefined) {
      const traced = tracer.start('GET', '/product/{product_id}', URL_OF_REQUEST, index & 63);
      traced.complete(sample, sample.newConnection ? { startedAt: now, dnsMs: 0, tcpMs: 1, tlsMs: 0, totalMs: 1.2 } : undefined);
      traced.end();
    }
    // Let exports run between chunks, as I/O interleaves them with requests in the engine.
    if (index % CHUNK === CHUNK - 1) await yieldToEventLoop();
  }
}

/** The SDK way, for comparison: a Span per request through a BatchSpanProcessor and the OTLP/protobuf exporter. */
async function sdkSpanLoop(requests: number, sinkUrl: string): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'bench' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${sinkUrl}/v1/traces` }), maxQueueSize: 16384 })],
  });
  const tracer = provider.getTracer('loadlens');
  const propagator = new W3CTraceContextPropagator();
  const baggage = propagation.createBaggage({ [ATTR_LOADLENS_RUN_ID]: { value: 'bench' } });
  for (let index = 0; index < requests; index++) {
    const span = tracer.startSpan('GET /product/{product_id}', {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: 'GET', [ATTR_URL_FULL]: URL_OF_REQUEST.href, [ATTR_SERVER_ADDRESS]: '127.0.0.1', [ATTR_SERVER_PORT]: 8080,
        [ATTR_LOADLENS_REQUEST_NAME]: '/product/{product_id}', [ATTR_LOADLENS_SCENARIO]: 'bench', [ATTR_LOADLENS_USER_ID]: index & 63,
      },
    });
    const headers: Record<string, string> = {};
    propagator.inject(propagation.setBaggage(trace.setSpan(context.active(), span), baggage), headers, defaultTextMapSetter);
    const sample = syntheticSample(index, performance.timeOrigin + performance.now());
    span.addEvent(EVENT_REQUEST_SENT);
    span.addEvent(EVENT_FIRST_BYTE);
    span.setAttributes({ [ATTR_HTTP_RESPONSE_STATUS_CODE]: sample.status, [ATTR_NETWORK_PROTOCOL_VERSION]: '1.1' });
    span.end();
    if (index % CHUNK === CHUNK - 1) await yieldToEventLoop();
  }
  await provider.shutdown();
}

/** The engine's HTTP client: USERS virtual users, each sending its share of requests one after the other. */
async function engineLoop(requests: number, targetUrl: URL, tracer: RequestTracer | undefined): Promise<void> {
  const users = Array.from({ length: USERS }, (_, userId) => createHttpClient({ baseUrl: targetUrl, userId, timeoutMs: 10_000, sink: () => undefined, tracer }));
  await Promise.all(users.map(async http => {
    for (let i = 0; i < requests / USERS; i++) (await http.get('/product/42', { name: '/product/{product_id}' })).text();
    await http.close();
  }));
}

const requests = Number(process.argv[2] ?? 48_000);
const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const [targetPort, sinkPort] = await new Promise<number[]>(resolve => child.once('message', message => resolve(message as number[])));
const targetUrl = new URL(`http://127.0.0.1:${targetPort}`);
const sinkUrl = `http://127.0.0.1:${sinkPort}`;

// Warm the engine's path, the target and the sink before anything is measured.
await engineLoop(requests / 4, targetUrl, undefined);

const modes: Mode[] = ['none', 'tracing', 'sampled-10%', 'metrics', 'collector-down', 'sdk-span'];
const rows: { mode: Mode; tracer: number; engine: number | undefined; counts: string }[] = [];
for (const mode of modes) {
  // A short run first, so the JIT compiled each path before it is measured.
  for (const measured of [false, true]) {
    const count = measured ? requests : requests / 8;
    const forTracer = telemetryFor(mode, sinkUrl);
    const tracerNs = await cpuPerRequest(count, async () => {
      if (mode === 'sdk-span') await sdkSpanLoop(count, sinkUrl);
      else await tracerLoop(count, forTracer?.tracer);
      await forTracer?.shutdown();
    });
    let engineNs: number | undefined;
    let counts = '';
    // The engine rows are the noisy ones (sockets, other processes): the better of two runs.
    for (let run = 0; mode !== 'sdk-span' && run < (measured ? 2 : 1); run++) {
      const forEngine = telemetryFor(mode, sinkUrl);
      const ns = await cpuPerRequest(count, async () => {
        await engineLoop(count, targetUrl, forEngine?.tracer);
        if (forEngine !== undefined) counts = JSON.stringify(await forEngine.shutdown());
      });
      engineNs = Math.min(engineNs ?? Infinity, ns);
    }
    if (measured) rows.push({ mode, tracer: tracerNs, engine: engineNs, counts });
  }
}
child.disconnect();

const engineAlone = rows[0]!.engine!;
console.log(`CPU per request, ${requests} requests per row (ns); ratio = engine CPU with telemetry / engine CPU without:`);
console.log(`  ${'mode'.padEnd(14)} ${'tracer'.padStart(7)} ${'engine'.padStart(7)}  ratio  export counts (engine run)`);
for (const row of rows) {
  const engine = row.engine === undefined ? '' : row.engine.toFixed(0);
  const ratio = row.engine === undefined ? '' : (row.engine / engineAlone).toFixed(2);
  console.log(`  ${row.mode.padEnd(14)} ${row.tracer.toFixed(0).padStart(7)} ${engine.padStart(7)}  ${ratio.padStart(5)}  ${row.counts}`);
}
