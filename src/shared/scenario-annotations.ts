/**
 * What the scenario file shows about a run, as text: the numbers at the end of each `http.*` call's
 * line, the hover listing that line's failures with links to their traces, and the Problems (failed
 * rows at their call, breached thresholds at their key). Pure, so the exact words a user reads are
 * tested with `node --test`; src/extension/scenario-decorations.ts puts them in the editor.
 */
import { topPartLine } from './where-time-went.ts';
import type { FailureRow, RequestRow, SourceLocation, ThresholdResult } from './report.ts';
import { formatThresholdActual } from './stats-table.ts';
import type { TraceLinkTarget } from './trace-link.ts';

/** The command a hover's trace link runs; its argument is a TraceLinkTarget. */
export const OPEN_TRACE_COMMAND = 'loadlens.open-trace';

/** How many trace links a hover shows per failure kind (the newest). */
const TRACE_LINKS_PER_FAILURE = 3;

/** One annotated line of a scenario file: the rows its calls produced and their failures. */
export interface LineAnnotation {
  file: string;
  /** 1-based, as in SourceLocation. */
  line: number;
  /** Rows in the order they were first produced. */
  rows: RequestRow[];
  failures: FailureRow[];
  /** What the line's end shows, e.g. `p95 48 ms · 11 / 652 failed`. */
  text: string;
}

/** A Warning for the Problems panel, at a place in the scenario. */
export interface ScenarioProblem extends SourceLocation {
  message: string;
}

/** `p95 48 ms · 11 / 652 failed` (or `· 652 ok` when none failed). */
export function rowSummary(row: Pick<RequestRow, 'p95' | 'failures' | 'count'>): string {
  return `p95 ${formatLatency(row.p95)} · ${row.failures > 0 ? `${row.failures} / ${row.count} failed` : `${row.count} ok`}`;
}

/** `48 ms`, `4.2 ms`, `1.25 s`: about as precise as a glance needs. */
export function formatLatency(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function rowKey(row: Pick<RequestRow, 'method' | 'name'>): string {
  return `${row.method} ${row.name}`;
}

function lineKey(location: SourceLocation): string {
  return `${location.line}\u0000${location.file}`;
}

/**
 * The annotations of every line that produced a row (the aggregate row and rows without a location
 * are skipped), in file then line order. Several rows on one line (a loop over methods) share it.
 */
export function lineAnnotations(rows: readonly RequestRow[], failures: readonly FailureRow[]): LineAnnotation[] {
  const byLine = new Map<string, LineAnnotation>();
  const lineOfRow = new Map<string, LineAnnotation>();
  for (const row of rows) {
    if (row.method === '' || row.location === undefined) continue;
    const key = lineKey(row.location);
    let annotation = byLine.get(key);
    if (annotation === undefined) {
      annotation = { file: row.location.file, line: row.location.line, rows: [], failures: [], text: '' };
      byLine.set(key, annotation);
    }
    annotation.rows.push(row);
    lineOfRow.set(rowKey(row), annotation);
  }
  for (const failure of failures) {
    // A failure carries its row's location; older engines do not, so fall back to the row's.
    const annotation = failure.location ? byLine.get(lineKey(failure.location)) : lineOfRow.get(rowKey(failure));
    annotation?.failures.push(failure);
  }
  const annotations = [...byLine.values()];
  for (const annotation of annotations) {
    annotation.text = annotation.rows.length === 1
      ? rowSummary(annotation.rows[0]!)
      : annotation.rows.map(row => `${rowKey(row)}: ${rowSummary(row)}`).join('  |  ');
  }
  return annotations.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** The failures of `row`, most frequent first. */
function failuresOf(row: Pick<RequestRow, 'method' | 'name'>, failures: readonly FailureRow[]): FailureRow[] {
  return failures.filter(f => f.method === row.method && f.name === row.name).sort((a, b) => b.count - a.count);
}

/**
 * The Problems of a run: `GET /product/{product_id}: 11 of 652 failed (HTTP 500)` at each failed
 * row's call, and `threshold p95 < 300ms breached (actual 512 ms)` at each breached threshold's key.
 * Rows and thresholds without a location have no line to go to and are left out.
 */
export function scenarioProblems(rows: readonly RequestRow[], failures: readonly FailureRow[], thresholds: readonly ThresholdResult[] = []): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  for (const row of rows) {
    if (row.method === '' || row.failures === 0 || row.location === undefined) continue;
    const kinds = failuresOf(row, failures);
    const why = kinds.length === 0 ? '' : kinds.length === 1 ? ` (${kinds[0]!.error})` : ` (${kinds.map(f => `${f.error}: ${f.count}`).join(', ')})`;
    const what = row.method === 'GROUP' ? `group '${row.name}'` : rowKey(row);
    problems.push({ ...row.location, message: `${what}: ${row.failures} of ${row.count} failed${why}` });
  }
  for (const threshold of thresholds) {
    if (threshold.ok || threshold.location === undefined) continue;
    problems.push({ ...threshold.location, message: `threshold ${threshold.expression} breached (actual ${formatThresholdActual(threshold)})` });
  }
  return problems;
}

/** A `command:` URI that opens `target` as a click on a trace id does. */
export function openTraceCommandUri(target: TraceLinkTarget): string {
  return `command:${OPEN_TRACE_COMMAND}?${encodeURIComponent(JSON.stringify([target]))}`;
}

/**
 * The hover of an annotated line, as Markdown: each row's numbers, then each failure kind with its
 * count and its newest trace ids as links (`context` adds the run's id and time range to each link).
 * Only the open-trace command is linked, so the MarkdownString can trust just that command.
 */
export function hoverMarkdown(annotation: LineAnnotation, context: Omit<TraceLinkTarget, 'traceId'> = {}): string {
  const lines: string[] = [];
  for (const row of annotation.rows) {
    lines.push(`**${escapeMarkdown(rowKey(row))}**: ${row.count} requests, ${row.failures} failed · p50 ${formatLatency(row.p50)} · p95 ${formatLatency(row.p95)} · p99 ${formatLatency(row.p99)}`);
    // Where the row's time went (issue 16): `p95 48 ms · 61 % in inventory db.query SELECT stock`.
    const top = topPartLine(row);
    if (top !== undefined) lines.push('', `Where the time went: ${escapeMarkdown(top)} (${row.breakdown!.traces} traces)`);
    const kinds = failuresOf(row, annotation.failures);
    if (kinds.length > 0) lines.push('');
    for (const failure of kinds) {
      const ids = failure.traceIds.slice(-TRACE_LINKS_PER_FAILURE).reverse();
      const links = ids.map(traceId => `[${traceId.slice(0, 12)}…](${openTraceCommandUri({ ...context, traceId })} "Open trace ${traceId}")`);
      lines.push(`- ${escapeMarkdown(failure.error)} × ${failure.count}${links.length > 0 ? `: ${links.join(' ')}` : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** Escapes what Markdown would otherwise interpret in text from the run (error messages, names). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, ch => `\\${ch}`);
}
