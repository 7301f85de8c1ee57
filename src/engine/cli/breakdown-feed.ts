/**
 * The receiver's spans into the breakdown (src/shared/breakdown), and the breakdown into the report:
 * each row's `breakdown`, `breakdownCounts`, and the thresholds on spans evaluated over what arrived.
 */
import { BreakdownAggregator, withBreakdowns } from '../../shared/breakdown/index.ts';
import type { SpanConsumer } from './receiver.ts';

/** How often held traces are looked at (computed once settled, let go once expired). */
const TICK_MS = 1000;

/** A consumer for one run: the CLI's receiver serves one run, so every request span it gets is this run's. */
export function breakdownConsumer(): SpanConsumer {
  const aggregator = new BreakdownAggregator();
  const ticker = setInterval(() => aggregator.tick(), TICK_MS);
  ticker.unref();
  return {
    add: spans => aggregator.add(spans),
    finish(report) {
      clearInterval(ticker);
      aggregator.flush();
      report.requests = withBreakdowns(report.requests, (method, name) => aggregator.breakdownOf(method, name));
      report.breakdownCounts = aggregator.counts();
    },
  };
}
