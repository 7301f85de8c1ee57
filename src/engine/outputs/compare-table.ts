/**
 * `loadlens compare` as text: one line per (row, metric) pair with base, new, change and verdict, in the
 * terminal table's formatting (format.ts). The comparison tab formats its cells with the same
 * `formatMetricValue` and `formatChange` (src/shared/compare-format.ts), so the two read alike.
 */
import { formatChange, formatMetricValue, VERDICT_TEXT } from '../../shared/compare-format.ts';
import { METRIC_LABELS, partLabel, type RunComparison } from '../../shared/compare.ts';
import { cellWidth, padCells, truncateCells } from './format.ts';

/**
 * The comparison table: per row, one line per metric (p50, p95, p99, RPS, error rate) with the base
 * value, the new one, the change and the verdict; a row that only one run has says so. Below a row,
 * its breakdown parts that changed beyond the margins (or that only one run has), one line per
 * self-time percentile. Then one line naming the regressions, or saying there are none. No line is
 * wider than `width` cells.
 */
export function formatComparison(comparison: RunComparison, width: number, color = false): string {
  const red = (text: string) => (color ? `\u001b[31m${text}\u001b[39m` : text);
  const green = (text: string) => (color ? `\u001b[32m${text}\u001b[39m` : text);
  const header = ['Type', 'Name', 'Metric', 'Base', 'New', 'Change', ''];
  const lines: string[][] = [];
  for (const row of comparison.rows) {
    const type = row.method === '' ? '' : row.method;
    const name = row.method === '' ? 'Aggregated' : row.name;
    if (row.presence !== 'both') {
      lines.push([type, name, '', row.presence === 'base-only' ? `${row.baseCount} req` : '-', row.presence === 'next-only' ? `${row.nextCount} req` : '-', row.presence === 'base-only' ? 'only in base' : 'only in new', '']);
      continue;
    }
    row.deltas.forEach((d, i) => {
      lines.push([i === 0 ? type : '', i === 0 ? name : '', METRIC_LABELS[d.metric], formatMetricValue(d.metric, d.base), formatMetricValue(d.metric, d.next), formatChange(d), VERDICT_TEXT[d.verdict]]);
    });
    for (const part of row.parts ?? []) {
      const label = `  · ${partLabel(part)}`;
      if (part.presence !== 'both') {
        lines.push(['', label, '', '', '', part.presence === 'base-only' ? 'only in base' : 'only in new', '']);
        continue;
      }
      part.deltas.filter(d => d.verdict !== 'unchanged').forEach((d, i) => {
        lines.push(['', i === 0 ? label : '', `self ${METRIC_LABELS[d.metric]}`, formatMetricValue(d.metric, d.base), formatMetricValue(d.metric, d.next), formatChange(d), VERDICT_TEXT[d.verdict]]);
      });
    }
  }
  const widths = header.map((h, c) => Math.max(cellWidth(h), ...lines.map(l => cellWidth(l[c] ?? ''))));
  const align: Array<'left' | 'right'> = ['left', 'left', 'left', 'right', 'right', 'right', 'left'];
  const render = (cells: string[]) => truncateCells(cells.map((cell, c) => padCells(cell, widths[c] ?? 0, align[c] ?? 'left')).join('  ').trimEnd(), width);
  const out = [
    `Comparing ${comparison.scenario}: base ${comparison.base.runId} (${comparison.base.startedAt}) → new ${comparison.next.runId} (${comparison.next.startedAt})`,
    '',
    render(header),
    render(widths.map(w => '-'.repeat(w))),
  ];
  for (const cells of lines) {
    const text = render(cells);
    out.push(cells[6] === VERDICT_TEXT.regression ? red(text) : cells[6] === VERDICT_TEXT.improvement ? green(text) : text);
  }
  out.push('');
  out.push(comparison.regressions.length === 0
    ? green('No regression beyond the margins.')
    : red(`${comparison.regressions.length} regression${comparison.regressions.length === 1 ? '' : 's'}: ${comparison.regressions.join(', ')}`));
  return out.join('\n');
}
