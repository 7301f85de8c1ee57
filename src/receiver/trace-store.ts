/**
 * Bounded stores for what the receiver decodes. Memory stays bounded whatever arrives: at most
 * `maxSpans` spans in at most `maxTraces` traces of at most `maxSpansPerTrace` spans each, and at
 * most `maxMetrics` metrics.
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ReceivedMetric, ReceivedSpan } from './types.ts';

export interface TraceStoreOptions {
  /** Traces kept; a new trace beyond this evicts the least recently updated one. Default 5000. */
  maxTraces?: number;
  /** Spans kept in all; a span beyond this evicts least recently updated traces. Default 100 000 (about 120 MB of spans like the engine's: 1.2 KB each). */
  maxSpans?: number;
  /** Spans kept per trace; later spans of a full trace are dropped and counted. Default 500; at most `maxSpans`. */
  maxSpansPerTrace?: number;
}

/** A trace's one-line summary, as a trace list shows it. */
export interface TraceSummary {
  traceId: string;
  spanCount: number;
  /** The span without a parent among those received, else the earliest one. */
  rootName: string;
  rootService: string;
  /** Earliest span start and latest span end among the spans received, epoch nanoseconds as decimal strings. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  /** Whether any span has status ERROR. */
  hasError: boolean;
  /** Distinct `service.name`s, in the order first seen. */
  services: string[];
}

export interface TraceStoreStats {
  spansReceived: number;
  /** Spans refused because their trace already held `maxSpansPerTrace`. */
  spansDropped: number;
  /** Traces (and their spans) pushed out by newer ones. */
  tracesEvicted: number;
  spansEvicted: number;
  tracesStored: number;
  spansStored: number;
}

export interface Disposable {
  dispose(): void;
}

/**
 * The most recent traces by trace id. A Map's insertion order is the recency order: a trace that
 * gets a span moves to the end, and eviction takes from the front, so both are O(1).
 */
export class TraceStore {
  readonly maxTraces: number;
  readonly maxSpans: number;
  readonly maxSpansPerTrace: number;
  private readonly traces = new Map<string, ReceivedSpan[]>();
  private readonly listeners = new Set<(spans: readonly ReceivedSpan[]) => void>();
  private spansReceived = 0;
  private spansDropped = 0;
  private tracesEvicted = 0;
  private spansEvicted = 0;
  private spansStored = 0;

  constructor(options: TraceStoreOptions = {}) {
    this.maxTraces = positiveInteger(options.maxTraces ?? 5000, 'maxTraces');
    this.maxSpans = positiveInteger(options.maxSpans ?? 100_000, 'maxSpans');
    this.maxSpansPerTrace = Math.min(this.maxSpans, positiveInteger(options.maxSpansPerTrace ?? 500, 'maxSpansPerTrace'));
  }

