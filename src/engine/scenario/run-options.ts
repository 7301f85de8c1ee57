/**
 * The run's resolved numbers, once a scenario's options, the command line's flags and the defaults meet.
 */
import type { RunOverrides } from '../../shared/run.ts';
import { describeValue, formatDuration, tryParseDuration } from '../../shared/duration.ts';
import { RUN_DEFAULTS } from '../../shared/run-defaults.ts';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_REDIRECTS } from './http-defaults.ts';
import type { Shard } from '../../shared/run.ts';
import { parseShard } from '../../shared/shard.ts';
import type { DurationInput, ScenarioOptions } from '../api/types.ts';
import { findProblems, hostProblem, isPositiveInteger, isPositiveNumber, MAX_TIMER_MS, tooLongForTimers } from './option-problems.ts';

/** How virtual users are started: a fixed number, ramp stages, or a fixed arrival rate. */
export type LoadModel =
  /** `users` users, started at `spawnRate` per second, kept until the end. */
  | { kind: 'closed'; users: number; spawnRate: number }
  /** Ramps linearly from the previous stage's target (0 at first) to each `target` over `durationMs`. */
  | { kind: 'stages'; stages: { durationMs: number; target: number }[] }
  /** Starts `arrivalRate` iterations per second whatever the latency, with at most `maxUsers` at once. */
  | { kind: 'open'; arrivalRate: number; maxUsers: number };

export type ResolvedWait =
  | { kind: 'none' }
  | { kind: 'between'; minMs: number; maxMs: number }
  | { kind: 'constant'; ms: number }
  | { kind: 'constantPacing'; ms: number };

/** A scenario's options made concrete for one run: every duration in ms, every rate per second. */
export interface ResolvedRunOptions {
  /** Base URL for relative paths; undefined when the scenario requests absolute URLs only. */
  host: string | undefined;
  load: LoadModel;
  /** The whole run, from the first user started to the stop (the sum of the stages when they set it). */
  runTimeMs: number;
  /** Iterations per virtual user, when the run ends after them (closed model only); undefined: run for the run time. */
  iterations?: number;
  wait: ResolvedWait;
  gracefulStopMs: number;
  /** Default per-request timeout. */
  timeoutMs: number;
  /** Default cap on the bytes of a response body kept in memory (the rest is counted and discarded). */
  maxBodyBytes: number;
  /** Default number of redirects a request follows. */
  redirects: number;
  /** Largest response header section accepted. */
  maxHeaderBytes: number;
  tls: ResolvedTls;
  thresholds: Readonly<Record<string, string>>;
  /** Set for `--shard i/N`: the load model stays the whole plan's, and the runner takes this shard's share of it. */
  shard?: Shard;
}

/** TLS of the run: `--insecure-skip-tls-verify` or the option; `--ca-file` (absolute) or the option (relative to the scenario file). */
export interface ResolvedTls {
  insecureSkipVerify: boolean;
  caFile?: { path: string; option: 'caFile' | '--ca-file' };
}

/** The run cannot start: every problem, each naming the option or flag it is about. */
export class RunOptionsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'RunOptionsError';
    this.problems = problems;
  }
}

/**
 * Merges a scenario's options with this run's overrides (which win) and the defaults shared with the
 * editor ({@link RUN_DEFAULTS}: 1 user at 1 per second for 30 s, gracefulStop 5s, timeout 30s; no wait).
 * A `users` with no `spawnRate` starts them all within the first second. An explicit `users` override runs the closed model with that many users even when the
 * scenario ramps with stages or sets an arrival rate; a `runTime` override also cuts or extends stages.
 * Throws {@link RunOptionsError} listing every problem, the overrides' named by their flag
 * ("--users: must be a positive integer, got 'abc'").
 */
