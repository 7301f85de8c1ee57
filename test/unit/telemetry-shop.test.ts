/**
 * The whole story with real parts: the engine's HTTP client traced by Loadlens's telemetry calls the
 * example shop (a child process instrumented with the official OpenTelemetry Node SDK); both export
 * OTLP/protobuf to one receiver; the shop's SERVER spans continue the engine's CLIENT spans.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpClient } from '../../src/engine/run/http.ts';
import { startTelemetry } from '../../src/engine/telemetry/index.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/receiver/index.ts';
import { startShopProcess, type ShopProcess } from '../support/shop-process.ts';

let receiver: OtlpReceiver;
let shop: ShopProcess;
before(async () => {
  receiver = await startOtlpReceiver();
  shop = await startShopProcess({ otlpEndpoint: receiver.url });
});
after(async () => {
  await shop.stop();
  await receiver.close();
});

test("the shop's SERVER span is a child of the engine's CLIENT span, in the same trace", async () => {
  const telemetry = startTelemetry({
    runId: 'run-shop', scenario: 'shopper', file: 'examples/shop.load.ts', activeUsers: () => 1,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRICS_EXPORTER: 'none' },
  });
  const http = createHttpClient({ baseUrl: new URL(shop.url), userId: 1, timeoutMs: 5000, sink: () => undefined, tracer: telemetry.tracer });
  const calls = [
    { method: 'POST', path: '/authenticate', name: '/authenticate', json: { user: 'foo', password: 'bar' }, status: 200 },
    { method: 'GET', path: '/product/42', name: '/product/{product_id}', status: 200 },
    { method: 'GET', path: '/product/404', name: '/product/{product_id}', status: 404 },
    { method: 'POST', path: '/cart/add', name: '/cart/add', json: { productId: 42 }, status: 200 },
    { method: 'POST', path: '/checkout/confirm', name: '/checkout/confirm', status: 200 },
  ];
  const traceIds: string[] = [];
  for (const call of calls) {
    const response = await http.request(call.method, call.path, { name: call.name, json: call.json });
    assert.equal(response.status, call.status, `${call.method} ${call.path}`);
    traceIds.push(response.traceId);
  }
  await http.close();
  assert.deepEqual(await telemetry.shutdown(), { spansExported: calls.length + 1, spansDropped: 0, exportFailures: 0 });

  // The shop exports on its own schedule (every 200 ms here): wait for its SERVER span of each trace.
  const ours = new Set(traceIds);
  const serverSpansOfOurTraces = () => receiver.spans().filter(span => span.kindName === 'SERVER' && ours.has(span.traceId));
  await receiver.waitForSpans(() => serverSpansOfOurTraces().length >= calls.length, 10_000);
  const servers = serverSpansOfOurTraces();
  const clients = receiver.spans().filter(span => span.kindName === 'CLIENT' && span.resource['loadlens.run.id'] === 'run-shop');
  assert.equal(clients.length, calls.length);
  assert.equal(servers.length, calls.length);

  for (const [index, call] of calls.entries()) {
    const client = clients.find(span => span.traceId === traceIds[index])!;
    const server = servers.find(span => span.traceId === traceIds[index]);
    assert.ok(server, `a SERVER span in the trace of ${call.method} ${call.path}`);
    assert.deepEqual(
      { parent: server.parentSpanId, service: server.resource['service.name'], method: server.attributes['http.request.method'], status: server.attributes['http.response.status_code'] },
      { parent: client.spanId, service: 'shop', method: call.method, status: call.status },
    );
    assert.equal(client.name, `${call.method} ${call.name}`);
    assert.equal(client.status.codeName, call.status >= 400 ? 'ERROR' : 'UNSET');
  }
});
