/**
 * Two runs of one scenario side by side, and which changes are regressions. Shared by the CLI
 * (`loadlens compare`, a CI gate), the extension's comparison tab and its webview: one rule everywhere.
 *
 * The rule respects noise: a change counts only when it is beyond a relative margin AND an absolute
 * one. A p95 going from 2.1 ms to 2.6 ms is +24 % but 0.5 ms is noise on any machine; a p95 going from
 * 800 ms to 806 ms is 6 ms but 0.75 %. Either alone would flag one of them; both together flag neither.
 *
 * When both runs have a row's breakdown (issue 16), its parts are compared by the same rule: each
 * (service, span) part's self-time p50, p95 and p99 with the latency margins. A part's regression
 * names it: 'GET /slowdb: inventory db.query SELECT stock p50 +24.8 ms'.
 */
import type { BreakdownPart, PartKind } from './breakdown/types.ts';
import type { RequestRow, RunReport } from './report.ts';
import type { RunHeader } from './run.ts';

/** The numbers compared per row. Latencies and error rate: higher is worse; RPS: lower is worse. */
export const COMPARED_METRICS = ['p50', 'p95', 'p99', 'rps', 'errorRate'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/**
 * How far a metric may move the wrong way before it is a regression. `relative`: a fraction of the
 * base (0.1 = 10 %). `absolute`: in the metric's unit (ms for latencies, requests/s for RPS,
 * percentage points for the error rate). Both must be exceeded.
 */
export interface Margin {
  relative: number;
  absolute: number;
}

export type RegressionLimits = Record<ComparedMetric, Margin>;

/** The default margins, documented in the README ("Comparing runs"). */
export const DEFAULT_LIMITS: Readonly<RegressionLimits> = Object.freeze({
  p50: { relative: 0.1, absolute: 5 },
  p95: { relative: 0.1, absolute: 5 },
  p99: { relative: 0.1, absolute: 5 },
  rps: { relative: 0.1, absolute: 1 },
  errorRate: { relative: 0.1, absolute: 0.5 },
});

/** What happened to one metric of one row. */
export type Verdict = 'regression' | 'improvement' | 'unchanged';

export interface MetricDelta {
  metric: ComparedMetric;
  base: number;
  next: number;
  /** next − base, in the metric's unit. */
  delta: number;
  /** (next − base) / base; undefined when base is 0 (any change is infinitely relative). */
  relative?: number;
  verdict: Verdict;
}

/** The part metrics compared: the self-time percentiles of `BreakdownPart.selfMs`, with the rows' latency margins. */
export const COMPARED_PART_METRICS = ['p50', 'p95', 'p99'] as const satisfies readonly ComparedMetric[];

/** One breakdown part of a row in both runs, matched by service and span name. */
export interface PartComparison {
  service: string;
  span: string;
  kind: PartKind;
  /** 'both' when both runs' breakdowns have the part; else the run that has it (no deltas then). */
  presence: 'both' | 'base-only' | 'next-only';
  /** Self-time p50, p95 and p99 (ms); empty unless `presence` is 'both'. */
  deltas: MetricDelta[];
}

/** One stats row of both runs, matched by method and name. */
export interface RowComparison {
  method: string;
  name: string;
  /** 'both' when the row is in both runs; else the run that has it (no deltas then). */
  presence: 'both' | 'base-only' | 'next-only';
  baseCount: number;
  nextCount: number;
  deltas: MetricDelta[];
  /**
   * The row's breakdown parts, when both runs have a breakdown of it: the new run's parts in its
   * order, then those only the base has. The 'other' part is not compared (what it holds differs).
   */
  parts?: PartComparison[];
}

export interface RunComparison {
  scenario: string;
  base: { runId: string; startedAt: string; file: string };
  next: { runId: string; startedAt: string; file: string };
  /** Request rows first (in the new run's order, then rows only the base has), the aggregate last. */
  rows: RowComparison[];
  /**
   * Every metric judged a regression, as 'GET /product p95' labels, then every part's, as
   * 'GET /slowdb: inventory db.query SELECT stock p50 +24.8 ms'; empty when none.
   */
  regressions: string[];
  limits: RegressionLimits;
}

/**
 * Whether `next` is worse than `base` beyond both margins (or better beyond both: an improvement).
 * `higherIsWorse` is true for latencies and the error rate, false for RPS.
 */
export function judge(base: number, next: number, margin: Margin, higherIsWorse: boolean): Verdict {
  const worse = higherIsWorse ? next - base : base - next;
  const beyond = (change: number) => change > margin.absolute && (base === 0 ? change > 0 : change / base > margin.relative);
  if (beyond(worse)) return 'regression';
  if (beyond(-worse)) return 'improvement';
  return 'unchanged';
}

/** A row's value of a compared metric. `durationMs`: the run's, for RPS (count over the whole run). */
export function metricOf(row: RequestRow, metric: ComparedMetric, durationMs: number): number {
  switch (metric) {
    case 'p50':
    case 'p95':
    case 'p99':
      return row[metric];
    case 'rps':
      return durationMs > 0 ? row.count / (durationMs / 1000) : 0;
    case 'errorRate':
      return row.count > 0 ? (row.failures / row.count) * 100 : 0;
  }
}

const rowKey = (row: Pick<RequestRow, 'method' | 'name'>) => `${row.method} ${row.name}`;

/** The regression of a new run that completed no request: no data, not an improvement. */
export const NO_DATA_REGRESSION = 'no data: the new run completed no request';

/** A row as the user reads it: 'GET /product/{id}', or 'Aggregated' for the aggregate row. */
export function rowLabel(row: Pick<RequestRow, 'method' | 'name'>): string {
  return row.method === '' ? 'Aggregated' : `${row.method} ${row.name}`;
}

/**
 * Compares two reports of the same scenario row by row (method + name). The caller checks that they
 * are of the same scenario (`comparableReports`).
 */
export function compareRuns(base: RunReport, next: RunReport, limits: RegressionLimits = DEFAULT_LIMITS): RunComparison {
  const baseRows = new Map(base.requests.map(r => [rowKey(r), r]));
  const nextRows = new Map(next.requests.map(r => [rowKey(r), r]));
  const ordered = [...next.requests.filter(r => r.method !== ''), ...base.requests.filter(r => r.method !== '' && !nextRows.has(rowKey(r)))];
  const aggregate = next.requests.find(r => r.method === '') ?? base.requests.find(r => r.method === '');
  if (aggregate) ordered.push(aggregate);
  const rows = ordered.map((row): RowComparison => {
    const b = baseRows.get(rowKey(row));
    const n = nextRows.get(rowKey(row));
    const presence = b && n ? 'both' : b ? 'base-only' : 'next-only';
    const deltas = b && n
      ? COMPARED_METRICS.map((metric): MetricDelta => {
        const baseValue = metricOf(b, metric, base.durationMs);
        const nextValue = metricOf(n, metric, next.durationMs);
        return {
          metric, base: baseValue, next: nextValue, delta: nextValue - baseValue,
          ...(baseValue === 0 ? {} : { relative: (nextValue - baseValue) / baseValue }),
          // A side with no request has no latency or error rate: no data is neither better nor worse.
          verdict: metric !== 'rps' && (b.count === 0 || n.count === 0) ? 'unchanged' : judge(baseValue, nextValue, limits[metric], metric !== 'rps'),
        };
      })
      : [];
    const comparison: RowComparison = { method: row.method, name: row.name, presence, baseCount: b?.count ?? 0, nextCount: n?.count ?? 0, deltas };
    if (b?.breakdown && n?.breakdown) comparison.parts = compareParts(b.breakdown.parts, n.breakdown.parts, limits);
    return comparison;
  });
  const nextAggregate = next.requests.find(r => r.method === '');
  const nextTotal = nextAggregate ? nextAggregate.count : next.requests.reduce((sum, r) => sum + (r.method === 'GROUP' ? 0 : r.count), 0);
  const regressions = [
    // A new run with no request proves nothing: it cannot pass a gate (two empty runs included).
    ...(nextTotal === 0 ? [NO_DATA_REGRESSION] : []),
    ...rows.flatMap(r => r.deltas.filter(d => d.verdict === 'regression').map(d => `${rowLabel(r)} ${METRIC_LABELS[d.metric]}`)),
    ...rows.flatMap(r => (r.parts ?? []).flatMap(part => part.deltas.filter(d => d.verdict === 'regression').map(d => partRegressionLabel(r, part, d)))),
  ];
  return {
    scenario: next.header.scenario,
    base: comparedRun(base),
    next: comparedRun(next),
    rows, regressions, limits,
  };
}

const partKey = (part: Pick<BreakdownPart, 'service' | 'span'>) => `${part.service}\u0000${part.span}`;

/** A part as the user reads it: 'inventory db.query SELECT stock', 'loadlens network'. */
export function partLabel(part: Pick<BreakdownPart, 'service' | 'span'>): string {
  return part.service === '' ? part.span : `${part.service} ${part.span}`;
}

/** 'GET /slowdb: inventory db.query SELECT stock p50 +24.8 ms' */
export function partRegressionLabel(row: Pick<RequestRow, 'method' | 'name'>, part: Pick<BreakdownPart, 'service' | 'span'>, delta: MetricDelta): string {
  const change = `${delta.delta >= 0 ? '+' : '−'}${Math.abs(delta.delta).toFixed(1)} ms`;
  return `${rowLabel(row)}: ${partLabel(part)} ${METRIC_LABELS[delta.metric]} ${change}`;
}

/** Parts of one row in both runs, by (service, span), compared with the latency margins. */
function compareParts(base: readonly BreakdownPart[], next: readonly BreakdownPart[], limits: RegressionLimits): PartComparison[] {
  const compared = (parts: readonly BreakdownPart[]) => parts.filter(part => part.kind !== 'other');
  const baseParts = new Map(compared(base).map(part => [partKey(part), part]));
  const nextParts = new Map(compared(next).map(part => [partKey(part), part]));
  const ordered = [...nextParts.values(), ...[...baseParts.values()].filter(part => !nextParts.has(partKey(part)))];
  return ordered.map((part): PartComparison => {
    const b = baseParts.get(partKey(part));
    const n = nextParts.get(partKey(part));
    const deltas = b && n
      ? COMPARED_PART_METRICS.map((metric): MetricDelta => {
        const baseValue = b.selfMs[metric];
        const nextValue = n.selfMs[metric];
        return {
          metric, base: baseValue, next: nextValue, delta: nextValue - baseValue,
          ...(baseValue === 0 ? {} : { relative: (nextValue - baseValue) / baseValue }),
          verdict: judge(baseValue, nextValue, limits[metric], true),
        };
      })
      : [];
    return { service: part.service, span: part.span, kind: part.kind, presence: b && n ? 'both' : b ? 'base-only' : 'next-only', deltas };
  });
}

/** Column headings of the compared metrics. */
export const METRIC_LABELS: Record<ComparedMetric, string> = { p50: 'p50', p95: 'p95', p99: 'p99', rps: 'RPS', errorRate: 'Error rate' };

/** Thrown by `parseRegressionLimits` with a message naming the bad entry. */
export class LimitsError extends Error {}

/**
 * Reads `--max-regression`: comma-separated `metric=value` entries; the unit says which margin is
 * set. `%`: the relative margin; `ms` or `s`: the absolute one of a latency; `pp` (percentage
 * points): the absolute one of `errorRate`; `/s`: the absolute one of `rps`. Unset margins keep their
 * defaults. E.g. `p95=10%,p95=20ms,errorRate=0.5pp`.
 */
export function parseRegressionLimits(text: string, defaults: Readonly<RegressionLimits> = DEFAULT_LIMITS): RegressionLimits {
  const limits = Object.fromEntries(COMPARED_METRICS.map(m => [m, { ...defaults[m] }])) as RegressionLimits;
  for (const entry of text.split(',').map(e => e.trim()).filter(e => e !== '')) {
    const match = /^([A-Za-z0-9]+)\s*=\s*(\d+(?:\.\d+)?)\s*(%|ms|s|pp|\/s)$/.exec(entry);
    if (!match) throw new LimitsError(`'${entry}': expected METRIC=VALUE with a unit, e.g. p95=10% or p95=20ms or errorRate=0.5pp or rps=5/s`);
    const [, name, number, unit] = match as unknown as [string, string, string, string];
    const metric = COMPARED_METRICS.find(m => m.toLowerCase() === name.toLowerCase());
    if (!metric) throw new LimitsError(`'${entry}': unknown metric '${name}' (one of ${COMPARED_METRICS.join(', ')})`);
    const value = Number(number);
    const latency = metric !== 'rps' && metric !== 'errorRate';
    if (unit === '%') limits[metric].relative = value / 100;
    else if (latency && (unit === 'ms' || unit === 's')) limits[metric].absolute = unit === 's' ? value * 1000 : value;
    else if (metric === 'errorRate' && unit === 'pp') limits[metric].absolute = value;
    else if (metric === 'rps' && unit === '/s') limits[metric].absolute = value;
    else throw new LimitsError(`'${entry}': ${metric} takes % (relative) or ${latency ? 'ms or s' : metric === 'rps' ? '/s' : 'pp (percentage points)'} (absolute), not '${unit}'`);
  }
  return limits;
}

/** Why a file's text is not a usable report, naming the file; thrown by `parseRunReport`. */
export class ReportFileError extends Error {}

/**
 * The report in `text` (the contents of `file`), or a `ReportFileError` saying what is wrong with it:
 * not JSON (e.g. a truncated file), or JSON that is not a Loadlens run report. Also the output of
 * `loadlens run --json` (a CI log: a snapshot a second, then `{"type":"report",…}` as the last line).
 */
export function parseRunReport(text: string, file: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const lastLine = reportLine(text.trimEnd().split('\n').at(-1) ?? '');
    if (lastLine) return runReportFrom(lastLine.report, file);
    const truncated = text.trim() === '' ? 'it is empty' : `${(error as Error).message}; is it truncated?`;
    throw new ReportFileError(`${file}: not valid JSON (${truncated})`);
  }
  const line = value as { type?: unknown; report?: unknown } | null;
  return runReportFrom(typeof line === 'object' && line !== null && line.type === 'report' ? line.report : value, file);
}

