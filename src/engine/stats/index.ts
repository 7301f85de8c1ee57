/**
 * The engine's statistics: what every request, group and scenario exception adds up to, live (snapshot
 * once a second) and at the end (summary for the report).
 *
 * Memory is flat in run length: it depends on the number of distinct names (capped at `maxNames`), the
 * caps on failure groups and iteration errors, the window and the timeline bound, never on the number of
 * requests. Percentiles always come from HDR histograms (see histogram.ts), never from samples.
 *
 * Rows:
 * - one per (method, name) request pair and one per group (method 'GROUP'), at most `maxNames` together;
 * - further pairs go to an overflow row, method '*' name '(other names)' (for groups: method 'GROUP',
 *   name '(other names)'), so a scenario that puts ids into names cannot explode memory;
 * - the aggregate, method '' name 'Aggregated': every request, no groups (a group's time is already
 *   counted by the requests inside it).
 */
import type {
  FailureRow, IntervalPoint, IterationError, RequestRow, RunReport, RunState, SlowRequest, SourceLocation, StatsSnapshot,
} from '../../shared/report.ts';
import { FailureLog, IterationErrors, OVERFLOW_METHOD, OVERFLOW_NAME, SlowestRequests } from './failures.ts';
import type { EncodedFailure } from './failures.ts';
import { newDetailHistogram, newDurationHistogram, percentilesMs, toMicros } from './histogram.ts';
import type { LatencyHistogram } from './histogram.ts';
import { REPORTED_PERCENTILES, RowStats, newestFirst } from './row.ts';
import type { EncodedRow } from './row.ts';
import { Timeline, combineConcurrent, toIntervalPoint } from './timeline.ts';
import type { EncodedTimeline, TimelinePoint } from './timeline.ts';
import type { RequestSample } from './sample.ts';

// The folder's one entry point: the rest of the engine imports statistics from here only.
export { OVERFLOW_ERROR, OVERFLOW_METHOD, OVERFLOW_NAME } from './failures.ts';
export { newDurationHistogram, percentilesMs } from './histogram.ts';
export { evaluateThresholds, parseThresholds, spanFilterOf } from './thresholds.ts';
export type { ParsedThreshold, ThresholdFilter, ThresholdInput } from './thresholds.ts';
export type { RequestSample } from './sample.ts';

export interface StatsOptions {
  /** Cap on distinct (method, name) rows, groups included. Default 200. */
  maxNames?: number;
  /** Trace ids kept per failure group (the newest). Default 5. */
  failureExamples?: number;
  /** Cap on failure groups and on iteration-error groups (each has one overflow group besides). Default 100. */
  maxFailureGroups?: number;
  /** How many slowest requests are kept. Default 10. */
  slowestKept?: number;
  /** Closed one-second intervals behind the "current" rates. Default 10. */
  windowSeconds?: number;
  /** Bound on the timeline's points (≥ 2). Default 1800 (30 min at one point a second). */
  timelinePoints?: number;
  /** Clock for events that carry no time (check failures, groups). Default `Date.now`. */
  clock?: () => number;
}

/** Stats as JSON, histograms HDR-encoded: what a worker process ships to be merged. Version-tagged. */
export interface EncodedStats {
  format: 'loadlens.stats/1';
  windowSeconds: number;
  /** Request rows, group rows and overflow rows; the aggregate is `aggregate`. */
  rows: EncodedRow[];
  aggregate: EncodedRow;
  /** Length of each closed interval of the window, newest first. */
  windowMs: number[];
  failures: EncodedFailure[];
  slowest: SlowRequest[];
  iterationErrors: IterationError[];
  timeline: EncodedTimeline;
  /** The last closed interval, with its counts. */
  current: TimelinePoint | null;
  /** First request start and last request end (epoch ms); null before any request. */
  firstStartedAt: number | null;
  lastEndedAt: number | null;
  /** Rows' source locations (optional: stats encoded before locations existed merge without them). */
  locations?: Array<{ method: string; name: string; location: SourceLocation }>;
}

/** Latency percentiles of one histogram, in ms. */
export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

export const GROUP_METHOD = 'GROUP';
export const AGGREGATE_NAME = 'Aggregated';

const FORMAT = 'loadlens.stats/1';

