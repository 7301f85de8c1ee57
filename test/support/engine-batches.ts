/**
 * OTLP/protobuf export requests holding the engine's own request spans, made by the engine's tracer and
 * encoder (what a run with "Run with OTel" exports), for the receiver's tests and `npm run bench`.
 * Each request is one trace: its CLIENT span, and a `connect` child when it opened a connection
 * (one in 20). Durations, rows and failures follow the request's number, so a caller knows which
 * traces failed and which were the slowest of their row.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { RequestSample } from '../../src/engine/stats/index.ts';
import { IdSource } from '../../src/engine/telemetry/ids.ts';
import { SpanEncoder } from '../../src/engine/telemetry/otlp-spans.ts';
import { Tracer, type RequestSpan } from '../../src/engine/telemetry/tracer.ts';

/** The shop scenario's rows. */
export const ROWS = ['/authenticate', '/product/{product_id}', '/cart/add', '/checkout/confirm'] as const;

export interface EngineBatch {
  /** An ExportTraceServiceRequest (a copy: the encoder's buffer is given back at once). */
  body: Buffer;
  spans: number;
  /** One entry per request: its trace id, span name (the row), duration and whether it failed. */
  requests: { traceId: string; row: string; durationMs: number; failed: boolean }[];
}

export interface EngineBatchOptions {
  /** Every n-th request fails with HTTP 500 (its span status ERROR). Default 200. */
  failEvery?: number;
  runId?: string;
}

/** Makes batches of about `spansPerBatch` spans, request after request. */
export class EngineBatches {
  private readonly ids = new IdSource();
  private readonly records: RequestSpan[] = [];
  private readonly tracer: Tracer;
  private readonly encoder: SpanEncoder;
  private readonly failEvery: number;
  private request = 0;
  /** mulberry32: the same durations on every run. */
  private seed = 0x5eed;

  constructor(options: EngineBatchOptions = {}) {
    this.failEvery = options.failEvery ?? 200;
    this.tracer = new Tracer({ ids: this.ids, sampler: () => true, baggage: '', metrics: undefined, spans: { add: span => this.records.push(span), countDropped: () => undefined } });
    this.encoder = new SpanEncoder({
      resource: resourceFromAttributes({ 'service.name': 'loadlens', 'service.version': '0.1.0', 'loadlens.run.id': options.runId ?? 'run-bench', 'loadlens.scenario': 'shopper', 'loadlens.file': '/work/examples/shop.load.ts' }),
      scope: { name: 'loadlens', version: '0.1.0' },
      scenario: 'shopper',
      ids: this.ids,
    });
  }

  next(spansPerBatch = 512): EngineBatch {
    this.records.length = 0;
    const requests: EngineBatch['requests'] = [];
    let spans = 0;
    const now = Date.now();
    while (spans < spansPerBatch) {
      const n = this.request++;
      const row = ROWS[n % ROWS.length]!;
      const failed = n % this.failEvery === this.failEvery - 1;
      const connect = n % 20 === 0;
      // 1 to 250 ms in steps of 0.01 ms, in an order unrelated to the request number.
      const durationMs = 1 + Math.round(this.random() * 24_900) / 100;
      const url = new URL(`http://127.0.0.1:8080${row.replace('{product_id}', String(n % 100))}`);
      const traced = this.tracer.start(row === '/authenticate' || row === '/cart/add' ? 'POST' : 'GET', row, url, 1 + (n % 50));
      const sample: RequestSample = {
        method: traced.method, name: row, startedAt: now - durationMs, durationMs, ttfbMs: durationMs * 0.8, connectMs: connect ? 1.2 : 0,
        newConnection: connect, bytes: failed ? 21 : 312, status: failed ? 500 : 200, error: failed ? 'HTTP 500' : undefined,
      };
      const startedAtPerf = performance.now() - durationMs;
      traced.complete(sample, connect ? { startedAt: startedAtPerf, dnsMs: 0.1, tcpMs: 0.6, tlsMs: 0, totalMs: 0.7 } : undefined);
      traced.end();
      requests.push({ traceId: traced.traceId, row: `${traced.method} ${row}`, durationMs, failed });
      spans += connect ? 2 : 1;
    }
    const bytes = this.encoder.encode(this.records);
    const body = Buffer.from(bytes);
    this.encoder.release(bytes);
    return { body, spans, requests };
  }

  private random(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
