/**
 * What the end-of-run views (the terminal summary and the HTML report) derive from a RunReport, so
 * both show the same rows, rates and trace links.
 */
import type { RunReport } from '../../shared/report.ts';
import { buildTraceLink, runTimeRange } from '../../shared/trace-link.ts';

/** The stats rows of a finished run (the shared table model's; see `reportRows`). */
export { reportRows as reportTable, type ReportRows as ReportTable } from '../../shared/stats-table.ts';

/**
 * A function from trace id to URL for this run, or undefined without a template. The time range is the
 * whole run padded by a minute (as in the editor), which contains every trace the report lists; the
 * run id and the load generator's `service` fill {runId} and {service}.
 */
export function traceLinker(report: RunReport, template: string | undefined, service?: string): ((traceId: string) => string) | undefined {
  if (!template) return undefined;
  const endedAt = Date.parse(report.endedAt);
  const range = Number.isFinite(endedAt) ? runTimeRange(report.header.startedAt, endedAt, endedAt) : {};
  return (traceId) => buildTraceLink(template, { traceId, ...range, runId: report.header.runId, ...(service === undefined ? {} : { service }) });
}

/** Why a run stopped, in words (shared with the panel). */
export { describeStopReason } from '../../shared/panel-model.ts';