function positiveInteger(option: string, value: number | undefined, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`Stats option ${option} must be an integer ≥ ${minimum}, got ${value}`);
  return value;
}

/**
 * Per-run statistics. `record` is the hot path; `tick` is called once a second by the runner; the rest
 * is read once a second or at the end. Not thread-safe by design: each process owns one and ships
 * `encode()` to a merging parent.
 */
export class Stats {
  private readonly maxNames: number;
  private readonly windowSeconds: number;
  private readonly clock: () => number;

  /** method → name → row: nested maps so `record` allocates no key string. */
  private readonly rowsByMethod = new Map<string, Map<string, RowStats>>();
  /** All rows but the aggregate, overflow rows included, in creation order. */
  private readonly rows: RowStats[] = [];
  private namedRowCount = 0;
  private requestOverflow: RowStats | undefined;
  private groupOverflow: RowStats | undefined;
  private readonly aggregate: RowStats;

  /** Durations of every request in the open one-second interval: reset on each tick. */
  private readonly interval: LatencyHistogram = newDurationHistogram();
  /** Exact min and max of the open interval, to clamp its percentiles as rows do. */
  private intervalMinMs = Infinity;
  private intervalMaxMs = 0;
  /** Length of each closed interval of the window (a ring shared by every row's ring). */
  private readonly windowMs: Float64Array;
  private windowMsSum = 0;
  private nextSlot = 0;
  private lastTickAt: number | undefined;
  private current: TimelinePoint | undefined;
  private readonly timeline: Timeline;

  /**
   * method → name → where the scenario first made that row (null: no frame in the user's files). Set
   * once per row by whoever makes the request (`needsLocation` / `setLocation`), never per request;
   * bounded by `maxNames` like the rows.
   */
  private readonly locationsByMethod = new Map<string, Map<string, SourceLocation | null>>();
  private locationCount = 0;

  private readonly failures: FailureLog;
  private readonly slowest: SlowestRequests;
  private readonly iterationErrors: IterationErrors;
  private firstStartedAt = Infinity;
  private lastEndedAt = -Infinity;

  constructor(options: StatsOptions = {}) {
    this.maxNames = positiveInteger('maxNames', options.maxNames, 200, 1);
    this.windowSeconds = positiveInteger('windowSeconds', options.windowSeconds, 10, 1);
    const maxFailureGroups = positiveInteger('maxFailureGroups', options.maxFailureGroups, 100, 1);
    this.failures = new FailureLog(maxFailureGroups, positiveInteger('failureExamples', options.failureExamples, 5, 0));
    this.iterationErrors = new IterationErrors(maxFailureGroups);
    this.slowest = new SlowestRequests(positiveInteger('slowestKept', options.slowestKept, 10, 0));
    this.timeline = new Timeline(positiveInteger('timelinePoints', options.timelinePoints, 1800, 2));
    this.clock = options.clock ?? Date.now;
    this.windowMs = new Float64Array(this.windowSeconds);
    this.aggregate = new RowStats('', AGGREGATE_NAME, this.windowSeconds, 'aggregate');
  }

  /**
   * A finished request. Hot path (≈ 0.3 µs, three HDR updates): a few map lookups, no I/O, and no
   * allocation except the first use of a row or failure kind and a request that enters the slowest list.
   * A request fails exactly when `sample.error` is set (the HTTP client decides what status is a failure).
   */
  record(sample: RequestSample): void {
    const failed = sample.error !== undefined;
    this.rowFor(sample.method, sample.name).recordRequest(sample, failed);
    this.aggregate.recordRequest(sample, failed);
    this.interval.recordValue(toMicros(sample.durationMs));
    if (sample.durationMs < this.intervalMinMs) this.intervalMinMs = sample.durationMs;
    if (sample.durationMs > this.intervalMaxMs) this.intervalMaxMs = sample.durationMs;
    if (sample.error !== undefined) this.failures.add(sample.method, sample.name, sample.error, sample.traceId, sample.startedAt);
    this.slowest.offer(sample.method, sample.name, sample.durationMs, sample.status, sample.traceId, sample.startedAt);
    if (sample.startedAt < this.firstStartedAt) this.firstStartedAt = sample.startedAt;
    const endedAt = sample.startedAt + sample.durationMs;
    if (endedAt > this.lastEndedAt) this.lastEndedAt = endedAt;
  }

