/**
 * The breakdown's statistics per request row: the parts' self times (HDR histograms), their totals,
 * the root causes of failures and the durations of every span below the row's requests (for span
 * thresholds). A request is added as a `Contribution` that remembers where each value went, so a
 * request computed again (its late spans arrived) is taken out exactly and put in anew.
 *
 * Bounds per row: `maxParts` parts with histograms (the network part included); a request's parts
 * beyond them are summed into the row's 'other' part. The parts tracked are the first the row sees,
 * each request's largest first: the first requests of a row set them, which holds when a row's
 * requests take the same path (a part seen only later, e.g. an error path, lands in 'other', with its
 * time). Root causes: `maxRootCauses` distinct (service, span, message), the rest in one 'other'
 * cause; `traceIdsPerCause` newest trace ids each. Span durations: `maxSpanKeys` (service, span,
 * kind) per row; spans of further keys are not kept for thresholds (counted).
 */
import { decodeHistogram, encodeHistogram, newDetailHistogram, percentilesMs, type LatencyHistogram } from '../histogram.ts';
import { criticalPath, partKindOf, rootCauseOf, spansOf, type RequestTree } from './critical-path.ts';
import type { BreakdownPart, EncodedBreakdownRow, PartKind, RequestBreakdown, RootCause, SpanDurationStats, SpanFilter } from './types.ts';

export interface RowLimits {
  maxParts: number;
  maxRootCauses: number;
  traceIdsPerCause: number;
  maxSpanKeys: number;
}

interface PartStats {
  service: string;
  span: string;
  kind: PartKind;
  totalUs: number;
  histogram: LatencyHistogram;
}

interface CauseStats {
  service: string;
  span: string;
  message: string;
  count: number;
  traceIds: string[];
}

interface DurationStats {
  service: string;
  span: string;
  /** OTLP's wire number. */
  kind: number;
  histogram: LatencyHistogram;
}

/** One request as added to its row, kept so it can be taken out again. */
export interface Contribution {
  row: RowStats;
  traceId: string;
  durationUs: number;
  parts: { part: PartStats; us: number }[];
  /** The request's time in untracked parts, recorded as one value in the row's 'other'; -1: none. */
  otherUs: number;
  cause: CauseStats | undefined;
  durations: { stats: DurationStats; us: number }[];
  unparented: number;
}

const SEP = '\u0000';
const KIND_SERVER = 2;
/** The key of the cause that holds failures beyond `maxRootCauses` distinct ones (no real key starts with SEP). */
const OTHER_CAUSE = `${SEP}other`;

/** A map keyed by two strings, without building a key string per lookup. */
class PairMap<V> {
  private readonly outer = new Map<string, Map<string, V>>();
  size = 0;

  get(first: string, second: string): V | undefined {
    return this.outer.get(first)?.get(second);
  }

  set(first: string, second: string, value: V): void {
    let inner = this.outer.get(first);
    if (inner === undefined) this.outer.set(first, (inner = new Map()));
    if (!inner.has(second)) this.size++;
    inner.set(second, value);
  }

  *values(): IterableIterator<V> {
    for (const inner of this.outer.values()) yield* inner.values();
  }
}

/** The statistics of one request row (method, name). */
export class RowStats {
  readonly method: string;
  readonly name: string;
  traces = 0;
  totalUs = 0;
  readonly parts = new PairMap<PartStats>();
  readonly other: PartStats = { service: '', span: 'other', kind: 'other', totalUs: 0, histogram: newDetailHistogram() };
  readonly causes = new Map<string, CauseStats>();
  /** By service, span name, then kind (OTLP's wire number, as an index). */
  readonly durations = new PairMap<DurationStats[]>();
  private durationKeys = 0;
  /** Spans whose (service, span, kind) found no room among `maxSpanKeys`. */
  durationsDropped = 0;
  private readonly limits: RowLimits;

  constructor(method: string, name: string, limits: RowLimits) {
    this.method = method;
    this.name = name;
    this.limits = limits;
  }