export function resolveRunOptions(options: ScenarioOptions, overrides: RunOverrides = {}): ResolvedRunOptions {
  const problems = findProblems(options, {}).map(p => p.message);
  const users = overrideNumber('--users', overrides.users, isPositiveInteger, 'a positive integer', problems);
  const spawnRate = overrideNumber('--spawn-rate', overrides.spawnRate, isPositiveNumber, 'a number of users per second above 0', problems);
  let runTimeMs: number | undefined;
  if (overrides.runTime !== undefined && overrides.runTime !== '') {
    const parsed = tryParseDuration(overrides.runTime);
    if (!parsed.ok) problems.push(`--run-time: ${parsed.message}`);
    else if (parsed.ms === 0) problems.push(`--run-time: must be longer than 0, got ${describeValue(overrides.runTime)}`);
    else if (parsed.ms > MAX_TIMER_MS) problems.push(tooLongForTimers('--run-time', overrides.runTime));
    else runTimeMs = parsed.ms;
  }
  const iterations = overrideNumber('--iterations', overrides.iterations, isPositiveInteger, 'a positive integer', problems);
  let shard: Shard | undefined;
  if (overrides.shard !== undefined && overrides.shard !== '') {
    const parsed = parseShard(overrides.shard);
    if ('problem' in parsed) problems.push(`--shard: ${parsed.problem}`);
    else shard = parsed;
  }
  const host = overrides.host === undefined || overrides.host === '' ? options.host : overrides.host;
  if (overrides.host) {
    const problem = hostProblem(overrides.host);
    if (problem) problems.push(`--host: ${problem}`);
  }
  if (spawnRate !== undefined && users === undefined && (options.stages || options.arrivalRate !== undefined)) {
    problems.push(`--spawn-rate: applies to a fixed number of users, but the scenario uses ${options.stages ? 'stages' : 'arrivalRate'}: pass --users too`);
  }
  if (iterations !== undefined && users === undefined && (options.stages || options.arrivalRate !== undefined)) {
    problems.push(`--iterations: applies to a fixed number of users, but the scenario uses ${options.stages ? 'stages' : 'arrivalRate'}: pass --users too`);
  }
  if (problems.length > 0) throw new RunOptionsError(problems);

  let load: LoadModel;
  if (users === undefined && options.stages) {
    const stages = options.stages.map(s => ({ durationMs: msOf(s.duration), target: s.target }));
    load = { kind: 'stages', stages };
    runTimeMs ??= stages.reduce((sum, s) => sum + s.durationMs, 0);
    if (runTimeMs > MAX_TIMER_MS) {
      throw new RunOptionsError([`stages: together they last ${formatDuration(runTimeMs)}, longer than the engine's timers can hold; the longest run is ${formatDuration(MAX_TIMER_MS)} (about 24.8 days)`]);
    }
  } else if (users === undefined && options.arrivalRate !== undefined) {
    load = { kind: 'open', arrivalRate: options.arrivalRate, maxUsers: options.maxUsers! };
  } else {
    const usersSet = users ?? options.users;
    const closedUsers = usersSet ?? RUN_DEFAULTS.users;
    load = { kind: 'closed', users: closedUsers, spawnRate: spawnRate ?? options.spawnRate ?? (usersSet === undefined ? RUN_DEFAULTS.spawnRate : closedUsers) };
  }
  // With iterations the run ends when the users are done: the scenario's own run time is for a load run
  // and would cut an iteration paused in a debugger; only --run-time caps it then.
  if (iterations !== undefined) runTimeMs ??= ITERATIONS_RUN_TIME_CAP_MS;
  return {
    host,
    load,
    ...(iterations !== undefined ? { iterations } : {}),
    runTimeMs: runTimeMs ?? msOf(options.runTime ?? RUN_DEFAULTS.runTime),
    wait: resolveWait(options.wait),
    gracefulStopMs: msOf(options.gracefulStop ?? RUN_DEFAULTS.gracefulStop),
    timeoutMs: msOf(options.timeout ?? RUN_DEFAULTS.timeout),
    thresholds: { ...options.thresholds },
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    redirects: options.redirects ?? DEFAULT_REDIRECTS,
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    tls: {
      insecureSkipVerify: overrides.insecureSkipTLSVerify === true || options.insecureSkipTLSVerify === true,
      ...(overrides.caFile ? { caFile: { path: overrides.caFile, option: '--ca-file' as const } } : options.caFile ? { caFile: { path: options.caFile, option: 'caFile' as const } } : {}),
    },
    ...(shard ? { shard } : {}),
  };
}

/** With --iterations and no --run-time, the run still ends after a day (a forgotten debug session). */
export const ITERATIONS_RUN_TIME_CAP_MS = 24 * 60 * 60 * 1000;

function overrideNumber(
  flag: string,
  value: number | string | undefined,
  valid: (n: unknown) => n is number,
  expected: string,
  problems: string[],
): number | undefined {
  if (value === undefined || value === '') return undefined;
  // Number('') and Number(' ') are 0 and Number('0x10') is 16: accept only plain decimals from text.
  const parsed = typeof value === 'number' ? value : /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (valid(parsed)) return parsed;
  problems.push(`${flag}: must be ${expected}, got ${describeValue(value)}`);
  return undefined;
}

/** Milliseconds of a duration already validated. */
function msOf(duration: DurationInput): number {
  const parsed = tryParseDuration(duration);
  if (!parsed.ok) throw new Error(`unreachable: ${parsed.message}`);
  return parsed.ms;
}

function resolveWait(wait: ScenarioOptions['wait']): ResolvedWait {
  switch (wait?.kind) {
    case undefined:
      return { kind: 'none' };
    case 'between':
      return { kind: 'between', minMs: wait.minSeconds * 1000, maxMs: wait.maxSeconds * 1000 };
    case 'constant':
      return { kind: 'constant', ms: wait.seconds * 1000 };
    case 'constantPacing':
      return { kind: 'constantPacing', ms: wait.seconds * 1000 };
  }
}
