/**
 * The run's per-second chart data, bounded: at most `capacity` points whatever the run length.
 *
 * Points start one second wide. When the list is full, adjacent pairs are merged and every later point
 * covers twice as many ticks, so a 24 h run with the default 1800 points ends at 64 s per point.
 *
 * A point wider than one tick keeps exact counts (requests, failures, its time span) and summarises the
 * per-second percentiles it covers: p95 and p99 are the HIGHEST per-second values (an upper bound of the
 * pooled percentile, so a latency spike stays visible after down-sampling), p50 is the request-weighted
 * mean of the per-second medians (it lies between their min and max, as the pooled median does).
 */
import type { IntervalPoint } from '../../shared/report.ts';
import { roundMs } from './histogram.ts';

/** A timeline point with the counts that make it mergeable; `IntervalPoint` rates derive from them. */
export interface TimelinePoint {
  /** End of the span, epoch ms. */
  t: number;
  spanMs: number;
  requests: number;
  failures: number;
  p50: number;
  p95: number;
  p99: number;
  /** Users at `t`. */
  users: number;
}

export interface EncodedTimeline {
  ticksPerPoint: number;
  points: TimelinePoint[];
  /** The point being filled, when `ticksPerPoint` > 1 and it is not complete yet. */
  pending: TimelinePoint | null;
  pendingTicks: number;
}

/** Two consecutive points of one process into one point covering both. */
export function combineConsecutive(earlier: TimelinePoint, later: TimelinePoint): TimelinePoint {
  return {
    t: later.t,
    spanMs: earlier.spanMs + later.spanMs,
    requests: earlier.requests + later.requests,
    failures: earlier.failures + later.failures,
    p50: weightedMean(earlier.p50, earlier.requests, later.p50, later.requests),
    p95: Math.max(earlier.p95, later.p95),
    p99: Math.max(earlier.p99, later.p99),
    users: later.users,
  };
}

/** The same span seen by two shards (processes running side by side): their traffic adds up. */
export function combineConcurrent(a: TimelinePoint, b: TimelinePoint): TimelinePoint {
  return {
    t: Math.max(a.t, b.t),
    spanMs: Math.max(a.spanMs, b.spanMs),
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    p50: weightedMean(a.p50, a.requests, b.p50, b.requests),
    p95: Math.max(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99),
    users: a.users + b.users,
  };
}

function weightedMean(a: number, weightA: number, b: number, weightB: number): number {
  const weight = weightA + weightB;
  return weight === 0 ? 0 : roundMs((a * weightA + b * weightB) / weight);
}

/** Rates per second over the point's span. */
export function toIntervalPoint(point: TimelinePoint): IntervalPoint {
  const seconds = point.spanMs / 1000;
  return {
    t: point.t,
    rps: seconds > 0 ? roundMs(point.requests / seconds) : 0,
    failuresPerSec: seconds > 0 ? roundMs(point.failures / seconds) : 0,
    p50: point.p50,
    p95: point.p95,
    p99: point.p99,
    users: point.users,
  };
}

export class Timeline {
  private readonly capacity: number;
  private points: TimelinePoint[] = [];
  private ticksPerPoint = 1;
  private pending: TimelinePoint | undefined;
  private pendingTicks = 0;

  /** `capacity` ≥ 2: the bound on the number of points returned by `intervalPoints()`. */
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Adds one closed tick (one allocation per second, not per request). */
  add(tick: TimelinePoint): void {
    this.pending = this.pending === undefined ? tick : combineConsecutive(this.pending, tick);
    this.pendingTicks++;
    if (this.pendingTicks < this.ticksPerPoint) return;
    this.points.push(this.pending);
    this.pending = undefined;
    this.pendingTicks = 0;
    this.halveWhileFull();
  }

  /** Completed points, then the one being filled: at most `capacity` points. */
  intervalPoints(): IntervalPoint[] {
    const points = this.points.map(toIntervalPoint);
    if (this.pending !== undefined) points.push(toIntervalPoint(this.pending));
    return points;
  }

  /** Number of points `intervalPoints()` would return. */
  get length(): number {
    return this.points.length + (this.pending === undefined ? 0 : 1);
  }

  encode(): EncodedTimeline {
    return { ticksPerPoint: this.ticksPerPoint, points: this.points.slice(), pending: this.pending ?? null, pendingTicks: this.pendingTicks };
  }

