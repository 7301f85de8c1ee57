/**
 * `loadlens run --workers N`: N worker processes of this same engine, worker i running shard i/N of the
 * plan with one shared run id, and this process (the parent) merging what they measure into ONE set of
 * outputs: one terminal table, one NDJSON stream, one report, one results panel in the editor.
 *
 * Why processes rather than more worker threads: one Node process is one event loop, and the HTTP
 * client, the stats and the telemetry of its users all run on it; a second process is a second core.
 * Each worker runs its users through its own Coordinator (worker-process.ts), so a stuck scenario or a
 * heap limit is handled inside the worker as in a one-process run.
 *
 * What the parent keeps of each worker: its newest encoded stats (cumulative, about once a second) and
 * its last progress. The live snapshot merges them (`Stats.merge`: percentiles from the merged HDR
 * histograms, counts summed, users summed); the report merges the final stats and evaluates the
 * thresholds on the whole run. A worker that ends without its report (kill -9, a crash) is reported with
 * its exit reason, and what it had sent stays in the merge; the others go on.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { assertNever } from '../../shared/protocol.ts';
import type { IterationError, RunReport, RunState, StatsSnapshot, TelemetryCounts, WorkerLive, WorkerSummary } from '../../shared/report.ts';
import { describeLostWorker, describeWorkerEnd, workerName } from '../../shared/workers.ts';
import type { RunHeader, RunSpec, StopReason } from '../../shared/run.ts';
import type { Output } from '../outputs/output.ts';
import { Stats, type EncodedStats } from '../stats/index.ts';
import type { AbortReason, CoordinatedResult } from './coordinator.ts';
import { mergeShardReports, PLANNED_STOPS, type ShardReportFile } from './merge.ts';
import { buildReport } from './runner.ts';
import type { InternalError } from './session.ts';
import { formatShard } from './shard.ts';
import type { ParentToWorker, WorkerProgress, WorkerToParent } from './workers-protocol.ts';

export interface WorkersOptions {
  /** What every worker runs, before its shard is added; its run id (default: a new UUID) is every worker's. */
  session: RunSpec;
  /** How many worker processes (≥ 1). */
  count: number;
  /** The engine's entry (process.argv[1]): each worker is `node EXEC_ARGV ENTRY worker`. */
  entry: string;
  /** Node options of the workers: the engine's own (ENGINE_NODE_FLAGS), as every launcher passes them. */
  execArgv: readonly string[];
  /** Built when every worker's users have started; they get `start`, a merged snapshot a second and the report. */
  outputs: () => Output[];
  onInternalError?: (fault: InternalError) => void;
  /** A worker ended before the run did: said at once (stderr, the editor's output channel) and in the report. */
  onWorkerLost?: (message: string) => void;
  /** After a forced end (fourth Ctrl+C), how long workers get to hand over their report before they are killed. Default 3000 ms. */
  forceGraceMs?: number;
  /** How often the merged snapshot goes to the outputs. Default 1000 ms. */
  snapshotEveryMs?: number;
}

/** One worker process as the parent sees it. */
interface WorkerState {
  index: number;
  child: ChildProcess;
  ready: boolean;
  /** Stop-ladder messages sent before the worker was ready, delivered after `run`. */
  pending: ParentToWorker[];
  started?: Extract<WorkerToParent, { kind: 'started' }>;
  /** Newest encoded stats (cumulative): what is kept if the worker is lost. */
  stats?: EncodedStats;
  progress?: WorkerProgress;
  finished?: Extract<WorkerToParent, { kind: 'finished' }>;
  invalid?: Extract<WorkerToParent, { kind: 'invalid' }>;
  /** Set once the process has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  /** What stderr, the editor and the report's note say of it when it ended without a report. */
  lost?: string;
  /** How it ended then, as WorkerSummary.lost and WorkerLive.lost say it: 'SIGKILL', 'exit code 1'. */
  lostReason?: string;
}

/** Run states in order: the merged run is in the state of its least advanced worker. */
const STATE_ORDER: readonly RunState[] = ['idle', 'spawning', 'running', 'stopping', 'stopped'];

