import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShopOptions } from '../../examples/shop/options.ts';
import { startShop } from '../../examples/shop/shop.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/receiver/index.ts';
import { startShopProcess, type ShopProcess } from '../support/shop-process.ts';
import { randomSpanId, randomTraceId, traceparent } from '../support/trace-context.ts';

let receiver: OtlpReceiver;
/** Traced, no latency, no failures. */
let shop: ShopProcess;
/** Untraced, every response 50 ms late and a 500. */
let slowAndFailing: ShopProcess;

before(async () => {
  receiver = await startOtlpReceiver();
  [shop, slowAndFailing] = await Promise.all([
    startShopProcess({ otlpEndpoint: receiver.url }),
    startShopProcess({ args: ['--latency-ms', '50', '--error-rate', '1'] }),
  ]);
});

after(async () => {
  await Promise.all([shop?.stop(), slowAndFailing?.stop()]);
  await receiver?.close();
});

async function call(base: string, method: string, path: string, options: { json?: unknown; headers?: Record<string, string> } = {}) {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(options.json !== undefined && { 'Content-Type': 'application/json' }), ...options.headers },
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown, ms: performance.now() - started };
}

test('shop: continues the caller\'s W3C trace; its SERVER span is a child of the traceparent\'s span', async () => {
  const traceId = randomTraceId();
  const parentSpanId = randomSpanId();
  const response = await call(shop.url, 'GET', '/product/42', { headers: { traceparent: traceparent(traceId, parentSpanId) } });
  assert.equal(response.status, 200);

  const [server] = await receiver.waitForSpans(span => span.traceId === traceId && span.kindName === 'SERVER', 5000);
  assert.ok(server);
  assert.equal(server.parentSpanId, parentSpanId);
  assert.equal(server.name, 'GET /product/:id');
  assert.equal(server.attributes['http.route'], '/product/:id');
  assert.equal(server.attributes['http.response.status_code'], 200);
  assert.equal(server.resource['service.name'], 'shop');
  const [work] = await receiver.waitForSpans(span => span.traceId === traceId && span.parentSpanId === server.spanId, 5000);
  assert.deepEqual([work?.name, work?.kindName], ['load product', 'INTERNAL']);
});

/** The fields of the shop's JSON answers; each case reads those its endpoint sends (/products sends a list of products). */
interface ShopAnswer {
  token?: string;
  error?: string;
  id?: number;
  name?: string;
  priceCents?: number;
  productId?: number;
  quantity?: number;
  orderId?: string;
}

const endpoints: Array<{ method: string; path: string; json?: unknown; status: number; body: (body: ShopAnswer) => boolean; allow?: string }> = [
  { method: 'POST', path: '/authenticate', json: { user: 'foo', password: 'bar' }, status: 200, body: b => /^[0-9a-f]{32}$/.test(b.token ?? '') },
  { method: 'POST', path: '/authenticate', json: { user: 'foo' }, status: 400, body: b => b.error === 'expected JSON {"user": string, "password": string}' },
  { method: 'GET', path: '/products', status: 200, body: b => Array.isArray(b) && b.length === 5 && b.some((p: ShopAnswer) => p.id === 4711) },
  { method: 'GET', path: '/product/42', status: 200, body: b => b.id === 42 && b.name === 'Towel' && b.priceCents === 1999 },
  { method: 'GET', path: '/product/1?ref=home', status: 200, body: b => b.id === 1 },
  { method: 'GET', path: '/product/999', status: 404, body: b => b.error === 'unknown product 999' },
  { method: 'GET', path: '/product/abc', status: 404, body: b => b.error === 'unknown product abc' },
  { method: 'POST', path: '/cart/add', json: { productId: 4711 }, status: 200, body: b => b.productId === 4711 && b.quantity === 1 },
  { method: 'POST', path: '/cart/add', json: { productId: 5 }, status: 404, body: b => b.error === 'unknown product 5' },
  { method: 'POST', path: '/checkout/confirm', status: 200, body: b => typeof b.orderId === 'string' && /^ord-[0-9a-f]{12}$/.test(b.orderId) },
  { method: 'GET', path: '/checkout/confirm', status: 405, allow: 'POST', body: b => b.error === 'use POST' },
  { method: 'GET', path: '/admin', status: 404, body: b => b.error === 'no route for /admin' },
];

for (const { method, path, json, status, body, allow } of endpoints) {
  test(`shop: ${method} ${path}${json ? ` ${JSON.stringify(json)}` : ''} → ${status}`, async () => {
    const response = await call(shop.url, method, path, { json });
    assert.equal(response.status, status);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.ok(body(response.body as ShopAnswer), `unexpected body ${JSON.stringify(response.body)}`);
    if (allow) assert.equal(response.headers.get('allow'), allow);
  });
}

