/** Hand-built spans of requests for the breakdown's tests: a load generator's CLIENT span and the spans below it. */
import assert from 'node:assert/strict';
import { SPAN_KIND_NAMES, type ReceivedSpan, type SpanKindName } from '../../src/receiver/types.ts';
import type { BreakdownPart } from '../../src/shared/breakdown/index.ts';

export const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
/** Epoch nanoseconds beyond 2^53, as real ones are. */
export const T0 = 1_764_400_000_000_000_000n;
export const RUN = 'run-1';

export interface SpanSpec {
  id: string;
  parent?: string;
  kind?: SpanKindName;
  service?: string;
  name?: string;
  start: number;
  end: number;
  error?: string;
  trace?: string;
}

export function span(spec: SpanSpec): ReceivedSpan {
  const at = (ms: number) => (T0 + BigInt(Math.round(ms * 1000)) * 1000n).toString();
  const kind = spec.kind ?? 'INTERNAL';
  return {
    traceId: spec.trace ?? TRACE, spanId: spec.id, parentSpanId: spec.parent ?? '', traceState: '', name: spec.name ?? spec.id,
    kind: SPAN_KIND_NAMES.indexOf(kind), kindName: kind, startTimeUnixNano: at(spec.start), endTimeUnixNano: at(spec.end),
    attributes: {}, events: [], links: [],
    status: spec.error === undefined ? { code: 0, codeName: 'UNSET', message: '' } : { code: 2, codeName: 'ERROR', message: spec.error },
    resource: { 'service.name': spec.service ?? 'shop', 'loadlens.run.id': RUN }, scope: { name: 'test', version: '' },
  };
}

/** The load generator's CLIENT span of a request of row GET `name`. */
export function request(id: string, name: string, start: number, end: number, extra: Partial<SpanSpec> = {}): ReceivedSpan {
  const base = span({ id, kind: 'CLIENT', service: 'loadlens', name: `GET ${name}`, start, end, ...extra });
  base.attributes = { 'loadlens.request.name': name, 'http.request.method': 'GET' };
  return base;
}

/** The spans of one request of GET /slowdb taking `dbMs` in its database (trace `n`). */
export function slowdb(n: number, dbMs: number, options: { fail?: boolean } = {}): ReceivedSpan[] {
  const trace = n.toString(16).padStart(32, '0');
  const fail = options.fail === true;
  const c = request(`c${n}`, '/slowdb', 0, dbMs + 10, { trace, ...(fail ? { error: 'HTTP 500' } : {}) });
  return [
    c,
    span({ id: `s${n}`, parent: `c${n}`, kind: 'SERVER', name: 'GET /slowdb', start: 2, end: dbMs + 8, trace }),
    span({ id: `d${n}`, parent: `s${n}`, kind: 'CLIENT', service: 'inventory', name: 'db.query SELECT stock', start: 4, end: dbMs + 4, trace, ...(fail ? { error: 'stock table locked' } : {}) }),
  ];
}

/** An HDR percentile: at or up to 1 % above the exact value (2 significant digits; the bucket's upper end). */
export function near(got: number, exact: number, what = ''): void {
  assert.ok(got >= exact - 1e-9 && got <= exact * 1.01 + 1e-9, `${what} ${got} is not within 1 % above ${exact}`);
}

export function part(parts: readonly BreakdownPart[], service: string, name: string): BreakdownPart {
  const found = parts.find(p => p.service === service && p.span === name);
  assert.ok(found, `part ${service} ${name} in ${parts.map(p => `${p.service} ${p.span}`).join(', ')}`);
  return found;
}

