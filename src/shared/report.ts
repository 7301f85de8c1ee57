/**
 * The numbers a run produces, as every part sees them: the engine builds them, the CLI prints them,
 * the extension forwards them and the webview draws them. Plain JSON (no classes, no Maps) so they
 * cross IPC, postMessage and report files unchanged.
 *
 * All durations are milliseconds, all instants are epoch milliseconds unless the name says otherwise.
 */
import type { ReceiverSummary } from './receiver-summary.ts';
import type { RunHeader, StopReason } from './run.ts';
import type { BreakdownCounts, RequestBreakdown } from './breakdown/types.ts';
import type { PartTraces } from './breakdown/live.ts';

/** A place in the user's scenario file: absolute path, 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One stats row: a (method, name) pair, a group (`method` 'GROUP'), or the aggregate (`method` ''). */
export interface RequestRow {
  method: string;
  name: string;
  count: number;
  failures: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  avg: number;
  min: number;
  max: number;
  /** Average response body size in bytes. */
  avgSize: number;
  /** Average time to first byte. */
  ttfbAvg: number;
  /** Average connect time (DNS + TCP + TLS) over the requests that opened a connection; 0 if none did. */
  connectAvg: number;
  /** How many requests opened a new connection. */
  connects: number;
  /** Requests per second over the recent window (about the last 10 s). */
  currentRps: number;
  currentFailuresPerSec: number;
  /** Counts by status class: '1xx'…'5xx', and 'error' for requests that got no response. */
  statusClasses: Record<string, number>;
  /**
   * Where in the scenario the row comes from: the `http.*` call that first produced it (for a GROUP
   * row, the `group()` call). Learned once per row, never per request; absent for the aggregate row
   * and when the stack has no frame in the scenario file.
   */
  location?: SourceLocation;
  /** Responses whose body was longer than maxBodyBytes: read and counted, the rest discarded. Absent: none. */
  truncatedBodies?: number;
  /** Where the row's time went across services, from the traces received (absent: none received). */
  breakdown?: RequestBreakdown;
  /** Per part of the breakdown, the traces in which it took longest (the editor's runs keep them). */
  breakdownTraces?: PartTraces[];
}

/** Failures grouped by (method, name, error); `traceIds` holds the last few examples, newest last. */
export interface FailureRow {
  method: string;
  name: string;
  error: string;
  count: number;
  traceIds: string[];
  lastAt: number;
  /** Its row's location (see `RequestRow.location`), so a line's failures can be listed together. */
  location?: SourceLocation;
}

/** One of the slowest requests seen, kept with its trace id so it can be opened. */
export interface SlowRequest {
  method: string;
  name: string;
  durationMs: number;
  status: number;
  traceId?: string;
  at: number;
}

/** An exception thrown by scenario code, grouped by message and source location. */
export interface IterationError {
  message: string;
  /** `file:line:column` in the user's scenario, when known. */
  where?: string;
  count: number;
}

/** One point of the live charts: the second that ended at `t`. */
export interface IntervalPoint {
  t: number;
  rps: number;
  failuresPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  users: number;
}

export interface ThresholdResult {
  expression: string;
  ok: boolean;
  /** The metric the threshold reads: 'p95', 'errorRate', 'rps', … */
  metric: string;
  /**
   * The unit the threshold is written in, and so the unit of `actual`: 'ms' or 's' for latencies, '%'
   * for errorRate, '' for counts and rps. (Reports written before this field existed lack it.)
   */
  unit: 'ms' | 's' | '%' | '';
  /** The measured value, in `unit`. */
  actual: number;
  /** The line of this threshold's key in the scenario's options object, when found. */
  location?: SourceLocation;
  /** The key as written in the scenario's `thresholds`, e.g. 'p95{name:/checkout}' (absent in older reports). */
  key?: string;
  /**
   * What the metric reads, from the key's `{…}`: request rows by `method` and `name`, or, with `span`
   * or `service`, the durations of received spans. Absent: the aggregate of all requests.
   */
  filter?: { method?: string; name?: string; span?: string; service?: string };
}

/** Telemetry export health, when the run exports telemetry. */
export interface TelemetryCounts {
  spansExported: number;
  spansDropped: number;
  exportFailures: number;
  /**
   * Spans that never reached the collector though the queue took them: those of failed exports, and
   * those still queued when the flush was cut short (a third Ctrl+C). Absent in older reports.
   */
  spansLost?: number;
  /** Why the last export failed, e.g. 'HTTP 500', 'ECONNREFUSED', 'timeout'; absent when none failed. */
  lastExportError?: string;
}

