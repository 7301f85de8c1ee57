/**
 * What a run's own OTLP receiver (`loadlens run --receiver`, the editor's embedded receiver) got, in
 * the report (`RunReport.receiver`) and in the words the terminal, the HTML report and the panel show:
 * spans received, those that came late (after the load ended), the wait for them, the spans the
 * breakdown could not use (`RunReport.breakdownCounts`), and what was forwarded to the user's platform.
 */
import type { BreakdownCounts } from './breakdown/types.ts';

/** What the forwarder did (`--forward URL`, `loadlens.otel.forward`). */
export interface ForwardCounts {
  /** The base URL forwarded to. */
  url: string;
  /** Requests the platform answered 2xx. */
  forwarded: number;
  /** Requests that failed: an answer other than 2xx, a network error, a timeout. */
  failed: number;
  /** Requests dropped because the queue was full, or still queued when the run ended. */
  dropped: number;
  /** Requests waiting or in flight now. */
  pending: number;
  /** Why the last one failed, e.g. 'HTTP 401', 'ECONNREFUSED', 'timeout' (never a header: they hold secrets). */
  lastError?: string;
}

/** How the wait for late spans ended. */
export type LateSpanWaitEnd = 'quiet' | 'limit' | 'interrupted' | 'off';

export interface ReceiverSummary {
  /** The receiver's base URL, e.g. 'http://127.0.0.1:4318'. */
  url: string;
  /** Spans decoded, all services. */
  spansReceived: number;
  /** Of those, the ones that arrived after the load ended (during the wait). */
  lateSpans: number;
  /** How long the run waited for late spans, ms. */
  waitedMs: number;
  waitEnded: LateSpanWaitEnd;
  forward?: ForwardCounts;
}

/**
 * The summary's lines, e.g. "spans: 4,812 received at http://127.0.0.1:4318, 312 after the load
 * (waited 2.3 s: none came for the quiet period) · 3 unparented (their parent span never arrived)".
 */
export function describeReceiver(summary: ReceiverSummary, counts?: BreakdownCounts): string[] {
  const count = (n: number) => n.toLocaleString('en-US');
  const waited = summary.waitEnded === 'off'
    ? ''
    : `, ${count(summary.lateSpans)} after the load (waited ${(summary.waitedMs / 1000).toFixed(1)} s: ${WAIT_ENDS[summary.waitEnded]})`;
  const lost = counts === undefined ? [] : [
    counts.spansDropped > 0 ? `${count(counts.spansDropped)} dropped by the breakdown's bounds` : '',
    counts.spansUnparented > 0 ? `${count(counts.spansUnparented)} unparented (their parent span never arrived)` : '',
    counts.spansUnmatched > 0 ? `${count(counts.spansUnmatched)} in traces of no request of this run` : '',
    counts.requestsDropped > 0 ? `${count(counts.requestsDropped)} requests beyond the breakdown's rows` : '',
  ].filter(Boolean);
  const lines = [`spans: ${count(summary.spansReceived)} received at ${summary.url}${waited}${lost.length > 0 ? ` · ${lost.join(' · ')}` : ''}`];
  const forward = summary.forward;
  if (forward) {
    const problems = [
      forward.failed > 0 ? `${count(forward.failed)} failed${forward.lastError ? ` (last: ${forward.lastError})` : ''}` : '',
      forward.dropped > 0 ? `${count(forward.dropped)} dropped (queue full or run ended)` : '',
    ].filter(Boolean);
    lines.push(`forwarded: ${count(forward.forwarded)} requests to ${forward.url}${problems.length > 0 ? ` · ${problems.join(' · ')}` : ''}`);
  }
  return lines;
}

const WAIT_ENDS: Record<Exclude<LateSpanWaitEnd, 'off'>, string> = {
  quiet: 'none came for the quiet period',
  limit: 'the limit',
  interrupted: 'Ctrl+C',
};