  /**
   * A request that failed before it was sent (it timed out in its user's queue): listed among the
   * failures under its kind, but not counted as a request, since the target never saw it.
   */
  recordUnsent(sample: RequestSample): void {
    this.failures.add(sample.method, sample.name, sample.error ?? 'not sent', sample.traceId, sample.startedAt);
  }

  /**
   * A check failed after the request was already recorded as a success: count it as failed (the count
   * of requests is unchanged). Call it once per request, only for requests recorded without `error`,
   * so that failures ≤ requests holds.
   */
  recordCheckFailure(method: string, name: string, error: string, traceId?: string): void {
    this.rowFor(method, name).recordFailure();
    this.aggregate.recordFailure();
    this.failures.add(method, name, error, traceId, this.clock());
  }

  /**
   * A finished group (`group(name, fn)`): a row with method 'GROUP'. Not part of the aggregate. A failed
   * group is also listed among failures (method 'GROUP', `error` or 'failed').
   */
  recordGroup(name: string, durationMs: number, failed: boolean, error?: string): void {
    this.rowFor(GROUP_METHOD, name).recordDuration(durationMs, failed);
    if (failed) this.failures.add(GROUP_METHOD, name, error ?? 'failed', undefined, this.clock());
  }

  /**
   * True only while (method, name) has no source location yet and the cap allows one: the caller then
   * captures a stack, once per row. Two map lookups, no allocation: cheap enough for every request.
   */
  needsLocation(method: string, name: string): boolean {
    return this.locationCount < this.maxNames && this.locationsByMethod.get(method)?.get(name) === undefined;
  }

  /** Where (method, name) is made in the scenario (undefined: not in the user's files; not asked again). */
  setLocation(method: string, name: string, location: SourceLocation | undefined): void {
    let byName = this.locationsByMethod.get(method);
    if (byName === undefined) this.locationsByMethod.set(method, (byName = new Map()));
    if (byName.get(name) === undefined) this.locationCount++;
    byName.set(name, location ?? null);
  }

  /** The source location of (method, name), when known. */
  locationOf(method: string, name: string): SourceLocation | undefined {
    return this.locationsByMethod.get(method)?.get(name) ?? undefined;
  }

  /** An exception thrown by scenario code; `where` is `file:line:column` in the user's scenario, when known. */
  recordIterationError(message: string, where?: string): void {
    this.iterationErrors.add(message, where);
  }

  /**
   * Close the current one-second interval (called by the runner once a second) and return its point.
   * Rates divide by the measured time since the previous tick (1 s for the first), so a late timer
   * does not inflate them.
   */
  tick(now: number, users: number): IntervalPoint {
    const previous = this.lastTickAt;
    const spanMs = previous !== undefined && now > previous ? now - previous : 1000;
    this.lastTickAt = now;
    const [p50 = 0, p95 = 0, p99 = 0] = percentilesMs(this.interval, [50, 95, 99])
      .map(ms => Math.min(Math.max(ms, this.intervalMinMs), this.intervalMaxMs));
    const point: TimelinePoint = {
      t: now, spanMs, requests: this.aggregate.intervalCount, failures: this.aggregate.intervalFailures, p50, p95, p99, users,
    };
    this.interval.reset();
    this.intervalMinMs = Infinity;
    this.intervalMaxMs = 0;
    const slot = this.nextSlot;
    this.windowMsSum += spanMs - (this.windowMs[slot] ?? 0);
    this.windowMs[slot] = spanMs;
    this.aggregate.closeInterval(slot);
    for (const row of this.rows) row.closeInterval(slot);
    this.nextSlot = (slot + 1) % this.windowSeconds;
    this.current = point;
    this.timeline.add(point);
    return toIntervalPoint(point);
  }

  snapshot(meta: { runId: string; scenario: string; state: RunState; startedAt: number; now: number; users: number; targetUsers: number }): StatsSnapshot {
    return {
      runId: meta.runId,
      scenario: meta.scenario,
      state: meta.state,
      startedAt: meta.startedAt,
      elapsedMs: Math.max(0, meta.now - meta.startedAt),
      users: meta.users,
      targetUsers: meta.targetUsers,
      totals: this.aggregate.toRequestRow(this.windowMsSum),
      requests: this.requestRows(),
      failures: this.failureRows(),
      slowest: this.slowest.rows(),
      iterationErrors: this.iterationErrors.rows(),
      current: this.current === undefined
        ? { t: meta.now, rps: 0, failuresPerSec: 0, p50: 0, p95: 0, p99: 0, users: meta.users }
        : toIntervalPoint(this.current),
    };
  }

