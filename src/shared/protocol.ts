/**
 * Every message between the three programs, as discriminated unions on `kind`. Each side switches on
 * `kind` and lets the compiler check exhaustiveness (`assertNever`). Messages are plain JSON.
 */
import type { ReceivedSpan, ReceiverCounts, TraceStoreStats } from './spans.ts';
import type { Diagnostic, IntervalPoint, RunReport, StatsSnapshot } from './report.ts';
import type { TraceLinkTarget } from './trace-link.ts';
import type { RunComparison } from './compare.ts';
import type { RunBreakdownFinal, RunBreakdownState } from './breakdown/live.ts';
import type { ForwardCounts } from './receiver-summary.ts';
import type { BreakdownCounts, RequestBreakdown, SpanDurationStats, SpanFilter } from './breakdown/types.ts';
import type { RunHeader, RunSpec } from './run.ts';

export type EngineToHost =
  /** engine → extension: the child is up and waits for `start`. */
  | { kind: 'ready'; pid: number; engineVersion: string }
  /** engine → extension: the scenario loaded and the run began. */
  | { kind: 'started'; header: RunHeader }
  /** engine → extension: live numbers, at most once a second. */
  | { kind: 'stats'; snapshot: StatsSnapshot }
  /** engine → extension: the scenario, the options or the OTEL_* configuration are invalid; the run did not start. */
  | { kind: 'invalid'; diagnostics: Diagnostic[]; problems: string[] }
  /** engine → extension: the run ended (normally or not) and this is its report. */
  | { kind: 'finished'; report: RunReport; exitCode: number }
  /** engine → extension: something to show in the output channel. */
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** engine → extension: a fault in Loadlens itself, not in the scenario (message and stack); the run stops, its report still follows. */
  | { kind: 'internal-error'; message: string }
  /** engine → extension: answer to `ping`, proof of life for the watchdog. */
  | { kind: 'pong'; seq: number };

export type HostToEngine =
  /** extension → engine: load the file and run this scenario. */
  | { kind: 'start'; request: RunSpec }
  /** extension → engine: stop the run gracefully (in-flight requests get the grace period, then the report). */
  | { kind: 'stop' }
  /** extension → engine: are you alive? */
  | { kind: 'ping'; seq: number };

export type HostToView =
  /**
   * extension → webview: a run started (resets the panel), or a past run's report is shown (its own
   * header). `otlpReceiver`: the embedded receiver's URL when the run exports to it, so the user can
   * point the application there too.
   */
  | { kind: 'run-started'; header: RunHeader; otlpReceiver?: string }
  /** extension → webview: live numbers. */
  | { kind: 'stats'; snapshot: StatsSnapshot }
  /**
   * extension → results panel: the chart points of the current run so far (bounded), sent after
   * `run-started` to a panel that opens mid-run, so its charts show the run from its start.
   */
  | { kind: 'timeline'; points: IntervalPoint[] }
  /**
   * extension → results panel: where each row's time went (the embedded receiver's breakdown of the
   * run's traces), at most once a second during the run; `waiting` while the run waits for late spans.
   */
  | { kind: 'breakdown'; state: RunBreakdownState; waiting: boolean }
  /** extension → webview: the final report. */
  | { kind: 'finished'; report: RunReport; exitCode: number }
  /** extension → webview: the scenario did not start, with the problems. */
  | { kind: 'invalid'; diagnostics: Diagnostic[]; problems: string[] }
  /** extension → webview: the engine died or could not start. */
  | { kind: 'engine-error'; message: string }
  /**
   * extension → trace view: every span of the trace received so far, sent again whenever more arrive.
   * `platform` names the configured observability platform, when there is one ("Open in platform").
   * `receiving` is false when Loadlens's receiver is not running (no run since the editor started), so no
   * span can arrive until one does.
   */
  | { kind: 'trace'; traceId: string; spans: ReceivedSpan[]; receiving: boolean; platform?: string };

export type ViewToHost =
  /** webview → extension: the page loaded and listens (send the latest state). */
  | { kind: 'ready' }
  /** webview → extension: the Stop button. */
  | { kind: 'stop-run' }
  /**
   * webview → extension: a trace id was clicked (results panel), or "Open in platform" (trace view); the
   * extension fills what the page does not know (service).
   */
  | { kind: 'open-trace'; target: TraceLinkTarget }
  /** webview → extension: put this text (a whole trace id) on the clipboard. */
  | { kind: 'copy'; text: string }
  /** results panel → extension: open the editor at this place in the scenario (an iteration error's line). */
  | { kind: 'open-location'; file: string; line: number; column: number }
  /** results panel → extension: save the shown run's report (the extension asks where). */
  | { kind: 'export-report'; format: 'html' | 'json' };

/**
 * The comparison tab's own messages, apart from HostToView/ViewToHost so the results panel and the trace
 * view need not know about them.
 */
export type HostToCompareView =
  /**
   * extension → comparison tab: two runs of one scenario and their comparison (computed by the extension
   * with src/shared/compare.ts, the CLI's rule). `baseFile`/`nextFile`: where the reports are.
   */
  | { kind: 'comparison'; comparison: RunComparison; base: RunReport; next: RunReport; baseFile: string; nextFile: string };

export type CompareViewToHost =
  /** comparison tab → extension: the page loaded and listens. */
  | { kind: 'ready' }
  /** comparison tab → extension: open this run's report in the results panel. */
  | { kind: 'open-run'; file: string };

