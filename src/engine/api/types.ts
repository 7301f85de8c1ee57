/**
 * The scenario API's types: what a user's `*.load.ts` sees when it imports from 'loadlens'.
 * Runtime values live in `api.ts`; the engine's internals use these same types.
 */

import type { DurationInput } from '../../shared/duration.ts';

export type { DurationInput };

/** How long a virtual user waits between iterations. Build one with `between`, `constant`, `constantPacing`. */
export type WaitTime =
  | { kind: 'between'; minSeconds: number; maxSeconds: number }
  | { kind: 'constant'; seconds: number }
  /** Each iteration starts `seconds` after the previous one started (k6/Locust constant pacing). */
  | { kind: 'constantPacing'; seconds: number };

/** A ramp step of the closed model: move to `target` users over `duration`. */
export interface Stage {
  duration: DurationInput;
  target: number;
}

export interface ScenarioOptions {
  /** Base URL that relative paths are resolved against, e.g. 'http://127.0.0.1:8080'. */
  host?: string;
  /** Closed model: the number of concurrent virtual users. */
  users?: number;
  /** Closed model: users started per second while ramping up. */
  spawnRate?: number;
  /** How long the run lasts, e.g. '30s'. */
  runTime?: DurationInput;
  /** Closed model: ramp stages; when set, `users`/`spawnRate` are ignored and the run lasts the sum of the stages. */
  stages?: Stage[];
  /** Open model: iterations started per second whatever the target's latency. */
  arrivalRate?: number;
  /** Open model: cap on concurrent virtual users; arrivals beyond it are counted as dropped. */
  maxUsers?: number;
  /** The pause after each iteration: `between(1, 3)`, `constant(2)` or `constantPacing(5)`; default none. */
  wait?: WaitTime;
  /** Pass/fail criteria checked at the end (the CLI exits 1 when one fails), e.g. { p95: '< 300ms', errorRate: '< 1%', 'p99{name:/checkout}': '< 1s' } */
  thresholds?: Record<string, string>;
  /** Per-user setup, run once by each virtual user before its first iteration (log in, fill `vars`). */
  onStart?: (ctx: UserContext) => Promise<void> | void;
  /** Per-user teardown, run once by each virtual user after its last iteration. */
  onStop?: (ctx: UserContext) => Promise<void> | void;
  /** How long in-flight iterations may run after the stop before they are cancelled. */
  gracefulStop?: DurationInput;
  /** Default timeout of each request, from the call to the last byte of its body (connecting included). Default 30s. */
  timeout?: DurationInput;
  /**
   * Bytes of each response body kept in memory (default 4 MiB). A longer body is still read to its end,
   * timed and counted, but the rest is discarded: its stats row counts it under "truncated bodies".
   */
  maxBodyBytes?: number;
  /**
   * Redirects each request follows (default 10, as k6; 0: a 3xx is the answer). Each hop is counted,
   * timed and traced as a request of its own, in a row named by its path.
   */
  redirects?: number;
  /**
   * Largest response header section accepted, in bytes (default 65536; Node's own limit is 16384).
   * A response with more fails as UND_ERR_HEADERS_OVERFLOW.
   */
  maxHeaderBytes?: number;
  /**
   * Accept any TLS certificate (self-signed, expired, another host's), as k6's option of the same
   * name. For test environments only: the run's summary says that verification was off.
   */
  insecureSkipTLSVerify?: boolean;
  /**
   * A PEM file of CA certificates trusted besides Node's own (relative to the scenario file), for a
   * target with a private CA. The NODE_EXTRA_CA_CERTS variable does the same for every Node program.
   */
  caFile?: string;
}

