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
import { newDetailHistogram, percentilesMs, type LatencyHistogram } from '../histogram.ts';
import { criticalPath, partKindOf, rootCauseOf, spansOf, type RequestTree } from './critical-path.ts';
import type { BreakdownPart, PartKind, RequestBreakdown, RootCause, SpanDurationStats, SpanFilter } from './types.ts';

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

/** The statistics of one request row (method, name). */
export class RowStats {
  readonly method: string;
  readonly name: string;
  traces = 0;
  totalUs = 0;
  readonly parts = new Map<string, PartStats>();
  readonly other: PartStats = { service: '', span: 'other', kind: 'other', totalUs: 0, histogram: newDetailHistogram() };
  readonly causes = new Map<string, CauseStats>();
  readonly durations = new Map<string, DurationStats>();
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
    const bySelf = new Map<string, { service: string; span: string; kind: PartKind; us: number }>();
    for (const segment of criticalPath(tree)) {
      const kind = partKindOf(segment.span.kind, segment.network);
      const service = segment.span.service;
      const span = segment.network ? 'network' : segment.span.name;
      const key = `${service}${SEP}${span}`;
      const entry = bySelf.get(key);
      if (entry) entry.us += segment.selfUs;
      else bySelf.set(key, { service, span, kind, us: segment.selfUs });
    }
    const contribution: Contribution = {
      row: this, traceId, durationUs: Math.max(0, tree.root.endUs - tree.root.startUs), parts: [], otherUs: -1,
      cause: undefined, durations: [], unparented: tree.unparented,
    };
    let otherUs = 0;
    let hasOther = false;
    for (const [key, entry] of [...bySelf].sort((a, b) => b[1].us - a[1].us)) {
      let part = this.parts.get(key);
      if (part === undefined && this.parts.size < this.limits.maxParts) {
        part = { service: entry.service, span: entry.span, kind: entry.kind, totalUs: 0, histogram: newDetailHistogram() };
        this.parts.set(key, part);
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
      const key = `${span.service}${SEP}${span.name}${SEP}${span.kind}`;
      let stats = this.durations.get(key);
      if (stats === undefined && this.durations.size < this.limits.maxSpanKeys) {
        stats = { service: span.service, span: span.name, kind: span.kind, histogram: newDetailHistogram() };
        this.durations.set(key, stats);
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

  /** Adds this row's durations of the spans `filter` selects (its row fields are checked by the caller) into `into`. */
  addDurations(filter: SpanFilter, into: LatencyHistogram): void {
    for (const stats of this.durations.values()) {
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
