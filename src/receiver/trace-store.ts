/**
 * The bounded trace store: within a memory budget in bytes, what a user will open after a run: every
 * trace with an error span, the slowest traces of each row, and the most recent of the rest.
 */
import type { ReceivedSpan, TraceStoreStats } from '../shared/spans.ts';
import { attributesBytes, DEFAULT_SPAN_LIMITS, limitSpan, spanBytes, stringBytes, type SpanLimits } from './span-size.ts';
import { TraceList, type Retention, type StoredTrace } from './trace-list.ts';
import { summarize, type TraceSummary } from './trace-summary.ts';
import { nonNegativeInteger, positiveInteger } from './whole-numbers.ts';

export type { TraceSummary } from './trace-summary.ts';

/** The default budget: what the embedded receiver may hold (`loadlens.otel.receiverBudgetMB`). */
export const DEFAULT_BUDGET_BYTES = 32 * 1024 * 1024;

export interface TraceStoreOptions {
  /**
   * Heap the stored spans may keep alive. Default 32 MiB. The store fills to 85 % of it by the
   * estimate of span-size.ts, which is within about 20 % of the heap measured (the Maps' slack
   * after evictions varies): the headroom keeps the real heap under the budget.
   */
  budgetBytes?: number;
  /** Traces kept at most, whatever their size (a guard against floods of tiny traces). Default 100 000. */
  maxTraces?: number;
  /** Spans kept per trace; later spans of a full trace are dropped and counted. Default 500. */
  maxSpansPerTrace?: number;
  /** Slowest traces kept per row (per `loadlens.request.name` CLIENT span, or root span name). Default 10. */
  slowestPerRow?: number;
  /** Rows whose slowest traces are tracked; spans of further rows are only sampled. Default 1000. */
  maxRows?: number;
  /**
   * Share of the budget that error and slowest traces may take together, so a sample of the rest
   * always has room. Past it, an error trace pushes out the oldest slowest-per-row trace, then the
   * oldest error trace (each counted). Default 0.8.
   */
  protectedShare?: number;
  /** Cuts for giant values (see span-size.ts). */
  spanLimits?: Partial<SpanLimits>;
}
export interface Disposable {
  dispose(): void;
}

interface RowSlot {
  trace: StoredTrace;
  durationMs: number;
}

/** A resource or scope object shared by every stored span that has the same value. */
interface Shared {
  readonly key: string;
  readonly value: object;
  readonly bytes: number;
  refs: number;
}

/**
 * The per-trace cost beyond its spans and their array slots: the StoredTrace object, its arrays'
 * headers, and its entries in two Maps (the trace id string itself is the first span's).
 */
const TRACE_OVERHEAD = 280;
const SHARED_OVERHEAD = 96;
/** The share of the budget the estimate fills (see TraceStoreOptions.budgetBytes). */
const FILL_SHARE = 0.85;

/**
 * Traces by id within a byte budget. Three lists hold the traces by retention class, each in the order
 * it is evicted from (least recently updated sample first; oldest slowest, oldest error); a Map holds
 * them all by id, in recency order for listing. Eviction takes from a list's front: O(1) a trace.
 */
export class TraceStore {
  readonly budgetBytes: number;
  /** What the estimate may reach: the budget less the headroom for the estimate's error. */
  private readonly fillBytes: number;
  readonly maxTraces: number;
  readonly maxSpansPerTrace: number;
  readonly slowestPerRow: number;
  readonly maxRows: number;
  private readonly protectedLimit: number;
  private readonly spanLimits: SpanLimits;
  private readonly traces = new Map<string, StoredTrace>();
  private readonly samples = new TraceList();
  private readonly slow = new TraceList();
  private readonly errors = new TraceList();
  /** Per row, its slowest traces, fastest first. */
  private readonly rows = new Map<string, RowSlot[]>();
  private readonly shared = new Map<string, Shared>();
  private readonly sharedByValue = new Map<object, Shared>();
  private readonly listeners = new Set<(spans: readonly ReceivedSpan[]) => void>();
  private bytesStored = 0;
  private protectedBytes = 0;
  private spansReceived = 0;
  private spansDropped = 0;
  private tracesEvicted = 0;
  private spansEvicted = 0;
  private errorTracesEvicted = 0;
  private spansStored = 0;
  private valuesTruncated = 0;

  constructor(options: TraceStoreOptions = {}) {
    this.budgetBytes = positiveInteger(options.budgetBytes ?? DEFAULT_BUDGET_BYTES, 'budgetBytes');
    this.maxTraces = positiveInteger(options.maxTraces ?? 100_000, 'maxTraces');
    this.maxSpansPerTrace = positiveInteger(options.maxSpansPerTrace ?? 500, 'maxSpansPerTrace');
    this.slowestPerRow = nonNegativeInteger(options.slowestPerRow ?? 10, 'slowestPerRow');
    this.maxRows = nonNegativeInteger(options.maxRows ?? 1000, 'maxRows');
    const share = options.protectedShare ?? 0.8;
    if (!(share > 0 && share <= 1)) throw new RangeError(`protectedShare must be in (0, 1], got ${share}`);
    this.fillBytes = Math.floor(this.budgetBytes * FILL_SHARE);
    this.protectedLimit = Math.floor(this.fillBytes * share);
    this.spanLimits = { ...DEFAULT_SPAN_LIMITS, ...options.spanLimits };
  }