/** The NDJSON report line of `loadlens run --json`, when `line` is one. */
function reportLine(line: string): { report: unknown } | undefined {
  try {
    const value = JSON.parse(line) as { type?: unknown; report?: unknown } | null;
    return typeof value === 'object' && value !== null && value.type === 'report' ? { report: value.report } : undefined;
  } catch {
    return undefined;
  }
}

/** `value` (parsed JSON from `file`) as a report, or a `ReportFileError` saying why it is not one. */
export function runReportFrom(value: unknown, file: string): RunReport {
  const problem = reportShapeProblem(value);
  if (problem) throw new ReportFileError(`${file}: not a Loadlens run report (${problem})`);
  return withHeader(value as Record<string, unknown>);
}

/**
 * A report as this Loadlens writes it. Reports saved before `RunReport.header` existed name the run at
 * their top level (`runId`, `scenario`, `file`, `startedAt` as ISO text, `shard`): their header is made
 * from those, with what they never recorded (the host, the planned run time) as a past run shows it.
 */
function withHeader(report: Record<string, unknown>): RunReport {
  if (typeof report.header === 'object' && report.header !== null) return report as unknown as RunReport;
  const { runId, scenario, file, startedAt, shard, ...rest } = report as Record<string, unknown> & LegacyReportHead;
  const legacy = rest as unknown as Omit<RunReport, 'header'>;
  const header: RunHeader = {
    runId, scenario, file: file ?? '', startedAt: Date.parse(startedAt),
    targetUsers: Math.max(0, ...legacy.timeline.map(p => p.users)), runTimeMs: legacy.durationMs, host: '',
    otel: legacy.telemetry !== undefined,
    ...(shard ? { shard } : {}),
    ...(legacy.workers && legacy.workers.length > 1 ? { workers: legacy.workers.length } : {}),
  };
  return { header, ...legacy };
}