/**
 * What telemetry lost, in the words the terminal, the HTML report and the panel all show:
 * "295 spans lost (last export error: HTTP 500)"; undefined when nothing was lost.
 */
export function describeLostSpans(counts: TelemetryCounts): string | undefined {
  if ((counts.spansLost ?? 0) === 0 && counts.lastExportError === undefined) return undefined;
  const lost = counts.spansLost ?? 0;
  const reason = counts.lastExportError === undefined ? '' : ` (last export error: ${counts.lastExportError})`;
  return `${lost} ${lost === 1 ? 'span' : 'spans'} lost${reason}`;
}

export type RunState = 'idle' | 'spawning' | 'running' | 'stopping' | 'stopped';

/** What the engine publishes about once a second while running. */
export interface StatsSnapshot {
  runId: string;
  scenario: string;
  state: RunState;
  startedAt: number;
  elapsedMs: number;
  users: number;
  targetUsers: number;
  totals: RequestRow;
  requests: RequestRow[];
  failures: FailureRow[];
  slowest: SlowRequest[];
  iterationErrors: IterationError[];
  /** The last closed one-second interval. */
  current: IntervalPoint;
  /** Export health so far, when the run exports telemetry. */
  telemetry?: TelemetryCounts;
  /** Open model: arrivals dropped so far because `maxUsers` users were all busy (absent: none). */
  droppedIterations?: number;
  /**
   * `--workers N` with N > 1: each worker process as the parent sees it now (absent in one-process
   * runs, so their snapshots stay as small as before). Its `requests` add up to `totals.count`.
   */
  workers?: WorkerLive[];
}

/** One worker process of a `--workers N` run, live (in each snapshot): what the person watching the run sees of it. */
export interface WorkerLive {
  /** 0-based: the worker runs shard `index`/N. */
  index: number;
  pid?: number;
  /** Its users now (0 once it ended). */
  users: number;
  /** Requests it has reported so far (cumulative): what is kept if it is lost. */
  requests: number;
  /** How it ended without its report, as `WorkerSummary.lost` says it: 'SIGKILL', 'exit code 1'. */
  lost?: string;
}

/** Why a run was ended by force (`RunReport.aborted`). */
export type AbortReason = 'users-stuck' | 'out-of-memory' | 'forced' | 'worker-failed';

/**
 * Exit codes of `loadlens run` (and `merge`): the run passed; a threshold failed; the scenario or the
 * arguments are invalid; Loadlens itself failed (a bug: the report is still written when the run got
 * that far) or a report could not be written; the users were stopped by force (stuck in a synchronous
 * loop, out of memory, not answering a stop, or a worker process lost): the report has what was
 * measured until then. The editor shows the same verdict as the terminal's exit code.
 */
export const EXIT = { passed: 0, thresholdFailed: 1, invalid: 2, internalError: 3, aborted: 4 } as const;

/**
 * A report's verdict, as an exit code: 4 when the run was ended by force, else its thresholds. A
 * shard's report (`--shard`, a pod, a worker) holds its share of the load only, so its thresholds are
 * shown but never fail it: `requests > 1000` or a p99 can only be judged on the whole run, which
 * `loadlens merge` (and the parent of `--workers`) evaluates. Otherwise a Kubernetes Job would mark an
 * index failed, and a CI gate fail, on a number no one asked about.
 */
export function reportExitCode(report: RunReport): number {
  if (report.aborted) return EXIT.aborted;
  if (report.header.shard) return EXIT.passed;
  return report.thresholds.every(t => t.ok) ? EXIT.passed : EXIT.thresholdFailed;
}