  /** Analyses one request (its critical path, root cause and span durations) and adds it. */
  add(tree: RequestTree, traceId: string): Contribution {
    // A request has few parts: a list searched by value beats building string keys (measured: a
    // Map lookup by a concatenated key costs several µs, by the span's own strings a fraction).
    const bySelf: { service: string; span: string; kind: PartKind; us: number }[] = [];
    for (const segment of criticalPath(tree)) {
      const service = segment.span.service;
      const span = segment.network ? 'network' : segment.span.name;
      const entry = bySelf.find(e => e.span === span && e.service === service);
      if (entry) entry.us += segment.selfUs;
      else bySelf.push({ service, span, kind: partKindOf(segment.span.kind, segment.network), us: segment.selfUs });
    }
    const contribution: Contribution = {
      row: this, traceId, durationUs: Math.max(0, tree.root.endUs - tree.root.startUs), parts: [], otherUs: -1,
      cause: undefined, durations: [], unparented: tree.unparented,
    };
    let otherUs = 0;
    let hasOther = false;
    for (const entry of bySelf.sort((a, b) => b.us - a.us)) {
      let part = this.parts.get(entry.service, entry.span);
      if (part === undefined && this.parts.size < this.limits.maxParts) {
        part = { service: entry.service, span: entry.span, kind: entry.kind, totalUs: 0, histogram: newDetailHistogram() };
        this.parts.set(entry.service, entry.span, part);
      }
      if (part === undefined) { otherUs += entry.us; hasOther = true; }
      else contribution.parts.push({ part, us: entry.us });
    }
    if (hasOther) contribution.otherUs = otherUs;

    const failed = rootCauseOf(tree);
    if (failed !== undefined) {
      const key = `${failed.service}${SEP}${failed.name}${SEP}${failed.message}`;
      let cause = this.causes.get(key);
      if (cause === undefined && this.causes.size < this.limits.maxRootCauses) {
        cause = { service: failed.service, span: failed.name, message: failed.message, count: 0, traceIds: [] };
        this.causes.set(key, cause);
      }
      if (cause === undefined) {
        cause = this.causes.get(OTHER_CAUSE) ?? { service: '', span: 'other', message: '', count: 0, traceIds: [] };
        this.causes.set(OTHER_CAUSE, cause);
      }
      contribution.cause = cause;
    }

    for (const span of spansOf(tree)) {
      let byKind = this.durations.get(span.service, span.name);
      let stats = byKind?.[span.kind];
      if (stats === undefined && this.durationKeys < this.limits.maxSpanKeys) {
        stats = { service: span.service, span: span.name, kind: span.kind, histogram: newDetailHistogram() };
        if (byKind === undefined) this.durations.set(span.service, span.name, byKind = []);
        byKind[span.kind] = stats;
        this.durationKeys++;
      }
      if (stats === undefined) this.durationsDropped++;
      else contribution.durations.push({ stats, us: Math.max(0, span.endUs - span.startUs) });
    }
    this.apply(contribution, 1);
    return contribution;
  }

  /** Takes a request added before out again (before adding its recomputation). */
  remove(contribution: Contribution): void {
    this.apply(contribution, -1);
  }

  private apply(contribution: Contribution, sign: 1 | -1): void {
    this.traces += sign;
    this.totalUs += sign * contribution.durationUs;
    for (const { part, us } of contribution.parts) {
      part.totalUs += sign * us;
      part.histogram.recordValueWithCount(us, sign);
    }
    if (contribution.otherUs >= 0) {
      this.other.totalUs += sign * contribution.otherUs;
      this.other.histogram.recordValueWithCount(contribution.otherUs, sign);
    }
    for (const { stats, us } of contribution.durations) stats.histogram.recordValueWithCount(us, sign);
    const cause = contribution.cause;
    if (cause !== undefined) {
      cause.count += sign;
      const at = cause.traceIds.indexOf(contribution.traceId);
      if (at >= 0) cause.traceIds.splice(at, 1);
      if (sign === 1) {
        cause.traceIds.push(contribution.traceId);
        if (cause.traceIds.length > this.limits.traceIdsPerCause) cause.traceIds.shift();
      } else if (cause.count === 0) {
        for (const [key, value] of this.causes) if (value === cause) this.causes.delete(key);
      }
    }
  }

  /** The row's breakdown in the report's shape. */
  toBreakdown(): RequestBreakdown {
    const total = this.totalUs;
    const part = (stats: PartStats): BreakdownPart => {
      const [p50 = 0, p95 = 0, p99 = 0] = percentilesMs(stats.histogram, [50, 95, 99]);
      return { service: stats.service, span: stats.span, kind: stats.kind, selfMs: { p50, p95, p99 }, share: total > 0 ? stats.totalUs / total : 0 };
    };
    const parts = [...this.parts.values()].filter(stats => stats.histogram.totalCount > 0)
      .sort((a, b) => b.totalUs - a.totalUs || a.service.localeCompare(b.service) || a.span.localeCompare(b.span))
      .map(part);
    if (this.other.histogram.totalCount > 0) parts.push(part(this.other));
    const rootCauses: RootCause[] = [...this.causes.values()].filter(cause => cause.count > 0)
      .sort((a, b) => b.count - a.count)
      .map(cause => ({ service: cause.service, span: cause.span, message: cause.message, count: cause.count, traceIds: [...cause.traceIds] }));
    return { traces: this.traces, parts, rootCauses };
  }

