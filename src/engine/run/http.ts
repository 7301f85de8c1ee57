/**
 * The virtual user's HTTP client, on undici's low-level `dispatch` API. One request = one
 * `RequestSample` for the stats (and, with telemetry on, one span). Each virtual user owns its
 * connections (an undici Client per origin), so it opens and keeps them like a browser would, and the
 * first request of a user pays (and shows) the connection cost.
 *
 * Hot path: a request allocates its handler, one timer, the body chunks and the Response (which is
 * also the stats sample); no I/O but the request.
 */
import { parseDuration } from '../../shared/duration.ts';
import type { ConnectTiming, RequestTracer, TracedRequest } from '../telemetry/types.ts';
import type { HttpClient, LoadResponse, RequestOptions } from '../api/types.ts';
import { DEFAULT_MAX_BODY_BYTES, InFlightRequest, RunStopped, type RequestOwner, type Response } from './http-request.ts';
import { resolveUrl, TargetCache, UserConnections } from './http-connections.ts';

export type { ConnectTiming, RequestTracer, TracedRequest };
export { CANCELLED_AT_STOP, DEFAULT_MAX_BODY_BYTES, errorKind, Response, RunStopped, TIMED_OUT_BEFORE_SENT } from './http-request.ts';
export { resolveUrl } from './http-connections.ts';

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
