/**
 * The example target: a small shop API on plain node:http, with knobs for added latency and injected
 * failures, so a load test has something realistic to find.
 *
 *   POST /authenticate      {"user","password"}  → 200 {"token"}          (400 when either is missing)
 *   GET  /products                               → 200 [product, ...]
 *   GET  /product/:id                            → 200 product, 404 for an unknown id
 *   POST /cart/add          {"productId"}        → 200 {"productId","quantity"}, 404 for an unknown id
 *   POST /checkout/confirm                       → 200 {"orderId"}
 *   GET  /slowdb                                 → 200 the inventory's stock report (with `inventoryUrl` only)
 *
 * With `inventoryUrl` the shop is the front of two services: /product/:id asks the inventory service
 * (inventory.ts) for the product's stock, /checkout/confirm reserves two items there in parallel, and
 * /slowdb waits for its slow stock report. An inventory failure is the shop's 502.
 *
 * Tracing comes from zero-code auto-instrumentation when the process was started with
 * `--require @opentelemetry/auto-instrumentations-node/register` (SERVER spans from
 * instrumentation-http, CLIENT spans for the calls to the inventory from instrumentation-undici, one
 * INTERNAL span per handler from the API below); without it the API calls are no-ops.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { listen, MAX_BODY_BYTES, nonNegative, parseJson, readBody, send, sleep, type Listening, type Reply } from './server-kit.ts';

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
  /** Base URL of the inventory service (inventory.ts); none: the shop answers alone and has no /slowdb. */
  inventoryUrl?: string;
}

export type Shop = Listening;

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

const tracer = trace.getTracer('shop');
/** A call to the inventory that takes longer fails (the shop answers 502). */
const INVENTORY_TIMEOUT_MS = 10_000;

/** Calls the inventory service: JSON in and out; undefined as the url when there is none. */
type InventoryCall = (method: 'GET' | 'POST', path: string, json?: unknown) => Promise<unknown>;

type Handler = (request: IncomingMessage, body: string, params: string[], inventory: InventoryCall | undefined) => Reply | Promise<Reply>;

interface Route {
  method: string;
  /** The route template, as OTel's `http.route` and the SERVER span name show it. */
  template: string;
  pattern: RegExp;
  /** The INTERNAL span covering the handler's work and the injected latency. */
  operation: string;
  /** Only with an inventory service (the route does not exist without one). */
  needsInventory?: boolean;
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
    handler: async (_request, _body, [id], inventory) => {
      const product = PRODUCTS.get(Number(id));
      if (!product) return { status: 404, body: { error: `unknown product ${id}` } };
      if (!inventory) return { status: 200, body: product };
      const { quantity } = await inventory('GET', `/stock/${product.id}`) as { quantity: number };
      return { status: 200, body: { ...product, stock: quantity } };
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
    handler: async (_request, _body, _params, inventory) => {
      // Two calls at once: their time counts once on the request's critical path.
      if (inventory) await Promise.all(RESERVED_AT_CHECKOUT.map(productId => inventory('POST', '/reserve', { productId })));
      return { status: 200, body: { orderId: `ord-${randomBytes(6).toString('hex')}` } };
    },
  },
  {
    method: 'GET',
    template: '/slowdb',
    pattern: /^\/slowdb$/,
    operation: 'stock report',
    needsInventory: true,
    handler: async (_request, _body, _params, inventory) => ({ status: 200, body: await inventory!('GET', '/stock-report') }),
  },
];

/** The items a checkout reserves (the example keeps no cart). */
const RESERVED_AT_CHECKOUT = [1, 42];

/** Thrown when the inventory failed or answered an error: the shop answers 502. */
class InventoryError extends Error {}

/** Starts the shop on 127.0.0.1 and resolves once it listens. */
export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const latencyMs = nonNegative(options.latencyMs ?? 0, 'latencyMs');
  const jitterMs = nonNegative(options.jitterMs ?? 0, 'jitterMs');
  const errorRate = nonNegative(options.errorRate ?? 0, 'errorRate');
  if (errorRate > 1) throw new RangeError(`errorRate must be between 0 and 1, got ${errorRate}`);
  const random = options.random ?? Math.random;
  const inventory = options.inventoryUrl === undefined ? undefined : inventoryClient(options.inventoryUrl);
  const routes = ROUTES.filter(route => inventory !== undefined || !route.needsInventory);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const matching = routes.filter(route => route.pattern.test(path));
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
        const result = await route.handler(request, body, route.pattern.exec(path)?.slice(1) ?? [], inventory);
        if (result.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return result;
      } catch (error) {
        if (!(error instanceof InventoryError)) throw error;
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span.setAttribute('error.type', 'inventory');
        return { status: 502, body: { error: error.message } };
      } finally {
        span.end();
      }
    });
    send(response, reply);
  }

  return listen((request, response) => {
    handle(request, response).catch(error => {
      if (!response.headersSent) send(response, { status: 500, body: { error: String(error) } });
      else response.destroy();
    });
  }, options.port ?? 0, options.host ?? '127.0.0.1');
}

/**
 * Calls to the inventory over the global fetch: instrumentation-undici makes each one a CLIENT span
 * and passes the trace on in `traceparent`. Any failure or non-2xx answer is an InventoryError.
 */
function inventoryClient(baseUrl: string): InventoryCall {
  return async (method, path, json) => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: json === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(INVENTORY_TIMEOUT_MS),
      });
    } catch (error) {
      throw new InventoryError(`inventory unreachable: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      const detail = (parseJson(text) as { error?: unknown } | undefined)?.error;
      throw new InventoryError(`inventory answered ${response.status}${typeof detail === 'string' ? `: ${detail}` : ''}`);
    }
    return parseJson(text);
  };
}

function failed(span: Span, message: string): Reply {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', 'injected');
  return { status: 500, body: { error: message } };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
