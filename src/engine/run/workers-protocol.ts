/**
 * Messages between the parent of a `--workers N` run and its worker processes (each a `loadlens worker`
 * child of the same engine, running one shard of the plan through its own Coordinator and users
 * thread). Both ends are the engine and the messages carry engine types (encoded stats), so they live
 * here, beside users-protocol.ts, rather than in src/shared/protocol.ts (messages between programs).
 *
 * All of it is plain JSON: the channel is Node's IPC with JSON serialization.
 */
import type { Diagnostic, RunReport, RunState, TelemetryCounts } from '../../shared/report.ts';
import type { RunHeader, RunSpec } from '../../shared/run.ts';
import type { EncodedStats } from '../stats/index.ts';
import type { AbortReason } from './coordinator.ts';
import type { InternalError } from './session.ts';

/** A worker's live numbers besides its stats: what the parent sums for the live snapshot. */
export interface WorkerProgress {
  users: number;
  state: RunState;
  iterations: number;
  droppedIterations: number;
  /** CPU time of the worker's users thread so far (user + system, ms). */
  cpuMs: number;
  telemetry?: TelemetryCounts;
}

/** Parent → worker process. */
export type ParentToWorker =
  /**
   * Run this (sent once, after `ready`): the parent's run with `overrides.shard` this worker's share of
   * the plan ('i/N', 0-based, as `--shard` takes it) and the run id every worker shares.
   */
  | { kind: 'run'; request: RunSpec }
  /** First Ctrl+C or the editor's Stop: users finish their iteration within the grace period. */
  | { kind: 'stop'; reason: 'signal' | 'stop-requested' }
  /** Second Ctrl+C: in-flight requests are cancelled and counted. */
  | { kind: 'cancel' }
  /** Third Ctrl+C: the telemetry flush ends now. */
  | { kind: 'abort-flush' }
  /** Fourth Ctrl+C: end now, from the stats the worker's coordinator already has. */
  | { kind: 'force-end' };

/** Worker process → parent. */
export type WorkerToParent =
  /** The process is up and waits for `run`. */
  | { kind: 'ready'; pid: number }
  /** The scenario loaded and this worker's users started. */
  | { kind: 'started'; header: RunHeader; thresholds: Record<string, string>; gracefulStopMs: number }
  /** Everything this worker measured so far (cumulative), about once a second (less often when encoding is slow). */
  | { kind: 'stats'; stats: EncodedStats; progress: WorkerProgress }
  /** Its users and state at its runner's tick, once a second: the live users count need not wait for the stats. */
  | { kind: 'progress'; progress: WorkerProgress }
  /** A fault in Loadlens itself in this worker (its run stops; its report still follows). */
  | { kind: 'internal-error'; fault: InternalError }
  /** This worker's run ended: its report (with its final stats, encoded: a shard's report carries them), and whether its coordinator had to force it. */
  | { kind: 'finished'; report: RunReport; internalErrors: InternalError[]; aborted?: AbortReason; peakRssMb: number }
  /** The scenario could not start: diagnostics in the user's files, problems in the environment. */
  | { kind: 'invalid'; diagnostics: Diagnostic[]; problems: string[] };
