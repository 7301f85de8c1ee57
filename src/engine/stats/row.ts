/**
 * One row of the stats table: every request of one (method, name), one group, an overflow row, or the
 * aggregate. Cumulative counters and HDR histograms for the run, plus a ring of the last few closed
 * one-second intervals for "current" rates. Its size is fixed once created, whatever the run length.
 */
import type { RequestRow } from '../../shared/report.ts';
import {
  decodeHistogram, encodeHistogram, newDetailHistogram, newDurationHistogram, percentilesMs, roundMs, toMicros,
} from './histogram.ts';
import type { LatencyHistogram } from './histogram.ts';
import type { RequestSample } from './sample.ts';

/** Status class labels by index: index `floor(status / 100)` for 1xx-5xx, index 0 for no response. */
const STATUS_CLASS_LABELS = ['error', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** A status outside 100-599 is not an HTTP response the engine can classify: it counts as 'error'. */
function statusClassIndex(status: number): number {
  const index = Math.floor(status / 100);
  return index >= 1 && index <= 5 ? index : 0;
}

/** The timings `RowStats.recordRequest` reads. */
export type RowSample = Pick<RequestSample, 'durationMs' | 'ttfbMs' | 'connectMs' | 'newConnection' | 'bytes' | 'status' | 'bodyTruncated'>;

/** A row as `Stats.encode` ships it between processes: counters, encoded histograms, the window. */
export interface EncodedRow {
  method: string;
  name: string;
  /** An overflow row collects names beyond the cap; it is matched by kind, not by name, on merge. */
  overflow: boolean;
  count: number;
  failures: number;
  bytes: number;
  durationSumMs: number;
  /** null when the row has no timed request (JSON has no Infinity). */
  minMs: number | null;
  maxMs: number;
  ttfbSumMs: number;
  /** Requests with a response, over which ttfbSumMs is summed (absent in stats encoded before it: every request). */
  ttfbCount?: number;
  connects: number;
  connectSumMs: number;
  /** Counts indexed like STATUS_CLASS_LABELS. */
  statusClasses: number[];
  duration: string;
  ttfb: string;
  connect: string;
  /** Requests and failures of the closed intervals in the window, newest first. */
  windowCounts: number[];
  windowFailures: number[];
  /** Responses whose body outgrew maxBodyBytes (absent: none, or an older engine). */
  truncatedBodies?: number;
}

export class RowStats {
  readonly method: string;
  readonly name: string;
  readonly overflow: boolean;

  count = 0;
  failures = 0;
  private bytes = 0;
  private truncatedBodies = 0;
  private durationSumMs = 0;
  private minMs = Infinity;
  private maxMs = 0;
  private ttfbSumMs = 0;
  /** Requests that got a response (the others have no time to first byte). */
  private ttfbCount = 0;
  private connects = 0;
  private connectSumMs = 0;
  private readonly statusClasses = new Float64Array(STATUS_CLASS_LABELS.length);
  readonly duration: LatencyHistogram = newDurationHistogram();
  /** Created on first use: group rows never have one, and most rows reuse their connections. */
  ttfb: LatencyHistogram | undefined;
  connect: LatencyHistogram | undefined;
  /** False for the aggregate, whose ttfb/connect percentiles are built on demand from the rows'. */
  private readonly detailHistograms: boolean;

  /** The open (current) one-second interval. */
  intervalCount = 0;
  intervalFailures = 0;
  /** Closed intervals, a ring indexed by the owner's slot; the sums are kept equal to the rings' sums. */
  private readonly windowCounts: Float64Array;
  private readonly windowFailures: Float64Array;
  private windowCountSum = 0;
  private windowFailureSum = 0;

  /** Percentiles are computed once per change of the histogram, not once per snapshot. */
  private percentilesAtCount = -1;
  private p50 = 0;
  private p90 = 0;
  private p95 = 0;
  private p99 = 0;

  constructor(method: string, name: string, windowSeconds: number, kind: 'named' | 'overflow' | 'aggregate' = 'named') {
    this.method = method;
    this.name = name;
    this.overflow = kind === 'overflow';
    this.detailHistograms = kind !== 'aggregate';
    this.windowCounts = new Float64Array(windowSeconds);
    this.windowFailures = new Float64Array(windowSeconds);
  }

  /** A finished HTTP request. Hot path: no allocation but the lazily created histograms. */
  recordRequest(sample: RowSample, failed: boolean): void {
    this.recordDuration(sample.durationMs, failed);
    this.bytes += sample.bytes;
    if (sample.bodyTruncated === true) this.truncatedBodies++;
    // Only a request that got a response has a time to first byte.
    if (sample.status > 0) {
      this.ttfbCount++;
      this.ttfbSumMs += sample.ttfbMs;
      if (this.detailHistograms) (this.ttfb ??= newDetailHistogram()).recordValue(toMicros(sample.ttfbMs));
    }
    if (sample.newConnection) {
      this.connects++;
      this.connectSumMs += sample.connectMs;
      if (this.detailHistograms) (this.connect ??= newDetailHistogram()).recordValue(toMicros(sample.connectMs));
    }
    const statusIndex = statusClassIndex(sample.status);
    this.statusClasses[statusIndex] = (this.statusClasses[statusIndex] ?? 0) + 1;
  }

  /** A timed event without HTTP details: a group, or the request part of `recordRequest`. */
  recordDuration(durationMs: number, failed: boolean): void {
    this.count++;
    this.intervalCount++;
    this.durationSumMs += durationMs;
    if (durationMs < this.minMs) this.minMs = durationMs;
    if (durationMs > this.maxMs) this.maxMs = durationMs;
    this.duration.recordValue(toMicros(durationMs));
    if (failed) this.recordFailure();
  }

  /** A failure of something already counted (a failed check after the request was recorded). */
  recordFailure(): void {
    this.failures++;
    this.intervalFailures++;
  }

  /** Moves the open interval into ring slot `slot` (overwriting the oldest) and opens a new one. */
  closeInterval(slot: number): void {
    this.windowCountSum += this.intervalCount - (this.windowCounts[slot] ?? 0);
    this.windowFailureSum += this.intervalFailures - (this.windowFailures[slot] ?? 0);
    this.windowCounts[slot] = this.intervalCount;
    this.windowFailures[slot] = this.intervalFailures;
    this.intervalCount = 0;
    this.intervalFailures = 0;
  }

  /** The row as the shared report type; `windowMs` is the length of time the ring's intervals cover. */
  toRequestRow(windowMs: number): RequestRow {
    this.refreshPercentiles();
    const statusClasses: Record<string, number> = {};
    STATUS_CLASS_LABELS.forEach((label, index) => {
      const count = this.statusClasses[index] ?? 0;
      if (count > 0) statusClasses[label] = count;
    });
    const windowSeconds = windowMs / 1000;
    const row: RequestRow = {
      method: this.method,
      name: this.name,
      count: this.count,
      failures: this.failures,
      p50: this.p50,
      p90: this.p90,
      p95: this.p95,
      p99: this.p99,
      avg: this.count === 0 ? 0 : this.durationSumMs / this.count,
      min: this.count === 0 ? 0 : this.minMs,
      max: this.maxMs,
      avgSize: this.count === 0 ? 0 : this.bytes / this.count,
      ttfbAvg: this.ttfbCount === 0 ? 0 : this.ttfbSumMs / this.ttfbCount,
      connectAvg: this.connects === 0 ? 0 : this.connectSumMs / this.connects,
      connects: this.connects,
      currentRps: windowSeconds > 0 ? roundMs(this.windowCountSum / windowSeconds) : 0,
      currentFailuresPerSec: windowSeconds > 0 ? roundMs(this.windowFailureSum / windowSeconds) : 0,
      statusClasses,
    };
    // Only when it happened: a row says "bodies cut at maxBodyBytes" only for the requests it concerns.
    if (this.truncatedBodies > 0) row.truncatedBodies = this.truncatedBodies;
    return row;
  }

  /** One of the row's histograms; undefined when it was never needed (or for the aggregate's details). */
  histogram(metric: 'duration' | 'ttfb' | 'connect'): LatencyHistogram | undefined {
    return metric === 'duration' ? this.duration : metric === 'ttfb' ? this.ttfb : this.connect;
  }

  /**
   * HDR reports the highest value of a percentile's bucket; clamping to the exact min and max makes a
   * constant latency read exactly, and keeps p99 ≤ max.
   */
  private refreshPercentiles(): void {
    if (this.percentilesAtCount === this.duration.totalCount) return;
    this.percentilesAtCount = this.duration.totalCount;
    const [p50 = 0, p90 = 0, p95 = 0, p99 = 0] = percentilesMs(this.duration, REPORTED_PERCENTILES)
      .map(ms => (this.duration.totalCount === 0 ? 0 : Math.min(Math.max(ms, this.minMs), this.maxMs)));
    this.p50 = p50;
    this.p90 = p90;
    this.p95 = p95;
    this.p99 = p99;
  }

  /** `nextSlot` is the ring slot the next interval will be written to (so `nextSlot - 1` is the newest). */
  encode(nextSlot: number): EncodedRow {
    return {
      method: this.method,
      name: this.name,
      overflow: this.overflow,
      count: this.count,
      failures: this.failures,
      bytes: this.bytes,
      durationSumMs: this.durationSumMs,
      minMs: this.count === 0 ? null : this.minMs,
      maxMs: this.maxMs,
      ttfbSumMs: this.ttfbSumMs,
      ttfbCount: this.ttfbCount,
      connects: this.connects,
      connectSumMs: this.connectSumMs,
      statusClasses: Array.from(this.statusClasses),
      duration: encodeHistogram(this.duration),
      ttfb: encodeHistogram(this.ttfb),
      connect: encodeHistogram(this.connect),
      windowCounts: newestFirst(this.windowCounts, nextSlot),
      windowFailures: newestFirst(this.windowFailures, nextSlot),
      ...(this.truncatedBodies > 0 ? { truncatedBodies: this.truncatedBodies } : {}),
    };
  }

  /** Adds another row (of another shard, or a name that fell into this overflow row) to this one. */
  merge(other: EncodedRow, nextSlot: number): void {
    this.count += other.count;
    this.failures += other.failures;
    this.bytes += other.bytes;
    this.truncatedBodies += other.truncatedBodies ?? 0;
    this.durationSumMs += other.durationSumMs;
    if (other.minMs !== null && other.minMs < this.minMs) this.minMs = other.minMs;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
    this.ttfbSumMs += other.ttfbSumMs;
    // Stats encoded before ttfbCount existed counted every request.
    this.ttfbCount += other.ttfbCount ?? other.count;
    this.connects += other.connects;
    this.connectSumMs += other.connectSumMs;
    other.statusClasses.forEach((count, index) => {
      if (index < this.statusClasses.length) this.statusClasses[index] = (this.statusClasses[index] ?? 0) + count;
    });
    addEncoded(this.duration, other.duration);
    if (this.detailHistograms && other.ttfb !== '') addEncoded((this.ttfb ??= newDetailHistogram()), other.ttfb);
    if (this.detailHistograms && other.connect !== '') addEncoded((this.connect ??= newDetailHistogram()), other.connect);
    const size = this.windowCounts.length;
    for (let age = 0; age < Math.min(size, other.windowCounts.length); age++) {
      const slot = (nextSlot - 1 - age + size * 2) % size;
      const count = other.windowCounts[age] ?? 0;
      const failures = other.windowFailures[age] ?? 0;
      this.windowCounts[slot] = (this.windowCounts[slot] ?? 0) + count;
      this.windowFailures[slot] = (this.windowFailures[slot] ?? 0) + failures;
      this.windowCountSum += count;
      this.windowFailureSum += failures;
    }
  }
}

export const REPORTED_PERCENTILES = [50, 90, 95, 99] as const;

function addEncoded(target: LatencyHistogram, encoded: string): void {
  const histogram = decodeHistogram(encoded);
  if (histogram !== undefined) target.add(histogram);
}

/** A ring's values from the newest slot (`nextSlot - 1`) back to the oldest. */
export function newestFirst(ring: Float64Array, nextSlot: number): number[] {
  const size = ring.length;
  const values: number[] = [];
  for (let age = 0; age < size; age++) values.push(ring[(nextSlot - 1 - age + size * 2) % size] ?? 0);
  return values;
}