  /** Stores a batch and then tells the listeners about the spans that were kept. */
  add(spans: readonly ReceivedSpan[]): void {
    const kept: ReceivedSpan[] = [];
    for (const span of spans) {
      this.spansReceived++;
      let trace = this.traces.get(span.traceId);
      if (trace === undefined) {
        trace = [];
      } else {
        this.traces.delete(span.traceId);
      }
      this.traces.set(span.traceId, trace);
      if (trace.length >= this.maxSpansPerTrace) {
        this.spansDropped++;
        continue;
      }
      // The span's own trace is the most recent, so eviction reaches it only once every other trace
      // is gone, and it alone never exceeds maxSpans (maxSpansPerTrace ≤ maxSpans).
      this.makeRoomForOneSpan();
      trace.push(span);
      this.spansStored++;
      kept.push(span);
    }
    if (kept.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(kept);
      } catch {
        // A listener's bug must not lose the batch for the others or fail the exporter's request.
      }
    }
  }

  /** The spans of one trace in arrival order, or undefined when it was never seen or was evicted. */
  getTrace(traceId: string): readonly ReceivedSpan[] | undefined {
    return this.traces.get(traceId.toLowerCase());
  }

  /** Summaries of the most recently updated traces, newest first. */
  recentTraces(limit = this.maxTraces): TraceSummary[] {
    const ids = [...this.traces.keys()].slice(-Math.max(0, limit)).reverse();
    return ids.map(id => summarize(id, this.traces.get(id) ?? []));
  }

  /** Every stored span, trace by trace from the least to the most recently updated. */
  spans(): ReceivedSpan[] {
    const all: ReceivedSpan[] = [];
    for (const trace of this.traces.values()) all.push(...trace);
    return all;
  }

  /** Calls `listener` with each batch of stored spans (dropped ones excluded), synchronously after storing. */
  onSpans(listener: (spans: readonly ReceivedSpan[]) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  stats(): TraceStoreStats {
    return {
      spansReceived: this.spansReceived,
      spansDropped: this.spansDropped,
      tracesEvicted: this.tracesEvicted,
      spansEvicted: this.spansEvicted,
      tracesStored: this.traces.size,
      spansStored: this.spansStored,
    };
  }

  clear(): void {
    this.traces.clear();
    this.spansStored = 0;
  }

  /** Evicts least recently updated traces until one more span fits within both bounds. */
  private makeRoomForOneSpan(): void {
    while (this.spansStored + 1 > this.maxSpans || this.traces.size > this.maxTraces) {
      const oldest = this.traces.entries().next().value;
      if (oldest === undefined) return;
      this.traces.delete(oldest[0]);
      this.tracesEvicted++;
      this.spansEvicted += oldest[1].length;
      this.spansStored -= oldest[1].length;
    }
  }
}

export interface MetricStoreOptions {
  /** Metrics kept (one per metric name per export); older ones are overwritten. Default 2000. */
  maxMetrics?: number;
}

/** The most recently received metrics, in a ring: memory is bounded by `maxMetrics` entries. */
export class MetricStore {
  readonly maxMetrics: number;
  private readonly ring: ReceivedMetric[] = [];
  private next = 0;
  private received = 0;

  constructor(options: MetricStoreOptions = {}) {
    this.maxMetrics = positiveInteger(options.maxMetrics ?? 2000, 'maxMetrics');
  }

  add(metrics: readonly ReceivedMetric[]): void {
    for (const metric of metrics) {
      this.received++;
      if (this.ring.length < this.maxMetrics) {
        this.ring.push(metric);
      } else {
        this.ring[this.next] = metric;
        this.next = (this.next + 1) % this.maxMetrics;
      }
    }
  }

  /** The kept metrics, oldest first; with `name`, only those of that name. */
  metrics(name?: string): ReceivedMetric[] {
    const ordered = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return name === undefined ? ordered : ordered.filter(metric => metric.name === name);
  }

  /** Metrics received in total, kept or overwritten. */
  get receivedCount(): number {
    return this.received;
  }
}

function summarize(traceId: string, spans: readonly ReceivedSpan[]): TraceSummary {
  let root: ReceivedSpan | undefined;
  let start: bigint | undefined;
  let end: bigint | undefined;
  let hasError = false;
  const services: string[] = [];
  for (const span of spans) {
    const spanStart = BigInt(span.startTimeUnixNano);
    const spanEnd = BigInt(span.endTimeUnixNano);
    if (start === undefined || spanStart < start) start = spanStart;
    if (end === undefined || spanEnd > end) end = spanEnd;
    if (span.status.code === 2) hasError = true;
    const service = serviceName(span);
    if (!services.includes(service)) services.push(service);
    const isRoot = span.parentSpanId === '';
    const rootIsRoot = root !== undefined && root.parentSpanId === '';
    if (root === undefined || (isRoot && !rootIsRoot) || (isRoot === rootIsRoot && spanStart < BigInt(root.startTimeUnixNano))) root = span;
  }
  return {
    traceId,
    spanCount: spans.length,
    rootName: root?.name ?? '',
    rootService: root === undefined ? '' : serviceName(root),
    startTimeUnixNano: (start ?? 0n).toString(),
    endTimeUnixNano: (end ?? 0n).toString(),
    durationMs: start === undefined || end === undefined ? 0 : Number(end - start) / 1e6,
    hasError,
    services,
  };
}

function serviceName(span: ReceivedSpan): string {
  const name = span.resource[ATTR_SERVICE_NAME];
  return typeof name === 'string' ? name : 'unknown_service';
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