export class WorkerProcesses {
  private readonly options: WorkersOptions;
  private readonly runId: string;
  private workers: WorkerState[] = [];
  private outputs: Output[] = [];
  private header: RunHeader | undefined;
  private stopReason: StopReason | undefined;
  private stopping = false;
  /** A worker's scenario was invalid: the run will not start, the other workers are being ended. */
  private invalid = false;
  private readonly internalErrors: InternalError[] = [];
  private settled = false;
  private resolve!: (result: CoordinatedResult) => void;
  private ticker: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** The merged stats of the last snapshot, reused until a worker sends new stats. */
  private merged: Stats | undefined;
  private statsChanged = true;
  /** This process's CPU when the load started: its own share of the run's CPU (merging, outputs) is counted too. */
  private cpuAtStart: NodeJS.CpuUsage | undefined;

  constructor(options: WorkersOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError(`workers: count must be an integer ≥ 1, got ${options.count}`);
    this.options = options;
    this.runId = options.session.runId ?? randomUUID();
  }

  /** Starts the workers; resolves with the merged report once the outputs have it (or why the run could not start). */
  run(): Promise<CoordinatedResult> {
    const done = new Promise<CoordinatedResult>(resolve => (this.resolve = resolve));
    const count = this.options.count;
    for (let index = 0; index < count; index++) {
      const child = fork(this.options.entry, ['worker'], {
        execArgv: [...this.options.execArgv],
        // Its own process group: a Ctrl+C in the terminal reaches the parent only, which forwards each
        // step of the stop ladder once. (A worker whose parent dies sees its channel close and ends.)
        // Not on Windows, where detached means a console window of its own; a worker ignores SIGINT there.
        detached: process.platform !== 'win32',
        windowsHide: true,
        // The scenario's console output goes where a one-process run's goes.
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'json',
      });
      const worker: WorkerState = { index, child, ready: false, pending: [] };
      this.workers.push(worker);
      child.on('message', (message: WorkerToParent) => this.onMessage(worker, message));
      // A spawn that failed (EAGAIN) emits 'error' and no 'exit'.
      child.on('error', error => {
        if (child.pid === undefined) this.onExit(worker, null, null, `could not be started (${error.message})`);
      });
      child.on('exit', (code, signal) => this.onExit(worker, code, signal));
    }
    return done;
  }

  /** First Ctrl+C or the editor's Stop: every worker stops gracefully. */
  stop(reason: 'signal' | 'stop-requested'): void {
    this.stopReason ??= reason;
    this.stopping = true;
    this.broadcast({ kind: 'stop', reason });
  }

  /** Second Ctrl+C: every worker cancels its in-flight requests (counted). */
  cancel(): void {
    this.stopReason ??= 'signal';
    this.stopping = true;
    this.broadcast({ kind: 'cancel' });
  }

  /** Third Ctrl+C: every worker cuts its telemetry flush short. */
  abortFlush(): void {
    this.stopReason ??= 'signal';
    this.stopping = true;
    this.broadcast({ kind: 'abort-flush' });
  }

  /** Fourth Ctrl+C: every worker ends now from its stats; one that does not answer in time is killed. */
  forceEnd(): void {
    this.stopReason ??= 'signal';
    this.stopping = true;
    this.broadcast({ kind: 'force-end' });
    this.timers.push(setTimeout(() => {
      for (const worker of this.workers) if (!worker.exit) worker.child.kill('SIGKILL');
    }, this.options.forceGraceMs ?? 3000).unref());
  }

  private broadcast(message: ParentToWorker): void {
    for (const worker of this.workers) this.send(worker, message);
  }

  private send(worker: WorkerState, message: ParentToWorker): void {
    if (worker.exit || worker.finished) return;
    if (!worker.ready && message.kind !== 'run') return void worker.pending.push(message);
    if (worker.child.connected) worker.child.send(message);
  }

  /** The parent's run as one worker runs it: its shard of the plan, the shared run id, one process. */
  private request(worker: WorkerState): RunSpec {
    const { workers: _workers, ...session } = this.options.session;
    const shard = formatShard({ index: worker.index, count: this.options.count });
    return { ...session, runId: this.runId, overrides: { ...session.overrides, shard } };
  }

