/**
 * Where each request row's time went, across services, from every trace of a run (issue 16): the
 * critical path of each request split into (service, span) parts, aggregated per row as spans
 * arrive. Fed by the receiver, read by the report, the panel, the CLI, compare and span thresholds.
 */
import type { RequestRow } from '../report.ts';
import type { RequestBreakdown } from './types.ts';

export { BreakdownAggregator, DEFAULT_BREAKDOWN_OPTIONS, rowKey } from './aggregate.ts';
export type { BreakdownOptions, ComputedRequest } from './aggregate.ts';
export { criticalPath, rootCauseOf, slimSpan, splitTrace } from './critical-path.ts';
export type { CriticalSegment, RequestTree, SlimSpan } from './critical-path.ts';
export type * from './types.ts';

/**
 * The rows with their breakdowns (`requests[i].breakdown`), from a lookup such as
 * `(method, name) => aggregator.breakdownOf(method, name)`; rows without one (the aggregate row,
 * groups, rows no trace arrived for) are returned as they are.
 */
export function withBreakdowns<Row extends RequestRow>(rows: readonly Row[], breakdownOf: (method: string, name: string) => RequestBreakdown | undefined): Row[] {
  return rows.map(row => {
    if (row.method === '' || row.method === 'GROUP') return row;
    const breakdown = breakdownOf(row.method, row.name);
    return breakdown === undefined ? row : { ...row, breakdown };
  });
}
