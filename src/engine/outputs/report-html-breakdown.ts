/**
 * The HTML report's "Where the time went" section: per request row a stacked bar of its parts at p50
 * (self time on the critical path), the table of parts (p50, p95, p99, share), and the root causes of
 * its failures with their trace links; then what the receiver got. Static HTML and CSS, like the rest
 * of the page.
 */
import type { BreakdownPart } from '../../shared/breakdown/types.ts';
import { describeReceiver } from '../../shared/receiver-summary.ts';
import type { RequestRow, RunReport } from '../../shared/report.ts';
import { formatMs } from '../../shared/stats-table.ts';
import { formatShare, partLabel, topPartLine } from '../../shared/where-time-went.ts';
import { escapeXml as escapeHtml } from './svg-chart.ts';

/** Colours of the parts in a row, in order; the network part and 'other' have their own. */
const PALETTE_SIZE = 8;

/** The section, or '' when the run had no receiver. */
export function breakdownSection(report: RunReport, trace: (traceId: string) => string): string {
  if (report.receiver === undefined && report.breakdownCounts === undefined) return '';
  const rows = report.requests.filter(row => row.breakdown !== undefined && row.breakdown.traces > 0);
  const body = rows.length > 0
    ? rows.map(row => rowBlock(row, trace)).join('')
    : '<p class="none">No request of this run has a trace: the application sent no span of them (is its OTEL_EXPORTER_OTLP_ENDPOINT the receiver, and the run --otel?).</p>';
  const received = report.receiver ? describeReceiver(report.receiver, report.breakdownCounts) : [];
  return `<section class="breakdown"><h2>Where the time went</h2>` +
    '<p class="note">Each request\'s time along its critical path (the chain of spans that ended last, as Jaeger\'s critical path), split into the self time of each (service, span) part; concurrent calls count once. The bar shows the parts at p50.</p>' +
    body + (received.length > 0 ? `<p class="note receiver">${received.map(escapeHtml).join('<br>')}</p>` : '') + '</section>';
}

function rowBlock(row: RequestRow, trace: (traceId: string) => string): string {
  const breakdown = row.breakdown!;
  const colour = colours(breakdown.parts);
  const total = breakdown.parts.reduce((sum, part) => sum + part.selfMs.p50, 0);
  const segments = breakdown.parts.map((part, i) => {
    const width = total > 0 ? (part.selfMs.p50 / total) * 100 : 100 / breakdown.parts.length;
    const label = `${partLabel(part)}: p50 ${formatMs(part.selfMs.p50)}, ${formatShare(part.share)} of the time`;
    return width <= 0 ? '' : `<span class="seg ${colour[i]}" style="width:${width.toFixed(2)}%" title="${escapeHtml(label)}"></span>`;
  }).join('');
  const parts = breakdown.parts.map((part, i) =>
    `<tr><td><i class="dot ${colour[i]}"></i>${escapeHtml(partLabel(part))}</td><td class="kind">${escapeHtml(part.kind)}</td>` +
    `<td class="num">${formatMs(part.selfMs.p50)}</td><td class="num">${formatMs(part.selfMs.p95)}</td><td class="num">${formatMs(part.selfMs.p99)}</td><td class="num">${formatShare(part.share)}</td></tr>`).join('');
  const causes = breakdown.rootCauses.length === 0 ? '' :
    `<table class="causes"><thead><tr><th class="num">Failures</th><th>Root cause (deepest span in ERROR)</th><th>Message</th><th>Traces (newest first)</th></tr></thead><tbody>${breakdown.rootCauses.map(cause =>
      `<tr><td class="num fails">${cause.count}</td><td><code>${escapeHtml(`${cause.service} ${cause.span}`)}</code></td><td class="error">${escapeHtml(cause.message || '–')}</td><td class="traces">${[...cause.traceIds].reverse().map(trace).join('<br>')}</td></tr>`).join('')}</tbody></table>`;
  return `<div class="bd-row" data-key="${escapeHtml(`${row.method} ${row.name}`)}">` +
    `<div class="bd-head"><span class="method">${escapeHtml(row.method)}</span> <span class="name">${escapeHtml(row.name)}</span> <span class="verdict">${escapeHtml(topPartLine(row) ?? '')}</span> <small>${breakdown.traces.toLocaleString('en-US')} traces</small></div>` +
    `<div class="bd-bar" role="img" aria-label="${escapeHtml(breakdown.parts.map(p => `${partLabel(p)} ${formatMs(p.selfMs.p50)}`).join(', '))}">${segments}</div>` +
    `<div class="scroll"><table class="parts"><thead><tr><th>Part</th><th>Kind</th><th class="num">Self p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">Share</th></tr></thead><tbody>${parts}</tbody></table></div>` +
    causes + '</div>';
}

/** Each part's colour class: the network part and 'other' fixed, the rest from the palette in order. */
function colours(parts: readonly BreakdownPart[]): string[] {
  let next = 0;
  return parts.map(part => (part.kind === 'network' ? 'net' : part.kind === 'other' ? 'other' : `c${next++ % PALETTE_SIZE}`));
}

export const BREAKDOWN_STYLE = `
.breakdown .bd-row { background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; margin: 0 0 12px; }
.bd-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin-bottom: 8px; }
.bd-head .verdict { font-weight: 600; }
.bd-bar { display: flex; height: 18px; border-radius: 4px; overflow: hidden; margin-bottom: 8px; background: var(--border); }
.bd-bar .seg { display: block; height: 100%; min-width: 1px; }
.bd-row .scroll { background: var(--bg); }
.bd-row table.causes { margin-top: 8px; background: var(--bg); border: 1px solid var(--border); }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
td.kind { color: var(--muted); }
.net { background: #8c959f; } .other { background: #d0d7de; }
.c0 { background: #0969da; } .c1 { background: #bc4c00; } .c2 { background: #1a7f37; } .c3 { background: #8250df; }
.c4 { background: #1b7c83; } .c5 { background: #cf222e; } .c6 { background: #9a6700; } .c7 { background: #bf3989; }
@media (prefers-color-scheme: dark) {
  .net { background: #6e7681; } .other { background: #484f58; }
  .c0 { background: #4493f8; } .c1 { background: #f0883e; } .c2 { background: #3fb950; } .c3 { background: #bc8cff; }
  .c4 { background: #39c5cf; } .c5 { background: #f85149; } .c6 { background: #d29922; } .c7 { background: #f778ba; }
}
`;