  /**
   * Stores a batch and then tells the listeners about the spans that were kept. The store takes the
   * spans over: their `resource` and `scope` are replaced by the store's one shared copy of each value.
   */
  add(spans: readonly ReceivedSpan[]): void {
    const kept: ReceivedSpan[] = [];
    // A decoded batch shares one resource and one scope object between its spans: look each up once.
    const sharedInBatch = new Map<object, object>();
    for (const received of spans) {
      this.spansReceived++;
      const traceId = received.traceId;
      let trace = this.traces.get(traceId);
      if (trace !== undefined && trace.spans.length >= this.maxSpansPerTrace) {
        this.spansDropped++;
        continue;
      }
      const { span, cuts } = limitSpan(received, this.spanLimits);
      this.valuesTruncated += cuts;
      let bytes = spanBytes(span);
      if (trace === undefined) {
        trace = { traceId, spans: [], capacity: 0, bytes: 0, hasError: false, retention: 'sample', rows: [], prev: undefined, next: undefined };
        this.traces.set(traceId, trace);
        this.samples.append(trace);
        bytes += TRACE_OVERHEAD;
      }
      if (span.status.code === 2 && !trace.hasError) {
        trace.hasError = true;
        this.setRetention(trace, 'error');
      }
      const length = trace.spans.length;
      const capacity = length < trace.capacity ? trace.capacity : length === 0 ? 1 : length + 1 + ((length + 1) >> 1) + 16;
      bytes += (capacity - trace.capacity) * 8;
      const row = rowOf(span);
      if (row !== undefined) this.offerToRow(row, durationMs(span), trace);
      span.resource = this.share(span.resource, sharedInBatch, 'r') as ReceivedSpan['resource'];
      span.scope = this.share(span.scope, sharedInBatch, 's') as ReceivedSpan['scope'];
      if (!this.makeRoom(bytes, trace)) {
        this.spansDropped++;
        this.release(span.resource);
        this.release(span.scope);
        if (trace.spans.length === 0) this.remove(trace);
        continue;
      }
      // The first span gets an array of exactly one slot (most traces from the engine have one or two spans).
      if (length === 0) trace.spans = [span];
      else trace.spans.push(span);
      trace.capacity = capacity;
      trace.bytes += bytes;
      this.bytesStored += bytes;
      if (trace.retention !== 'sample') this.protectedBytes += bytes;
      this.spansStored++;
      // Most recently updated last, in the listing and (for samples) in the eviction order.
      this.traces.delete(traceId);
      this.traces.set(traceId, trace);
      if (trace.retention === 'sample') this.samples.touch(trace);
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
    return this.traces.get(traceId.toLowerCase())?.spans;
  }

  /** Summaries of the most recently updated traces, newest first. */
  recentTraces(limit = this.traces.size): TraceSummary[] {
    const ids = [...this.traces.keys()].slice(-Math.max(0, limit)).reverse();
    return ids.map(id => summarize(id, this.traces.get(id)?.spans ?? []));
  }

  /** Every stored span, trace by trace from the least to the most recently updated. */
  spans(): ReceivedSpan[] {
    const all: ReceivedSpan[] = [];
    for (const trace of this.traces.values()) all.push(...trace.spans);
    return all;
  }

  /** Ids of the stored traces that have an error span, oldest first. */
  errorTraceIds(): string[] {
    return this.errors.ids();
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
      errorTracesEvicted: this.errorTracesEvicted,
      tracesStored: this.traces.size,
      spansStored: this.spansStored,
      errorTracesStored: this.errors.size,
      slowTracesStored: this.slow.size,
      bytesStored: this.bytesStored,
      budgetBytes: this.budgetBytes,
      valuesTruncated: this.valuesTruncated,
    };
  }

  clear(): void {
    for (const map of [this.traces, this.rows, this.shared, this.sharedByValue]) map.clear();
    for (const list of [this.samples, this.slow, this.errors]) list.clear();
    this.spansStored = 0;
    this.bytesStored = 0;
    this.protectedBytes = 0;
  }

  /**
   * Evicts until `bytes` more fit within the budget (and, for an error or slowest trace, within the
   * protected share). A trace only pushes out traces of its own class or a lower one, never itself:
   * false when nothing may go, and the span is dropped.
   */
  private makeRoom(bytes: number, trace: StoredTrace): boolean {
    for (;;) {
      const overBudget = this.bytesStored + bytes > this.fillBytes || this.traces.size > this.maxTraces;
      const overShare = trace.retention !== 'sample' && this.protectedBytes + bytes > this.protectedLimit;
      if (!overBudget && !overShare) return true;
      const victim = overShare ? this.protectedVictim(trace) : (this.samples.firstOther(trace) ?? this.protectedVictim(trace));
      if (victim === undefined) return false;
      this.evict(victim);
    }
  }

