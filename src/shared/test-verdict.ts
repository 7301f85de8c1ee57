/**
 * A scenario's run judged as a test, in the words that `loadlens test` (its summary, JUnit XML and
 * GitHub annotations) and the editor's Testing view share: a threshold is a test case that passes or
 * fails on its own; the scenario also has one case, "ran to the end", that fails when the run was
 * ended by force, or when a scenario without thresholds had iterations that threw (with no threshold
 * to judge it, that is the only sign something broke).
 */
import type { FailureRow, RequestRow, RunReport, SlowRequest, ThresholdResult } from './report.ts';
import { formatLatency } from './scenario-annotations.ts';
import { formatPercent, formatThresholdActual } from './stats-table.ts';

/**
 * Which result is which written threshold (the Testing view's items): by key (a result names its key as
 * written), else by line (reports without keys). Results no written threshold claims come back in
 * `unmatched`: thresholds the text does not show, which still decide the scenario.
 */
export function matchThresholdResults<T extends { key: string; line: number }>(
  written: readonly T[], results: readonly ThresholdResult[],
): { matched: Map<T, ThresholdResult>; unmatched: ThresholdResult[] } {
  const matched = new Map<T, ThresholdResult>();
  const unmatched: ThresholdResult[] = [];
  for (const result of results) {
    // `line` is 0-based (an editor position), a result's location 1-based.
    const item = written.find(w => !matched.has(w) && (result.key !== undefined ? w.key === result.key : result.location !== undefined && result.location.line === w.line + 1));
    if (item) matched.set(item, result);
    else unmatched.push(result);
  }
  return { matched, unmatched };
}

/** The name of the case every scenario has besides its thresholds. */
export const RAN_TO_THE_END = 'ran to the end';

/** What a scenario without thresholds is judged on (the Testing view's description says it). */
export const NO_THRESHOLDS_RULE = 'no thresholds: passes unless the run is aborted or an iteration throws';

/** How many trace ids a failure's evidence lists. */
const TRACES_LISTED = 5;
/** How many rows a failure's evidence lists (the ones that failed first, then the busiest). */
const ROWS_LISTED = 10;

/** `errorRate < 1% — actual 100%`: the threshold, its limit, and what was measured. */
export function thresholdMessage(threshold: ThresholdResult): string {
  return `${threshold.expression} — actual ${formatThresholdActual(threshold)}`;
}

/** Why a run was ended by force, in words. */
export function describeAbort(reason: NonNullable<RunReport['aborted']>): string {
  switch (reason) {
    case 'users-stuck': return 'the users stopped answering (stuck in a synchronous loop?) and were ended by force';
    case 'out-of-memory': return 'the users ran out of memory and were ended by force';
    case 'forced': return 'the users did not end after the stop and were ended by force';
    case 'worker-failed': return 'a worker process ended before the run did';
  }
}

/** The scenario's own case: did the run get to its end without being aborted or (with no thresholds) throwing? */
export type RunOutcome =
  | { status: 'passed' }
  /** The scenario's code failed: no thresholds, and iterations threw. */
  | { status: 'failed'; message: string; details: string }
  /** The run itself broke: aborted. */
  | { status: 'errored'; message: string; details: string };

export function runOutcome(report: RunReport): RunOutcome {
  if (report.aborted) {
    return { status: 'errored', message: `aborted: ${describeAbort(report.aborted)}`, details: `The report keeps what was measured until then (${report.totals.requests} requests).` };
  }
  if (report.thresholds.length === 0 && report.iterationErrors.length > 0) {
    const count = report.iterationErrors.reduce((sum, error) => sum + error.count, 0);
    const lines = report.iterationErrors.map(error => `${error.count}× ${error.message}${error.where ? `\n    at ${error.where}` : ''}`);
    return { status: 'failed', message: `${count} iteration ${count === 1 ? 'error' : 'errors'} (${NO_THRESHOLDS_RULE})`, details: lines.join('\n') };
  }
  return { status: 'passed' };
}

/** Whether the scenario passed as a whole: its run outcome and every threshold. */
export function scenarioPassed(report: RunReport): boolean {
  return runOutcome(report).status === 'passed' && report.thresholds.every(t => t.ok);
}

/** What backs a threshold's verdict: the rows it reads, and trace ids to open (newest failures, or the slowest for a latency). */
export interface ThresholdEvidence {
  rows: RequestRow[];
  traceIds: string[];
  /** The rows, the failures and the traces as plain text lines (a JUnit failure's body, a test message's details). */
  text: string;
}

