/**
 * The streaming breakdown of every request of a run: spans go in as the receiver decodes them, the
 * per-row breakdowns come out at any time (live) and at the end (the report).
 *
 * Services export in their own batches (the Node SDK every 5 s by default), so a request's spans
 * arrive in any order and over seconds. Each trace's spans are held (slimmed, a few hundred bytes
 * each) until its request span has arrived and no span of it has come for `settleMs`; then its
 * requests are computed and added to their rows. The trace stays held for `lateMs` more: a span that
 * arrives in that time makes the trace be computed again, its earlier result taken out and the new
 * one put in. A trace in which no request span arrives within `requestWaitMs` is let go and its
 * spans counted as unmatched.
 *
 * Bounds (defaults): `maxHeldSpans` 100 000 spans held in all (31 MB of heap measured, 5 spans a trace) and `maxHeldTraces`
 * 20 000 traces; past either, the oldest trace is let go first: computed now if it has its request
 * span (or already was), else dropped and counted. `maxSpansPerTrace` 2 000 (more are dropped and
 * counted). `maxRows` 500 rows; per row, see rows.ts (10 parts, 10 root causes with 5 trace ids,
 * 64 span keys). Histograms keep 2 significant digits (≤ 1 % high).
 *
 * Time comes in as arguments (`nowMs`), so tests drive it; the receiver calls `tick` about once a
 * second and `flush` when the run's wait for late spans is over.
 */
import { newDetailHistogram } from '../histogram.ts';
import type { ReceivedSpan } from '../spans.ts';
import { slimSpan, splitTrace, type SlimSpan } from './critical-path.ts';
import { durationStats, RowStats, type Contribution, type RowLimits } from './rows.ts';
import type { BreakdownCounts, EncodedBreakdown, RequestBreakdown, SpanDurationStats, SpanFilter } from './types.ts';

export interface BreakdownOptions {
  /** Only requests of this run (`loadlens.run.id` of the request span's resource); any run when absent. */
  runId?: string;
  /** Quiet time after a trace's last span before it is computed. Default 1 000 ms. */
  settleMs?: number;
  /** How long a computed trace stays held for late spans. Default 30 000 ms. */
  lateMs?: number;
  /** How long spans wait for their trace's request span. Default 30 000 ms. */
  requestWaitMs?: number;
  maxHeldSpans?: number;
  maxHeldTraces?: number;
  maxSpansPerTrace?: number;
  maxRows?: number;
  /** Parts with histograms per row, the network part included; the rest fold into 'other'. Default 10. */
  maxParts?: number;
  maxRootCauses?: number;
  traceIdsPerCause?: number;
  /** (service, span, kind) whose durations a row keeps for span thresholds. Default 64. */
  maxSpanKeys?: number;
  /**
   * Called with each request as it is computed (again when late spans make it be computed again):
   * which trace gave each part how much, for "the slowest traces of a part" (the editor's panel).
   */
  onRequest?: (request: ComputedRequest) => void;
}

/** One request as computed: its row, trace and the self time of each tracked part, µs. */
export interface ComputedRequest {
  method: string;
  name: string;
  traceId: string;
  durationUs: number;
  parts: { service: string; span: string; us: number }[];
}

export const DEFAULT_BREAKDOWN_OPTIONS = Object.freeze({
  settleMs: 1_000,
  lateMs: 30_000,
  requestWaitMs: 30_000,
  maxHeldSpans: 100_000,
  maxHeldTraces: 20_000,
  maxSpansPerTrace: 2_000,
  maxRows: 500,
  maxParts: 10,
  maxRootCauses: 10,
  traceIdsPerCause: 5,
  maxSpanKeys: 64,
});

interface HeldTrace {
  traceId: string;
  spans: Map<string, SlimSpan>;
  lastArrivalMs: number;
  hasRequest: boolean;
  /** Set once computed: what its requests added, to take out when computed again. */
  computed: Contribution[] | undefined;
  /** Spans arrived since it was computed. */
  dirty: boolean;
}

const ENCODED_FORMAT = 'loadlens-breakdown-1';

/** The key of a request row, as report rows are matched: method, a space, name. */
export function rowKey(method: string, name: string): string {
  return `${method} ${name}`;
}