  /** The oldest slowest trace, then (for an error trace only) the oldest error trace. */
  private protectedVictim(trace: StoredTrace): StoredTrace | undefined {
    if (trace.retention === 'sample') return undefined;
    return this.slow.firstOther(trace) ?? (trace.retention === 'error' ? this.errors.firstOther(trace) : undefined);
  }

  /** Enters the trace in the row's slowest list when it is among the slowest; the one it displaces becomes a sample. */
  private offerToRow(row: string, duration: number, trace: StoredTrace): void {
    if (this.slowestPerRow === 0) return;
    let slots = this.rows.get(row);
    if (slots === undefined) {
      if (this.rows.size >= this.maxRows) return;
      slots = [];
      this.rows.set(row, slots);
    }
    if (slots.length >= this.slowestPerRow && duration <= slots[0]!.durationMs) return;
    const own = slots.findIndex(slot => slot.trace === trace);
    if (own >= 0) {
      if (duration <= slots[own]!.durationMs) return;
      slots.splice(own, 1);
    } else {
      trace.rows.push(row);
    }
    let at = 0;
    while (at < slots.length && slots[at]!.durationMs < duration) at++;
    slots.splice(at, 0, { trace, durationMs: duration });
    if (trace.retention === 'sample') this.setRetention(trace, 'slow');
    if (slots.length > this.slowestPerRow) {
      const displaced = slots.shift()!.trace;
      displaced.rows.splice(displaced.rows.indexOf(row), 1);
      if (displaced.rows.length === 0 && displaced.retention === 'slow') this.setRetention(displaced, 'sample');
    }
  }

  private setRetention(trace: StoredTrace, retention: Retention): void {
    if (trace.retention === retention) return;
    this.classList(trace.retention).remove(trace);
    if (trace.retention === 'sample') this.protectedBytes += trace.bytes;
    if (retention === 'sample') this.protectedBytes -= trace.bytes;
    trace.retention = retention;
    this.classList(retention).append(trace);
  }

  private classList(retention: Retention): TraceList {
    return retention === 'error' ? this.errors : retention === 'slow' ? this.slow : this.samples;
  }

  private evict(trace: StoredTrace): void {
    this.tracesEvicted++;
    this.spansEvicted += trace.spans.length;
    if (trace.hasError) this.errorTracesEvicted++;
    this.remove(trace);
  }

  private remove(trace: StoredTrace): void {
    this.traces.delete(trace.traceId);
    this.classList(trace.retention).remove(trace);
    this.bytesStored -= trace.bytes;
    if (trace.retention !== 'sample') this.protectedBytes -= trace.bytes;
    this.spansStored -= trace.spans.length;
    for (const span of trace.spans) {
      this.release(span.resource);
      this.release(span.scope);
    }
    for (const row of trace.rows) {
      const slots = this.rows.get(row);
      const at = slots?.findIndex(slot => slot.trace === trace) ?? -1;
      if (at >= 0) slots!.splice(at, 1);
    }
  }

  /** The store's one copy of this resource or scope value, counted once however many spans hold it. */
  private share(value: object, sharedInBatch: Map<object, object>, prefix: string): object {
    let canonical = sharedInBatch.get(value);
    if (canonical === undefined) {
      const key = prefix + JSON.stringify(value);
      let entry = this.shared.get(key);
      if (entry === undefined) {
        const bytes = SHARED_OVERHEAD + stringBytes(key) + attributesBytes(value as ReceivedSpan['resource']);
        entry = { key, value, bytes, refs: 0 };
        this.shared.set(key, entry);
        this.sharedByValue.set(value, entry);
        this.bytesStored += bytes;
      }
      canonical = entry.value;
      sharedInBatch.set(value, canonical);
    }
    this.sharedByValue.get(canonical)!.refs++;
    return canonical;
  }

  private release(value: object): void {
    const entry = this.sharedByValue.get(value);
    if (entry === undefined || --entry.refs > 0) return;
    this.shared.delete(entry.key);
    this.sharedByValue.delete(value);
    this.bytesStored -= entry.bytes;
  }
}

/**
 * The row a span stands for: the engine's CLIENT span (it carries `loadlens.request.name`; its name is
 * the panel's row, `METHOD name`), or any root span (a group's span, or another program's entry span).
 */
function rowOf(span: ReceivedSpan): string | undefined {
  return typeof span.attributes['loadlens.request.name'] === 'string' || span.parentSpanId === '' ? span.name : undefined;
}

function durationMs(span: ReceivedSpan): number {
  try {
    return Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6;
  } catch {
    return 0;
  }
}
