/**
 * The coordinator: runs a scenario's users in a worker thread and keeps, in the main thread, what must
 * survive them: signal handling, the outputs (terminal, NDJSON, report files, IPC) and the stats the
 * worker already sent. Whatever the scenario does, the process that reports is never the one that is
 * stuck:
 * - a synchronous loop in user code stops the worker's heartbeat: after `stuckAfterMs` the
 *   coordinator terminates the worker and writes the report from the last stats it received;
 * - unbounded allocation hits the worker's heap limit (`resourceLimits`): V8 ends the worker, not the
 *   process, and the report says "out of memory";
 * - a stop the worker does not finish in time (the grace period, the telemetry flush, a margin) or a
 *   fourth Ctrl+C ends it the same way.
 *
 * Why a worker thread rather than a child process: the same `node` binary and bundle, no second
 * process to find, no IPC serialization per message (structured clone), memory limits set per worker
 * by `resourceLimits`, and `terminate()` stops even a synchronous loop. Signals reach only the main
 * thread, which is what we want: the coordinator decides.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AbortReason, Diagnostic, IterationError, RunReport, TelemetryCounts } from '../../shared/report.ts';
import type { Output } from '../outputs/output.ts';
import type { RunHeader, RunSpec, StopReason } from '../../shared/run.ts';
import { buildReport } from './runner.ts';
import type { InternalError } from './session.ts';
import { Stats, type EncodedStats } from '../stats/index.ts';
import type { CoordinatorToUsers, UsersToCoordinator, UsersWorkerData } from './users-protocol.ts';

export interface CoordinatorOptions {
  /** What the worker runs (file, scenario, overrides, ...). */
  session: RunSpec;
  /** The script the worker thread starts: the engine's own entry (dist/engine.js or src/engine/main.ts). */
  workerFile: string;
  /** Built when the run starts; they receive `start`, a snapshot a second and the report. */
  outputs: () => Output[];
  onInternalError?: (fault: InternalError) => void;
  /** Heap limit of the users worker in MB; default: half the machine's memory, between 512 and 4096. */
  heapLimitMb?: number;
  /** No heartbeat for this long: the users are stuck (a synchronous loop). Default 10 000 ms. */
  stuckAfterMs?: number;
  /** How often the worker sends a heartbeat (its encoded stats ride on one a second at most). Default 250 ms. */
  heartbeatMs?: number;
  /** Margin after the grace period and the telemetry flush before a stop is forced. Default 15 000 ms. */
  stopMarginMs?: number;
  /** The users started (a worker process tells its parent, which needs the thresholds to judge the whole run). */
  onUsersStarted?: (start: Extract<UsersToCoordinator, { kind: 'start' }>) => void;
  /** New encoded stats from the users, at most about once a second (a worker process relays them to its parent). */
  onUsersStats?: (heartbeat: Extract<UsersToCoordinator, { kind: 'heartbeat' }> & { stats: EncodedStats }) => void;
}

/** Why the coordinator wrote the report itself: the worker could not. */
export type { AbortReason };

export type CoordinatedResult =
  | {
    ok: true; report: RunReport; internalErrors: InternalError[]; outputErrors: string[]; aborted?: AbortReason;
  }
  | { ok: false; diagnostics: Diagnostic[]; problems: string[] };

/** The users worker's default heap limit: half the machine's memory, at least 512 MB and at most 4 GB. */
export function defaultHeapLimitMb(): number {
  return Math.max(512, Math.min(4096, Math.floor(os.totalmem() / 1024 / 1024 / 2)));
}

export class Coordinator {
  private readonly options: CoordinatorOptions;
  private worker: Worker | undefined;
  private outputs: Output[] = [];
  private header: RunHeader | undefined;
  private thresholds: Record<string, string> = {};
  private gracefulStopMs = 0;
  private last: Extract<UsersToCoordinator, { kind: 'heartbeat' }> | undefined;
  private lastTelemetry: TelemetryCounts | undefined;
  private lastBeatAt = Date.now();
  private readonly internalErrors: InternalError[] = [];
  private stopReason: StopReason | undefined;
  private settled = false;
  private resolve!: (result: CoordinatedResult) => void;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(options: CoordinatorOptions) {
    this.options = options;
  }

