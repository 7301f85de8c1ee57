/**
 * A run's breakdown as the editor passes it around while the run goes on and right after it: the
 * embedded receiver's worker computes it per run (src/receiver/run-breakdowns.ts), the extension
 * streams it to the results panel (`breakdown` messages) and puts the final one into the report.
 */
import type { LateSpanWaitEnd } from '../receiver-summary.ts';
import type { RunReport } from '../report.ts';
import { withBreakdowns } from './index.ts';
import type { BreakdownCounts, RequestBreakdown } from './types.ts';

/** One row's breakdown, as the panel gets it live and the report gets it at the end. */
export interface RowBreakdown {
  method: string;
  name: string;
  breakdown: RequestBreakdown;
  /** Per part, the traces in which it took longest (the report's `requests[i].breakdownTraces`). */
  slowest: PartTraces[];
}

/** The traces in which one part of a row took longest, longest first. */
export interface PartTraces {
  service: string;
  span: string;
  traces: { traceId: string; selfMs: number; durationMs: number }[];
}

/** A run's breakdown so far (live) or final (after the wait). */
export interface RunBreakdownState {
  runId: string;
  rows: RowBreakdown[];
  counts: BreakdownCounts;
  /** Spans received while the run was open, all services. */
  spansReceived: number;
  /** Spans from the application (resources without `loadlens.run.id`): 0 means it exports elsewhere, or nowhere. */
  appSpans: number;
}

/** A run's final breakdown, after its wait for late spans. */
export interface RunBreakdownFinal extends RunBreakdownState {
  lateSpans: number;
  waitedMs: number;
  waitEnded: LateSpanWaitEnd;
}

/**
 * The report with the run's final breakdown: each row's `breakdown` and `breakdownTraces`,
 * `breakdownCounts`, and what the receiver at `url` got (`receiver`), as `loadlens run --receiver` writes them.
 */
export function withRunBreakdown(report: RunReport, final: RunBreakdownFinal, url: string): RunReport {
  const byRow = new Map(final.rows.map(row => [`${row.method} ${row.name}`, row]));
  const requests = withBreakdowns(report.requests, (method, name) => byRow.get(`${method} ${name}`)?.breakdown).map(row => {
    const slowest = row.breakdown === undefined ? undefined : byRow.get(`${row.method} ${row.name}`)?.slowest;
    return slowest === undefined || slowest.length === 0 ? row : { ...row, breakdownTraces: slowest };
  });
  return {
    ...report,
    requests,
    breakdownCounts: final.counts,
    receiver: { url, spansReceived: final.spansReceived, lateSpans: final.lateSpans, waitedMs: Math.round(final.waitedMs), waitEnded: final.waitEnded },
  };
}
