/**
 * The receiver's spans into the breakdown (src/shared/breakdown), and the breakdown into the report:
 * each row's `breakdown`, `breakdownCounts`, and the thresholds on spans evaluated over what arrived.
 */
import { BreakdownAggregator, withBreakdowns } from '../../shared/breakdown/index.ts';
import type { SpanDurationSource } from '../../shared/breakdown/types.ts';
import type { RunReport } from '../../shared/report.ts';
import { evaluateThresholds, parseThresholds, spanFilterOf } from '../stats/index.ts';
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
      applySpanThresholds(report, filter => aggregator.spanDurations(filter));
    },
  };
}

/**
 * Judges the report's thresholds on spans (`p95{span:…}`, `p95{service:…}`) over the spans received,
 * in place: the run judged them without spans ("no data"). The others, and each one's place in the
 * scenario, stay as they are. Needs the thresholds as written (`thresholdsWritten`, which a report
 * with thresholds on spans carries).
 */
export function applySpanThresholds(report: RunReport, spans: SpanDurationSource): void {
  if (report.thresholdsWritten === undefined) return;
  const { thresholds: parsed } = parseThresholds(report.thresholdsWritten);
  // Parsed in the order written, as the run evaluated them: result i is threshold i.
  if (parsed.length !== report.thresholds.length) return;
  const judged = evaluateThresholds(parsed, report, spans);
  report.thresholds = report.thresholds.map((result, i) => {
    const threshold = parsed[i]!;
    if (spanFilterOf(threshold) === undefined) return result;
    return { ...judged[i]!, ...(result.location ? { location: result.location } : {}) };
  });
}