  /** Starts the worker; resolves with the report once the outputs have it (or with why the run could not start). */
  run(): Promise<CoordinatedResult> {
    const heartbeatMs = this.options.heartbeatMs ?? 250;
    const data: UsersWorkerData = { kind: 'loadlens-users', ...this.options.session, heartbeatMs };
    const heapLimitMb = this.options.heapLimitMb ?? defaultHeapLimitMb();
    const worker = new Worker(this.options.workerFile, {
      workerData: data,
      // The engine's own young generation setting (ENGINE_NODE_FLAGS' --min-semi-space-size=16) does
      // not reach a worker: give it the same room, or the hot path pays in scavenges.
      resourceLimits: { maxOldGenerationSizeMb: heapLimitMb, maxYoungGenerationSizeMb: 48 },
      // Our stdout/stderr, not piped through the main thread: a stuck main thread is not an option anyway.
      stdout: false, stderr: false,
    });
    this.worker = worker;
    const done = new Promise<CoordinatedResult>(resolve => (this.resolve = resolve));
    worker.on('message', (message: UsersToCoordinator) => void this.onMessage(message));
    worker.on('error', error => {
      const code = (error as Error & { code?: string }).code;
      if (code === 'ERR_WORKER_OUT_OF_MEMORY') void this.abort('out-of-memory', `the scenario ran out of memory (the users' heap limit is ${heapLimitMb} MB; raise it with LOADLENS_USERS_HEAP_MB): the users were stopped and this report has what was measured until then`);
      else {
        this.recordInternal({ message: `${error.name}: ${error.message}`, stack: error.stack ?? error.message });
        void this.abort('worker-failed', `the users stopped on an internal error (${error.message}): this report has what was measured until then`);
      }
    });
    worker.on('exit', code => {
      if (!this.settled) void this.abort('worker-failed', `the users worker exited (code ${code}) before the run ended: this report has what was measured until then`);
    });
    const stuckAfterMs = this.options.stuckAfterMs ?? 10_000;
    this.timers.push(setInterval(() => {
      const silentMs = Date.now() - this.lastBeatAt;
      if (silentMs > stuckAfterMs) {
        void this.abort('users-stuck', `the scenario's code did not yield for ${Math.round(silentMs / 1000)} s (a synchronous loop?): the users were stopped and this report has what was measured until then`);
      }
    }, Math.min(1000, stuckAfterMs / 4)));
    return done;
  }

  /** First Ctrl+C or a stop message: users finish their iteration within the grace period. */
  stop(reason: 'signal' | 'stop-requested'): void {
    this.stopReason ??= reason;
    this.post({ kind: 'stop', reason });
    // The worker has the grace period, the telemetry flush (bounded at 10 s) and a margin; then the stop is forced.
    const boundMs = this.gracefulStopMs + 10_000 + (this.options.stopMarginMs ?? 15_000);
    this.timers.push(setTimeout(() => void this.abort('forced', `the run did not end within ${Math.round(boundMs / 1000)} s of the stop: the users were stopped and this report has what was measured until then`), boundMs).unref());
  }

  /** Second Ctrl+C: in-flight requests are cancelled and counted. */
  cancel(): void {
    this.stopReason ??= 'signal';
    this.post({ kind: 'cancel' });
  }

  /** Third Ctrl+C: the telemetry flush ends now; the worker has `graceMs` to hand over its report. */
  abortFlush(graceMs = 2000): void {
    this.stopReason ??= 'signal';
    this.post({ kind: 'abort-flush' });
    this.timers.push(setTimeout(() => void this.abort('forced', 'stopped at once (Ctrl+C three times): this report has what was measured until then'), graceMs).unref());
  }

