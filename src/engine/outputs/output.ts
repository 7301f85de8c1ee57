import type { RunReport, StatsSnapshot } from '../../shared/report.ts';
import type { Shard } from '../run/shard.ts';

/**
 * A destination for a run's numbers (k6 `output.Output`): the terminal, NDJSON, report files, IPC.
 *
 * The runner calls `start` once before the first request, `add` about once a second, and `stop` once
 * after the last request was recorded. N.B. `add` runs on the engine's event loop between requests:
 * it must never block (no awaits, no synchronous I/O beyond one write to a stream). `stop` flushes and
 * resolves when everything the output owes is written.
 */
export interface Output {
  start(run: RunInfo): void;
  add(snapshot: StatsSnapshot): void;
  stop(report: RunReport): Promise<void>;
}

/** What an output learns about a run before it starts. */
export interface RunInfo {
  runId: string;
  scenario: string;
  /** The scenario file as the user named it. */
  file: string;
  /** Epoch ms. */
  startedAt: number;
  targetUsers: number;
  /** Planned run time in ms; 0 when the run has no time limit. */
  runTimeMs: number;
  host: string;
  /** Whether requests are exported as OpenTelemetry spans. */
  otel: boolean;
  /** Set when this process runs one shard of the plan (`--shard i/N`); `targetUsers` is then its share. */
  shard?: Shard;
  /** `--workers N`: how many worker processes run the plan (absent: one process). */
  workers?: number;
}