export interface RequestOptions {
  /** Stats row and metric attribute; default: the path without its query. */
  name?: string;
  /** A value sent as the JSON body, with `content-type: application/json`. */
  json?: unknown;
  /** The raw body (use `json` for JSON). */
  body?: string | Uint8Array;
  /** Request headers, e.g. { authorization: 'Bearer …' }. */
  headers?: Record<string, string>;
  /** Query parameters added to the URL (encoded); they do not change the default `name`. */
  query?: Record<string, string | number | boolean>;
  /** This request's timeout, from the call to the last byte of its body; default: the scenario's `timeout`. */
  timeout?: DurationInput;
  /** Status codes that count as success; default: anything below 400. */
  expect?: number | number[];
  /** Bytes of this response's body kept in memory; default: the scenario's `maxBodyBytes` (4 MiB). */
  maxBodyBytes?: number;
  /**
   * Redirects (301, 302, 303, 307, 308) followed for this request; default: the scenario's
   * `redirects` (10). Each hop is a request of its own in the stats and the traces; `expect` and the
   * returned response are the last hop's. 0: the 3xx itself is the response.
   */
  redirects?: number;
}

export interface ResponseTimings {
  /** Total, from the request's start to the end of the body. */
  durationMs: number;
  /** Time to first byte: from the request's start to the response headers; 0 when no response came. */
  ttfbMs: number;
  /** DNS + TCP + TLS when this request opened a connection, else 0. */
  connectMs: number;
}

export interface LoadResponse {
  /**
   * The HTTP status code; 0 when there was no response (see `error`). A status that arrived is kept
   * when the connection failed afterwards (a body cut by the timeout: 200 with `error` 'timeout').
   */
  status: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text. */
  text(): string;
  /**
   * The body parsed as JSON; throws with the request's name when it is not JSON. `any` by default, as
   * fetch's `Response.json()`, so `typeof r.json().orderId === 'string'` reads as it runs; say what you
   * expect for the compiler to check field names, e.g. `r.json<{ orderId?: string }>()` (a claim the
   * compiler trusts: nothing is checked at run time).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as fetch's Response.json(): a check reads a field without first declaring the body's type
  json<T = any>(): T;
  timings: ResponseTimings;
  /** The request's trace id when telemetry is on, else ''. */
  traceId: string;
  /** Whether the request counted as a success (before any check). */
  ok: boolean;
  /** Why the request failed: 'HTTP 500', a network error, 'timeout', …; undefined on success. */
  error?: string;
  /** The body was longer than `maxBodyBytes`: `text()` holds only its first `maxBodyBytes` bytes. */
  bodyTruncated: boolean;
}

export interface HttpClient {
  get(path: string, options?: RequestOptions): Promise<LoadResponse>;
  head(path: string, options?: RequestOptions): Promise<LoadResponse>;
  delete(path: string, options?: RequestOptions): Promise<LoadResponse>;
  post(path: string, options?: RequestOptions): Promise<LoadResponse>;
  put(path: string, options?: RequestOptions): Promise<LoadResponse>;
  patch(path: string, options?: RequestOptions): Promise<LoadResponse>;
  request(method: string, path: string, options?: RequestOptions): Promise<LoadResponse>;
}

export type Checks<T> = Record<string, (value: T) => boolean>;

export interface UserContext {
  http: HttpClient;
  /** Runs each check; a false or throwing check marks the response's request as failed. Returns whether all passed. */
  check<T extends LoadResponse>(response: T, checks: Checks<T>): boolean;
  /** A business transaction: its own stats row ('GROUP', name) covering everything inside. */
  group<R>(name: string, fn: () => Promise<R>): Promise<R>;
  /**
   * Pauses this user: a number of seconds (`sleep(1.5)`) or a duration as the options take it
   * (`sleep('1s')`, `sleep('250ms')`). NaN, a negative value, an unreadable string or more than about
   * 24.8 days (what timers hold) throws at once, and the iteration fails at this line.
   */
  sleep(duration: DurationInput): Promise<void>;
  /** 1-based id of this virtual user. */
  userId: number;
  /** 0-based iteration counter of this virtual user. */
  iteration: number;
  /** Per-user storage that lives across iterations (set in onStart, read later). */
  vars: Record<string, unknown>;
}

export type UserFunction = (ctx: UserContext) => Promise<void> | void;

/** What `scenario()` returns; the loader finds these among a module's exports. */
export interface ScenarioDefinition {
  readonly kind: 'loadlens.scenario';
  readonly options: ScenarioOptions;
  readonly fn: UserFunction;
  /** Where `scenario(` was called in the user's file, after source maps (1-based), when known. */
  readonly location?: { file: string; line: number; column: number };
}
