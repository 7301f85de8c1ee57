/**
 * What the end-of-run views (the terminal summary and the HTML report) derive from a RunReport, so
 * both show the same rows, rates and trace links.
 */
import type { RequestRow, RunReport } from '../../shared/report.ts';
import { buildTraceLink, runTimeRange } from '../../shared/trace-link.ts';

/** The stats table of a finished run: one row per (method, name) or group, and the aggregate. */
export interface ReportTable {
  rows: RequestRow[];
  /** `method` is '' and `name` 'Aggregated'. */
  aggregate: RequestRow;
}

/**
 * The report's rows with `currentRps`/`currentFailuresPerSec` replaced by the averages over the whole
 * run: at the end, "current" (the last ~10 s, often a ramp-down) would misstate the run's throughput.
 * The aggregate is the report's own '' row when the stats included one, else it is built from
 * `report.totals` with sizes and timings weighted by request counts over the non-group rows (groups
 * contain requests, so counting them would count those twice).
 */
export function reportTable(report: RunReport): ReportTable {
  const seconds = Math.max(report.durationMs / 1000, 0.001);
  const averaged = (row: RequestRow): RequestRow => ({
    ...row,
    currentRps: row.count / seconds,
    currentFailuresPerSec: row.failures / seconds,
  });
  const rows = report.requests.filter((row) => row.method !== '').map(averaged);
  const own = report.requests.find((row) => row.method === '');
  const aggregate = own ? averaged({ ...own, name: 'Aggregated' }) : aggregateOf(report, rows.filter((row) => row.method !== 'GROUP'));
  aggregate.currentRps = report.totals.rps;
  return { rows, aggregate };
}

function aggregateOf(report: RunReport, requestRows: RequestRow[]): RequestRow {
  const { totals } = report;
  const seconds = Math.max(report.durationMs / 1000, 0.001);
  let count = 0, bytes = 0, ttfb = 0, connects = 0, connectTime = 0;
  const statusClasses: Record<string, number> = {};
  for (const row of requestRows) {
    count += row.count;
    bytes += row.avgSize * row.count;
    ttfb += row.ttfbAvg * row.count;
    connects += row.connects;
    connectTime += row.connectAvg * row.connects;
    for (const [statusClass, n] of Object.entries(row.statusClasses)) statusClasses[statusClass] = (statusClasses[statusClass] ?? 0) + n;
  }
  return {
    method: '',
    name: 'Aggregated',
    count: totals.requests,
    failures: totals.failures,
    p50: totals.p50,
    p90: totals.p90,
    p95: totals.p95,
    p99: totals.p99,
    avg: totals.avg,
    min: totals.min,
    max: totals.max,
    avgSize: count > 0 ? bytes / count : 0,
    ttfbAvg: count > 0 ? ttfb / count : 0,
    connectAvg: connects > 0 ? connectTime / connects : 0,
    connects,
    currentRps: totals.rps,
    currentFailuresPerSec: totals.failures / seconds,
    statusClasses,
  };
}

/**
 * A function from trace id to URL for this run, or undefined without a template. The time range is the
 * whole run padded by a minute (as in the editor), which contains every trace the report lists; the
 * run id and the load generator's `service` fill {runId} and {service}.
 */
export function traceLinker(report: RunReport, template: string | undefined, service?: string): ((traceId: string) => string) | undefined {
  if (!template) return undefined;
  const endedAt = Date.parse(report.endedAt);
  const range = Number.isFinite(endedAt) ? runTimeRange(Date.parse(report.startedAt), endedAt, endedAt) : {};
  return (traceId) => buildTraceLink(template, { traceId, ...range, runId: report.runId, ...(service === undefined ? {} : { service }) });
}

/** Why a run stopped, in words. */
export function describeStopReason(stopReason: string): string {
  switch (stopReason) {
    case 'run-time': return 'run time reached';
    case 'iterations-done': return 'every user ran its iterations';
    case 'signal': return 'interrupted';
    case 'stop-requested': return 'stopped on request';
    case 'error': return 'stopped by an internal error in Loadlens';
    default: return stopReason;
  }
}