test('shop: --latency-ms 50 --error-rate 1 answers every request with a 500 after at least 50 ms', async () => {
  const requests = [
    ['GET', '/product/42'],
    ['POST', '/cart/add'],
    ['POST', '/checkout/confirm'],
    ['GET', '/products'],
  ] as const;
  for (const [method, path] of requests) {
    const response = await call(slowAndFailing.url, method, path, { json: method === 'POST' ? { productId: 42 } : undefined });
    assert.equal(response.status, 500, `${method} ${path}`);
    assert.deepEqual(response.body, { error: 'injected failure (--error-rate)' });
    assert.ok(response.ms >= 50, `${method} ${path} took ${response.ms.toFixed(1)} ms`);
  }
});

test('shop: SIGTERM finishes, flushes the spans not yet exported, and exits 0', async () => {
  // A 60 s batch delay: the span can only reach the receiver through the shutdown flush.
  const flushing = await startShopProcess({ otlpEndpoint: receiver.url, env: { OTEL_BSP_SCHEDULE_DELAY: '60000' } });
  try {
    const traceId = randomTraceId();
    const response = await call(flushing.url, 'POST', '/checkout/confirm', { headers: { traceparent: traceparent(traceId, randomSpanId()) } });
    assert.equal(response.status, 200);
    assert.deepEqual(receiver.store.getTrace(traceId), undefined, 'not exported before the stop');
    assert.deepEqual(await flushing.stop('SIGTERM'), { code: 0, signal: null });
    const names = (receiver.store.getTrace(traceId) ?? []).map(span => span.name).sort();
    assert.deepEqual(names, ['POST /checkout/confirm', 'confirm order']);
    assert.match(flushing.output(), /shop: SIGTERM, stopping/);
  } finally {
    await flushing.stop('SIGKILL');
  }
});

test('shop: startShop() in-process applies latency, jitter and the error rate with the given randomness', async () => {
  const cases = [
    { options: { latencyMs: 0, errorRate: 0.5, random: () => 0.3 }, status: 500, atLeastMs: 0 },
    { options: { latencyMs: 0, errorRate: 0.2, random: () => 0.3 }, status: 200, atLeastMs: 0 },
    { options: { latencyMs: 20, jitterMs: 40, random: () => 0.5 }, status: 200, atLeastMs: 40 },
  ];
  for (const { options, status, atLeastMs } of cases) {
    const inProcess = await startShop({ port: 0, ...options });
    try {
      assert.match(inProcess.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await call(inProcess.url, 'GET', '/product/2');
      assert.equal(response.status, status, JSON.stringify(options));
      assert.ok(response.ms >= atLeastMs, `took ${response.ms.toFixed(1)} ms, expected ≥ ${atLeastMs}`);
    } finally {
      await inProcess.close();
    }
  }
  await assert.rejects(startShop({ errorRate: 1.5 }), { message: 'errorRate must be between 0 and 1, got 1.5' });
});

const parsing: Array<{ argv: string[]; env?: Record<string, string>; expected?: object; error?: string }> = [
  { argv: [], expected: { port: 8080, host: '127.0.0.1', latencyMs: 0, jitterMs: 0, errorRate: 0 } },
  { argv: ['--port', '0', '--latency-ms=25', '--jitter-ms', '10', '--error-rate', '0.05'], expected: { port: 0, host: '127.0.0.1', latencyMs: 25, jitterMs: 10, errorRate: 0.05 } },
  { argv: ['--error-rate', '0.5'], env: { SHOP_PORT: '9090', SHOP_ERROR_RATE: '0.1', SHOP_LATENCY_MS: '5' }, expected: { port: 9090, host: '127.0.0.1', latencyMs: 5, jitterMs: 0, errorRate: 0.5 } },
  { argv: ['--port', '70000', '--error-rate', '2', '--latency-ms', 'slow', '--verbose', '--jitter-ms'], error: [
    'unknown argument \'--verbose\'',
    '--jitter-ms needs a value',
    '--port (SHOP_PORT) must be an integer 0..65535, got \'70000\'',
    '--latency-ms (SHOP_LATENCY_MS) must be a number ≥ 0, got \'slow\'',
    '--error-rate (SHOP_ERROR_RATE) must be between 0 and 1, got \'2\'',
  ].join('\n') },
];

for (const { argv, env, expected, error } of parsing) {
  test(`shop options: ${argv.join(' ') || '(none)'}${env ? ` with ${JSON.stringify(env)}` : ''}`, () => {
    if (error !== undefined) {
      assert.throws(() => parseShopOptions(argv, env), (thrown: Error) => thrown.message.startsWith(`${error}\nusage:`));
    } else {
      assert.deepEqual(parseShopOptions(argv, env), expected);
    }
  });
}
