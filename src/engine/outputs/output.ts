import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { RunHeader } from '../../shared/run.ts';

/**
 * A destination for a run's numbers (k6 `output.Output`): the terminal, NDJSON, report files, IPC.
 *
 * The runner calls `start` once before the first request, `add` about once a second, and `stop` once
 * after the last request was recorded. N.B. `add` runs on the engine's event loop between requests:
 * it must never block (no awaits, no synchronous I/O beyond one write to a stream). `stop` flushes and
 * resolves when everything the output owes is written.
 */
export interface Output {
  start(header: RunHeader): void;
  add(snapshot: StatsSnapshot): void;
  stop(report: RunReport): Promise<void>;
}
