import type { EngineToHost } from '../../shared/protocol.ts';
import { reportExitCode, type RunReport, type StatsSnapshot } from '../../shared/report.ts';
import type { Output, RunInfo } from './output.ts';

/**
 * Streams the run to the extension over the child's IPC channel: `started`, one `stats` a second (the
 * runner's tick rate), then `finished` with the report. `send` is `process.send`, which queues and never
 * blocks the run.
 */
export class IpcOutput implements Output {
  readonly #send: (message: EngineToHost) => void;

  constructor(send: (message: EngineToHost) => void) {
    this.#send = send;
  }

  start(run: RunInfo): void {
    this.#send({ kind: 'started', runId: run.runId, scenario: run.scenario, file: run.file, startedAt: run.startedAt, targetUsers: run.targetUsers, runTimeMs: run.runTimeMs, host: run.host, ...(run.workers !== undefined && run.workers > 1 ? { workers: run.workers } : {}) });
  }

  add(snapshot: StatsSnapshot): void {
    this.#send({ kind: 'stats', snapshot });
  }

  async stop(report: RunReport): Promise<void> {
    // The CLI's verdict, so the panel's badge and the status bar say what the terminal's exit code says.
    this.#send({ kind: 'finished', report, exitCode: reportExitCode(report) });
  }
}