  private onMessage(worker: WorkerState, message: WorkerToParent): void {
    switch (message.kind) {
      case 'ready':
        worker.ready = true;
        this.send(worker, { kind: 'run', request: this.request(worker) });
        for (const pending of worker.pending.splice(0)) this.send(worker, pending);
        break;
      case 'started':
        worker.started = message;
        this.startOutputsOnceAllStarted();
        break;
      case 'stats':
        worker.stats = message.stats;
        worker.progress = message.progress;
        this.statsChanged = true;
        break;
      case 'progress':
        worker.progress = message.progress;
        break;
      case 'internal-error':
        this.recordInternal(message.fault);
        break;
      case 'finished':
        worker.finished = message;
        // A worker runs a shard, so its report carries its final stats, encoded (runner.ts mergeable).
        if (message.report.encodedStats) worker.stats = message.report.encodedStats as EncodedStats;
        this.statsChanged = true;
        for (const fault of message.internalErrors) this.recordInternal(fault);
        this.killUnlessExited(worker);
        break;
      case 'invalid':
        worker.invalid = message;
        this.killUnlessExited(worker);
        this.failToStart();
        break;
      default:
        assertNever(message);
    }
  }

  private onExit(worker: WorkerState, code: number | null, signal: NodeJS.Signals | null, why?: string): void {
    if (worker.exit) return;
    worker.exit = { code, signal, at: Date.now() };
    // Workers ended because another one's scenario was invalid are not news: the diagnostics are.
    if (!worker.finished && !worker.invalid && !this.invalid) {
      worker.lostReason = signal ?? (code !== null ? `exit code ${code}` : why ?? 'ended without its report');
      // The words the panel and the HTML report use for it too (src/shared/workers.ts).
      const message = worker.started
        ? `${describeLostWorker({ ...named(worker), requests: worker.stats ? requestsIn(worker.stats) : 0, lost: worker.lostReason })}; the other workers go on`
        : `${workerName(named(worker))} ${describeWorkerEnd(worker.lostReason)} before it had started its users`;
      worker.lost = message;
      this.options.onWorkerLost?.(message);
      if (!this.header) this.startOutputsOnceAllStarted();
      // The person watching sees it at once, not at the next tick.
      else this.tick();
    }
    this.finishOnceAllEnded();
  }

  /** A worker that reported exits at once; one that does not within 5 s is ended (the run ends when all have exited). */
  private killUnlessExited(worker: WorkerState): void {
    this.timers.push(setTimeout(() => {
      if (!worker.exit) worker.child.kill('SIGKILL');
    }, 5000).unref());
  }

  private recordInternal(fault: InternalError): void {
    if (this.internalErrors.length >= 10 || this.internalErrors.some(f => f.stack === fault.stack)) return;
    this.internalErrors.push(fault);
    this.options.onInternalError?.(fault);
  }

  /** One worker's scenario is invalid: so is every worker's (the same file). The diagnostics are said once. */
  private failToStart(): void {
    if (this.header || this.settled) return;
    this.invalid = true;
    for (const worker of this.workers) if (!worker.exit && !worker.invalid) worker.child.kill('SIGKILL');
    this.finishOnceAllEnded();
  }

  /** Outputs start once every worker has either started its users or ended. */
  private startOutputsOnceAllStarted(): void {
    if (this.header || this.settled) return;
    if (this.workers.some(w => !w.started && !w.exit && !w.invalid)) return;
    if (this.workers.some(w => w.invalid)) return this.failToStart();
    const started = this.workers.flatMap(w => (w.started ? [w.started] : []));
    if (started.length === 0) return this.finishOnceAllEnded();
    // The run as a whole: one id, the earliest start, every worker's share of the users.
    const { shard: _shard, ...first } = started[0]!.header;
    this.header = {
      ...first,
      runId: this.runId,
      ...(this.options.count > 1 ? { workers: this.options.count } : {}),
      startedAt: Math.min(...started.map(s => s.header.startedAt)),
      targetUsers: started.reduce((sum, s) => sum + s.header.targetUsers, 0),
    };
    this.cpuAtStart = process.cpuUsage();
    this.outputs = this.options.outputs();
    for (const output of this.outputs) output.start(this.header);
    this.ticker = setInterval(() => this.tick(), this.options.snapshotEveryMs ?? 1000);
  }