  /**
   * Adds another shard's timeline, aligned by wall-clock time: shards start at slightly different
   * moments (pods, child processes), so their ticks do not coincide. Each of the other shard's points
   * goes to the point of ours whose span holds its middle, and their traffic adds up there. A point
   * whose middle is before or after all of ours (a shard that started earlier or ran longer) goes to
   * the slot of our grid extended by whole point widths, so the shards' last seconds meet in one
   * point too. So N shards merge into one point per second, not N interleaved points each with 1/N of
   * the rate. Points are first brought to the coarser of the two resolutions.
   */
  merge(other: EncodedTimeline): void {
    if (this.points.length === 0 && this.pending === undefined) {
      this.points = other.points.slice();
      this.ticksPerPoint = other.ticksPerPoint;
      this.pending = other.pending ?? undefined;
      this.pendingTicks = other.pendingTicks;
      this.halveWhileFull();
      return;
    }
    while (this.ticksPerPoint < other.ticksPerPoint) this.halve();
    const theirs = coarsen(other.points, this.ticksPerPoint / other.ticksPerPoint);
    const widthMs = this.ticksPerPoint * 1000;
    const first = this.points[0];
    const last = this.points.at(-1);
    // Their traffic by the index of the point of ours it lands in, and by the end of the slot beyond ours.
    const landed = new Map<number, TimelinePoint>();
    const beyond = new Map<number, TimelinePoint>();
    let ours = 0;
    for (const point of theirs) {
      const middle = point.t - point.spanMs / 2;
      // Both lists are in time order: one walk finds every holder.
      while (ours < this.points.length && (this.points[ours]?.t ?? Infinity) < middle) ours++;
      const holder = this.points[ours];
      if (holder !== undefined && holder.t - holder.spanMs < middle) {
        const earlier = landed.get(ours);
        landed.set(ours, earlier === undefined ? point : combineConsecutive(earlier, point));
        continue;
      }
      let slotEnd = point.t;
      if (last !== undefined && middle > last.t) slotEnd = last.t + Math.ceil((middle - last.t) / widthMs) * widthMs;
      else if (first !== undefined && middle <= first.t - first.spanMs) {
        const firstStart = first.t - first.spanMs;
        slotEnd = firstStart - Math.floor((firstStart - middle) / widthMs) * widthMs;
      }
      const earlier = beyond.get(slotEnd);
      const combined = earlier === undefined ? point : combineConsecutive(earlier, point);
      beyond.set(slotEnd, { ...combined, t: slotEnd, spanMs: slotEnd === point.t && earlier === undefined ? point.spanMs : widthMs });
    }
    const merged = this.points.map((point, index) => {
      const added = landed.get(index);
      return added === undefined ? point : combineAligned(point, added);
    });
    merged.push(...beyond.values());
    this.points = merged.sort((a, b) => a.t - b.t);
    if (other.pending !== null) {
      this.pending = this.pending === undefined ? other.pending : combineConcurrent(this.pending, other.pending);
      this.pendingTicks = Math.max(this.pendingTicks, other.pendingTicks);
    }
    this.halveWhileFull();
  }

  /** Halves the resolution: each pair of points becomes one. */
  private halve(): void {
    this.points = coarsen(this.points, 2);
    this.ticksPerPoint *= 2;
  }

  /** Keeps room for the pending point: completed points stay below `capacity`. */
  private halveWhileFull(): void {
    while (this.points.length >= this.capacity) this.halve();
  }
}

/** Every `factor` consecutive points of one process as one (factor 1: the points as they are). */
function coarsen(points: readonly TimelinePoint[], factor: number): TimelinePoint[] {
  if (factor <= 1) return points.slice();
  const coarse: TimelinePoint[] = [];
  for (let i = 0; i < points.length; i += factor) {
    let point = points[i]!;
    for (let j = i + 1; j < Math.min(i + factor, points.length); j++) point = combineConsecutive(point, points[j]!);
    coarse.push(point);
  }
  return coarse;
}

/** Another shard's traffic added to one of our points: it keeps our time and span (the grid it was aligned to). */
function combineAligned(ours: TimelinePoint, theirs: TimelinePoint): TimelinePoint {
  return { ...combineConcurrent(ours, theirs), t: ours.t, spanMs: ours.spanMs };
}
