/**
 * The engine's batch span processor: a bounded ring of ended request records, exported in batches
 * off the hot path. It does what the SDK's BatchSpanProcessor does (OTEL_BSP_* semantics: schedule
 * delay, export timeout, queue size, batch size) for records that only become OTLP-ready spans when
 * their batch is exported.
 *
 * A collector that is down, slow or failing never slows the load test: `add` is O(1) and never
 * waits; when the queue is full the record is dropped and counted. At most `MAX_CONCURRENT_EXPORTS`
 * batches are in flight, each bounded by the export timeout.
 *
 * Counting (spans, connect children included, as a collector counts them):
 *   spans added = exported + dropped + (spans of failed exports) + (queued or in flight)
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/**
 * Batches in flight at once: four of 512 spans move 40 000 spans a second to a collector 50 ms away,
 * while a slow or dead collector holds at most four requests (and their bytes).
 */
export const MAX_CONCURRENT_EXPORTS = 4;

export interface SpanQueueOptions {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduleDelayMillis: number;
  exportTimeoutMillis: number;
}

export interface SpanQueueCounts {
  spansExported: number;
  spansDropped: number;
  exportFailures: number;
  /** Spans of failed exports (and, after `abandon`, those never exported). */
  spansLost: number;
  /** The last export failure's reason in a few words ('HTTP 500', 'ECONNREFUSED'). */
  lastExportError?: string;
}