  /**
   * The report's numbers (everything in RunReport except file/thresholds/telemetry/stopReason, which the
   * runner adds). `totals.rps` is requests over `durationMs`, by default the time from the first request's
   * start to the last one's end; pass the run's duration to divide by that instead.
   * Unlike a snapshot (whose `totals` is the aggregate row), `requests` ends with the aggregate row
   * (method '', name 'Aggregated'), since the report's `totals` lacks sizes and status classes.
   */
  summary(durationMs?: number): Pick<RunReport, 'totals' | 'requests' | 'failures' | 'slowest' | 'iterationErrors' | 'timeline'> {
    const aggregate = this.aggregate.toRequestRow(this.windowMsSum);
    const spanMs = durationMs ?? (this.lastEndedAt > this.firstStartedAt ? this.lastEndedAt - this.firstStartedAt : 0);
    return {
      totals: {
        requests: aggregate.count,
        failures: aggregate.failures,
        rps: spanMs > 0 ? Math.round((aggregate.count / (spanMs / 1000)) * 1000) / 1000 : 0,
        p50: aggregate.p50,
        p90: aggregate.p90,
        p95: aggregate.p95,
        p99: aggregate.p99,
        avg: aggregate.avg,
        min: aggregate.min,
        max: aggregate.max,
      },
      requests: [...this.requestRows(), aggregate],
      failures: this.failureRows(),
      slowest: this.slowest.rows(),
      iterationErrors: this.iterationErrors.rows(),
      timeline: this.timeline.intervalPoints(),
    };
  }

  /**
   * p50…p99 (ms) of one row's duration, time to first byte or connect time; undefined for an unknown row.
   * The aggregate keeps only a duration histogram (one histogram update less per request); its ttfb and
   * connect percentiles are built here from the request rows'.
   */
  percentiles(method: string, name: string, metric: 'duration' | 'ttfb' | 'connect'): Percentiles | undefined {
    let histogram: LatencyHistogram | undefined;
    if (method === '' && name === AGGREGATE_NAME && metric !== 'duration') {
      histogram = newDetailHistogram();
      for (const row of this.rows) {
        const rowHistogram = row.method === GROUP_METHOD ? undefined : row.histogram(metric);
        if (rowHistogram !== undefined) histogram.add(rowHistogram);
      }
    } else {
      const row = method === '' && name === AGGREGATE_NAME ? this.aggregate : this.rowsByMethod.get(method)?.get(name);
      if (row === undefined) return undefined;
      histogram = row.histogram(metric);
    }
    const [p50 = 0, p90 = 0, p95 = 0, p99 = 0] = histogram === undefined ? [] : percentilesMs(histogram, REPORTED_PERCENTILES);
    return { p50, p90, p95, p99 };
  }

  /** Sizes of the retained structures: bounded by the options whatever the number of requests. */
  get retained(): { rows: number; failureGroups: number; iterationErrorGroups: number; timelinePoints: number } {
    return {
      rows: this.rows.length,
      failureGroups: this.failures.size,
      iterationErrorGroups: this.iterationErrors.size,
      timelinePoints: this.timeline.length,
    };
  }

  /** JSON-able state with histograms HDR-encoded, for merging shards from worker processes. */
  encode(): EncodedStats {
    return {
      format: FORMAT,
      windowSeconds: this.windowSeconds,
      rows: this.rows.map(row => row.encode(this.nextSlot)),
      aggregate: this.aggregate.encode(this.nextSlot),
      windowMs: newestFirst(this.windowMs, this.nextSlot),
      failures: this.failures.encode(),
      slowest: this.slowest.rows(),
      iterationErrors: this.iterationErrors.rows(),
      timeline: this.timeline.encode(),
      current: this.current ?? null,
      firstStartedAt: Number.isFinite(this.firstStartedAt) ? this.firstStartedAt : null,
      lastEndedAt: Number.isFinite(this.lastEndedAt) ? this.lastEndedAt : null,
      locations: [...this.locationsByMethod].flatMap(([method, byName]) =>
        [...byName].flatMap(([name, location]) => (location === null ? [] : [{ method, name, location }]))),
    };
  }

