import type { EngineToHost } from '../../shared/protocol.ts';
import { reportExitCode, type RunReport, type StatsSnapshot } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';
import type { Output } from './output.ts';

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

  start(header: RunHeader): void {
    this.#send({ kind: 'started', header });
  }

  add(snapshot: StatsSnapshot): void {
    this.#send({ kind: 'stats', snapshot });
  }

  async stop(report: RunReport): Promise<void> {
    // The CLI's verdict, so the panel's badge and the status bar say what the terminal's exit code says.
    this.#send({ kind: 'finished', report, exitCode: reportExitCode(report) });
  }
}