/** What the embedded receiver's worker thread is started with (its `workerData`). */
export interface ReceiverWorkerData {
  /** 0: a free port. A taken fixed port falls back to a free one (`listening.wantedPortTaken`). */
  port: number;
  /** Ports to try, in order, when `port` is taken (the port this workspace used last), before a free one. */
  fallbackPorts?: number[];
  host: string;
  budgetBytes: number;
  /** `loadlens.otel.forward`: pass everything received on to this OTLP/HTTP base URL; absent: nowhere. */
  forward?: string;
}

/** The receiver worker's numbers: its store, its requests, and its own V8 heap. */
export interface ReceiverWorkerStats {
  store: TraceStoreStats;
  requests: ReceiverCounts;
  /** The worker isolate's used heap, in bytes (after a full GC when the query asked for one). */
  heapUsedBytes: number;
  /** What was forwarded (`loadlens.otel.forward`), when it forwards. */
  forward?: ForwardCounts;
}

export type HostToReceiver =
  /** extension → receiver worker: the stored spans of one trace (answered by `trace`). */
  | { kind: 'trace'; requestId: number; traceId: string }
  /** extension → receiver worker: every stored span (tests; answered by `spans`). */
  | { kind: 'spans'; requestId: number }
  /** extension → receiver worker: the store's counts and the worker's heap; `gc` runs a full GC first (bench, tests). */
  | { kind: 'stats'; requestId: number; gc: boolean }
  /** extension → receiver worker: start (true) or stop (false) sending `traces-updated`. */
  | { kind: 'watch-updates'; on: boolean }
  /** extension → receiver worker: forward from now on to `url` ('' : stop forwarding); the setting may change between runs. */
  | { kind: 'forward'; url: string }
  /**
   * extension → receiver worker: the run's load ended; wait for late spans (until `quietMs` without one
   * of the application, at most `maxWaitMs`), then answer `breakdown-final` and forget the run.
   */
  | { kind: 'breakdown-finish'; requestId: number; runId: string; quietMs: number; maxWaitMs: number }
  /**
   * extension → receiver worker: a run starts: the breakdown starts over, counting only the requests of
   * `runId` (the engine's `loadlens.run.id`) from now on.
   */
  | { kind: 'breakdown-start'; runId: string }
  /**
   * extension → receiver worker: the breakdown so far (answered by `breakdown`); `final` once the run's
   * wait for late spans is over: every held trace is computed now. `filters`: the span thresholds' spans,
   * answered in the same order.
   */
  | { kind: 'breakdown'; requestId: number; final: boolean; filters: SpanFilter[] }
  /** extension → receiver worker: stop listening and exit. */
  | { kind: 'close' };

export type ReceiverToHost =
  /** receiver worker → extension: the OTLP/HTTP server listens at `url`. */
  | { kind: 'listening'; url: string; port: number; wantedPortTaken: boolean }
  /** receiver worker → extension: the server could not start (the worker then exits). */
  | { kind: 'start-failed'; message: string; code: string }
  /** receiver worker → extension: the answer to `trace` ([] when the trace is unknown). */
  | { kind: 'trace'; requestId: number; spans: ReceivedSpan[] }
  /** receiver worker → extension: the answer to `spans`. */
  | { kind: 'spans'; requestId: number; spans: ReceivedSpan[] }
  /** receiver worker → extension: the answer to `stats`. */
  | { kind: 'stats'; requestId: number; stats: ReceiverWorkerStats }
  /** receiver worker → extension: traces that got new spans since the last such message (at most 4 a second, while watched). */
  | { kind: 'traces-updated'; traceIds: string[] }
  /** receiver worker → extension: a run's breakdown so far, at most once a second while it changes. */
  | { kind: 'breakdown-live'; state: RunBreakdownState }
  /** receiver worker → extension: the answer to `breakdown-finish`, after the wait for late spans. */
  | { kind: 'breakdown-final'; requestId: number; final: RunBreakdownFinal }
  /** receiver worker → extension: the answer to `breakdown`. */
  | { kind: 'breakdown'; requestId: number; breakdown: ReceiverBreakdown }
  /** receiver worker → extension: closed; the worker exits next. */
  | { kind: 'closed' };

/**
 * The embedded receiver's breakdown of the current run: per request row (`rowKey(method, name)`, i.e.
 * 'GET /product/{id}') its `RequestBreakdown`, what it could not use, and the durations of the spans
 * each span threshold's filter matches (in the order asked; undefined: none matched).
 */
export interface ReceiverBreakdown {
  runId: string | undefined;
  rows: Record<string, RequestBreakdown>;
  counts: BreakdownCounts;
  spanDurations: (SpanDurationStats | undefined)[];
}

/** How much a problem matters: an error stops the file from running, a warning does not. */
export type Severity = 'error' | 'warning';

/** A problem `loadlens check` found, at its 1-based line and column in `file`. */
export interface CheckDiagnostic extends Diagnostic {
  severity: Severity;
}

/**
 * engine → extension (and CI): what `loadlens check FILE --json` prints, one JSON object on stdout.
 * `ok` when no diagnostic is an error (the process then exits 0, else 2).
 */
export interface CheckReport {
  kind: 'check';
  file: string;
  ok: boolean;
  /** The scenarios the loader found, by export name, at their `scenario(` call (1-based). */
  scenarios: { name: string; file: string; line: number; column: number }[];
  diagnostics: CheckDiagnostic[];
}

export function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
