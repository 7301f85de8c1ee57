/**
 * The terminal summary's breakdown section: per row the verdict line (src/shared/where-time-went.ts)
 * and its next parts, then the root causes of failures with a trace id each, then what the receiver
 * got (spans received and late, unparented or dropped spans, what was forwarded).
 */
import type { RunReport } from '../../shared/report.ts';
import { describeReceiver } from '../../shared/receiver-summary.ts';
import { formatShare, partLabel, topPartLine } from '../../shared/where-time-went.ts';
import { formatMs, singleLine } from './format.ts';

/** The styles the section uses (the terminal's, or none). */
export interface BreakdownStyle {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
}

/** Parts listed under each row's verdict line, besides the top one. */
const NEXT_PARTS = 2;

/** The section's lines (starting with a blank one), or none when the run had no receiver. */
export function breakdownLines(report: RunReport, style: BreakdownStyle, trace: (traceId: string) => string, maxListed = 10): string[] {
  if (report.receiver === undefined && report.breakdownCounts === undefined) return [];
  const out: string[] = [''];
  const rows = report.requests.filter(row => row.breakdown !== undefined && row.breakdown.traces > 0);
  const traces = rows.reduce((sum, row) => sum + row.breakdown!.traces, 0);
  out.push(style.bold('Where the time went') + style.dim(` (critical path of ${traces.toLocaleString('en-US')} traces; self time per part)`));
  if (rows.length === 0) out.push(style.dim('  no request of this run has a trace: the application sent no span of them (is its OTEL_EXPORTER_OTLP_ENDPOINT the receiver, and the run --otel?)'));
  const nameWidth = Math.min(40, Math.max(0, ...rows.map(row => `${row.method} ${row.name}`.length)));
  for (const row of rows) {
    const name = singleLine(`${row.method} ${row.name}`);
    out.push(`  ${name.padEnd(nameWidth)}  ${singleLine(topPartLine(row) ?? '')}${style.dim(` · ${row.breakdown!.traces} traces`)}`);
    for (const part of row.breakdown!.parts.slice(1, 1 + NEXT_PARTS)) {
      out.push(style.dim(`  ${''.padEnd(nameWidth)}    ${formatShare(part.share).padStart(6)} ${singleLine(partLabel(part))} (p50 ${formatMs(part.selfMs.p50)})`));
    }
  }
  const causes = rows.flatMap(row => row.breakdown!.rootCauses.map(cause => ({ row, cause })))
    .sort((a, b) => b.cause.count - a.cause.count);
  if (causes.length > 0) {
    out.push('', style.bold('Root causes') + style.dim(' (the deepest span in ERROR on each failed request\'s path)'));
    const countWidth = Math.max(...causes.slice(0, maxListed).map(({ cause }) => String(cause.count).length));
    for (const { row, cause } of causes.slice(0, maxListed)) {
      const newest = cause.traceIds.at(-1);
      out.push(`  ${style.red(String(cause.count).padStart(countWidth))}  ${singleLine(`${row.method} ${row.name}`)}: ${singleLine(`${cause.service} ${cause.span}`)}${cause.message ? `: ${singleLine(cause.message)}` : ''}${newest ? `  ${trace(newest)}` : ''}`);
    }
  }
  if (report.receiver) {
    const lines = describeReceiver(report.receiver, report.breakdownCounts);
    out.push('', ...lines.map(line => `${style.bold(line.slice(0, line.indexOf(':') + 1))}${singleLine(line.slice(line.indexOf(':') + 1))}`));
  }
  return out;
}
