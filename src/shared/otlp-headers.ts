/**
 * OTLP exporter headers in the OTEL_EXPORTER_OTLP_HEADERS form: `key=value,key2=value2`, values
 * percent-encoded (the W3C baggage format the specification names). Shared by the engine (reading its
 * environment) and the editor (checking what "Loadlens: Set OTLP Headers…" is given).
 *
 * Header values are secrets (API tokens): no problem message ever contains one, only the entry's
 * position and its header name.
 */

/** The decoded headers, and what is wrong with the entries that could not be read (values never included). */
export interface ParsedOtlpHeaders {
  headers: Record<string, string>;
  problems: string[];
}

/** RFC 9110 `token`: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Decodes `raw`; `source` names where it came from in each problem (a variable or a command). */
export function parseOtlpHeaders(raw: string, source: string): ParsedOtlpHeaders {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  if (raw.trim() === '') return { headers, problems };
  raw.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const equals = entry.indexOf('=');
    const key = (equals < 0 ? entry : entry.slice(0, equals)).trim();
    if (equals < 0 || !HEADER_NAME.test(key)) {
      problems.push(`${source}: entry ${index + 1} is not key=value with a valid header name`);
      return;
    }
    try {
      headers[key] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      problems.push(`${source}: the value of '${key}' is not valid percent-encoding`);
    }
  });
  return { headers, problems };
}
