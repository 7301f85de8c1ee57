// The embedded receiver in its worker thread: real OTLP/protobuf over loopback HTTP (the SDK's
// exporter and the engine's encoder), answered through the typed messages of src/shared/protocol.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { startReceiverWorker, type ReceiverWorker } from '../../src/receiver/index.ts';
import { EngineBatches } from '../support/engine-batches.ts';
import { poll } from '../support/poll.ts';

const workerFile = path.join(import.meta.dirname, '../../src/receiver/worker.ts');

let receiver: ReceiverWorker;
before(async () => {
  receiver = await startReceiverWorker({ workerFile, port: 0, budgetBytes: 2 * 1024 * 1024 });
});
after(() => receiver.close());

/** POSTs an OTLP/protobuf trace export; resolves with the status once the answer is read. */
function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, response => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

test('receiver worker: decodes the SDK exporter\'s OTLP/protobuf and answers trace() with the whole tree', async () => {
  const updates: string[][] = [];
  const subscription = receiver.onTracesUpdated(ids => updates.push([...ids]));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('shop');
  const client = tracer.startSpan('GET /product/{product_id}', { kind: SpanKind.CLIENT, attributes: { 'loadlens.request.name': '/product/{product_id}' } });
  const server = tracer.startSpan('GET /product/:id', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 500 } }, trace.setSpan(context.active(), client));
  const query = tracer.startSpan('SELECT product', { kind: SpanKind.INTERNAL }, trace.setSpan(context.active(), server));
  query.end();
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'product 42 is out of stock' });
  server.end();
  client.end();
  await provider.forceFlush();
  await provider.shutdown();
  const traceId = client.spanContext().traceId;

  const spans = await receiver.trace(traceId.toUpperCase());
  assert.deepEqual(spans.map(s => [s.name, s.kindName, s.parentSpanId]).sort(), [
    ['GET /product/:id', 'SERVER', client.spanContext().spanId],
    ['GET /product/{product_id}', 'CLIENT', ''],
    ['SELECT product', 'INTERNAL', server.spanContext().spanId],
  ]);
  const failed = spans.find(s => s.kindName === 'SERVER')!;
  assert.deepEqual(failed.status, { code: 2, codeName: 'ERROR', message: 'product 42 is out of stock' });
  assert.equal(failed.attributes['http.response.status_code'], 500);
  assert.equal(failed.resource['service.name'], 'shop');
  assert.deepEqual(await receiver.trace('0123456789abcdef0123456789abcdef'), []);

  await poll(() => updates.flat().includes(traceId), Boolean, { timeoutMs: 2000 });
  assert.ok(updates.flat().includes(traceId), `updates: ${JSON.stringify(updates)}`);
  subscription.dispose();
  const stats = await receiver.stats();
  assert.ok(stats.store.errorTracesStored >= 1);
  assert.ok(stats.requests.traceRequests >= 1);
});

test('receiver worker: 30,000 engine spans in batches of 512 stay within a 2 MB budget, every error trace kept', async () => {
  const batches = new EngineBatches({ failEvery: 100 });
  const failed: string[] = [];
  let sent = 0;
  let last = '';
  while (sent < 30_000) {
    const batch = batches.next(512);
    assert.equal(await post(receiver.url, batch.body), 200);
    sent += batch.spans;
    failed.push(...batch.requests.filter(r => r.failed).map(r => r.traceId));
    last = batch.requests.at(-1)!.traceId;
  }
  const stats = await receiver.stats({ gc: true });
  assert.ok(stats.store.spansReceived >= sent);
  assert.ok(stats.store.bytesStored <= 2 * 1024 * 1024, `${stats.store.bytesStored} bytes stored`);
  assert.ok(stats.store.tracesEvicted > 10_000, `${stats.store.tracesEvicted} evicted`);
  assert.equal(stats.store.errorTracesEvicted, 0);
  assert.ok(stats.heapUsedBytes > stats.store.bytesStored, `worker heap ${stats.heapUsedBytes}`);
  for (const traceId of failed) {
    const [span] = await receiver.trace(traceId);
    assert.equal(span?.status.codeName, 'ERROR', traceId);
    assert.equal(span?.attributes['http.response.status_code'], 500);
  }
  assert.equal((await receiver.trace(last))[0]?.traceId, last, 'the most recent request is kept');
});

test('receiver worker: a taken fixed port falls back to a free one; once closed, queries say the worker ended', async () => {
  const holder = createServer();
  await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as AddressInfo).port;
  try {
    const fallback = await startReceiverWorker({ workerFile, port: taken });
    try {
      assert.equal(fallback.wantedPortTaken, true);
      assert.notEqual(fallback.port, taken);
      assert.equal(fallback.url, `http://127.0.0.1:${fallback.port}`);
    } finally {
      await fallback.close();
    }
    assert.equal(await fallback.exited, 'the OTLP receiver\'s worker exited (code 0)');
    await assert.rejects(fallback.trace('0123456789abcdef0123456789abcdef'), /the OTLP receiver's worker exited \(code 0\)/);
  } finally {
    holder.close();
  }
});
