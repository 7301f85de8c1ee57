/**
 * The breakdown in words, the same in the terminal summary, the HTML report, the panel and the
 * scenario line's hover: a part's label ("inventory db.query SELECT stock"), its share ("61 %"), and a
 * row's one-line verdict, e.g. `p95 48 ms · 61 % in inventory db.query SELECT stock`.
 */
import type { BreakdownPart, RequestBreakdown } from './breakdown/types.ts';
import type { RequestRow } from './report.ts';
import { formatMs } from './stats-table.ts';

/** What a part is called: `service span`; the network part and the folded rest by what they are. */
export function partLabel(part: Pick<BreakdownPart, 'service' | 'span' | 'kind'>): string {
  if (part.kind === 'network') return 'network and queueing (outside the application)';
  if (part.kind === 'other') return 'other spans';
  return part.service === '' ? part.span : `${part.service} ${part.span}`;
}

/** A share as whole percents ('61 %'), one decimal below 10 ('4.5 %'), '<0.1 %' for a sliver. */
export function formatShare(share: number): string {
  const percent = share * 100;
  if (percent > 0 && percent < 0.1) return '<0.1 %';
  return `${percent < 10 ? percent.toFixed(1).replace(/\.0$/, '') : Math.round(percent)} %`;
}

/** The part with the largest share ('other' only when nothing else is there); undefined for no parts. */
export function topPart(breakdown: RequestBreakdown): BreakdownPart | undefined {
  return breakdown.parts.find(part => part.kind !== 'other') ?? breakdown.parts[0];
}

/**
 * A row's verdict: its p95 and where most of its time went, e.g. `p95 48 ms · 61 % in inventory
 * db.query SELECT stock`; undefined when the row has no breakdown (no traces received for it).
 */
export function topPartLine(row: Pick<RequestRow, 'p95' | 'breakdown'>): string | undefined {
  const part = row.breakdown === undefined ? undefined : topPart(row.breakdown);
  if (part === undefined) return undefined;
  return `p95 ${formatMs(row.p95)} · ${formatShare(part.share)} in ${partLabel(part)}`;
}
