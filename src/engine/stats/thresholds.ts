/**
 * Pass/fail criteria of a run, written like Locust's and k6's: `thresholds: { p95: '< 300ms', errorRate: '< 1%' }`.
 *
 * Key: a metric, optionally filtered to the rows of one request name and/or method:
 *   `p95`, `p95{name:/checkout}`, `p95{method:GET,name:/product/{id}}`, `rps{method:POST}`
 * - metrics: `p50 p90 p95 p99 avg min max` (latency, ms), `errorRate` (% of requests that failed),
 *   `rps` (requests per second over the run), `requests`, `failures` (counts);
 * - the filter is `{name:NAME}`, `{method:METHOD}` or both, comma-separated in either order. A value is
 *   everything after its `key:` up to the closing brace or up to the next `,method:`, `,name:`, `,span:`
 *   or `,service:`, so a name may itself hold braces, colons, commas and spaces; METHOD is letters and
 *   matches case-insensitively. Groups are rows with method GROUP. Without a filter the metric is the
 *   aggregate of all requests.
 * - spans (issue 16): `{span:SPAN}`, `{service:SERVICE}` or both, optionally with `name:`/`method:`, make
 *   a latency metric read the durations of the application's spans received during the run, e.g.
 *   `p95{span:db.query SELECT stock}` or `p99{service:inventory,name:/checkout}` (the spans below that
 *   row's requests). `service:` without `span:` means that service's SERVER spans. Only latency metrics
 *   take them; percentiles come from the spans' pooled HDR histograms (≤ 1 % high).
 * Value: a comparator `<`, `<=`, `>`, `>=` or `==`, then a non-negative number and a unit: `ms` or `s` for
 *   latencies (none means ms), `%` for errorRate (none means %), none for rps, requests and failures.
 *
 * When a filter matches several rows (a name used with two methods, or a method filter), counts add up,
 * `avg` is the count-weighted mean, `min` the lowest, and p50…p99 and `max` the HIGHEST of the rows:
 * an upper bound of the pooled percentile, so a met threshold is truly met.
 */
import type { SpanDurationSource, SpanFilter } from '../../shared/breakdown/types.ts';
import type { RequestRow, RunReport, ThresholdResult } from '../../shared/report.ts';

export type ThresholdMetric = 'p50' | 'p90' | 'p95' | 'p99' | 'avg' | 'min' | 'max' | 'errorRate' | 'rps' | 'requests' | 'failures';
export type Comparator = '<' | '<=' | '>' | '>=' | '==';
export type ThresholdUnit = 'ms' | 's' | '%' | '';

export interface ParsedThreshold {
  /** The key as written, e.g. 'p95{name:/checkout}'. */
  key: string;
  metric: ThresholdMetric;
  /**
   * Rows the metric is taken from; undefined: the aggregate. `method` is upper case. With `span` or
   * `service`, the metric reads the durations of received spans (see `spanFilterOf`).
   */
  filter?: ThresholdFilter;
  comparator: Comparator;
  /** The limit in `unit`. */
  value: number;
  /** The effective unit: a latency without unit is 'ms', an errorRate without unit is '%'. */
  unit: ThresholdUnit;
  /** Canonical text, e.g. 'p95 < 300ms' or 'p95{method:GET,name:/a} <= 1.5s': how results name the threshold. */
  expression: string;
}

export interface ThresholdFilter {
  method?: string;
  name?: string;
  service?: string;
  span?: string;
}

type MetricKind = 'latency' | 'rate' | 'count';

const METRIC_KINDS: Record<ThresholdMetric, MetricKind> = {
  p50: 'latency', p90: 'latency', p95: 'latency', p99: 'latency', avg: 'latency', min: 'latency', max: 'latency',
  errorRate: 'rate', rps: 'count', requests: 'count', failures: 'count',
};

const METRICS = Object.keys(METRIC_KINDS).join(', ');

