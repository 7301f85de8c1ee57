/**
 * The receiver's forwarding (`--forward`, `loadlens.otel.forward`): a real SDK exporter posts to our
 * receiver, which passes each request on to a second real receiver, unchanged: same spans, same
 * bytes, same headers (an API key included). Failures and a full queue are counted, never blocking.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Forwarder, forwardUrlProblem, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../src/receiver/index.ts';

const closing: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

async function receiver(options: Parameters<typeof startOtlpReceiver>[0] = {}): Promise<OtlpReceiver> {
  const started = await startOtlpReceiver(options);
  closing.push(() => started.close());
  return started;
}

/** A plain loopback server answering every request with `status`, recording what came. */
async function answering(status: number, delayMs = 0): Promise<{ url: string; bodies: Buffer[]; server: Server }> {
  const bodies: Buffer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      setTimeout(() => response.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  closing.push(() => new Promise(resolve => {
    server.close(resolve);
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, server };
}

/** Spans as compared across the two receivers: everything but the store's shared resource objects. */
const comparable = (spans: readonly ReceivedSpan[]) => spans.map(span => JSON.stringify(span)).sort();

for (const compression of ['none', 'gzip'] as const) {
  test(`forward: every span reaches the second receiver unchanged, with the exporter's headers (compression ${compression})`, async () => {
    const platformHeaders: IncomingHttpHeaders[] = [];
    const platform = await receiver({ onRequest: ({ path, headers }) => path === '/v1/traces' && platformHeaders.push(headers) });
    const forwarder = new Forwarder({ url: `${platform.url}/` });
    const ours = await receiver({ forward: forwarder });

    const exporter = new OTLPTraceExporter({ url: `${ours.url}/v1/traces`, compression: compression as never, headers: { 'x-api-key': 'k-123', 'x-team': 'shop' } });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'forward-test' }),
      spanProcessors: [new BatchSpanProcessor({ exporter, maxExportBatchSize: 50 })],
    });
    const tracer = provider.getTracer('forward-test');
    for (let i = 0; i < 120; i++) {
      const span = tracer.startSpan(`db.query SELECT stock ${i}`, { kind: i % 2 ? SpanKind.CLIENT : SpanKind.SERVER, attributes: { 'db.query.text': 'SELECT quantity FROM stock WHERE product_id = ?', i } });
      span.end();
    }
    await provider.forceFlush();
    await provider.shutdown();
    await forwarder.drain(5000);

    assert.equal(ours.spans().length, 120);
    assert.deepEqual(comparable(platform.spans()), comparable(ours.spans()));
    const stats = forwarder.stats();
    assert.deepEqual({ ...stats, lastError: stats.lastError }, { url: platform.url, forwarded: ours.counts().traceRequests, failed: 0, dropped: 0, pending: 0, lastError: undefined });
    assert.ok(platformHeaders.length >= 3, `${platformHeaders.length} requests forwarded (120 spans in batches of 50)`);
    for (const headers of platformHeaders) {
      assert.equal(headers['x-api-key'], 'k-123');
      assert.equal(headers['x-team'], 'shop');
      assert.equal(headers['content-type'], 'application/x-protobuf');
      assert.equal(headers['content-encoding'], compression === 'gzip' ? 'gzip' : undefined);
      assert.equal(headers.host, new URL(platform.url).host, 'the Host header is the platform\'s, not ours');
    }
    forwarder.close();
  });
}

test('forward: a platform answering 503 is counted as failed, with the reason; the exporter still got 200', async () => {
  const platform = await answering(503);
  const forwarder = new Forwarder({ url: platform.url });
  const ours = await receiver({ forward: forwarder });
  const body = JSON.stringify({ resourceSpans: [] });
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${ours.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.status, 200);
  }
  await forwarder.drain(5000);
  assert.deepEqual(forwarder.stats(), { url: platform.url, forwarded: 0, failed: 3, dropped: 0, pending: 0, lastError: 'HTTP 503' });
  assert.deepEqual(platform.bodies.map(b => b.toString()), [body, body, body], 'the bodies arrived as sent');
  forwarder.close();
});

test('forward: an unreachable platform is counted (ECONNREFUSED); a full queue drops and counts instead of waiting', async () => {
  const gone = await answering(200);
  await new Promise(resolve => {
    gone.server.close(resolve);
    gone.server.closeAllConnections();
  });
  const refused = new Forwarder({ url: gone.url });
  refused.offer('/v1/traces', { 'content-type': 'application/json' }, Buffer.from('{}'));
  await refused.drain(5000);
  assert.equal(refused.stats().failed, 1);
  assert.equal(refused.stats().lastError, 'ECONNREFUSED');
  refused.close();

  // One in flight (the platform answers after 300 ms), two queued, the rest dropped at once.
  const slow = await answering(200, 300);
  const bounded = new Forwarder({ url: slow.url, concurrency: 1, maxQueuedRequests: 2 });
  const started = performance.now();
  for (let i = 0; i < 10; i++) bounded.offer('/v1/metrics', {}, Buffer.from(`body ${i}`));
  assert.ok(performance.now() - started < 50, 'offer never waits');
  assert.deepEqual(bounded.stats(), { url: slow.url, forwarded: 0, failed: 0, dropped: 7, pending: 3 });
  await bounded.drain(5000);
  assert.deepEqual(bounded.stats(), { url: slow.url, forwarded: 3, failed: 0, dropped: 7, pending: 0 });
  assert.deepEqual(slow.bodies.map(b => b.toString()), ['body 0', 'body 1', 'body 2']);
  bounded.close();
});

test('forward: the URL is checked, saying what is wrong', () => {
  const cases: Array<[string, string | undefined]> = [
    ['http://127.0.0.1:4318', undefined],
    ['https://otlp.example.invalid/otlp', undefined],
    ['127.0.0.1:4318', '\'127.0.0.1:4318\' is not a URL'],
    ['grpc://127.0.0.1:4317', '\'grpc://127.0.0.1:4317\' must start with http:// or https://'],
    ['not a url', '\'not a url\' is not a URL'],
    ['http://127.0.0.1:4318/?token=x', '\'http://127.0.0.1:4318/?token=x\' must have no query or fragment'],
  ];
  for (const [url, problem] of cases) assert.equal(forwardUrlProblem(url), problem, url);
  assert.throws(() => new Forwarder({ url: 'ftp://x' }), { message: '\'ftp://x\' must start with http:// or https://' });
});
