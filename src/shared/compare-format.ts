/**
 * How a comparison's values and changes read, the same in `loadlens compare`'s table and in the
 * comparison tab: in the stats table's units (src/shared/stats-table.ts).
 */
import type { ComparedMetric, MetricDelta } from './compare.ts';
import { formatMs, formatRate } from './stats-table.ts';

/** A metric's value as the stats table shows it: 'ms'/'s' for latencies, '/s' for RPS, '%' for the error rate. */
export function formatMetricValue(metric: ComparedMetric, value: number): string {
  switch (metric) {
    case 'rps':
      return `${formatRate(value)}/s`;
    case 'errorRate':
      return `${value === 0 ? '0' : value < 0.01 ? '<0.01' : (Math.round(value * 100) / 100).toString()}%`;
    default:
      return formatMs(value);
  }
}

/** The change, signed, in the metric's unit and relative: '+48.7 ms (+396%)', '−1.2/s (−4.0%)', '+0.8 pp'. */
export function formatChange(d: MetricDelta): string {
  const sign = d.delta > 0 ? '+' : d.delta < 0 ? '−' : '±';
  const size = Math.abs(d.delta);
  const absolute = d.metric === 'errorRate' ? `${Math.round(size * 100) / 100} pp` : d.metric === 'rps' ? `${formatRate(size)}/s` : formatMs(size);
  const relative = d.relative === undefined ? '' : ` (${d.relative >= 0 ? '+' : '−'}${formatRelative(Math.abs(d.relative))})`;
  return `${sign}${absolute}${relative}`;
}

function formatRelative(fraction: number): string {
  const percent = fraction * 100;
  return percent >= 100 ? `${Math.round(percent)}%` : `${percent.toFixed(1)}%`;
}

/** How a verdict reads in a table cell. */
export const VERDICT_TEXT = { regression: 'REGRESSION', improvement: 'improved', unchanged: '' } as const;
