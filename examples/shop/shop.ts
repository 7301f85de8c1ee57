/**
 * The example target: a small shop API on plain node:http, with knobs for added latency and injected
 * failures, so a load test has something realistic to find.
 *
 *   POST /authenticate      {"user","password"}  → 200 {"token"}          (400 when either is missing)
 *   GET  /products                               → 200 [product, ...]
 *   GET  /product/:id                            → 200 product, 404 for an unknown id
 *   POST /cart/add          {"productId"}        → 200 {"productId","quantity"}, 404 for an unknown id
 *   POST /checkout/confirm                       → 200 {"orderId"}
 *
 * Tracing comes from the OpenTelemetry SDK when main.ts started one (SERVER spans from
 * instrumentation-http, one INTERNAL span per handler from the API below); without an SDK the API
 * calls are no-ops.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

export interface ShopOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Added to every response. Default 0. */
  latencyMs?: number;
  /** Up to this much more, uniformly at random, on top of `latencyMs`. Default 0. */
  jitterMs?: number;
  /** Fraction (0..1) of requests answered 500 instead, after the latency. Default 0. */
  errorRate?: number;
  /** Source of randomness for jitter and failures; tests pass a fixed one. */
  random?: () => number;
}

export interface Shop {
  /** e.g. 'http://127.0.0.1:43567' */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish, then closes idle keep-alive connections. */
  close(): Promise<void>;
}

export interface Product {
  id: number;
  name: string;
  priceCents: number;
}

const CATALOG: readonly Product[] = [
  { id: 1, name: 'Espresso beans, 1 kg', priceCents: 2490 },
  { id: 2, name: 'Milk frother', priceCents: 3900 },
  { id: 3, name: 'Ceramic cup', priceCents: 1250 },
  { id: 42, name: 'Towel', priceCents: 1999 },
  { id: 4711, name: 'Eau de Cologne', priceCents: 1495 },
];
const PRODUCTS = new Map(CATALOG.map(product => [product.id, product]));

const MAX_BODY_BYTES = 64 * 1024;
const tracer = trace.getTracer('shop');

type Handler = (request: IncomingMessage, body: string, params: string[]) => Reply;

interface Reply {
  status: number;
  body: unknown;
}

interface Route {
  method: string;
  /** The route template, as OTel's `http.route` and the SERVER span name show it. */
  template: string;
  pattern: RegExp;
  /** The INTERNAL span covering the handler's work and the injected latency. */
  operation: string;
  handler: Handler;
}

const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/authenticate',
    pattern: /^\/authenticate$/,
    operation: 'authenticate user',
    handler: (_request, body) => {
      const credentials = parseJson(body) as { user?: unknown; password?: unknown } | undefined;
      if (!nonEmptyString(credentials?.user) || !nonEmptyString(credentials?.password)) {
        return { status: 400, body: { error: 'expected JSON {"user": string, "password": string}' } };
      }
      return { status: 200, body: { token: randomBytes(16).toString('hex') } };
    },
  },
  {
    method: 'GET',
    template: '/products',
    pattern: /^\/products$/,
    operation: 'list products',
    handler: () => ({ status: 200, body: CATALOG }),
  },
  {
    method: 'GET',
    template: '/product/:id',
    pattern: /^\/product\/([^/]+)$/,
    operation: 'load product',
    handler: (_request, _body, [id]) => {
      const product = PRODUCTS.get(Number(id));
      return product ? { status: 200, body: product } : { status: 404, body: { error: `unknown product ${id}` } };
    },
  },
  {
    method: 'POST',
    template: '/cart/add',
    pattern: /^\/cart\/add$/,
    operation: 'add to cart',
    handler: (_request, body) => {
      const item = parseJson(body) as { productId?: unknown } | undefined;
      const productId = Number(item?.productId);
      if (!PRODUCTS.has(productId)) return { status: 404, body: { error: `unknown product ${String(item?.productId)}` } };
      return { status: 200, body: { productId, quantity: 1 } };
    },
  },
  {
    method: 'POST',
    template: '/checkout/confirm',
    pattern: /^\/checkout\/confirm$/,
    operation: 'confirm order',
    handler: () => ({ status: 200, body: { orderId: `ord-${randomBytes(6).toString('hex')}` } }),
  },
];

/** Starts the shop on 127.0.0.1 and resolves once it listens. */
export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const latencyMs = nonNegative(options.latencyMs ?? 0, 'latencyMs');
  const jitterMs = nonNegative(options.jitterMs ?? 0, 'jitterMs');
  const errorRate = nonNegative(options.errorRate ?? 0, 'errorRate');
  if (errorRate > 1) throw new RangeError(`errorRate must be between 0 and 1, got ${errorRate}`);
  const random = options.random ?? Math.random;

  // Loaded through require, at call time, so that OpenTelemetry's require hook (installed by
  // main.ts before this runs) patches it; an ESM `import` of a builtin bypasses that hook.
  const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

  const server = http.createServer((request, response) => {
    handle(request, response).catch(error => {
      if (!response.headersSent) send(response, { status: 500, body: { error: String(error) } });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const matching = ROUTES.filter(route => route.pattern.test(path));
    const route = matching.find(candidate => candidate.method === request.method);
    if (route === undefined) {
      request.resume();
      if (matching.length > 0) response.setHeader('Allow', matching.map(candidate => candidate.method).join(', '));
      send(response, matching.length > 0 ? { status: 405, body: { error: `use ${matching.map(r => r.method).join(' or ')}` } } : { status: 404, body: { error: `no route for ${path}` } });
      return;
    }
    // Names the SERVER span 'GET /product/:id' and sets http.route (a no-op without the SDK).
    const rpcMetadata = getRPCMetadata(context.active());
    if (rpcMetadata?.type === RPCType.HTTP) rpcMetadata.route = route.template;

    const body = await readBody(request);
    if (body === undefined) {
      send(response, { status: 413, body: { error: `body larger than ${MAX_BODY_BYTES} bytes` } });
      return;
    }
    const reply = await tracer.startActiveSpan(route.operation, async span => {
      try {
        await sleep(latencyMs + (jitterMs > 0 ? random() * jitterMs : 0));
        if (errorRate > 0 && random() < errorRate) return failed(span, 'injected failure (--error-rate)');
        const result = route.handler(request, body, route.pattern.exec(path)?.slice(1) ?? []);
        if (result.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return result;
      } finally {
        span.end();
      }
    });
    send(response, reply);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function failed(span: Span, message: string): Reply {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', 'injected');
  return { status: 500, body: { error: message } };
}

function send(response: ServerResponse, reply: Reply): void {
  const payload = Buffer.from(JSON.stringify(reply.body));
  response.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
  response.end(payload);
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0, got ${value}`);
  return value;
}

/** Waits at least `ms`: a timer alone may fire a millisecond early, and the latency knob is a floor. */
async function sleep(ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    await new Promise(resolve => setTimeout(resolve, Math.ceil(left)));
  }
}