  /** Fourth Ctrl+C: end now, from the stats already received. */
  forceEnd(): void {
    void this.abort('forced', 'stopped at once (Ctrl+C four times): this report has what was measured until then');
  }

  private post(message: CoordinatorToUsers): void {
    if (!this.settled) this.worker?.postMessage(message);
  }

  private recordInternal(fault: InternalError): void {
    if (this.internalErrors.length >= 10) return;
    this.internalErrors.push(fault);
    this.options.onInternalError?.(fault);
  }

  private async onMessage(message: UsersToCoordinator): Promise<void> {
    if (this.settled) return;
    this.lastBeatAt = Date.now();
    switch (message.kind) {
      case 'heartbeat':
        // Stats come with some heartbeats only: keep the newest stats, and the newest counts.
        this.last = { ...message, stats: message.stats ?? this.last?.stats };
        if (message.stats) this.options.onUsersStats?.({ ...message, stats: message.stats });
        break;
      case 'start':
        this.header = message.header;
        this.thresholds = message.thresholds;
        this.gracefulStopMs = message.gracefulStopMs;
        this.options.onUsersStarted?.(message);
        this.outputs = this.options.outputs();
        for (const output of this.outputs) output.start(message.header);
        break;
      case 'snapshot':
        if (message.snapshot.telemetry) this.lastTelemetry = message.snapshot.telemetry;
        for (const output of this.outputs) output.add(message.snapshot);
        break;
      case 'internal-error':
        this.recordInternal(message.fault);
        break;
      case 'invalid':
        this.finish({ ok: false, diagnostics: message.diagnostics, problems: message.problems });
        break;
      case 'finished': {
        this.settled = true;
        for (const fault of message.internalErrors) if (!this.internalErrors.some(f => f.stack === fault.stack)) this.recordInternal(fault);
        const outputErrors = await this.writeReport(message.report);
        this.finish({ ok: true, report: message.report, internalErrors: this.internalErrors, outputErrors });
        break;
      }
    }
  }

  /** The worker cannot finish the run: end it, and report what it had sent. */
  private async abort(reason: AbortReason, why: string): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.worker?.terminate();
    if (!this.header) {
      const problem = reason === 'out-of-memory' || reason === 'users-stuck'
        ? `loadlens: the scenario file did not finish loading: ${why.replace(/: the users were stopped.*$/, '')}`
        : `loadlens: ${why.replace(/: this report has.*$/, '')}; the run had not started`;
      this.finish({ ok: false, diagnostics: [], problems: [problem] });
      return;
    }
    const stats = new Stats();
    if (this.last?.stats) stats.merge(this.last.stats);
    const report = buildReport({
      stats, header: this.header, endedAt: Date.now(), thresholds: this.thresholds,
      stopReason: reason === 'users-stuck' || reason === 'out-of-memory' ? reason : this.stopReason ?? 'error',
      iterations: this.last?.iterations ?? 0, droppedIterations: this.last?.droppedIterations ?? 0,
      cpuMs: this.last?.cpuMs ?? 0, telemetry: this.lastTelemetry,
    });
    const note: IterationError = { message: why, count: 1 };
    report.iterationErrors = [note, ...report.iterationErrors];
    report.aborted = reason;
    const outputErrors = await this.writeReport(report);
    this.finish({ ok: true, report, internalErrors: this.internalErrors, outputErrors, aborted: reason });
  }

  /** Hands the report to every output; returns why any could not take it. */
  private async writeReport(report: RunReport): Promise<string[]> {
    const written = await Promise.allSettled(this.outputs.map(output => output.stop(report)));
    return written.flatMap(result => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
  }

  private finish(result: CoordinatedResult): void {
    this.settled = true;
    for (const timer of this.timers) clearTimeout(timer);
    void this.worker?.terminate();
    this.resolve(result);
  }
}
