/**
 * The users worker: a worker thread that loads the scenario and runs the virtual users (the runner,
 * its HTTP clients and telemetry). The coordinator in the main thread owns signals, outputs and the
 * report, so a scenario stuck in a synchronous loop or out of memory cannot take the report with it.
 *
 * Hot path: nothing per request crosses the thread boundary. The worker sends a heartbeat every
 * `heartbeatMs` (250 ms), its encoded stats at most once a second (see `heartbeat`), and one snapshot
 * a second for the live outputs.
 */
import { parentPort } from 'node:worker_threads';
import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from '../outputs/output.ts';
import type { Runner } from './runner.ts';
import { runSession } from './session.ts';
import type { EncodedStats } from '../stats/index.ts';
import type { ResolvedRunOptions } from '../scenario/run-options.ts';
import type { CoordinatorToUsers, UsersToCoordinator, UsersWorkerData } from './users-protocol.ts';

/** Hands the runner's output calls to the coordinator, which holds the real outputs. */
class RelayOutput implements Output {
  readonly #post: (message: UsersToCoordinator) => void;
  readonly #run: ResolvedRunOptions;

  constructor(post: (message: UsersToCoordinator) => void, run: ResolvedRunOptions) {
    this.#post = post;
    this.#run = run;
  }

  start(header: RunHeader): void {
    this.#post({ kind: 'start', header, thresholds: { ...this.#run.thresholds }, gracefulStopMs: this.#run.gracefulStopMs });
  }

  add(snapshot: StatsSnapshot): void {
    this.#post({ kind: 'snapshot', snapshot });
  }

  // The report goes to the coordinator with the session's result ('finished').
  async stop(_report: RunReport): Promise<void> {}
}

/** Runs one session in this worker thread; resolves when the result was posted. */
export async function runUsersWorker(data: UsersWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runUsersWorker: not in a worker thread');
  const post = (message: UsersToCoordinator) => port.postMessage(message);
  let runner: Runner | undefined;
  const cpuAtStart = process.cpuUsage();
  // Encoding the stats costs (HDR histograms, compressed): about 8 ms for one row, 240 ms for 200 on
  // this machine. So the heartbeat is cheap and frequent (liveness), and carries the encoded stats at
  // most once a second and at most 1 % of the worker's time: a stuck worker loses that much at most.
  let nextStatsAt = 0;
  let lastStats: EncodedStats | undefined;
  const heartbeat = () => {
    const now = performance.now();
    if (runner && now >= nextStatsAt) {
      lastStats = runner.stats.encode();
      const costMs = performance.now() - now;
      nextStatsAt = now + Math.max(1000, costMs * 100);
    }
    const cpu = process.cpuUsage(cpuAtStart);
    const progress = runner?.progress;
    post({
      kind: 'heartbeat',
      ...(lastStats ? { stats: lastStats } : {}),
      iterations: progress?.iterations ?? 0,
      droppedIterations: progress?.droppedIterations ?? 0,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    });
    // Sent once: structured clone copies it; the next heartbeats only say "alive" until the next encode.
    lastStats = undefined;
  };
  // From the start: loading a scenario whose top level never returns is a stuck worker too.
  const beat = setInterval(heartbeat, data.heartbeatMs);
  // A stop that comes while the scenario is still loading applies as soon as the runner exists.
  const pending: CoordinatorToUsers[] = [];
  const apply = (message: CoordinatorToUsers) => {
    if (!runner) return void pending.push(message);
    switch (message.kind) {
      case 'stop': runner.stop(message.reason); break;
      case 'cancel': runner.cancel('signal'); break;
      case 'abort-flush': runner.abortFlush(); break;
    }
  };
  port.on('message', apply);
  try {
    const { kind: _kind, heartbeatMs: _heartbeatMs, ...spec } = data;
    const result = await runSession({
      ...spec,
      onRunner: r => {
        runner = r;
        for (const message of pending.splice(0)) apply(message);
      },
      onInternalError: fault => post({ kind: 'internal-error', fault }),
      outputs: run => [new RelayOutput(post, run)],
    });
    clearInterval(beat);
    if (!result.ok) post({ kind: 'invalid', diagnostics: result.diagnostics, problems: result.problems });
    else post({ kind: 'finished', report: result.report, internalErrors: result.internalErrors });
  } finally {
    clearInterval(beat);
    port.close();
  }
}
