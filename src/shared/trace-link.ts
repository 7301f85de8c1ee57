/**
 * Trace links: a URL template from the user's settings (a preset for Jaeger, Tempo, Honeycomb, ... or
 * their own) filled in for one trace. Shared by the terminal, the HTML report and the extension, so a
 * trace id opens the same page wherever it is shown.
 */

/** What a template can refer to. `startMs`/`endMs` bound the time range a platform searches (epoch ms). */
export interface TraceLinkTarget {
  traceId: string;
  spanId?: string;
  startMs?: number;
  endMs?: number;
}

/** The placeholders a template may contain; any other `{...}` is left as written. */
export const TRACE_LINK_PLACEHOLDERS = ['{traceId}', '{spanId}', '{startMs}', '{endMs}'] as const;

/**
 * Fill `template`'s placeholders for `target`, e.g.
 * `buildTraceLink('http://127.0.0.1:16686/trace/{traceId}', { traceId })`.
 *
 * Values are URI-component encoded (ids are hex and times are integers, so this only matters for
 * malformed input, which then cannot break out of the URL's path or query). A placeholder whose value
 * is missing becomes empty; times are rounded to whole milliseconds. Every occurrence is replaced.
 */
export function buildTraceLink(template: string, target: TraceLinkTarget): string {
  const values: Record<string, string> = {
    traceId: target.traceId,
    spanId: target.spanId ?? '',
    startMs: target.startMs === undefined ? '' : String(Math.round(target.startMs)),
    endMs: target.endMs === undefined ? '' : String(Math.round(target.endMs)),
  };
  return template.replace(/\{(traceId|spanId|startMs|endMs)\}/g, (_match, key: string) => encodeURIComponent(values[key] ?? ''));
}
