/**
 * One request on the wire: undici's dispatch handler that measures it (InFlightRequest) and the
 * Response it settles into, which is also its stats sample. The client (http.ts) builds and sends
 * them; this file knows nothing of users, redirects or URLs.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { RequestSample } from '../stats/index.ts';
import type { ConnectTiming, TracedRequest } from '../telemetry/types.ts';
import type { LoadResponse } from '../api/types.ts';

/** Connection timing, attached to a socket by the connector and claimed by the first request on it. */
export interface ConnectInfo extends ConnectTiming {
  claimed: boolean;
}

export const kConnectInfo = Symbol('loadlens.connectInfo');
export type TaggedSocket = Socket & { [kConnectInfo]?: ConnectInfo };

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
  /** The `location` of a redirect that the client follows (see InFlightRequest.redirectsLeft). */
  readonly redirectTo: string | undefined;
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
    // No byte, no time to first byte: 0, and the stats leave it out (it is not the request's duration).
    this.ttfbMs = ttfbAt ? ttfbAt - startedAt : 0;
    this.connectMs = connect ? connect.totalMs : 0;
    this.newConnection = connect !== undefined;
    this.bytes = request.bytes;
    // A status that arrived is kept even when the connection failed afterwards (a 413 answered early,
    // then the socket closed under the body being sent; a 200 whose body outlived the timeout).
    this.status = request.status;
    // A redirect the client follows is a hop, judged as one (a 3xx is no failure); `expect` is for the last response.
    const statusError = request.status > 0 ? statusFailure(request.status, request.redirectTo === undefined ? request.expect : undefined) : undefined;
    // A failing status says more than the broken pipe that followed it; a stop's cancel says most.
    this.error = networkError === CANCELLED_AT_STOP ? networkError : statusError ?? networkError;
    this.redirectTo = networkError ? undefined : request.redirectTo;
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
export interface RequestOwner {
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
export class InFlightRequest implements Dispatcher.DispatchHandler {
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
  /** Redirects the client may still follow after this request (0: a 3xx is the answer). */
  redirectsLeft = 0;
  /** Set at the response when it is a redirect the client will follow: its `location`. */
  redirectTo: string | undefined;
  private readonly maxBodyBytes: number;
  private readonly owner: RequestOwner;
  private readonly resolve: (response: Response) => void;
  private controller: Dispatcher.DispatchController | undefined;
  /**
   * Set when the request was queued behind the user's other requests on its connection: if it times
   * out before undici starts it, it timed out in the queue (never sent), not while connecting.
   */
  queuedBehind = false;
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
    if (this.redirectsLeft > 0 && REDIRECTS.has(statusCode) && typeof headers.location === 'string') this.redirectTo = headers.location;
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
    // Never started, and it waited behind the user's other requests: it timed out in the queue, unsent.
    this.settle(this.controller === undefined && this.queuedBehind ? TIMED_OUT_BEFORE_SENT : 'timeout');
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

/** The statuses a client follows to their `location` (as browsers, k6 and Locust do). */
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

function statusFailure(status: number, expect: number | number[] | undefined): string | undefined {
  if (expect === undefined) return status >= 400 ? `HTTP ${status}` : undefined;
  const ok = Array.isArray(expect) ? expect.includes(status) : status === expect;
  return ok ? undefined : `HTTP ${status} (expected ${Array.isArray(expect) ? expect.join('|') : expect})`;
}