  /** Every worker's newest stats merged (recomputed only when some changed). */
  private mergedStats(): Stats {
    if (this.merged && !this.statsChanged) return this.merged;
    const stats = new Stats();
    for (const worker of this.workers) if (worker.stats) stats.merge(worker.stats);
    this.merged = stats;
    this.statsChanged = false;
    return stats;
  }

  /** The merged snapshot: counts and percentiles from the merged stats, users and counters summed. */
  private tick(): void {
    if (!this.header || this.settled) return;
    const live = this.workers.filter(w => !w.exit && !w.finished);
    const states = live.map(w => w.progress?.state ?? 'spawning');
    let state: RunState = states.length === 0 ? 'stopping'
      : STATE_ORDER[Math.min(...states.map(s => STATE_ORDER.indexOf(s)))]!;
    if (this.stopping && (state === 'spawning' || state === 'running')) state = 'stopping';
    const snapshot: StatsSnapshot = this.mergedStats().snapshot({
      runId: this.runId, scenario: this.header.scenario, state, startedAt: this.header.startedAt, now: Date.now(),
      users: live.reduce((sum, w) => sum + (w.progress?.users ?? 0), 0), targetUsers: this.header.targetUsers,
    });
    const telemetry = sumTelemetry(this.workers.map(w => w.progress?.telemetry));
    if (telemetry) snapshot.telemetry = telemetry;
    const dropped = this.workers.reduce((sum, w) => sum + (w.progress?.droppedIterations ?? 0), 0);
    if (dropped > 0) snapshot.droppedIterations = dropped;
    // Each worker as the parent sees it (a few dozen bytes each): only a run of several has them.
    if (this.workers.length > 1) snapshot.workers = this.workers.map(w => this.liveWorker(w));
    for (const output of this.outputs) output.add(snapshot);
  }

  /** One worker now: its users while it runs, the requests it has reported, how it ended if it was lost. */
  private liveWorker(worker: WorkerState): WorkerLive {
    const running = !worker.exit && !worker.finished;
    return {
      ...named(worker),
      users: running ? worker.progress?.users ?? 0 : 0,
      requests: worker.stats ? requestsIn(worker.stats) : 0,
      ...(worker.lostReason !== undefined ? { lost: worker.lostReason } : {}),
    };
  }

  /** Once every worker has ended (reported or lost): one report from the merged stats, to every output. */
  private finishOnceAllEnded(): void {
    if (this.settled) return;
    // Every worker has exited (one that reported exits right after): no process outlives the run.
    if (this.workers.some(w => !w.exit)) return;
    if (!this.header) {
      this.settle();
      const invalid = this.workers.find(w => w.invalid)?.invalid;
      if (invalid) this.resolve({ ok: false, diagnostics: invalid.diagnostics, problems: invalid.problems });
      else this.resolve({ ok: false, diagnostics: [], problems: this.workers.map(w => `loadlens: ${w.lost ?? `worker ${w.index + 1} ended before its run started`}`) });
      return;
    }
    this.settle();
    void this.writeReport();
  }

  private settle(): void {
    this.settled = true;
    clearInterval(this.ticker);
    for (const timer of this.timers) clearTimeout(timer);
  }