  /**
   * Adds another process's stats: the result equals one Stats having recorded both processes' requests
   * (counts exactly, percentiles within HDR precision). The caps still apply: names beyond `maxNames`
   * go to the overflow row. Windows are aligned newest interval to newest interval (the "current"
   * rates assume the shards end together); timelines by wall-clock time (see `Timeline.merge`), so
   * shards started a fraction of a second apart still add up second by second.
   */
  merge(other: EncodedStats): void {
    if (other.format !== FORMAT) throw new Error(`cannot merge stats of format '${String(other.format)}', expected '${FORMAT}'`);
    for (const row of other.rows) {
      const target = row.overflow ? this.overflowRow(row.method === GROUP_METHOD) : this.rowFor(row.method, row.name);
      target.merge(row, this.nextSlot);
    }
    this.aggregate.merge(other.aggregate, this.nextSlot);
    for (let age = 0; age < Math.min(this.windowSeconds, other.windowMs.length); age++) {
      const slot = (this.nextSlot - 1 - age + this.windowSeconds * 2) % this.windowSeconds;
      const ours = this.windowMs[slot] ?? 0;
      const theirs = other.windowMs[age] ?? 0;
      if (theirs > ours) {
        this.windowMs[slot] = theirs;
        this.windowMsSum += theirs - ours;
      }
    }
    this.failures.merge(other.failures);
    this.slowest.merge(other.slowest);
    this.iterationErrors.merge(other.iterationErrors);
    this.timeline.merge(other.timeline);
    if (other.current !== null) this.current = this.current === undefined ? other.current : combineConcurrent(this.current, other.current);
    if (other.firstStartedAt !== null && other.firstStartedAt < this.firstStartedAt) this.firstStartedAt = other.firstStartedAt;
    if (other.lastEndedAt !== null && other.lastEndedAt > this.lastEndedAt) this.lastEndedAt = other.lastEndedAt;
    for (const { method, name, location } of other.locations ?? []) {
      if (this.locationOf(method, name) === undefined && (this.needsLocation(method, name) || this.locationsByMethod.get(method)?.has(name))) this.setLocation(method, name, location);
    }
  }

  /** The row of (method, name), created on first use while under the cap, else the overflow row. */
  private rowFor(method: string, name: string): RowStats {
    let byName = this.rowsByMethod.get(method);
    const existing = byName?.get(name);
    if (existing !== undefined) return existing;
    if (this.namedRowCount >= this.maxNames) return this.overflowRow(method === GROUP_METHOD);
    if (byName === undefined) this.rowsByMethod.set(method, (byName = new Map()));
    const row = new RowStats(method, name, this.windowSeconds);
    byName.set(name, row);
    this.rows.push(row);
    this.namedRowCount++;
    return row;
  }

  private overflowRow(group: boolean): RowStats {
    if (group) return (this.groupOverflow ??= this.addRow(new RowStats(GROUP_METHOD, OVERFLOW_NAME, this.windowSeconds, 'overflow')));
    return (this.requestOverflow ??= this.addRow(new RowStats(OVERFLOW_METHOD, OVERFLOW_NAME, this.windowSeconds, 'overflow')));
  }

  private addRow(row: RowStats): RowStats {
    this.rows.push(row);
    return row;
  }

  /** Rows as the table shows them: by name, then method; overflow rows last. */
  private requestRows(): RequestRow[] {
    return this.rows
      .slice()
      .sort((a, b) => Number(a.overflow) - Number(b.overflow) || compare(a.name, b.name) || compare(a.method, b.method))
      .map(row => this.located(row.toRequestRow(this.windowMsSum)));
  }

  /** `row` with the location of its (method, name), when known (rows and failure rows alike). */
  private located<T extends { method: string; name: string; location?: SourceLocation }>(row: T): T {
    const location = this.locationOf(row.method, row.name);
    if (location !== undefined) row.location = location;
    return row;
  }

  private failureRows(): FailureRow[] {
    return this.failures.rows().map(row => this.located(row));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
