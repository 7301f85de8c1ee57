/**
 * The virtual user's HTTP client, on undici's low-level `dispatch` API. One request = one
 * `RequestSample` for the stats (and, with telemetry on, one span). Each virtual user owns its
 * connections (an undici Client per origin), so it opens and keeps them like a browser would, and the
 * first request of a user pays (and shows) the connection cost.
 *
 * Hot path: a request allocates its handler, one timer, the body chunks and the Response (which is
 * also the stats sample); no I/O but the request.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { parseDuration } from '../../shared/duration.ts';
import type { RequestSample } from '../stats/index.ts';
import type { ConnectTiming, RequestTracer, TracedRequest } from '../telemetry/types.ts';
import type { HttpClient, LoadResponse, RequestOptions } from '../api/types.ts';

export type { ConnectTiming, RequestTracer, TracedRequest };

/** Connection timing, attached to a socket by the connector and claimed by the first request on it. */
interface ConnectInfo extends ConnectTiming {
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
let startingRequest: InFlightRequest | undefined;
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

/**
 * Rejects a request made after the run cancelled its in-flight requests, and wakes a user's sleep at
 * the stop: it ends the iteration without counting an error (nothing was sent).
 */
export class RunStopped extends Error {
  constructor() {
    super('the run stopped');
    this.name = 'RunStopped';
  }
}

/** The failure kind of a request that was in flight when the run cancelled it (second Ctrl+C, end of the grace period). */
export const CANCELLED_AT_STOP = 'cancelled at stop';

/**
 * The failure kind of a request whose timeout came while it still waited behind its user's other
 * requests on the connection: it never left, so it is a failure but not a request sent (the stats do
 * not count it among requests; the target never saw it).
 */
export const TIMED_OUT_BEFORE_SENT = 'timed out before it was sent';

/**
 * Default cap on a response body kept in memory: 4 MiB. Bodies beyond it are still read to the end
 * (timed and counted in bytes) but not kept, so 8 users reading 200 MB bodies stay within tens of MB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Called with every finished request, which is also its stats sample (the runner records it). */
export type RequestSink = (response: Response) => void;

/**
 * Learns where in the scenario each stats row is made. Asked on every request (a cheap lookup); only
 * the first request of a row captures a stack, so the source location costs once per row.
 */
export interface RowLocations {
  needsLocation(method: string, name: string): boolean;
  /** `callSite.stack` is the stack of the `http.*` call, frames of the user's file included. */
  learnLocation(method: string, name: string, callSite: { stack?: string }): void;
}

export interface HttpClientOptions {
  baseUrl: URL;
  userId: number;
  /**
   * Default timeout in ms of a whole request: one timer from the call (connecting included) to the
   * last byte of the body. A response still arriving then, however steadily, fails with 'timeout'.
   */
  timeoutMs: number;
  /** Default cap on the bytes of a body kept in memory (see ScenarioOptions.maxBodyBytes); default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  sink: RequestSink;
  tracer?: RequestTracer;
  rowLocations?: RowLocations;
}

/**
 * The response a scenario sees. It is also the request's stats sample (the same object: one allocation
 * fewer per request) and carries its request's identity, so `check` can fail that request.
 */
export class Response implements LoadResponse, RequestSample {
  readonly method: string;
  readonly name: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly ttfbMs: number;
  readonly connectMs: number;
  readonly newConnection: boolean;
  readonly bytes: number;
  readonly status: number;
  readonly error: string | undefined;
  readonly ok: boolean;
  readonly bodyTruncated: boolean;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly traceId: string;
  /** The request's span, open until the user's checks have run. */
  readonly traced: TracedRequest | undefined;
  private readonly body: Buffer | Buffer[] | undefined;
  private bodyText: string | undefined;

  constructor(request: InFlightRequest, endedAt: number, networkError: string | undefined) {
    const { startedAt, ttfbAt, connect } = request;
    this.method = request.method;
    this.name = request.name;
    this.startedAt = performance.timeOrigin + startedAt;
    this.durationMs = endedAt - startedAt;
    this.ttfbMs = (ttfbAt || endedAt) - startedAt;
    this.connectMs = connect ? connect.totalMs : 0;
    this.newConnection = connect !== undefined;
    this.bytes = request.bytes;
    this.status = networkError ? 0 : request.status;
    this.error = networkError ?? statusFailure(request.status, request.expect);
    this.bodyTruncated = request.bodyTruncated;
    this.ok = this.error === undefined;
    this.headers = request.headers;
    this.body = request.body;
    this.traced = request.traced;
    this.traceId = request.traced?.traceId ?? '';
  }