/** The top-level fields of a report saved before `RunReport.header`. */
interface LegacyReportHead {
  runId: string;
  scenario: string;
  file?: string;
  startedAt: string;
  shard?: { index: number; count: number };
}

function reportShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const report = value as Record<string, unknown>;
  const header = report.header as Record<string, unknown> | undefined;
  if (typeof header === 'object' && header !== null) {
    for (const key of ['runId', 'scenario'] as const) if (typeof header[key] !== 'string') return `'header.${key}' is missing or not a string`;
    if (typeof header.startedAt !== 'number') return "'header.startedAt' is missing or not a number";
  } else {
    for (const key of ['runId', 'scenario', 'startedAt'] as const) if (typeof report[key] !== 'string') return `'${key}' is missing or not a string`;
  }
  if (typeof report.durationMs !== 'number') return "'durationMs' is missing or not a number";
  if (typeof report.totals !== 'object' || report.totals === null) return "'totals' is missing";
  if (!Array.isArray(report.requests)) return "'requests' is missing or not a list";
  const bad = report.requests.findIndex((row: unknown) => {
    const r = row as Record<string, unknown> | null;
    return typeof r !== 'object' || r === null || typeof r.method !== 'string' || typeof r.name !== 'string' || typeof r.count !== 'number'
      || typeof r.failures !== 'number' || typeof r.p50 !== 'number' || typeof r.p95 !== 'number' || typeof r.p99 !== 'number';
  });
  if (bad >= 0) return `requests[${bad}] lacks method, name, count, failures, p50, p95 or p99`;
  if (!Array.isArray(report.timeline)) return "'timeline' is missing or not a list";
  if (!Array.isArray(report.thresholds)) return "'thresholds' is missing or not a list";
  return undefined;
}

/** A compared run as the comparison names it (its start as ISO text, as reports used to write it). */
function comparedRun({ header }: RunReport): { runId: string; startedAt: string; file: string } {
  return { runId: header.runId, startedAt: new Date(header.startedAt).toISOString(), file: header.file };
}

/** Why two reports cannot be compared (different scenarios), naming both files; undefined when they can. */
export function comparableReports(base: RunReport, baseFile: string, next: RunReport, nextFile: string): string | undefined {
  if (base.header.scenario !== next.header.scenario) {
    return `${baseFile} is a run of scenario '${base.header.scenario}' but ${nextFile} is of '${next.header.scenario}': compare two runs of the same scenario`;
  }
  return undefined;
}