export class BreakdownAggregator {
  private readonly options: Required<Omit<BreakdownOptions, 'runId' | 'onRequest'>> & { runId: string | undefined };
  private readonly onRequest: BreakdownOptions['onRequest'];
  private readonly limits: RowLimits;
  private readonly held = new Map<string, HeldTrace>();
  private heldSpans = 0;
  private readonly rows = new Map<string, RowStats>();
  private lastTickMs = -Infinity;
  private readonly tally: BreakdownCounts = {
    spansReceived: 0, spansDropped: 0, spansUnparented: 0, spansUnmatched: 0, requests: 0, requestsRecomputed: 0, requestsDropped: 0,
  };

  constructor(options: BreakdownOptions = {}) {
    const { onRequest, ...rest } = options;
    this.options = { ...DEFAULT_BREAKDOWN_OPTIONS, ...rest, runId: options.runId };
    this.onRequest = onRequest;
    const { maxParts, maxRootCauses, traceIdsPerCause, maxSpanKeys } = this.options;
    this.limits = { maxParts, maxRootCauses, traceIdsPerCause, maxSpanKeys };
  }

  /** Takes spans as received (any traces, any order, duplicates ignored); computes what has settled. */
  add(spans: readonly ReceivedSpan[], nowMs: number = Date.now()): void {
    for (const span of spans) {
      this.tally.spansReceived++;
      let trace = this.held.get(span.traceId);
      if (trace === undefined) {
        trace = { traceId: span.traceId, spans: new Map(), lastArrivalMs: nowMs, hasRequest: false, computed: undefined, dirty: false };
        this.held.set(span.traceId, trace);
      }
      if (trace.spans.has(span.spanId)) continue; // an exporter's retry delivered it twice
      if (trace.spans.size >= this.options.maxSpansPerTrace) { this.tally.spansDropped++; continue; }
      const slim = slimSpan(span);
      if (slim.request !== undefined && this.options.runId !== undefined && slim.request.runId !== this.options.runId) delete slim.request;
      trace.spans.set(slim.spanId, slim);
      this.heldSpans++;
      trace.lastArrivalMs = nowMs;
      if (slim.request !== undefined) trace.hasRequest = true;
      if (trace.computed !== undefined) trace.dirty = true;
    }
    while (this.heldSpans > this.options.maxHeldSpans || this.held.size > this.options.maxHeldTraces) {
      const oldest = this.held.values().next().value;
      if (oldest === undefined) break;
      this.letGo(oldest, 'pressure');
    }
    if (nowMs - this.lastTickMs >= this.options.settleMs / 2) this.tick(nowMs);
  }

  /** Computes the traces that have settled and lets go of those past their wait. */
  tick(nowMs: number = Date.now()): void {
    this.lastTickMs = nowMs;
    const { settleMs, lateMs, requestWaitMs } = this.options;
    for (const trace of this.held.values()) {
      const quietMs = nowMs - trace.lastArrivalMs;
      if (trace.computed === undefined) {
        if (trace.hasRequest && quietMs >= settleMs) this.compute(trace);
        else if (!trace.hasRequest && quietMs >= requestWaitMs) this.letGo(trace, 'expired');
      } else if (trace.dirty) {
        if (quietMs >= settleMs) this.compute(trace);
      } else if (quietMs >= lateMs) {
        this.letGo(trace, 'expired');
      }
    }
  }

  /** Computes every trace held now (the run's wait for late spans is over) and lets all go. */
  flush(): void {
    for (const trace of [...this.held.values()]) this.letGo(trace, 'flush');
  }

  /** Breakdowns by row key (`rowKey(method, name)`), of the requests computed so far. */
  breakdowns(): Map<string, RequestBreakdown> {
    const out = new Map<string, RequestBreakdown>();
    for (const [key, row] of this.rows) if (row.traces > 0) out.set(key, row.toBreakdown());
    return out;
  }

  /** One row's breakdown; undefined when none of its requests was computed. */
  breakdownOf(method: string, name: string): RequestBreakdown | undefined {
    const row = this.rows.get(rowKey(method, name));
    return row !== undefined && row.traces > 0 ? row.toBreakdown() : undefined;
  }