  /** Total duration, time to first byte and connect time, in ms. */
  get timings(): { durationMs: number; ttfbMs: number; connectMs: number } {
    return this;
  }

  text(): string {
    this.bodyText ??= this.body === undefined ? '' : Array.isArray(this.body) ? Buffer.concat(this.body).toString('utf8') : this.body.toString('utf8');
    return this.bodyText;
  }

  json<T = unknown>(): T {
    const text = this.text();
    if (this.bodyTruncated) throw new Error(`${this.method} ${this.name}: the response body (${this.bytes} bytes) is longer than maxBodyBytes: only its first ${text.length} chars were kept, so it cannot be parsed as JSON; raise maxBodyBytes for this request`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`${this.method} ${this.name}: the response body is not JSON (status ${this.status}, ${text.length} chars: ${JSON.stringify(text.slice(0, 60))})`);
    }
  }
}

/** What an in-flight request reports back to its user's client when it settles. */
interface RequestOwner {
  settled(response: Response, connect: ConnectInfo | undefined): void;
  /** Set once the user's requests were cancelled by the stop: a failure then is 'cancelled at stop'. */
  cancelled: boolean;
}

const NO_HEADERS: Record<string, string | string[] | undefined> = Object.freeze({});

function timedOut(request: InFlightRequest): void {
  request.timeout();
}

/**
 * One request in flight: undici's dispatch handler, holding what undici's callbacks measure. The hot
 * path allocates this, undici's own objects, one timer, the body chunks and the Response.
 */
class InFlightRequest implements Dispatcher.DispatchHandler {
  readonly method: string;
  readonly name: string;
  readonly expect: number | number[] | undefined;
  readonly traced: TracedRequest | undefined;
  readonly startedAt = performance.now();
  connect: ConnectInfo | undefined;
  status = 0;
  headers = NO_HEADERS;
  /** One chunk as is; an array only for bodies that arrive in several. */
  body: Buffer | Buffer[] | undefined;
  bytes = 0;
  /** Set when the body outgrew `maxBodyBytes`: later chunks are counted, not kept. */
  bodyTruncated = false;
  ttfbAt = 0;
  private readonly maxBodyBytes: number;
  private readonly owner: RequestOwner;
  private readonly resolve: (response: Response) => void;
  private controller: Dispatcher.DispatchController | undefined;
  /** The connection this request waits on, to tell a timeout in the queue from one while connecting. */
  queue: Client | undefined;
  private done = false;
  /**
   * The whole-request timer, started with the request and cleared when it settles. Ours, not undici's
   * headers/body timeouts: those run on its coarse "fast timers" (about half a second of resolution,
   * too coarse for a '100ms' timeout) and measure idle gaps, not the request.
   */
  private readonly timer: NodeJS.Timeout;

  constructor(owner: RequestOwner, method: string, name: string, expect: InFlightRequest['expect'], traced: TracedRequest | undefined,
    timeoutMs: number, maxBodyBytes: number, resolve: (response: Response) => void) {
    this.owner = owner;
    this.maxBodyBytes = maxBodyBytes;
    this.method = method;
    this.name = name;
    this.expect = expect;
    this.traced = traced;
    this.resolve = resolve;
    this.timer = setTimeout(timedOut, timeoutMs, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.done) {
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
    const kept = this.bytes;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBodyBytes) {
      // Memory stays bounded: keep the body's first maxBodyBytes, count the rest and let it go.
      if (this.bodyTruncated) return;
      this.bodyTruncated = true;
      chunk = chunk.subarray(0, this.maxBodyBytes - kept);
      if (chunk.length === 0) return;
      // A copy: a slice would keep the whole chunk (up to undici's read size) alive.
      chunk = Buffer.from(chunk);
    }
    if (this.body === undefined) this.body = chunk;
    else if (Array.isArray(this.body)) this.body.push(chunk);
    else this.body = [this.body, chunk];
  }