const LATENCY_METRICS = new Set(['p50', 'p90', 'p95', 'p99', 'avg', 'min', 'max']);

/** The request rows a threshold reads: those its filter matches, or every request row (its aggregate). */
export function thresholdRows(report: Pick<RunReport, 'requests'>, threshold: Pick<ThresholdResult, 'filter'>): RequestRow[] {
  const filter = threshold.filter;
  // A threshold on received spans (the application's own) reads no request row.
  if (filter?.span !== undefined || filter?.service !== undefined) return [];
  return report.requests.filter(row =>
    row.method !== ''
    && (filter === undefined || ((filter.method === undefined || row.method.toUpperCase() === filter.method)
      && (filter.name === undefined || row.name === filter.name))));
}

function sameRow(a: Pick<RequestRow, 'method' | 'name'>, b: Pick<RequestRow, 'method' | 'name'>): boolean {
  return a.method === b.method && a.name === b.name;
}

/** `GET /product/{id}  120 requests · 3 failed (2.5%) · p50 12 ms · p95 48 ms · p99 61 ms`. */
export function describeRow(row: Pick<RequestRow, 'method' | 'name' | 'count' | 'failures' | 'p50' | 'p95' | 'p99'>): string {
  return `${row.method} ${row.name}  ${row.count} ${row.count === 1 ? 'request' : 'requests'} · ${row.failures} failed (${formatPercent(row.failures, row.count)})`
    + ` · p50 ${formatLatency(row.p50)} · p95 ${formatLatency(row.p95)} · p99 ${formatLatency(row.p99)}`;
}

/**
 * The evidence of a threshold: the rows it reads (failing rows first), the failures of those rows
 * with their newest trace ids, and, for a latency, the slowest requests of those rows.
 */
export function thresholdEvidence(report: RunReport, threshold: ThresholdResult): ThresholdEvidence {
  const rows = thresholdRows(report, threshold);
  const listed = [...rows].sort((a, b) => b.failures - a.failures || b.count - a.count).slice(0, ROWS_LISTED);
  const failures: FailureRow[] = report.failures.filter(f => rows.some(row => sameRow(row, f))).sort((a, b) => b.lastAt - a.lastAt);
  const slowest: SlowRequest[] = report.slowest.filter(s => s.traceId && rows.some(row => sameRow(row, s))).sort((a, b) => b.durationMs - a.durationMs);
  const latency = LATENCY_METRICS.has(threshold.metric);
  const newestFailures = failures.flatMap(f => [...f.traceIds].reverse());
  const slowestTraces = slowest.map(s => s.traceId!);
  const traceIds = [...new Set(latency ? [...slowestTraces, ...newestFailures] : [...newestFailures, ...slowestTraces])].slice(0, TRACES_LISTED);

  const lines: string[] = [];
  const { totals } = report;
  const filter = threshold.filter;
  if (filter?.span !== undefined || filter?.service !== undefined) {
    lines.push(`Reads the received spans of ${[filter.service && `service ${filter.service}`, filter.span && `span ${filter.span}`].filter(Boolean).join(', ')}`);
  } else if (filter === undefined) {
    lines.push(`Reads all requests: ${totals.requests} · ${totals.failures} failed (${formatPercent(totals.failures, totals.requests)}) · p50 ${formatLatency(totals.p50)} · p95 ${formatLatency(totals.p95)} · p99 ${formatLatency(totals.p99)}`);
  } else {
    lines.push(`Reads ${rows.length} ${rows.length === 1 ? 'row' : 'rows'}${rows.length === 0 ? ' (no request row matches its filter)' : ''}`);
  }
  for (const row of listed) lines.push(`  ${describeRow(row)}`);
  if (rows.length > listed.length) lines.push(`  … ${rows.length - listed.length} more rows`);
  if (failures.length > 0) {
    lines.push('Failures');
    for (const failure of failures.slice(0, ROWS_LISTED)) {
      lines.push(`  ${failure.count}× ${failure.method} ${failure.name}: ${failure.error}`);
      if (failure.traceIds.length > 0) lines.push(`    traces ${[...failure.traceIds].reverse().slice(0, TRACES_LISTED).join(', ')}`);
    }
  }
  if (latency && slowest.length > 0) {
    lines.push('Slowest requests');
    for (const slow of slowest.slice(0, TRACES_LISTED)) lines.push(`  ${formatLatency(slow.durationMs)}  ${slow.method} ${slow.name}  ${slow.status > 0 ? slow.status : 'no response'}  trace ${slow.traceId}`);
  }
  return { rows, traceIds, text: lines.join('\n') };
}
