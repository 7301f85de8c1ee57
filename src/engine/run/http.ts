/**
 * The virtual user's HTTP client, on undici's low-level `dispatch` API. One request = one
 * `RequestSample` for the stats (and, with telemetry on, one span). Each virtual user owns its
 * connections (an undici Client per origin), so it opens and keeps them like a browser would, and the
 * first request of a user pays (and shows) the connection cost.
 *
 * Hot path: a request allocates its handler, one timer, the body chunks and the Response (which is
 * also the stats sample); no I/O but the request.
 */
import { describeValue, parseDuration } from '../../shared/duration.ts';
import type { ConnectTiming, RequestTracer, TracedRequest } from '../telemetry/types.ts';
import type { HttpClient, LoadResponse, RequestOptions } from '../api/types.ts';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_REDIRECTS } from '../scenario/http-defaults.ts';
import { InFlightRequest, RunStopped, type RequestOwner, type Response } from './http-request.ts';
import { resolveUrl, TargetCache, UserConnections, type ConnectionOptions } from './http-connections.ts';

export type { ConnectTiming, RequestTracer, TracedRequest };
export { CANCELLED_AT_STOP, errorKind, Response, RunStopped, TIMED_OUT_BEFORE_SENT } from './http-request.ts';
export { resolveUrl, tlsConnectOptions, type ConnectionOptions } from './http-connections.ts';
export { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_REDIRECTS } from '../scenario/http-defaults.ts';


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
  /** Default number of redirects followed (see ScenarioOptions.redirects); default {@link DEFAULT_REDIRECTS}. */
  redirects?: number;
  /** The connections' limits and TLS (the same for every user of a run). */
  connections?: ConnectionOptions;
  sink: RequestSink;
  tracer?: RequestTracer;
  rowLocations?: RowLocations;
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
  const connections = new UserConnections(options.timeoutMs, options.connections);
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
    const timeoutMs = requestOptions.timeout === undefined ? options.timeoutMs : requestTimeout(requestOptions.timeout);
    const maxBodyBytes = requestOptions.maxBodyBytes ?? options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const redirects = requestOptions.redirects === undefined ? options.redirects ?? DEFAULT_REDIRECTS : requestRedirects(requestOptions.redirects);
    const { expect } = requestOptions;
    const sent = send(method, name, url, headers, body, expect, timeoutMs, maxBodyBytes, redirects);
    return redirects === 0 ? sent : sent.then(response => follow(response, method, url, headers, body, expect, timeoutMs, maxBodyBytes, redirects));
  };

  /** Sends one request (one hop of a redirect chain): its own span, timer and stats sample. */
  const send = (method: string, name: string, url: URL, headers: Readonly<Record<string, string>>, body: string | Uint8Array | undefined,
    expect: RequestOptions['expect'], timeoutMs: number, maxBodyBytes: number, redirectsLeft: number): Promise<Response> => {
    endSpans();
    const traced = tracer?.start(method, name, url, userId);
    const sentHeaders = traced ? { ...headers, ...traced.headers } : headers;
    return new Promise<Response>(resolve => {
      const inFlight = new InFlightRequest(owner, method, name, expect, traced, timeoutMs, maxBodyBytes, resolve);
      inFlight.redirectsLeft = redirectsLeft;
      connections.dispatch(url, { path: targets.requestPath(url), method, headers: sentHeaders, body }, inFlight);
    });
  };

  /**
   * Follows redirects, each hop a request of its own (counted, timed and traced, its row named by its
   * path, as k6 does), up to `left` of them. 303, and 301/302 after a POST, continue as a GET without
   * the body (as browsers do); 307/308 repeat the method and body. Credentials stay with their origin.
   */
  const follow = async (response: Response, method: string, url: URL, headers: Readonly<Record<string, string>>, body: string | Uint8Array | undefined,
    expect: RequestOptions['expect'], timeoutMs: number, maxBodyBytes: number, left: number): Promise<Response> => {
    while (response.redirectTo !== undefined && left > 0 && !owner.cancelled) {
      let next: URL;
      try {
        next = new URL(response.redirectTo, url);
      } catch {
        break;
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') break;
      if ((response.status === 303 && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        headers = withoutHeaders(headers, BODY_HEADERS);
      }
      if (next.origin !== url.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
      url = next;
      left--;
      response = await send(method, url.pathname, url, headers, body, expect, timeoutMs, maxBodyBytes, left);
    }
    return response;
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

/** A request's own `redirects`: a whole number from 0; anything else is an error at the request. */
function requestRedirects(redirects: unknown): number {
  if (typeof redirects === 'number' && Number.isInteger(redirects) && redirects >= 0) return redirects;
  throw new RangeError(`redirects: must be a whole number of redirects to follow, 0 for none, got ${describeValue(redirects)}`);
}

/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS: ReadonlySet<string> = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding']);
/** Headers that carry credentials, dropped when a redirect leaves their origin (as undici and browsers do). */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

function withoutHeaders(headers: Readonly<Record<string, string>>, names: ReadonlySet<string>): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.has(name.toLowerCase())));
}

/** Headers of every request unless the scenario sets its own (shared, never mutated). */

const DEFAULT_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'user-agent': 'loadlens' });