/** Where batches go: an exporter of the queue's records (they become spans inside it, at export time). */
export interface BatchExporter<T> {
  export(batch: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** What the queue holds: anything that knows how many spans it becomes. */
export interface QueuedRecord {
  /** 1, or 2 with a connect child. */
  spanCount(): number;
}

export class SpanQueue<T extends QueuedRecord> {
  private readonly exporter: BatchExporter<T>;
  private readonly options: SpanQueueOptions;
  private readonly ring: (T | undefined)[];
  private head = 0;
  private size = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private drainScheduled = false;
  private closed = false;
  private readonly settledListeners: (() => void)[] = [];
  private readonly counts: SpanQueueCounts = { spansExported: 0, spansDropped: 0, exportFailures: 0, spansLost: 0 };
  /** Spans of the batches being exported now. */
  private spansInFlight = 0;

  constructor(exporter: BatchExporter<T>, options: SpanQueueOptions) {
    this.exporter = exporter;
    this.options = options;
    this.ring = new Array<T | undefined>(options.maxQueueSize);
  }

  /** Hot path: queues an ended record, or drops it (and counts it) when the queue is full or closed. */
  add(record: T): void {
    if (this.closed || this.size === this.ring.length) {
      this.counts.spansDropped += record.spanCount();
      return;
    }
    this.ring[(this.head + this.size) % this.ring.length] = record;
    this.size++;
    if (this.size >= this.options.maxExportBatchSize) this.scheduleDrain();
    else this.timer ??= setTimeout(this.onTimer, this.options.scheduleDelayMillis).unref();
  }

  /** Counts something dropped before it reached the queue (e.g. a span ended without timings). */
  countDropped(spans: number): void {
    this.counts.spansDropped += spans;
  }

  snapshot(): SpanQueueCounts {
    return { ...this.counts };
  }

  /** Exports everything queued and waits for every export in flight. */
  async flush(): Promise<void> {
    while (this.size > 0 || this.inFlight > 0) {
      this.drain(true);
      await new Promise<void>(resolve => this.settledListeners.push(resolve));
    }
  }

  /**
   * Flushes within `timeoutMs`, then shuts the exporter down within what is left. Spans still queued
   * or in flight at the deadline are counted as lost; later `add`s are dropped.
   */
  async shutdown(timeoutMs: number): Promise<SpanQueueCounts> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    await withDeadline(this.flush(), timeoutMs);
    this.clearTimer();
    // Past the deadline: what is still queued or in flight will not be exported.
    if (this.size > 0 || this.spansInFlight > 0) this.abandon();
    await withDeadline(this.exporter.shutdown().catch(() => undefined), Math.max(0, deadline - Date.now()));
    return this.snapshot();
  }

  /**
   * Gives up now (the flush was cut short): spans queued or in flight are counted as lost, and later
   * results of exports in flight are ignored. Returns the final counts.
   */
  abandon(): SpanQueueCounts {
    this.closed = true;
    this.clearTimer();
    while (this.size > 0) this.counts.spansLost += this.take()!.spanCount();
    this.counts.spansLost += this.spansInFlight;
    this.spansInFlight = 0;
    this.abandoned = true;
    return this.snapshot();
  }

  private abandoned = false;

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.drain(true);
  };

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // Not inside `add`: the batch is built and serialized after the request's own continuation ran.
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain(false);
    });
  }

  /** Starts exports while slots are free: full batches only, or the remainder too when `partial`. */
  private drain(partial: boolean): void {
    while (this.inFlight < MAX_CONCURRENT_EXPORTS && (this.size >= this.options.maxExportBatchSize || (partial && this.size > 0))) {
      const batch: T[] = [];
      const count = Math.min(this.size, this.options.maxExportBatchSize);
      for (let i = 0; i < count; i++) batch.push(this.take()!);
      this.export(batch);
    }
    if (this.size > 0 && this.inFlight < MAX_CONCURRENT_EXPORTS) this.timer ??= setTimeout(this.onTimer, this.options.scheduleDelayMillis).unref();
  }

  private take(): T | undefined {
    const record = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.size--;
    return record;
  }

  private export(batch: T[]): void {
    this.inFlight++;
    let spanCount = 0;
    for (const record of batch) spanCount += record.spanCount();
    this.spansInFlight += spanCount;
    let settled = false;
    const finish = (result: ExportResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      this.inFlight--;
      if (this.abandoned) return;
      this.spansInFlight -= spanCount;
      if (result.code === ExportResultCode.SUCCESS) this.counts.spansExported += spanCount;
      else {
        this.counts.exportFailures++;
        this.counts.spansLost += spanCount;
        this.counts.lastExportError = exportErrorReason(result.error);
      }
      for (const listener of this.settledListeners.splice(0)) listener();
      // More may have queued meanwhile; a full batch goes now, a partial one on the timer.
      if (this.size > 0) this.scheduleDrain();
    };
    const timeout = setTimeout(() => finish({ code: ExportResultCode.FAILED, error: new Error(`span export timed out after ${this.options.exportTimeoutMillis} ms`) }),
      this.options.exportTimeoutMillis).unref();
    try {
      this.exporter.export(batch, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A failed export's reason in the words a user looks for: 'HTTP 500', 'ECONNREFUSED', 'timeout'. The
 * OTLP exporter's errors carry the status code or a Node error code (possibly on a cause).
 */
export function exportErrorReason(error: Error | undefined): string {
  if (error === undefined) return 'unknown error';
  const e = error as Error & { code?: unknown; cause?: { code?: unknown }; errors?: { code?: unknown }[] };
  if (typeof e.code === 'number') return `HTTP ${e.code}`;
  const status = /\b(?:status(?: code)?|HTTP)\s*:?\s*(\d{3})\b/i.exec(e.message);
  if (status) return `HTTP ${status[1]}`;
  if (typeof e.code === 'string') return e.code;
  if (typeof e.cause?.code === 'string') return e.cause.code;
  const nested = e.errors?.find(inner => typeof inner.code === 'string')?.code;
  if (typeof nested === 'string') return nested;
  const network = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(e.message);
  if (network) return network[1]!;
  if (/timed? ?out|timeout/i.test(e.message)) return 'timeout';
  return e.message.slice(0, 120);
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>(resolve => {
    const timer = setTimeout(resolve, ms);
    promise.then(() => {
      clearTimeout(timer);
      resolve();
    }, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
