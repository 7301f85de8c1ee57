/**
 * Every message between the three programs, as discriminated unions on `kind`. Each side switches on
 * `kind` and lets the compiler check exhaustiveness (`assertNever`). Messages are plain JSON.
 */
import type { Diagnostic, RunReport, StatsSnapshot } from './report.ts';

/**
 * Run options from outside the scenario file. As `overrides` (CLI flags, the CodeLens "Options…") they
 * win over the scenario's own; as `defaults` (the `loadlens.run.*` settings) they fill only what the
 * scenario leaves unset.
 */
export interface RunOverrides {
  users?: number;
  spawnRate?: number;
  runTime?: string;
  host?: string;
  /** Iterations per user, after which the run ends (the Debug lens: 1); an override only. */
  iterations?: number;
}

/** What the extension asks the forked engine to run. */
export interface RunRequest {
  file: string;
  scenario?: string;
  overrides: RunOverrides;
  defaults?: RunOverrides;
  /** Export spans and metrics (configured by the OTEL_* variables of the engine's environment). */
  otel: boolean;
  /** `service.name` unless OTEL_SERVICE_NAME says otherwise. */
  serviceName?: string;
}

export type EngineToHost =
  /** engine → extension: the child is up and waits for `start`. */
  | { kind: 'ready'; pid: number; engineVersion: string }
  /** engine → extension: the scenario loaded and the run began. */
  | { kind: 'started'; runId: string; scenario: string; file: string; startedAt: number; targetUsers: number; runTimeMs: number; host: string }
  /** engine → extension: live numbers, at most once a second. */
  | { kind: 'stats'; snapshot: StatsSnapshot }
  /** engine → extension: the scenario, the options or the OTEL_* configuration are invalid; the run did not start. */
  | { kind: 'invalid'; diagnostics: Diagnostic[]; problems: string[] }
  /** engine → extension: the run ended (normally or not) and this is its report. */
  | { kind: 'finished'; report: RunReport; exitCode: number }
  /** engine → extension: something to show in the output channel. */
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** engine → extension: answer to `ping`, proof of life for the watchdog. */
  | { kind: 'pong'; seq: number };

export type HostToEngine =
  /** extension → engine: load the file and run this scenario. */
  | { kind: 'start'; request: RunRequest }
  /** extension → engine: stop the run gracefully (in-flight requests get the grace period, then the report). */
  | { kind: 'stop' }
  /** extension → engine: are you alive? */
  | { kind: 'ping'; seq: number };

export type HostToView =
  /** extension → webview: a run started (resets the panel). */
  | { kind: 'run-started'; runId: string; scenario: string; file: string; startedAt: number; targetUsers: number; runTimeMs: number; host: string }
  /** extension → webview: live numbers. */
  | { kind: 'stats'; snapshot: StatsSnapshot }
  /** extension → webview: the final report. */
  | { kind: 'finished'; report: RunReport; exitCode: number }
  /** extension → webview: the scenario did not start, with the problems. */
  | { kind: 'invalid'; diagnostics: Diagnostic[]; problems: string[] }
  /** extension → webview: the engine died or could not start. */
  | { kind: 'engine-error'; message: string };

export type ViewToHost =
  /** webview → extension: the page loaded and listens (send the latest state). */
  | { kind: 'ready' }
  /** webview → extension: the Stop button. */
  | { kind: 'stop-run' }
  /** webview → extension: a trace id was clicked. */
  | { kind: 'open-trace'; traceId: string; startMs?: number; endMs?: number };

export function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
