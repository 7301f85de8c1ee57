/**
 * The inventory service the shop calls: stock levels in a real SQLite database (node:sqlite, in
 * memory), with a knob for how long each query takes, so a load test has a known slow span to find.
 *
 *   GET  /stock/:id          → 200 {"productId","quantity"}, 404 for an unknown id
 *   POST /reserve {"productId"} → 200 {"productId","reserved"}, 404 for an unknown id
 *   GET  /stock-report       → 200 [{"productId","quantity"}, ...]: the slow query (`slowDbMs`)
 *
 * Each query runs inside a CLIENT span named `db.query SELECT stock` (or `UPDATE stock`) with the
 * database semantic conventions (db.system.name, db.query.text, ...): auto-instrumentation has no
 * instrumentation for node:sqlite, so this is the one span the service makes itself, through the
 * OpenTelemetry API. Everything else (the SERVER spans, exporting) comes from zero-code
 * auto-instrumentation; without it the API calls are no-ops.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DatabaseSync } from 'node:sqlite';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { listen, nonNegative, parseJson, readBody, send, sleep, type Listening, type Reply } from './server-kit.ts';

export interface InventoryOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Every query takes at least this long. Default 0. */
  dbLatencyMs?: number;
  /** The stock report's query takes at least this long. Default 150. */
  slowDbMs?: number;
  /** Fraction (0..1) of queries that fail with 'database is locked' (the service answers 503). Default 0. */
  errorRate?: number;
  /** Source of randomness for failures; tests pass a fixed one. */
  random?: () => number;
}

export type Inventory = Listening;

/** The stock of the shop's catalogue (product ids as in shop.ts). */
const INITIAL_STOCK: ReadonlyArray<readonly [number, number]> = [[1, 120], [2, 14], [3, 300], [42, 7], [4711, 35]];

interface Query {
  /** `SELECT`, `UPDATE`: the span is named `db.query <operation> stock`. */
  operation: 'SELECT' | 'UPDATE';
  text: string;
  run: (db: DatabaseSync, parameters: number[]) => unknown;
}

const QUERIES = {
  stock: { operation: 'SELECT', text: 'SELECT quantity FROM stock WHERE product_id = ?', run: (db, [id]) => db.prepare('SELECT quantity FROM stock WHERE product_id = ?').get(id!) },
  reserve: { operation: 'UPDATE', text: 'UPDATE stock SET reserved = reserved + 1 WHERE product_id = ?', run: (db, [id]) => db.prepare('UPDATE stock SET reserved = reserved + 1 WHERE product_id = ?').run(id!).changes },
  report: { operation: 'SELECT', text: 'SELECT product_id, quantity FROM stock ORDER BY quantity', run: db => db.prepare('SELECT product_id, quantity FROM stock ORDER BY quantity').all() },
} satisfies Record<string, Query>;

/** Thrown by a query that failed (the injected 'database is locked'). */
class DatabaseError extends Error {
  readonly code = 'SQLITE_BUSY';
}

const tracer = trace.getTracer('inventory');

/** Starts the inventory service and resolves once it listens. */
export async function startInventory(options: InventoryOptions = {}): Promise<Inventory> {
  const dbLatencyMs = nonNegative(options.dbLatencyMs ?? 0, 'dbLatencyMs');
  const slowDbMs = nonNegative(options.slowDbMs ?? 150, 'slowDbMs');
  const errorRate = nonNegative(options.errorRate ?? 0, 'errorRate');
  if (errorRate > 1) throw new RangeError(`errorRate must be between 0 and 1, got ${errorRate}`);
  const random = options.random ?? Math.random;

  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE stock (product_id INTEGER PRIMARY KEY, quantity INTEGER NOT NULL, reserved INTEGER NOT NULL DEFAULT 0)');
  const insert = db.prepare('INSERT INTO stock (product_id, quantity) VALUES (?, ?)');
  for (const [id, quantity] of INITIAL_STOCK) insert.run(id, quantity);

  /** One query in its CLIENT span; the latency is spent inside it, as a slow database's would be. */
  function query<T>(which: keyof typeof QUERIES, parameters: number[], latencyMs: number): Promise<T> {
    const { operation, text, run } = QUERIES[which] as Query;
    return tracer.startActiveSpan(`db.query ${operation} stock`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'sqlite',
        'db.namespace': 'inventory',
        'db.operation.name': operation,
        'db.collection.name': 'stock',
        'db.query.text': text,
      },
    }, async span => {
      try {
        await sleep(latencyMs);
        if (errorRate > 0 && random() < errorRate) throw new DatabaseError('database is locked');
        return run(db, parameters) as T;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${(error as DatabaseError).code ?? 'SQLITE_ERROR'}: ${(error as Error).message}` });
        span.setAttribute('error.type', (error as DatabaseError).code ?? 'SQLITE_ERROR');
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async function route(method: string, path: string, request: IncomingMessage): Promise<Reply> {
    const stock = /^\/stock\/([^/]+)$/.exec(path);
    if (stock && method === 'GET') {
      nameRoute('/stock/:id');
      const row = await query<{ quantity: number } | undefined>('stock', [Number(stock[1])], dbLatencyMs);
      return row ? { status: 200, body: { productId: Number(stock[1]), quantity: row.quantity } } : { status: 404, body: { error: `unknown product ${stock[1]}` } };
    }
    if (path === '/reserve' && method === 'POST') {
      nameRoute('/reserve');
      const body = await readBody(request);
      const productId = Number((parseJson(body ?? '') as { productId?: unknown } | undefined)?.productId);
      const changed = await query<number>('reserve', [productId], dbLatencyMs);
      return changed === 1 ? { status: 200, body: { productId, reserved: true } } : { status: 404, body: { error: `unknown product ${productId}` } };
    }
    if (path === '/stock-report' && method === 'GET') {
      nameRoute('/stock-report');
      const rows = await query<Array<{ product_id: number; quantity: number }>>('report', [], slowDbMs);
      return { status: 200, body: rows.map(row => ({ productId: row.product_id, quantity: row.quantity })) };
    }
    return { status: 404, body: { error: `no route for ${method} ${path}` } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    try {
      send(response, await route(request.method ?? 'GET', path, request));
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error;
      send(response, { status: 503, body: { error: `${error.code}: ${error.message}` } });
    }
  }

  const server = await listen((request, response) => {
    handle(request, response).catch(error => {
      if (!response.headersSent) send(response, { status: 500, body: { error: String(error) } });
      else response.destroy();
    });
  }, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    ...server,
    close: async () => {
      await server.close();
      db.close();
    },
  };
}

/** Names the SERVER span 'GET /stock/:id' and sets http.route (a no-op without the SDK). */
function nameRoute(template: string): void {
  const rpcMetadata = getRPCMetadata(context.active());
  if (rpcMetadata?.type === RPCType.HTTP) rpcMetadata.route = template;
}
