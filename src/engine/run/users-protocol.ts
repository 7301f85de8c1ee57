/**
 * Messages between the engine's coordinator (the main thread: signals, outputs, the report) and the
 * users worker (a worker thread that loads the scenario and runs the virtual users). Both threads are
 * one program, the engine, and these messages carry engine types (encoded stats), so they live here
 * rather than in src/shared/protocol.ts, which is for messages between the engine, the extension and
 * the webview.
 */
import type { Diagnostic, RunReport, StatsSnapshot, TelemetryCounts } from '../../shared/report.ts';
import type { RunHeader, RunSpec } from '../../shared/run.ts';
import type { InternalError } from './session.ts';
import type { EncodedStats } from '../stats/index.ts';

/** `workerData` of the users worker: what to run, all of it structured-cloneable. */
export interface UsersWorkerData extends RunSpec {
  kind: 'loadlens-users';
  /** How often the worker sends its encoded stats (the heartbeat), ms. */
  heartbeatMs: number;
}

/** Users worker → coordinator. */
export type UsersToCoordinator =
  /** Alive, with everything measured so far: what the coordinator reports if the worker gets stuck. */
  | { kind: 'heartbeat'; stats?: EncodedStats; iterations: number; droppedIterations: number; telemetry?: TelemetryCounts; cpuMs: number }
  /** The runner started: the outputs start (relayed Output.start). */
  | { kind: 'start'; header: RunHeader; thresholds: Record<string, string>; gracefulStopMs: number }
  /** A snapshot for the outputs, about once a second (relayed Output.add). */
  | { kind: 'snapshot'; snapshot: StatsSnapshot }
  /** An exception from Loadlens's own code reached the worker (the run stops; its report is still written). */
  | { kind: 'internal-error'; fault: InternalError }
  /** The run ended: the outputs get the report; `stats` are the final encoded stats (a workers parent merges them). */
  | { kind: 'finished'; report: RunReport; internalErrors: InternalError[] }
  /** The scenario could not start: diagnostics in the user's files, problems in the environment. */
  | { kind: 'invalid'; diagnostics: Diagnostic[]; problems: string[] };

/** Coordinator → users worker: the stop escalation (first, second and third Ctrl+C, or a stop message). */
export type CoordinatorToUsers =
  /** Graceful: users finish their iteration within the grace period. */
  | { kind: 'stop'; reason: 'signal' | 'stop-requested' }
  /** In-flight requests are cancelled and counted ('cancelled at stop'). */
  | { kind: 'cancel' }
  /** The telemetry flush ends now; unexported spans are counted as lost. */
  | { kind: 'abort-flush' };
