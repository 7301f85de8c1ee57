/**
 * The virtual user's HTTP client, on undici's low-level `dispatch` API. One request = one
 * `RequestSample` for the stats (and, with telemetry on, one span). Each virtual user owns an undici
 * Agent, so it opens and keeps its own connections like a browser would, and the first request of a
 * user pays (and shows) the connection cost.
 *
 * Hot path: a request allocates its handler, the body chunks and the sample; no timers beyond
 * undici's own, no I/O but the request.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { parseDuration } from './duration.ts';
import type { RequestSample } from './stats.ts';
import type { HttpClient, LoadResponse, RequestOptions } from './types.ts';

/** Connection timing, attached to a socket by the connector and claimed by the first request on it. */
interface ConnectInfo {
  startedAt: number;
  dnsMs: number;
  tcpMs: number;
  tlsMs: number;
  totalMs: number;
  claimed: boolean;
}

const kConnectInfo = Symbol('loadlens.connectInfo');
type TaggedSocket = Socket & { [kConnectInfo]?: ConnectInfo };

/**
 * Pairs a socket with the request being written on it. undici calls the handler's `onRequestStart`
 * and then, synchronously in the same function (client-h1 `writeH1`), publishes
 * `undici:client:sendHeaders` with the socket: so the handler that started last is the one whose
 * headers are being sent. This is exact even with several requests in flight.
 */
let startingRequest: RequestHandler | undefined;
diagnostics.subscribe('undici:client:sendHeaders', message => {
  const handler = startingRequest;
  startingRequest = undefined;
  if (!handler) return;
  const info = (message as { socket: TaggedSocket }).socket[kConnectInfo];
  if (info && !info.claimed) {
    info.claimed = true;
    handler.connect = info;
  }
});

/** Called with every finished request (the runner records it in the stats; telemetry ends its span). */
export interface RequestSink {
  (sample: RequestSample, response: Response): void;
}

/** Hooks telemetry adds around each request (implemented in telemetry/, loaded only with --otel). */
export interface RequestTracer {
  /** Before the request is sent: returns the headers to inject (traceparent, tracestate, baggage) and ids. */
  start(method: string, name: string, url: URL, userId: number): TracedRequest;
}
export interface TracedRequest {
  readonly traceId: string;
  readonly spanId: string;
  readonly headers: Record<string, string>;
  /** The response ended or failed: record timings and status. Does not end the span yet. */
  complete(sample: RequestSample, connect: ConnectTiming | undefined): void;
  /** A check failed after `complete`: the span's status becomes ERROR. */
  fail(error: string): void;
  /** Ends the span at the time recorded by `complete`. Idempotent. */
  end(): void;
}

export interface HttpClientOptions {
  baseUrl: URL;
  userId: number;
  /** Default timeout in ms for waiting for headers and between body chunks. */
  timeoutMs: number;
  sink: RequestSink;
  tracer?: RequestTracer;
}

