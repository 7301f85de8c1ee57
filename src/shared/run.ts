/**
 * A run, defined once for every program and every hop: what to run (`RunSpec`: the extension asks the
 * engine child for it, the CLI builds it from flags, the users thread and the worker processes of
 * `--workers` receive it unchanged) and what a run is once it started (`RunHeader`: every output, the
 * `started` and `run-started` messages and the report carry it). Plain JSON.
 */
import type { DurationInput } from './duration.ts';
import type { WorkersSetting } from './workers.ts';

/**
 * What a run is asked for from outside the scenario file: CLI flags (as typed) and the CodeLens's
 * "Options…". They win over the scenario's own options; the engine validates them and names the flag
 * in its message ("--users: must be a positive integer, got 'abc'").
 */
export interface RunOverrides {
  /** `--users`: a fixed number of users (the closed model), even for a scenario with stages or an arrival rate. */
  users?: number | string;
  /** `--spawn-rate`: users started per second. */
  spawnRate?: number | string;
  /** `--run-time`, e.g. '10m'; also cuts or extends stages. */
  runTime?: DurationInput;
  /** `--host`; '' means none. */
  host?: string;
  /**
   * `--iterations`: each virtual user runs the scenario this many times and leaves; the run ends when
   * all have (the editor's Debug lens: one user, one iteration). Only for a fixed number of users.
   */
  iterations?: number | string;
  /** `--shard i/N` (0-based): run shard i's share of the plan; N shards add up to exactly the whole. */
  shard?: string;
  /** `--insecure-skip-tls-verify`: accept any TLS certificate (the summary says so). */
  insecureSkipTLSVerify?: boolean;
  /** `--ca-file PATH` (absolute): PEM CA certificates trusted besides Node's; wins over the scenario's `caFile`. */
  caFile?: string;
}

/**
 * Fill-ins for the options a scenario leaves unset (the editor's `loadlens.run.*` settings): values of
 * the scenario's own options, already validated by the settings reader, so they never win.
 */
export interface RunDefaults {
  users?: number;
  spawnRate?: number;
  runTime?: string;
  host?: string;
}

/**
 * What to run, as plain data: the extension's `start` message, the CLI's flags, the users thread's
 * `workerData` and each worker process's `run` message are this one type.
 */
export interface RunSpec {
  /** The scenario file (resolved against the engine's working directory). */
  file: string;
  /** Export name; default: the only scenario in the file (an error when there are several). */
  scenario?: string;
  /** CLI flags (as typed) or the editor's Options…: they win over the scenario's options. A shard is `overrides.shard`. */
  overrides: RunOverrides;
  /** Fill-ins for options the scenario leaves unset (the editor's `loadlens.run.*` settings). */
  defaults?: RunDefaults;
  /** Export a span per request and metrics, configured by the OTEL_* variables (`--otel`). */
  otel?: boolean;
  /** `service.name` unless OTEL_SERVICE_NAME says otherwise (the editor's setting). */
  serviceName?: string;
  /**
   * The run id (`--run-id`): the same in every shard of one plan, so their spans, metrics and reports
   * join up; already validated (`runIdProblem`). Default: a new UUID. The parent of `--workers` always
   * sets it, so its workers share it.
   */
  runId?: string;
  /**
   * Worker processes (`--workers`, `loadlens.run.workers`), merged into one run; absent: 1. Read by the
   * process that starts the users; a worker process, which runs one shard, never gets more than 1.
   */
  workers?: WorkersSetting;
}

/**
 * Why a run stopped, as its report says it: its run time ended; every user ran its `--iterations`; a
 * Ctrl+C or SIGTERM; the editor's Stop; an internal error in Loadlens; or, when the users had to be
 * ended by force (`RunReport.aborted`), stuck in a synchronous loop or out of memory.
 */
export type StopReason = 'run-time' | 'iterations-done' | 'signal' | 'stop-requested' | 'error' | 'users-stuck' | 'out-of-memory';

/** One shard of a plan: `index` of `count`, 0 ≤ index < count (`--shard i/N`). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * A run once it started: what every output learns before the first number (`Output.start`), what the
 * `started` (engine → extension) and `run-started` (extension → webview) messages carry, and the head
 * of its report (`RunReport.header`), so a past run's report shows exactly as the live run did.
 */
export interface RunHeader {
  runId: string;
  /** The scenario's export name. */
  scenario: string;
  /** The scenario file (absolute). */
  file: string;
  /** Epoch ms: when the first user could start. */
  startedAt: number;
  /** The most users at once in the plan (this shard's share, for a shard). */
  targetUsers: number;
  /** Planned run time in ms; 0 when the run has no time limit. */
  runTimeMs: number;
  /** The base URL of relative paths, credentials redacted; '' when none. */
  host: string;
  /** Whether requests are exported as OpenTelemetry spans. */
  otel: boolean;
  /** Set when this process runs one shard of the plan (`--shard i/N`); `targetUsers` is then its share. */
  shard?: Shard;
  /** `--workers N` with N > 1: how many worker processes run the plan (absent: one process). */
  workers?: number;
}
