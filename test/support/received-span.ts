/** A received span with every field filled (an INTERNAL span of service 'svc', 1–3 ms), for trace-store tests. */
import type { ReceivedSpan } from '../../src/shared/spans.ts';

export function fakeSpan(traceId: string, spanId: string, overrides: Partial<ReceivedSpan> = {}): ReceivedSpan {
  return {
    traceId, spanId, parentSpanId: '', traceState: '', name: spanId, kind: 1, kindName: 'INTERNAL',
    startTimeUnixNano: '1000000', endTimeUnixNano: '3000000', attributes: {}, events: [], links: [],
    status: { code: 0, codeName: 'UNSET', message: '' }, resource: { 'service.name': 'svc' }, scope: { name: '', version: '' },
    ...overrides,
  };
}
