/**
 * Where a request row's time went, as reports, the panel, the CLI and `loadlens compare` read it.
 * Plain JSON. The shape of `RequestBreakdown` is a published format (issue 16): other tools read
 * `requests[i].breakdown` from report files, so fields are only ever added, never renamed.
 */

/**
 * What a part is. `'network'`: the load generator's own time outside the application (its CLIENT
 * span and its `connect` span, not covered by a SERVER span): connecting, sending, queueing, the
 * response travelling back. The others follow the span's kind (UNSPECIFIED counts as internal, as
 * OpenTelemetry says). `'other'`: the parts folded together once a row tracks its limit of parts.
 */
export type PartKind = 'network' | 'server' | 'client' | 'internal' | 'producer' | 'consumer' | 'other';

/** Percentiles of a part's self time per request, ms, over the requests whose critical path it is on. */
export interface PartPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** One `(service, span name)` of a row, or its network part, or its 'other' part. */
export interface BreakdownPart {
  /** `service.name` of the spans; the load generator's for the network part; '' for 'other'. */
  service: string;
  /** The span name; 'network' for the network part; 'other' for the folded rest. */
  span: string;
  kind: PartKind;
  /**
   * Self time on the critical path, per request that has it (summed when a request has several
   * spans of this part): the time of this part that no child on the critical path covers.
   */
  selfMs: PartPercentiles;
  /** This part's self time over all requests / the row's total request time (0..1; a row's shares add up to 1). */
  share: number;
}

/** Failed requests of a row grouped by the deepest span in ERROR status below (or at) their CLIENT span. */
export interface RootCause {
  service: string;
  span: string;
  /** The span's status message, else its `exception.message` event, else its `error.type` attribute; may be ''. */
  message: string;
  count: number;
  /** The newest few trace ids, newest last. */
  traceIds: string[];
}

/** `requests[i].breakdown` of a report. */
export interface RequestBreakdown {
  /** Requests (CLIENT spans of this row) the breakdown covers. */
  traces: number;
  /** Sorted by share, largest first; the 'other' part, when there is one, last. */
  parts: BreakdownPart[];
  /** Sorted by count, largest first. */
  rootCauses: RootCause[];
}

/**
 * What the breakdown received and could not use as it is: shown beside it, never silently ignored
 * (the report's `breakdownCounts`).
 */
export interface BreakdownCounts {
  spansReceived: number;
  /** Refused by a bound: beyond `maxSpansPerTrace`, or held spans pushed out before their request's span came. */
  spansDropped: number;
  /** Spans whose parent never arrived (counted once per such span, not per descendant); attached to their request by time. */
  spansUnparented: number;
  /** Spans of traces in which no request span arrived within the wait: other traffic, or spans later than the wait. */
  spansUnmatched: number;
  /** Requests (load generator CLIENT spans) broken down. */
  requests: number;
  /** Of those, computed again because spans of their trace arrived after the first computation. */
  requestsRecomputed: number;
  /** Requests of rows beyond `maxRows`, not broken down. */
  requestsDropped: number;
}

/**
 * Which received spans a span threshold reads (`p95{span:db.query SELECT stock}`,
 * `p95{service:inventory,name:/checkout}`). Every field given must match.
 */
export interface SpanFilter {
  /** A span name, exactly. */
  span?: string;
  /** A `service.name`. Without `span`, only that service's SERVER spans match. */
  service?: string;
  /** The request row (`loadlens.request.name`) whose requests' spans count; any row when absent. */
  name?: string;
  /** The request row's method, upper case. */
  method?: string;
}

/** Durations (ms) of the spans a `SpanFilter` matches, pooled from HDR histograms (≤ 1 % high). */
export interface SpanDurationStats {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  avg: number;
  min: number;
  max: number;
}

/** What span thresholds read: filled by the breakdown aggregator (`BreakdownAggregator.spanDurations`). */
export type SpanDurationSource = (filter: SpanFilter) => SpanDurationStats | undefined;

/**
 * A breakdown's state with its HDR histograms encoded (compressed base64), so that another process
 * adds it up exactly (`BreakdownAggregator.absorb`): a shard's or a worker's, as `loadlens merge`
 * adds their stats. Opaque to readers of reports.
 */
export interface EncodedBreakdown {
  format: 'loadlens-breakdown-1';
  rows: EncodedBreakdownRow[];
  counts: BreakdownCounts;
}

export interface EncodedBreakdownRow {
  method: string;
  name: string;
  traces: number;
  /** The row's requests' durations added up, µs. */
  totalUs: number;
  parts: EncodedPart[];
  other?: EncodedPart;
  rootCauses: RootCause[];
  /** Span durations per (service, span, kind: OTLP's wire number), for span thresholds. */
  durations: { service: string; span: string; kind: number; histogram: string }[];
}

export interface EncodedPart {
  service: string;
  span: string;
  kind: PartKind;
  totalUs: number;
  /** Self times per request, µs, HDR compressed base64 ('' when empty). */
  histogram: string;
}