  /**
   * The run's one report: `loadlens merge`'s own rule (mergeShardReports: merged histograms, summed
   * counts, timelines aligned by wall clock, thresholds judged on the whole run) over every worker's
   * report. A lost worker counts with a report made from the last stats it sent, whose one note says
   * how it ended; a worker whose own coordinator ended its users keeps that note too (both named by
   * their shard).
   */
  private async writeReport(): Promise<void> {
    const header = this.header!;
    const thresholds = this.workers.find(w => w.started)?.started?.thresholds ?? {};
    const inputs: ShardReportFile[] = this.workers.map(worker => ({
      file: workerName(named(worker)),
      report: this.shardReport(worker, header, thresholds),
    }));
    const { report } = mergeShardReports(inputs);
    // One run in N processes, not shards merged after the fact: `workers` says so.
    delete report.mergedShards;
    report.header = { ...report.header, ...(header.workers !== undefined ? { workers: header.workers } : {}) };
    const finished = this.workers.flatMap(w => (w.finished ? [w.finished.report] : []));
    // The run's own stop, else the first worker's that did not end as planned, else theirs: a lost
    // worker's report says 'error', which is not why the run ended.
    report.stopReason = this.stopReason ?? finished.find(r => !PLANNED_STOPS.has(r.stopReason))?.stopReason ?? finished[0]?.stopReason ?? 'error';
    const aborted: AbortReason | undefined = this.workers.find(w => w.finished?.aborted)?.finished?.aborted
      ?? (this.workers.some(w => w.lost) ? 'worker-failed' : undefined);
    if (aborted) report.aborted = aborted;
    report.parentCpuMs = ownCpuMs(this.cpuAtStart);
    report.workers = this.workers.map((worker): WorkerSummary => ({
      ...named(worker),
      requests: worker.stats ? requestsIn(worker.stats) : 0,
      cpuMs: worker.finished?.report.cpuMs ?? worker.progress?.cpuMs ?? 0,
      ...(worker.finished ? { peakRssMb: worker.finished.peakRssMb } : {}),
      ...(worker.lostReason !== undefined ? { lost: worker.lostReason } : {}),
    }));
    const written = await Promise.allSettled(this.outputs.map(output => output.stop(report)));
    const outputErrors = written.flatMap(result => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
    this.resolve({ ok: true, report, internalErrors: this.internalErrors, outputErrors, ...(aborted ? { aborted } : {}) });
  }

  /**
   * One worker's report as a shard's, with what a merge needs (its shard, its final or last encoded
   * stats, the thresholds as written): its own when it reported, else one made from what it had sent.
   */
  private shardReport(worker: WorkerState, header: RunHeader, thresholds: Record<string, string>): RunReport {
    const shard = { index: worker.index, count: this.options.count };
    const encoded = worker.stats ?? new Stats().encode();
    if (worker.finished) {
      const { report } = worker.finished;
      return { ...report, header: { ...report.header, shard }, encodedStats: encoded, thresholdsWritten: thresholds };
    }
    const stats = new Stats();
    stats.merge(encoded);
    const report = buildReport({
      stats, header: { ...(worker.started?.header ?? header), runId: this.runId, shard }, endedAt: worker.exit?.at ?? Date.now(), thresholds, stopReason: 'error',
      iterations: worker.progress?.iterations ?? 0, droppedIterations: worker.progress?.droppedIterations ?? 0, cpuMs: worker.progress?.cpuMs ?? 0,
      telemetry: worker.progress?.telemetry,
    });
    const note: IterationError = { message: worker.lost ?? `${workerName(named(worker))} ended without its report`, count: 1 };
    return { ...report, iterationErrors: [note, ...report.iterationErrors], encodedStats: encoded, thresholdsWritten: thresholds };
  }
}

/** A worker's place and process, as the words (src/shared/workers.ts) and the report name it. */
function named(worker: WorkerState): { index: number; pid?: number } {
  return { index: worker.index, ...(worker.child.pid !== undefined ? { pid: worker.child.pid } : {}) };
}

/** This process's CPU (user + system) since `since`, ms. */
function ownCpuMs(since: NodeJS.CpuUsage | undefined): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

/** Requests in a worker's encoded stats (its aggregate row). */
function requestsIn(stats: EncodedStats): number {
  return stats.aggregate.count;
}

/** Export counts of several workers added up; the last export error of any. */
function sumTelemetry(counts: Array<TelemetryCounts | undefined>): TelemetryCounts | undefined {
  const present = counts.filter((c): c is TelemetryCounts => c !== undefined);
  if (present.length === 0) return undefined;
  const lastError = present.findLast(c => c.lastExportError !== undefined)?.lastExportError;
  return {
    spansExported: present.reduce((sum, c) => sum + c.spansExported, 0),
    spansDropped: present.reduce((sum, c) => sum + c.spansDropped, 0),
    exportFailures: present.reduce((sum, c) => sum + c.exportFailures, 0),
    spansLost: present.reduce((sum, c) => sum + (c.spansLost ?? 0), 0),
    ...(lastError !== undefined ? { lastExportError: lastError } : {}),
  };
}