  onResponseEnd(): void {
    this.settle(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (startingRequest === this) startingRequest = undefined;
    this.settle(errorKind(error));
  }

  timeout(): void {
    // Not started, and its connection is up or busy with this user's other requests: it timed out in the queue.
    const stats = this.controller === undefined ? this.queue?.stats : undefined;
    this.settle(stats && (stats.running > 0 || stats.connected) ? TIMED_OUT_BEFORE_SENT : 'timeout');
    this.controller?.abort(new Error('timeout'));
  }

  private settle(networkError: string | undefined): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const cancelled = networkError !== undefined && this.owner.cancelled;
    const response = new Response(this, performance.now(), cancelled ? CANCELLED_AT_STOP : networkError);
    // A request cancelled before undici started writing it never reached the target: nothing to count.
    if (!cancelled || this.controller !== undefined) this.owner.settled(response, this.connect);
    this.resolve(response);
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

/** A virtual user's HTTP client: the scenario's `http`, plus what the runner needs. */
export interface UserHttpClient extends HttpClient {
  /**
   * Ends the spans of completed requests. Spans stay open after the response so that a failed check
   * can still mark them; the runner ends them after `check`, and at the end of each iteration; the
   * next request of the same user ends them too.
   */
  endSpans(): void;
  /** Closes the user's connections gracefully; after `destroy` there is nothing left to close (never throws). */
  close(): Promise<void>;
  /**
   * Cancels in-flight requests (each fails as 'cancelled at stop' and is counted) and closes the
   * connections now. Requests made afterwards reject with {@link RunStopped}: they are never sent.
   */
  destroy(): Promise<void>;
}

/** Builds the `http` object of one virtual user. Call `close()` when the user stops. */
export function createHttpClient(options: HttpClientOptions): UserHttpClient {
  const { baseUrl, userId, sink, tracer, rowLocations } = options;
  const connections = new UserConnections(options.timeoutMs);
  const targets = new TargetCache(baseUrl);
  /** Completed requests whose spans are still open (bounded by the user's concurrency). */
  let openSpans: TracedRequest[] = [];
  const endSpans = () => {
    if (openSpans.length === 0) return;
    const ending = openSpans;
    openSpans = [];
    for (const traced of ending) traced.end();
  };
  const owner: RequestOwner = {
    cancelled: false,
    settled(response, connect) {
      if (response.traced) {
        response.traced.complete(response, connect);
        openSpans.push(response.traced);
      }
      sink(response);
    },
  };

  const request = (method: string, path: string, requestOptions: RequestOptions = {}): Promise<LoadResponse> => {
    if (owner.cancelled) return Promise.reject(new RunStopped());
    const url = requestOptions.query ? resolveUrl(baseUrl, path, requestOptions.query) : targets.resolve(path);
    const name = requestOptions.name ?? url.pathname;
    if (rowLocations?.needsLocation(method, name)) {
      // Synchronously, before any await, so the stack still holds the scenario line that called http.*.
      const callSite: { stack?: string } = {};
      Error.captureStackTrace(callSite, request);
      rowLocations.learnLocation(method, name, callSite);
    }
    let headers = requestOptions.headers ? { ...DEFAULT_HEADERS, ...requestOptions.headers } : DEFAULT_HEADERS;
    let body: string | Uint8Array | undefined = requestOptions.body;
    if (requestOptions.json !== undefined) {
      body = JSON.stringify(requestOptions.json);
      if (!Object.keys(headers).some(h => h.toLowerCase() === 'content-type')) headers = { ...headers, 'content-type': 'application/json' };
    }
    endSpans();
    const traced = tracer?.start(method, name, url, userId);
    if (traced) headers = { ...headers, ...traced.headers };
    const timeoutMs = requestOptions.timeout === undefined ? options.timeoutMs : requestTimeout(requestOptions.timeout);
    const maxBodyBytes = requestOptions.maxBodyBytes ?? options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    return new Promise<LoadResponse>(resolve => {
      const inFlight = new InFlightRequest(owner, method, name, requestOptions.expect, traced, timeoutMs, maxBodyBytes, resolve);
      inFlight.queue = connections.dispatch(url, { path: targets.requestPath(url), method, headers, body }, inFlight);
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
      return owner.cancelled ? Promise.resolve() : connections.close();
    },
    destroy: () => {
      owner.cancelled = true;
      return connections.destroy();
    },
  };
}

/** The longest timeout Node's timers can hold (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A request's own `timeout` in ms; a bad one is an error at the request, in the user's words. */
function requestTimeout(timeout: NonNullable<RequestOptions['timeout']>): number {
  const ms = parseDuration(timeout);
  if (ms > MAX_TIMEOUT_MS) throw new RangeError(`timeout: ${JSON.stringify(timeout)} is longer than the engine's timers can hold (at most about 24.8 days)`);
  return ms;
}

/** Headers of every request unless the scenario sets its own (shared, never mutated). */
const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'user-agent': 'loadlens' });

function statusFailure(status: number, expect: number | number[] | undefined): string | undefined {
  if (expect === undefined) return status >= 400 ? `HTTP ${status}` : undefined;
  const ok = Array.isArray(expect) ? expect.includes(status) : status === expect;
  return ok ? undefined : `HTTP ${status} (expected ${Array.isArray(expect) ? expect.join('|') : expect})`;
}

/**
 * A user's connections: one undici Client per origin, each one keep-alive connection (pipelining 1).
 * Requests a user sends in parallel to one origin queue on it. A Client rather than an Agent (Agent →
 * Pool → Client): with thousands of users the Agent and Pool layers cost memory per user and time per
 * request; and a Pool allowed more connections would open a second one whenever the user's next request
 * came before undici reuses the first (it waits one event-loop turn), then alternate between them.
 */
class UserConnections {
  private readonly clients = new Map<string, Client>();
  private readonly connect: buildConnector.connector;