/** The report at the end of a run (JSON report, last NDJSON line, IPC `finished`). */
export interface RunReport {
  /** The run as it started (its id, scenario, file, start, plan, host, shard, workers). */
  header: RunHeader;
  /** ISO 8601: when the load ended (before the telemetry flush). */
  endedAt: string;
  durationMs: number;
  totals: { requests: number; failures: number; rps: number; p50: number; p90: number; p95: number; p99: number; avg: number; min: number; max: number };
  requests: RequestRow[];
  failures: FailureRow[];
  slowest: SlowRequest[];
  iterationErrors: IterationError[];
  thresholds: ThresholdResult[];
  /** Per-second points, down-sampled so a long run stays bounded. */
  timeline: IntervalPoint[];
  telemetry?: TelemetryCounts;
  /**
   * A shard's statistics with their HDR histograms encoded (the engine's `EncodedStats`, opaque
   * elsewhere), so that `loadlens merge` adds shards up exactly: percentiles from the merged
   * histograms, never averaged percentiles. Only in the reports of shard runs (`--shard i/N`), where a
   * merge needs it; the HTML report never shows it.
   */
  encodedStats?: { format: string };
  /** The scenario's thresholds as written (key → condition), beside `encodedStats`: a merge re-evaluates them on the whole run. */
  thresholdsWritten?: Record<string, string>;
  /** How many shard reports `loadlens merge` added up into this one; absent in a run's own report. */
  mergedShards?: number;
  /**
   * Set when the run was ended by force and the report made from the last stats received: the users
   * were stuck in a synchronous loop, ran out of memory, did not end after a stop, or (`--workers`) a
   * worker process was lost. Exit code 4 (see `reportExitCode`).
   */
  aborted?: AbortReason;
  /** TLS certificates were not verified (`insecureSkipTLSVerify`): every summary of the run warns. */
  insecureSkipTLSVerify?: true;
  /** Why the run stopped (see `StopReason`). */
  stopReason: StopReason;
  /** Scenario iterations completed (each run of the scenario function). */
  iterations?: number;
  /** Open model: arrivals dropped because `maxUsers` users were all busy. */
  droppedIterations?: number;
  /**
   * CPU time (user + system, ms) the engine process used during the load. Compared with `durationMs`
   * it tells whether the load generator itself was the bottleneck (near 100 % of one core).
   */
  cpuMs?: number;
  /**
   * `--workers N`: one entry per worker process, in shard order. `cpuMs` above is then the busiest
   * worker's (as for merged shards), so `cpuMs` against `durationMs` still tells whether one process
   * was near a whole core.
   */
  workers?: WorkerSummary[];
  /** `--workers N`: the CPU the parent process used during the load (merging the workers' stats, the outputs), ms. */
  parentCpuMs?: number;
  /**
   * What the run's own OTLP receiver got (`loadlens run --receiver`, the editor's embedded receiver):
   * spans received and late, the wait for them, spans the breakdown could not use, what was forwarded.
   */
  receiver?: ReceiverSummary;
  /** What the breakdown of received spans (`requests[i].breakdown`) could not use: dropped, unparented, unmatched spans. */
  breakdownCounts?: BreakdownCounts;
}

/** One worker process of a `--workers N` run, as its report lists it. */
export interface WorkerSummary {
  /** 0-based: the worker ran shard `index`/N. */
  index: number;
  pid?: number;
  /** Requests it measured (what it had reported, when it was lost). */
  requests: number;
  /** CPU time its process used during the load (user + system, ms). */
  cpuMs: number;
  /** The worker process's peak resident memory, MB (absent when it was lost). */
  peakRssMb?: number;
  /** How it ended when it ended without its report: the signal ('SIGKILL') or 'exit code N'. */
  lost?: string;
}

/** A problem in a scenario file or its options, at a place in the user's source. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

/** Above this share of one core, the load generator itself may be what the numbers measure. */
const SATURATED_CPU = 0.9;
/**
 * Shorter runs get no CPU warning: their CPU time is mostly the engine starting (the users thread, the
 * scenario's compile), which says nothing about the load (a 0.4 s run showed "109% of a core").
 */
const CPU_WARNING_MIN_DURATION_MS = 5_000;

/**
 * A warning when the engine used (nearly) a whole CPU core during the load: its own queueing then
 * shows up as latency and caps the rate, as Locust warns above 90 %.
 */
export function generatorWarning(report: Pick<RunReport, 'cpuMs' | 'durationMs'>): string | undefined {
  if (report.cpuMs === undefined || report.durationMs < CPU_WARNING_MIN_DURATION_MS) return undefined;
  const share = report.cpuMs / report.durationMs;
  if (share < SATURATED_CPU) return undefined;
  return `⚠ the load generator used ${Math.round(share * 100)}% of a CPU core: its own limits may show in these numbers (lower the users or run more generators)`;
}

/** The summary's warning for a run that did not verify TLS certificates (terminal and HTML report). */
export const INSECURE_TLS_WARNING = '⚠ TLS certificates were not verified (insecureSkipTLSVerify): the target may not be who it claims; for test environments only';