/** The response a scenario sees. Carries its request's identity so `check` can fail that request. */
export class Response implements LoadResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly timings: { durationMs: number; ttfbMs: number; connectMs: number };
  readonly traceId: string;
  readonly ok: boolean;
  readonly error?: string;
  /** The request's method and stats name, for `check`. */
  readonly method: string;
  readonly name: string;
  /** The request's span, open until the user's checks have run. */
  readonly traced: TracedRequest | undefined;
  private readonly chunks: Buffer[];
  private bodyText: string | undefined;

  constructor(method: string, name: string, status: number, headers: Record<string, string | string[] | undefined>, chunks: Buffer[],
    timings: Response['timings'], traced: TracedRequest | undefined, error: string | undefined) {
    this.method = method;
    this.name = name;
    this.status = status;
    this.headers = headers;
    this.chunks = chunks;
    this.timings = timings;
    this.traced = traced;
    this.traceId = traced?.traceId ?? '';
    this.error = error;
    this.ok = error === undefined;
  }

  text(): string {
    this.bodyText ??= this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    return this.bodyText;
  }

  json<T = any>(): T {
    const text = this.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${this.method} ${this.name}: the response body is not JSON (status ${this.status}, ${text.length} chars: ${JSON.stringify(text.slice(0, 60))})`);
    }
  }
}

type Finish = (handler: RequestHandler, status: number, headers: Record<string, string | string[] | undefined>, chunks: Buffer[], bytes: number,
  startedAt: number, ttfbAt: number, error: string | undefined) => Response;

/** One request in flight: undici's handler, and the measurements undici's callbacks fill in. */
class RequestHandler implements Dispatcher.DispatchHandler {
  connect: ConnectInfo | undefined;
  private status = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private ttfbAt = 0;
  private readonly startedAt = performance.now();
  private readonly resolve: (response: Response) => void;
  private readonly finish: Finish;
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  /**
   * Our own timer: undici's headers/body timeouts run on its coarse "fast timers" (about half a second
   * of resolution), too coarse for a '100ms' timeout.
   */
  private readonly timer: NodeJS.Timeout;

  constructor(resolve: (response: Response) => void, finish: Finish, timeoutMs: number) {
    this.resolve = resolve;
    this.finish = finish;
    this.timer = setTimeout(() => this.onTimeout(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) {
      controller.abort(new Error('timeout'));
      return;
    }
    this.controller = controller;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the pairing described at `startingRequest`
    startingRequest = this;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.ttfbAt = performance.now();
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  onResponseEnd(): void {
    this.settle(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (startingRequest === this) startingRequest = undefined;
    this.settle(errorKind(error));
  }

  private onTimeout(): void {
    this.settle('timeout');
    this.controller?.abort(new Error('timeout'));
  }

  private settle(error: string | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(this.finish(this, this.status, this.headers, this.chunks, this.bytes, this.startedAt, this.ttfbAt, error));
  }
}

/** A short, groupable name for a network-level failure. */
export function errorKind(error: Error): string {
  const { code, cause } = error as Error & { code?: string; cause?: { code?: string } };
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
    case 'UND_ERR_ABORTED':
      return 'aborted';
    case 'UND_ERR_SOCKET':
      return cause?.code ?? 'socket closed';
    case undefined:
      return error.message;
    default:
      return code;
  }
}

/**
 * Wraps undici's connector to time DNS, TCP and TLS on each new socket. undici publishes no DNS/TCP/TLS
 * events, so the phases come from the socket's own `lookup`, `connect` and `secureConnect` events.
 */
function timedConnector(timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs });
  return (options, callback) => {
    const startedAt = performance.now();
    let lookupAt = 0;
    let connectAt = 0;
    const socket = connect(options, (error, connected) => {
      if (error || !connected) return callback(error ?? new Error('connect failed'), null);
      const doneAt = performance.now();
      const tcpEnd = connectAt || doneAt;
      (connected as TaggedSocket)[kConnectInfo] = {
        startedAt,
        dnsMs: lookupAt ? lookupAt - startedAt : 0,
        tcpMs: tcpEnd - (lookupAt || startedAt),
        tlsMs: connectAt && options.protocol === 'https:' ? doneAt - connectAt : 0,
        totalMs: doneAt - startedAt,
        claimed: false,
      };
      callback(null, connected);
    }) as Socket | undefined;
    socket?.prependOnceListener('lookup', () => { lookupAt = performance.now(); });
    socket?.prependOnceListener('connect', () => { connectAt = performance.now(); });
  };
}

export type ConnectTiming = Omit<ConnectInfo, 'claimed'>;

/** A virtual user's HTTP client: the scenario's `http`, plus what the runner needs. */
export interface UserHttpClient extends HttpClient {
  /**
   * Ends the spans of completed requests. Spans stay open after the response so that a failed check
   * can still mark them; the runner ends them after `check`, and at the end of each iteration; the
   * next request of the same user ends them too.
   */
  endSpans(): void;
  /** Closes the user's connections gracefully. */
  close(): Promise<void>;
  /** Cancels in-flight requests and closes the connections now. */
  destroy(): Promise<void>;
}

/** Builds the `http` object of one virtual user. Call `close()` when the user stops. */
export function createHttpClient(options: HttpClientOptions): UserHttpClient {
  const { baseUrl, userId, sink, tracer } = options;
  // One keep-alive connection per origin per user. undici waits one event-loop turn before reusing a
  // connection (pipelining 1), so with more connections allowed a user's next request, sent at once,
  // would open a second connection and alternate between them. Requests a user sends in parallel queue.
  const agent = new Agent({ connect: timedConnector(options.timeoutMs), connections: 1, keepAliveTimeout: 30_000, pipelining: 1 });
  const baseHeaders = { 'user-agent': 'loadlens' };
  const targets = new TargetCache(baseUrl);
  /** Completed requests whose spans are still open (bounded by the user's concurrency). */
  let openSpans: TracedRequest[] = [];
  const endSpans = () => {
    if (openSpans.length === 0) return;
    const ending = openSpans;
    openSpans = [];
    for (const traced of ending) traced.end();
  };

  const request = (method: string, path: string, requestOptions: RequestOptions = {}): Promise<LoadResponse> => {
    const url = requestOptions.query ? resolveUrl(baseUrl, path, requestOptions.query) : targets.resolve(path);
    const name = requestOptions.name ?? url.pathname;
    const headers: Record<string, string> = { ...baseHeaders, ...requestOptions.headers };
    let body: string | Uint8Array | undefined = requestOptions.body;
    if (requestOptions.json !== undefined) {
      body = JSON.stringify(requestOptions.json);
      headers['content-type'] ??= 'application/json';
    }
    endSpans();
    const traced = tracer?.start(method, name, url, userId);
    if (traced) Object.assign(headers, traced.headers);
    const timeoutMs = requestOptions.timeout === undefined ? options.timeoutMs : parseDuration(requestOptions.timeout);
    const expect = requestOptions.expect;

    return new Promise<LoadResponse>(resolve => {
      const handler = new RequestHandler(resolve, (h, status, responseHeaders, chunks, bytes, startedAt, ttfbAt, networkError) => {
        const endedAt = performance.now();
        const connect = h.connect;
        const failure = networkError ?? statusFailure(status, expect);
        const sample: RequestSample = {
          method, name,
          startedAt: performance.timeOrigin + startedAt,
          durationMs: endedAt - startedAt,
          ttfbMs: ttfbAt ? ttfbAt - startedAt : endedAt - startedAt,
          connectMs: connect ? connect.totalMs : 0,
          newConnection: connect !== undefined,
          bytes,
          status: networkError ? 0 : status,
          error: failure,
          traceId: traced?.traceId,
        };
        const response = new Response(method, name, sample.status, responseHeaders, chunks,
          { durationMs: sample.durationMs, ttfbMs: sample.ttfbMs, connectMs: sample.connectMs }, traced, failure);
        if (traced) {
          traced.complete(sample, connect);
          openSpans.push(traced);
        }
        sink(sample, response);
        return response;
      }, timeoutMs);
      agent.dispatch({ origin: url.origin, path: url.pathname + url.search, method, headers, body }, handler);
    });
  };

  return {
    request,
    get: (path, o) => request('GET', path, o),
    head: (path, o) => request('HEAD', path, o),
    delete: (path, o) => request('DELETE', path, o),
    post: (path, o) => request('POST', path, o),
    put: (path, o) => request('PUT', path, o),
    patch: (path, o) => request('PATCH', path, o),
    endSpans,
    close: () => {
      endSpans();
      return agent.close();
    },
    destroy: () => agent.destroy(),
  };
}

function statusFailure(status: number, expect: number | number[] | undefined): string | undefined {
  if (expect === undefined) return status >= 400 ? `HTTP ${status}` : undefined;
  const ok = Array.isArray(expect) ? expect.includes(status) : status === expect;
  return ok ? undefined : `HTTP ${status} (expected ${Array.isArray(expect) ? expect.join('|') : expect})`;
}

/**
 * Parsed URLs of the paths a user requests, so a loop over the same few paths parses each once. The
 * URLs are shared: never mutate one. Bounded: a scenario with endless distinct paths starts over.
 */
class TargetCache {
  private readonly base: URL;
  private readonly urls = new Map<string, URL>();

  constructor(base: URL) {
    this.base = base;
  }

  resolve(path: string): URL {
    let url = this.urls.get(path);
    if (url === undefined) {
      if (this.urls.size >= 256) this.urls.clear();
      url = resolveUrl(this.base, path);
      this.urls.set(path, url);
    }
    return url;
  }
}

/** Resolves a scenario path against the scenario's host; absolute URLs are used as they are. */
export function resolveUrl(base: URL, path: string, query?: RequestOptions['query']): URL {
  const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(path.startsWith('/') ? base.pathname.replace(/\/$/, '') + path : path, base);
  if (query) for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
  return url;
}