  /** The row's state with its histograms encoded (HDR's compressed base64), for another process to `absorb`. */
  encode(): EncodedBreakdownRow {
    const part = (stats: PartStats) => ({ service: stats.service, span: stats.span, kind: stats.kind, totalUs: stats.totalUs, histogram: encodeHistogram(stats.histogram) });
    return {
      method: this.method, name: this.name, traces: this.traces, totalUs: this.totalUs,
      parts: [...this.parts.values()].filter(stats => stats.histogram.totalCount > 0).map(part),
      other: part(this.other),
      rootCauses: this.toBreakdown().rootCauses,
      durations: [...this.durations.values()].flat().filter(stats => stats.histogram.totalCount > 0)
        .map(stats => ({ service: stats.service, span: stats.span, kind: stats.kind, histogram: encodeHistogram(stats.histogram) })),
    };
  }

  /**
   * Adds another process's state of the same row (a shard's, a worker's). Exact for counts, totals,
   * shares, span durations and the parts both track; a part this row has no room for goes to its
   * 'other' part, whose percentiles are then those of the parts pooled, not of their per-request sums
   * (its share stays exact). Root causes add up by (service, span, message); their trace ids are the
   * newest of this row's then the other's.
   */
  absorb(row: EncodedBreakdownRow): void {
    this.traces += row.traces;
    this.totalUs += row.totalUs;
    const addInto = (into: PartStats, encoded: string, totalUs: number) => {
      into.totalUs += totalUs;
      const histogram = decodeHistogram(encoded);
      if (histogram !== undefined) into.histogram.add(histogram);
    };
    for (const encoded of row.parts) {
      let part = this.parts.get(encoded.service, encoded.span);
      if (part === undefined && this.parts.size < this.limits.maxParts) {
        part = { service: encoded.service, span: encoded.span, kind: encoded.kind, totalUs: 0, histogram: newDetailHistogram() };
        this.parts.set(encoded.service, encoded.span, part);
      }
      addInto(part ?? this.other, encoded.histogram, encoded.totalUs);
    }
    if (row.other !== undefined) addInto(this.other, row.other.histogram, row.other.totalUs);
    for (const cause of row.rootCauses) {
      const key = cause.service === '' && cause.span === 'other' ? OTHER_CAUSE : `${cause.service}${SEP}${cause.span}${SEP}${cause.message}`;
      let mine = this.causes.get(key);
      if (mine === undefined && key !== OTHER_CAUSE && this.causes.size < this.limits.maxRootCauses) {
        mine = { service: cause.service, span: cause.span, message: cause.message, count: 0, traceIds: [] };
        this.causes.set(key, mine);
      }
      if (mine === undefined) {
        mine = this.causes.get(OTHER_CAUSE) ?? { service: '', span: 'other', message: '', count: 0, traceIds: [] };
        this.causes.set(OTHER_CAUSE, mine);
      }
      mine.count += cause.count;
      mine.traceIds = [...mine.traceIds, ...cause.traceIds.filter(id => !mine.traceIds.includes(id))].slice(-this.limits.traceIdsPerCause);
    }
    for (const encoded of row.durations) {
      let byKind = this.durations.get(encoded.service, encoded.span);
      let stats = byKind?.[encoded.kind];
      if (stats === undefined && this.durationKeys < this.limits.maxSpanKeys) {
        stats = { service: encoded.service, span: encoded.span, kind: encoded.kind, histogram: newDetailHistogram() };
        if (byKind === undefined) this.durations.set(encoded.service, encoded.span, byKind = []);
        byKind[encoded.kind] = stats;
        this.durationKeys++;
      }
      const histogram = decodeHistogram(encoded.histogram);
      if (stats === undefined) this.durationsDropped += histogram?.totalCount ?? 0;
      else if (histogram !== undefined) stats.histogram.add(histogram);
    }
  }

  /** Adds this row's durations of the spans `filter` selects (its row fields are checked by the caller) into `into`. */
  addDurations(filter: SpanFilter, into: LatencyHistogram): void {
    for (const stats of [...this.durations.values()].flat()) {
      const matches = filter.span !== undefined
        ? stats.span === filter.span && (filter.service === undefined || stats.service === filter.service)
        : filter.service !== undefined && stats.service === filter.service && stats.kind === KIND_SERVER;
      if (matches && stats.histogram.totalCount > 0) into.add(stats.histogram);
    }
  }
}

/** Count, percentiles, mean, min and max (ms) of a pooled histogram of µs; undefined when empty. */
export function durationStats(histogram: LatencyHistogram): SpanDurationStats | undefined {
  const count = histogram.totalCount;
  if (count <= 0) return undefined;
  // A tiny percentile is the lowest recorded value's bucket; 100 the highest's (both ≤ 1 % high).
  const [min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0] = percentilesMs(histogram, [1e-9, 50, 90, 95, 99, 100]);
  return { count, p50, p90, p95, p99, avg: histogram.mean / 1000, min, max };
}