const ACCEPTED_UNITS: Record<MetricKind, { units: readonly ThresholdUnit[]; implied: ThresholdUnit; advice: string }> = {
  latency: { units: ['ms', 's', ''], implied: 'ms', advice: "use ms or s (no unit means ms), e.g. '< 300ms'" },
  rate: { units: ['%', ''], implied: '%', advice: "use % (no unit means %), e.g. '< 1%'" },
  count: { units: [''], implied: '', advice: "write a plain number, e.g. '>= 100'" },
};

/** A metric word, then whatever follows it (the filter, checked separately for a precise error). */
const KEY = /^([A-Za-z][A-Za-z0-9]*)(.*)$/s;
const VALUE = /^\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?\s*$/;
const FILTER_KEYS = ['method', 'name', 'service', 'span'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
/** A comma that starts the next `key:` (any other comma belongs to the value). */
const FILTER_SPLIT = /,\s*(?=(?:method|name|service|span)\s*:)/;
const FILTER_ENTRY = /^\s*(method|name|service|span)\s*:(.*)$/s;
const FILTER_SYNTAX = '{name:NAME}, {method:METHOD}, {span:SPAN}, {service:SERVICE} or several of them comma-separated, e.g. {method:GET,name:/checkout}';

function isMetric(text: string): text is ThresholdMetric {
  return Object.hasOwn(METRIC_KINDS, text);
}

/**
 * Parses a scenario's `thresholds`. Returns every valid threshold and every error at once; each error
 * names the key, says what is wrong and what is accepted.
 */
export function parseThresholds(record: Readonly<Record<string, unknown>> | undefined): { thresholds: ParsedThreshold[]; errors: string[] } {
  const thresholds: ParsedThreshold[] = [];
  const errors: string[] = [];
  for (const [key, value] of Object.entries(record ?? {})) {
    const parsed = parseThreshold(key, value);
    if (typeof parsed === 'string') errors.push(`threshold '${key}': ${parsed}`);
    else thresholds.push(parsed);
  }
  return { thresholds, errors };
}

/** One threshold, or what is wrong with it (without the key prefix). */
function parseThreshold(key: string, value: unknown): ParsedThreshold | string {
  const keyMatch = KEY.exec(key.trim());
  const metricText = keyMatch?.[1] ?? '';
  if (!isMetric(metricText)) return `unknown metric '${metricText || key}'; use one of ${METRICS}, optionally with a filter such as p95{name:/checkout}`;
  const metric = metricText;
  let filter: ParsedThreshold['filter'];
  const filterText = keyMatch?.[2]?.trim() ?? '';
  if (filterText !== '') {
    const parsedFilter = /^\{(.*)\}$/s.test(filterText) ? parseFilter(filterText.slice(1, -1)) : undefined;
    if (parsedFilter === undefined) return `cannot read the filter '${filterText}'; write ${FILTER_SYNTAX}`;
    if (typeof parsedFilter === 'string') return `${parsedFilter} in the filter '${filterText}'`;
    filter = parsedFilter;
    if ((filter.span !== undefined || filter.service !== undefined) && METRIC_KINDS[metric] !== 'latency') {
      return `${metric} cannot read spans: a span or service filter takes a latency metric (p50, p90, p95, p99, avg, min or max), e.g. p95{span:db.query}`;
    }
  }

  if (typeof value !== 'string') return `the value must be a string such as '< 300ms', got ${value === null ? 'null' : typeof value}`;
  const valueMatch = VALUE.exec(value);
  if (valueMatch === null) {
    if (!/^\s*[<>=]/.test(value)) return `'${value}' has no comparator; start it with <, <=, >, >= or ==, e.g. '< 300ms'`;
    return `cannot read '${value}'; write a comparator (<, <=, >, >=, ==) then a non-negative number and a unit (ms, s, %), e.g. '< 300ms'`;
  }
  const comparator = valueMatch[1] as Comparator;
  const number = valueMatch[2] ?? '';
  const written = (valueMatch[3] ?? '') as ThresholdUnit;
  const accepted = ACCEPTED_UNITS[METRIC_KINDS[metric]];
  if (!accepted.units.includes(written)) return `unit '${written}' does not fit ${metric}; ${accepted.advice}`;
  const unit = written === '' ? accepted.implied : written;
  const threshold: ParsedThreshold = { key, metric, comparator, value: Number(number), unit, expression: `${metric}${formatFilter(filter)} ${comparator} ${number}${unit}` };
  if (filter !== undefined) threshold.filter = filter;
  return threshold;
}

/** The canonical filter text: method upper case first, then name; '' for none. */
function formatFilter(filter: ParsedThreshold['filter']): string {
  if (filter === undefined) return '';
  return `{${FILTER_KEYS.filter(key => filter[key] !== undefined).map(key => `${key}:${filter[key]}`).join(',')}}`;
}

/** The filter, undefined when it cannot be read at all, or what is wrong with one of its entries. */
function parseFilter(text: string): ThresholdFilter | string | undefined {
  const filter: ThresholdFilter = {};
  for (const entry of text.split(FILTER_SPLIT)) {
    const match = FILTER_ENTRY.exec(entry);
    if (match === null) return undefined;
    const key = match[1] as FilterKey;
    const value = (match[2] ?? '').trim();
    if (value === '') return undefined;
    if (filter[key] !== undefined) return `'${key}:' is given twice`;
    if (key === 'method') {
      if (!/^[A-Za-z]+$/.test(value)) return undefined;
      filter.method = value.toUpperCase();
    } else {
      filter[key] = value;
    }
  }
  return filter;
}

/**
 * The spans a threshold reads, when it reads spans (its filter has `span:` or `service:`); undefined
 * for a threshold on the request rows. What the receiver's breakdown is asked for.
 */
export function spanFilterOf(threshold: Pick<ParsedThreshold, 'filter'>): SpanFilter | undefined {
  const filter = threshold.filter;
  if (filter === undefined || (filter.span === undefined && filter.service === undefined)) return undefined;
  return { ...filter };
}

/** The numbers thresholds read: the report's totals and rows. */
export type ThresholdInput = Pick<RunReport, 'totals' | 'requests'>;

/**
 * Evaluates parsed thresholds against a run's numbers. `actual` is in the threshold's unit, rounded to
 * 0.001, and the comparison uses that rounded value (what is shown is what was compared).
 * A row's rps is its count over the run's duration, i.e. count × totals.rps / totals.requests.
 * A filter that matches no row is not ok (actual 0) and its expression says so. So is a latency,
 * errorRate or rps threshold over zero requests: "(no data)". A gate must not pass when nothing was
 * measured (a target that never answered, every request cancelled at the stop).
 *
 * A threshold on spans reads `spans` (the breakdown of the spans received, `BreakdownAggregator.
 * spanDurations`): "no data" when no received span matches, or when there is no receiver (`spans`
 * undefined).
 */
export function evaluateThresholds(parsed: readonly ParsedThreshold[], summary: ThresholdInput, spans?: SpanDurationSource): ThresholdResult[] {
  // Each result names its key as written and what it read, so a test report can point at both.
  return parsed.map(threshold => ({ ...evaluateThreshold(threshold, summary, spans), key: threshold.key, ...(threshold.filter ? { filter: threshold.filter } : {}) }));
}

function evaluateThreshold(threshold: ParsedThreshold, summary: ThresholdInput, spans: SpanDurationSource | undefined): ThresholdResult {
  const spanFilter = spanFilterOf(threshold);
  if (spanFilter !== undefined) return evaluateOnSpans(threshold, spanFilter, spans);
  const measured = measure(threshold, summary);
  if (measured === undefined) {
    return { expression: `${threshold.expression} (no request row matches ${describeFilter(threshold.filter)})`, ok: false, metric: threshold.metric, unit: threshold.unit, actual: 0 };
  }
  if (METRIC_KINDS[threshold.metric] !== 'count' || threshold.metric === 'rps') {
    if (requestCount(threshold, summary) === 0) return { expression: `${threshold.expression} (no data: no request ${threshold.filter ? 'in the matching rows ' : ''}completed)`, ok: false, metric: threshold.metric, unit: threshold.unit, actual: 0 };
  }
  const actual = Math.round((threshold.unit === 's' ? measured / 1000 : measured) * 1000) / 1000;
  return { expression: threshold.expression, ok: compare(actual, threshold.comparator, threshold.value), metric: threshold.metric, unit: threshold.unit, actual };
}

function evaluateOnSpans(threshold: ParsedThreshold, filter: SpanFilter, spans: SpanDurationSource | undefined): ThresholdResult {
  const stats = spans?.(filter);
  const { metric, unit } = threshold;
  if (stats === undefined || stats.count === 0) {
    const why = spans === undefined
      ? 'no spans were received: run with --receiver (or in the editor) and point the application\'s OTLP exporter at it'
      : `no received span matches ${describeFilter(filter)}`;
    return { expression: `${threshold.expression} (no data: ${why})`, ok: false, metric, unit, actual: 0 };
  }
  // The parser lets only latency metrics read spans, and each of them is a field of the stats.
  const measured = stats[metric as Exclude<ThresholdMetric, 'errorRate' | 'rps' | 'requests' | 'failures'>];
  const actual = Math.round((unit === 's' ? measured / 1000 : measured) * 1000) / 1000;
  return { expression: threshold.expression, ok: compare(actual, threshold.comparator, threshold.value), metric, unit, actual };
}

/** Requests (or groups) behind a threshold: the aggregate's, or those of the rows its filter matches. */
function requestCount(threshold: ParsedThreshold, summary: ThresholdInput): number {
  const filter = threshold.filter;
  if (filter === undefined) return summary.totals.requests;
  return sum(summary.requests.filter(row =>
    row.method !== ''
    && (filter.method === undefined || row.method.toUpperCase() === filter.method)
    && (filter.name === undefined || row.name === filter.name)), row => row.count);
}

/** The metric in its base unit (ms, %, count or per second); undefined when the filter matches no row. */
function measure(threshold: ParsedThreshold, summary: ThresholdInput): number | undefined {
  const { totals } = summary;
  const filter = threshold.filter;
  if (filter === undefined) {
    switch (threshold.metric) {
      case 'errorRate': return totals.requests === 0 ? 0 : (totals.failures / totals.requests) * 100;
      case 'requests': return totals.requests;
      default: return totals[threshold.metric];
    }
  }
  const rows = summary.requests.filter(row =>
    row.method !== '' // the aggregate row
    && (filter.method === undefined || row.method.toUpperCase() === filter.method)
    && (filter.name === undefined || row.name === filter.name));
  if (rows.length === 0) return undefined;
  const count = sum(rows, row => row.count);
  const failures = sum(rows, row => row.failures);
  const timed = rows.filter(row => row.count > 0);
  switch (threshold.metric) {
    case 'requests': return count;
    case 'failures': return failures;
    case 'errorRate': return count === 0 ? 0 : (failures / count) * 100;
    case 'rps': return totals.requests === 0 ? 0 : count * (totals.rps / totals.requests);
    case 'avg': return count === 0 ? 0 : sum(timed, row => row.avg * row.count) / count;
    case 'min': return timed.length === 0 ? 0 : Math.min(...timed.map(row => row.min));
    default: {
      const metric = threshold.metric;
      return Math.max(0, ...timed.map(row => row[metric]));
    }
  }
}

function sum(rows: readonly RequestRow[], value: (row: RequestRow) => number): number {
  return rows.reduce((total, row) => total + value(row), 0);
}

function compare(actual: number, comparator: Comparator, limit: number): boolean {
  switch (comparator) {
    case '<': return actual < limit;
    case '<=': return actual <= limit;
    case '>': return actual > limit;
    case '>=': return actual >= limit;
    case '==': return actual === limit;
  }
}

function describeFilter(filter: ThresholdFilter | undefined): string {
  const parts: string[] = [];
  if (filter?.span !== undefined) parts.push(`span '${filter.span}'`);
  if (filter?.service !== undefined) parts.push(filter.span === undefined ? `service '${filter.service}' (its SERVER spans)` : `service '${filter.service}'`);
  if (filter?.method !== undefined) parts.push(`method ${filter.method}`);
  if (filter?.name !== undefined) parts.push(`name '${filter.name}'`);
  return parts.join(', ');
}
