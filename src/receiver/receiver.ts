/**
 * An OTLP/HTTP receiver on the loopback interface: `POST /v1/traces`, `/v1/metrics` and `/v1/logs`,
 * protobuf or JSON, gzip or not. It answers as the OTLP/HTTP specification says: 200 with an empty
 * Export*ServiceResponse in the request's encoding, 400 with a google.rpc.Status when the body does
 * not decode, 415 for another content type or encoding, 413 past the size limit. Spans go to a
 * bounded TraceStore, metrics to a bounded MetricStore; log records are only counted. Optionally,
 * every decoded span also goes to `onSpans` (the breakdown: all of them, not only those the store
 * keeps), and every accepted request is passed on unchanged to the user's platform (`forward`).
 *
 * Pure Node: the tests use it, and the extension embeds it as the default platform.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { countLogRecords, decodeMetrics, decodeTraces, OtlpDecodeError, type OtlpEncoding } from './decode.ts';
import type { Forwarder } from './forward.ts';
import { encodeRpcStatus } from './otlp-proto.ts';
import { MetricStore } from './metric-store.ts';
import { TraceStore } from './trace-store.ts';
import type { ReceivedSpan, ReceiverCounts } from '../shared/spans.ts';
import type { ReceivedMetric } from './types.ts';

export interface OtlpReceiverOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default '127.0.0.1': the receiver is for this machine only. */
  host?: string;
  /** Where spans go; default a new TraceStore with its default bounds. */
  store?: TraceStore;
  metricStore?: MetricStore;
  /** Largest accepted request body, compressed and decompressed alike. Default 16 MiB. */
  maxBodyBytes?: number;
  /**
   * Opt-in: sees each request's path and headers before it is handled (tests check that an exporter's
   * auth header arrived). Headers may hold secrets: the receiver itself never keeps or logs them.
   */
  onRequest?: (request: { path: string; headers: IncomingHttpHeaders }) => void;
  /**
   * Every span decoded, batch by batch, before the store takes them (which may drop or evict some):
   * what the breakdown aggregates. Called synchronously; it must not throw or keep the batch long.
   */
  onSpans?: (spans: readonly ReceivedSpan[]) => void;
  /** Passes every accepted request (any signal) on, unchanged, to the user's platform. */
  forward?: Pick<Forwarder, 'offer'>;
}


export type SpanMatcher = number | ((span: ReceivedSpan) => boolean);