  constructor(timeoutMs: number) {
    this.connect = timedConnector(timeoutMs);
  }

  /** Queues the request on the user's connection to its origin; returns that connection. */
  dispatch(url: URL, options: Omit<Dispatcher.DispatchOptions, 'origin'>, handler: Dispatcher.DispatchHandler): Client {
    let client = this.clients.get(url.origin);
    if (!client) {
      client = new Client(url.origin, { connect: this.connect, keepAliveTimeout: 30_000, pipelining: 1 });
      this.clients.set(url.origin, client);
    }
    client.dispatch(options as Dispatcher.DispatchOptions, handler);
    return client;
  }

  async close(): Promise<void> {
    // A client destroyed meanwhile (the stop cancelled it) rejects close() with ClientDestroyedError: it is closed.
    await Promise.all([...this.clients.values()].map(c => c.close().catch(() => undefined)));
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.clients.values()].map(c => c.destroy().catch(() => undefined)));
  }
}

/**
 * Parsed URLs of the paths a user requests, so a loop over the same few paths parses each once. The
 * URLs are shared: never mutate one. Bounded: a scenario with endless distinct paths starts over.
 */
class TargetCache {
  private readonly base: URL;
  private readonly urls = new Map<string, URL>();
  /** The request line's path of each URL, built once. */
  private readonly paths = new WeakMap<URL, string>();

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

  requestPath(url: URL): string {
    let path = this.paths.get(url);
    if (path === undefined) {
      path = url.pathname + url.search;
      this.paths.set(url, path);
    }
    return path;
  }
}

/** An absolute URL: the scheme's `//` is what makes a request leave the scenario's host. */
const ABSOLUTE_URL = /^https?:\/\//i;
/** A scheme at the start (`localhost:8080/x`, `ftp:`): the URL parser would read it as a URL of its own. */
const SCHEME = /^[a-z][a-z\d+.-]*:/i;
/** What the URL parser drops from the start of its input (C0 controls and space). */
const LEADING_IGNORED = /^[\u0000-\u0020]+/;

/**
 * Resolves a scenario path against the scenario's host, keeping the host's path prefix
 * (host 'http://h/api' and '/users' give 'http://h/api/users'). A path is a path: one starting with
 * `//` or `/\` stays on the host (the URL parser would read it as another host); only an absolute
 * 'http://' or 'https://' URL goes elsewhere, as written.
 */
export function resolveUrl(base: URL, path: string, query?: RequestOptions['query']): URL {
  let url: URL;
  if (ABSOLUTE_URL.test(path)) url = new URL(path);
  else {
    const relative = path.replace(LEADING_IGNORED, '');
    if (SCHEME.test(relative)) {
      throw new TypeError(`${JSON.stringify(path)} reads as a URL of its own (scheme '${relative.slice(0, relative.indexOf(':') + 1)}'): write '/${relative}' for a path on the host, or a full 'http://' URL`);
    }
    if (relative.startsWith('/') || relative.startsWith('\\')) {
      // Spelled out after the host: whatever the path starts with, it cannot become an authority.
      url = new URL(`${base.protocol}//${base.host}${base.pathname.replace(/\/$/, '')}${relative}`);
      url.username = base.username;
      url.password = base.password;
    } else {
      // No leading slash and no scheme: relative resolution keeps the host.
      url = new URL(relative, base);
    }
  }
  if (query) for (const [k, v] of Object.entries(query)) url.searchParams.append(k, String(v));
  return url;
}
