/**
 * The contract between the engine's HTTP client and runner on one side and telemetry on the other.
 * Type-only: the engine imports these without loading any OpenTelemetry code (telemetry itself is
 * loaded with a dynamic import only when a run asks for `--otel`).
 */
import type { TelemetryCounts } from '../../shared/report.ts';
import type { RequestSample } from '../stats/index.ts';

/** Hooks telemetry adds around each request of a virtual user. */
export interface RequestTracer {
  /** Before the request is sent: returns the headers to inject (traceparent, tracestate, baggage) and ids. */
  start(method: string, name: string, url: URL, userId: number): TracedRequest;
}

/** How a request's new connection was opened; `startedAt` is `performance.now()` ms, the rest are durations in ms. */
export interface ConnectTiming {
  startedAt: number;
  dnsMs: number;
  tcpMs: number;
  tlsMs: number;
  totalMs: number;
}

/**
 * One request's span, from `start` to `end`. The calls come in this order: `complete` once, `fail`
 * any number of times, `end` once; a call out of order is ignored (never throws), so a runner that
 * ends twice or fails after the end cannot corrupt a span.
 */
export interface TracedRequest {
  /** 32 lower-case hex digits; generated for every request, sampled or not, so failures always carry one. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the CLIENT span's id, and the parent id in the injected `traceparent`. */
  readonly spanId: string;
  readonly headers: Record<string, string>;
  /**
   * The response ended (or failed): records timings, status, the connect child span's data and the
   * metrics. Does NOT end the span yet. `connect` is set only when this request opened a connection.
   * `protocolVersion` is the HTTP version spoken, '1.1' unless said otherwise.
   */
  complete(sample: RequestSample, connect: ConnectTiming | undefined, protocolVersion?: string): void;
  /** A user's check failed for this request after `complete` (before `end`): status ERROR, `error.type` = the message. */
  fail(error: string): void;
  /**
   * Ends the span with the end time recorded at `complete`; the runner calls it once the user's checks
   * ran. Idempotent. A span ended without `complete` has no timings: it is dropped (and counted).
   */
  end(): void;
}

export interface Telemetry {
  tracer: RequestTracer;
  /** Spans exported / dropped / failed exports so far. */
  counts(): TelemetryCounts;
  /** Flushes everything (spans and metrics) and shuts down; resolves even when the collector is down, within the shutdown timeout. */
  shutdown(): Promise<TelemetryCounts>;
  /** Stops flushing now (the user asked again to stop): spans not yet exported are counted as lost. */
  abandon(): TelemetryCounts;
}

export interface TelemetryOptions {
  /** This run's id: resource attribute and baggage `loadlens.run.id`, so one run's telemetry can be told from every other's. */
  runId: string;
  /** The shard this process runs, "i/N" (`loadlens.shard` on the resource, spans and metric points); absent for a whole run. */
  shard?: string;
  /** The scenario's name (`loadlens.scenario`) and its file (`loadlens.scenario.file`). */
  scenario: string;
  file: string;
  /** The `loadlens.otel.serviceName` setting; `OTEL_SERVICE_NAME` wins over it; default 'loadlens'. */
  serviceName?: string;
  /** Read at each metric collection for the active-users gauge. */
  activeUsers: () => number;
  /** Where the OTEL_* variables are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Bound on `shutdown()`; default 10 000 ms. */
  shutdownTimeoutMs?: number;
}