export interface OtlpReceiver {
  /** Base URL, e.g. 'http://127.0.0.1:4318': what OTEL_EXPORTER_OTLP_ENDPOINT should be set to. */
  readonly url: string;
  readonly port: number;
  readonly store: TraceStore;
  readonly metricStore: MetricStore;
  /** Every stored span (see TraceStore.spans). */
  spans(): ReceivedSpan[];
  /** The kept metrics, oldest first; with `name`, only those of that name. */
  metrics(name?: string): ReceivedMetric[];
  counts(): ReceiverCounts;
  /**
   * Resolves once the store holds `count` spans, or once some stored span satisfies the predicate,
   * with the stored spans (all of them for a count, the matching ones for a predicate). Rejects
   * after `timeoutMs` saying what it got.
   */
  waitForSpans(match: SpanMatcher, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Stops listening and closes every connection at once. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const store = options.store ?? new TraceStore();
  const metricStore = options.metricStore ?? new MetricStore();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const counts: ReceiverCounts = { traceRequests: 0, metricRequests: 0, logRequests: 0, logRecords: 0, rejectedRequests: 0 };

  const server = createServer((request, response) => {
    handle(request, response).catch(error => {
      // Only a bug gets here: decoding errors are answered inside handle().
      if (!response.headersSent) reply(response, 500, 'text/plain', Buffer.from(String(error)));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    options.onRequest?.({ path, headers: request.headers });
    const signal = path === '/v1/traces' ? 'traces' : path === '/v1/metrics' ? 'metrics' : path === '/v1/logs' ? 'logs' : undefined;
    if (signal === undefined) return refuse(request, response, 404, 'text/plain', `no OTLP signal at ${path}`);
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return refuse(request, response, 405, 'text/plain', 'OTLP/HTTP takes POST');
    }
    const encoding = encodingOf(request.headers['content-type']);
    if (encoding === undefined) {
      return refuse(request, response, 415, 'text/plain', `unsupported content type '${request.headers['content-type'] ?? ''}': use application/x-protobuf or application/json`);
    }
    const contentEncoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
      return refuse(request, response, 415, 'text/plain', `unsupported content encoding '${contentEncoding}': use gzip or none`);
    }

    let body = await readBody(request, maxBodyBytes);
    if (body === undefined) return refuse(request, response, 413, 'text/plain', `body larger than ${maxBodyBytes} bytes`);
    const received = body;
    if (contentEncoding === 'gzip') {
      try {
        body = await gunzipBounded(body, maxBodyBytes);
      } catch (error) {
        if (error instanceof RangeError) return refuse(request, response, 413, 'text/plain', `body larger than ${maxBodyBytes} bytes once decompressed`);
        return refuse(request, response, 400, ...statusBody(encoding, `invalid gzip: ${(error as Error).message}`));
      }
    }

    try {
      if (signal === 'traces') {
        const spans = decodeTraces(body, encoding);
        counts.traceRequests++;
        if (options.onSpans) {
          try {
            options.onSpans(spans);
          } catch {
            // A consumer's bug must not lose the batch for the store or fail the exporter's request.
          }
        }
        store.add(spans);
      } else if (signal === 'metrics') {
        const metrics = decodeMetrics(body, encoding);
        counts.metricRequests++;
        metricStore.add(metrics);
      } else {
        const records = countLogRecords(body, encoding);
        counts.logRequests++;
        counts.logRecords += records;
      }
    } catch (error) {
      if (error instanceof OtlpDecodeError) return refuse(request, response, 400, ...statusBody(encoding, error.message));
      throw error;
    }
    options.forward?.offer(path, request.headers, received);
    // An empty Export*ServiceResponse (no partial_success) is zero bytes in protobuf and {} in JSON.
    reply(response, 200, contentTypeOf(encoding), encoding === 'json' ? Buffer.from('{}') : Buffer.alloc(0));
  }

  function refuse(request: IncomingMessage, response: ServerResponse, status: number, contentType: string, message: string | Uint8Array): void {
    counts.rejectedRequests++;
    // The body may not have been read: close the connection instead of draining an unwanted upload.
    if (!request.readableEnded) response.setHeader('Connection', 'close');
    reply(response, status, contentType, typeof message === 'string' ? Buffer.from(message) : message);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    store,
    metricStore,
    spans: () => store.spans(),
    metrics: name => metricStore.metrics(name),
    counts: () => ({ ...counts }),
    waitForSpans(match, timeoutMs = 5000) {
      return new Promise<ReceivedSpan[]>((resolve, rejectWait) => {
        const matching = () => (typeof match === 'number' ? store.spans() : store.spans().filter(match));
        // Counting is O(1); a predicate only needs to look at each new batch once the backlog was checked.
        const satisfied = (batch?: readonly ReceivedSpan[]) =>
          typeof match === 'number' ? store.stats().spansStored >= match : (batch ?? store.spans()).some(match);
        if (satisfied()) {
          resolve(matching());
          return;
        }
        const subscription = store.onSpans(batch => {
          try {
            if (!satisfied(batch)) return;
            finish();
            resolve(matching());
          } catch (error) {
            finish();
            rejectWait(error);
          }
        });
        const timer = setTimeout(() => {
          finish();
          const got = store.stats().spansStored;
          const wanted = typeof match === 'number' ? `${match} spans` : 'a matching span';
          rejectWait(new Error(`waited ${timeoutMs} ms for ${wanted}; the store holds ${got} span${got === 1 ? '' : 's'}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          subscription.dispose();
        };
      });
    },
    close() {
      return new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

function contentTypeOf(encoding: OtlpEncoding): string {
  return encoding === 'json' ? 'application/json' : 'application/x-protobuf';
}

/** A google.rpc.Status (code 3, INVALID_ARGUMENT) in the request's encoding, as OTLP/HTTP asks for a 400. */
function statusBody(encoding: OtlpEncoding, message: string): [string, Uint8Array] {
  if (encoding === 'json') return [contentTypeOf(encoding), Buffer.from(JSON.stringify({ code: 3, message }))];
  return [contentTypeOf(encoding), encodeRpcStatus(3, message)];
}

function reply(response: ServerResponse, status: number, contentType: string, body: Uint8Array): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.byteLength });
  response.end(body);
}

/** The whole body, or undefined (and the rest discarded) once it exceeds `limit` bytes. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}

function gunzipBounded(body: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: limit }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