  counts(): BreakdownCounts {
    return { ...this.tally };
  }

  /** Spans and traces held now (waiting to settle, or for late spans). */
  holding(): { spans: number; traces: number } {
    return { spans: this.heldSpans, traces: this.held.size };
  }

  /**
   * Durations of the spans below the requests that `filter` selects, pooled over the matching rows
   * and (service, span) keys: what span thresholds read. undefined when no span matches.
   * Bind it to pass as a `SpanDurationSource`: `filter => aggregator.spanDurations(filter)`.
   */
  spanDurations(filter: SpanFilter): SpanDurationStats | undefined {
    const pooled = newDetailHistogram();
    for (const row of this.rows.values()) {
      if (filter.name !== undefined && row.name !== filter.name) continue;
      if (filter.method !== undefined && row.method.toUpperCase() !== filter.method.toUpperCase()) continue;
      row.addDurations(filter, pooled);
    }
    return durationStats(pooled);
  }

  /**
   * The state computed so far with its histograms encoded (traces still held are not in it: `flush`
   * first at the end of a run). Plain JSON.
   */
  encode(): EncodedBreakdown {
    return { format: ENCODED_FORMAT, rows: [...this.rows.values()].filter(row => row.traces > 0).map(row => row.encode()), counts: this.counts() };
  }

  /**
   * Adds another aggregator's encoded state (a shard's, a worker's): counts, totals and span
   * durations add up exactly; see `RowStats.absorb` for parts beyond the limits and root causes.
   * Throws on another format. Merging two states: a new aggregator absorbing both.
   */
  absorb(encoded: EncodedBreakdown): void {
    if (encoded.format !== ENCODED_FORMAT) throw new Error(`breakdown state of format '${String(encoded.format)}', expected '${ENCODED_FORMAT}'`);
    for (const row of encoded.rows) {
      const key = rowKey(row.method, row.name);
      let mine = this.rows.get(key);
      if (mine === undefined) {
        if (this.rows.size >= this.options.maxRows) { this.tally.requestsDropped += row.traces; continue; }
        mine = new RowStats(row.method, row.name, this.limits);
        this.rows.set(key, mine);
      }
      mine.absorb(row);
    }
    for (const [name, value] of Object.entries(encoded.counts) as [keyof BreakdownCounts, number][]) this.tally[name] += value;
  }

  private compute(trace: HeldTrace): void {
    const again = trace.computed !== undefined;
    for (const old of trace.computed ?? []) {
      old.row.remove(old);
      this.tally.requests--;
      this.tally.spansUnparented -= old.unparented;
    }
    const contributions: Contribution[] = [];
    for (const tree of splitTrace(trace.spans)) {
      const request = tree.root.request!;
      const key = rowKey(request.method, request.name);
      let row = this.rows.get(key);
      if (row === undefined) {
        if (this.rows.size >= this.options.maxRows) {
          if (!again) this.tally.requestsDropped++;
          continue;
        }
        row = new RowStats(request.method, request.name, this.limits);
        this.rows.set(key, row);
      }
      const contribution = row.add(tree, trace.traceId);
      contributions.push(contribution);
      this.onRequest?.({
        method: request.method, name: request.name, traceId: trace.traceId, durationUs: contribution.durationUs,
        parts: contribution.parts.map(({ part, us }) => ({ service: part.service, span: part.span, us })),
      });
      this.tally.requests++;
      this.tally.spansUnparented += contribution.unparented;
      if (again) this.tally.requestsRecomputed++;
    }
    trace.computed = contributions;
    trace.dirty = false;
  }

  /** Stops holding a trace: computes it first when it has news; counts its spans when they served no request. */
  private letGo(trace: HeldTrace, why: 'pressure' | 'expired' | 'flush'): void {
    if (trace.hasRequest && (trace.computed === undefined || trace.dirty)) this.compute(trace);
    else if (!trace.hasRequest) {
      if (why === 'pressure') this.tally.spansDropped += trace.spans.size;
      else this.tally.spansUnmatched += trace.spans.size;
    }
    this.held.delete(trace.traceId);
    this.heldSpans -= trace.spans.size;
  }
}
