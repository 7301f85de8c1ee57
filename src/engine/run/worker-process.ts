/**
 * One worker process of a `--workers N` run (`loadlens worker`, forked by workers.ts): it runs its
 * shard of the plan through its own Coordinator, so every protection of a one-process run holds here
 * too (users in a worker thread: a stuck scenario, its heap limit, the stop ladder), and it reports to
 * its parent over the IPC channel instead of to outputs: its encoded stats about once a second, then
 * its report with its final stats.
 *
 * It takes no signal of its own from the terminal: the parent starts it in its own process group, so a
 * Ctrl+C reaches the parent only, which forwards each step of the ladder. If the parent disappears
 * (kill -9, the editor killed it), the channel closes and this process ends at once: no orphan keeps
 * sending load.
 */
import type { StatsSnapshot, TelemetryCounts } from '../../shared/report.ts';
import type { RunState } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from '../outputs/output.ts';
import { assertNever } from '../../shared/protocol.ts';
import { Coordinator } from './coordinator.ts';
import type { ParentToWorker, WorkerProgress, WorkerToParent } from './workers-protocol.ts';

export interface WorkerProcessOptions {
  /** The engine's entry, which the coordinator starts as the users thread. */
  workerFile: string;
  heapLimitMb?: number;
  stuckAfterMs?: number;
}

/** What the runner's snapshots tell about this worker's users: relayed at each snapshot and with the stats. */
class ProgressOutput implements Output {
  users = 0;
  state: RunState = 'spawning';
  droppedIterations = 0;
  telemetry: TelemetryCounts | undefined;
  readonly #onSnapshot: () => void;

  constructor(onSnapshot: () => void) {
    this.#onSnapshot = onSnapshot;
  }

  start(_header: RunHeader): void {}

  add(snapshot: StatsSnapshot): void {
    this.users = snapshot.users;
    this.state = snapshot.state;
    this.droppedIterations = snapshot.droppedIterations ?? 0;
    if (snapshot.telemetry) this.telemetry = snapshot.telemetry;
    this.#onSnapshot();
  }

  // The report goes to the parent with the coordinator's result ('finished').
  async stop(): Promise<void> {}
}

/** Runs until this worker's report is sent; resolves with the process's exit code. */
export function runWorkerProcess(options: WorkerProcessOptions): Promise<number> {
  if (!process.send) {
    process.stderr.write('loadlens worker: started without an IPC channel; this command is only for `loadlens run --workers N`\n');
    return Promise.resolve(2);
  }
  const send = (message: WorkerToParent): Promise<void> => new Promise(resolve => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
  let coordinator: Coordinator | undefined;
  let reported = false;
  // Ctrl+C is the parent's to forward, once per step (where a console still delivers it here: Windows).
  process.on('SIGINT', () => {});
  // The parent is gone (killed): nobody will read a report, and load must not go on unwatched.
  process.on('disconnect', () => {
    if (!reported) process.exit(4);
  });
  return new Promise<number>(resolve => {
    const onMessage = async (message: ParentToWorker) => {
      switch (message.kind) {
        case 'stop': coordinator?.stop(message.reason); break;
        case 'cancel': coordinator?.cancel(); break;
        case 'abort-flush': coordinator?.abortFlush(); break;
        case 'force-end': coordinator?.forceEnd(); break;
        case 'run': {
          if (coordinator) break;
          const { request } = message;
          // The users thread's counters, from its newest heartbeat with stats.
          let counted = { iterations: 0, droppedIterations: 0, cpuMs: 0 };
          const current = (): WorkerProgress => ({
            users: progress.users, state: progress.state, iterations: counted.iterations, cpuMs: counted.cpuMs,
            droppedIterations: Math.max(counted.droppedIterations, progress.droppedIterations),
            ...(progress.telemetry ? { telemetry: progress.telemetry } : {}),
          });
          const progress: ProgressOutput = new ProgressOutput(() => void send({ kind: 'progress', progress: current() }));
          coordinator = new Coordinator({
            session: request,
            workerFile: options.workerFile, heapLimitMb: options.heapLimitMb, stuckAfterMs: options.stuckAfterMs,
            outputs: () => [progress],
            onInternalError: fault => void send({ kind: 'internal-error', fault }),
            onUsersStarted: start => void send({ kind: 'started', header: start.header, thresholds: start.thresholds, gracefulStopMs: start.gracefulStopMs }),
            onUsersStats: beat => {
              counted = { iterations: beat.iterations, droppedIterations: beat.droppedIterations, cpuMs: beat.cpuMs };
              void send({ kind: 'stats', stats: beat.stats, progress: current() });
            },
          });
          const result = await coordinator.run();
          reported = true;
          if (!result.ok) await send({ kind: 'invalid', diagnostics: result.diagnostics, problems: result.problems });
          else {
            await send({
              kind: 'finished', report: result.report, internalErrors: result.internalErrors,
              ...(result.aborted ? { aborted: result.aborted } : {}),
              peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
            });
          }
          process.off('message', onMessage);
          process.disconnect?.();
          resolve(result.ok ? 0 : 2);
          break;
        }
        default:
          assertNever(message);
      }
    };
    process.on('message', onMessage);
    void send({ kind: 'ready', pid: process.pid });
  });
}
