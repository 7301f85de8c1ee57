// The trace view's waterfall math: nesting by parentSpanId, offsets and durations on the trace's
// clock, the CLIENT → SERVER gap, and what happens with spans that arrive late or out of order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type ReceivedSpan, type SpanKindName } from '../../src/shared/spans.ts';
import { buildTraceTree, describeGap, formatSpanMs } from '../../src/shared/trace-tree.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
/** Epoch nanoseconds of the trace's first instant: beyond 2^53, as real ones are. */
const T0 = 1_764_400_000_000_000_000n;

function span(spanId: string, parentSpanId: string, kind: SpanKindName, service: string, startMs: number, endMs: number, extra: Partial<ReceivedSpan> = {}): ReceivedSpan {
  const at = (ms: number) => (T0 + BigInt(Math.round(ms * 1000)) * 1000n).toString();
  return {
    traceId: TRACE, spanId, parentSpanId, traceState: '', name: `${kind.toLowerCase()} ${spanId}`,
    kind: SPAN_KIND_NAMES.indexOf(kind), kindName: kind,
    startTimeUnixNano: at(startMs), endTimeUnixNano: at(endMs),
    attributes: {}, events: [], links: [],
    status: { code: 0, codeName: STATUS_CODE_NAMES[0], message: '' },
    resource: { 'service.name': service }, scope: { name: 'test', version: '' },
    ...extra,
  };
}

// The shape of a failed shop request: the engine's CLIENT span, its connect child, the shop's SERVER
// span and the handler's INTERNAL span.
const client = span('c1', '', 'CLIENT', 'loadlens', 0, 40, { status: { code: 2, codeName: 'ERROR', message: 'HTTP 500' } });
const connect = span('k1', 'c1', 'INTERNAL', 'loadlens', 0.5, 3.5, { name: 'connect' });
const server = span('s1', 'c1', 'SERVER', 'shop', 5, 35);
const internal = span('i1', 's1', 'INTERNAL', 'shop', 6, 30, { events: [{ name: 'cache miss', timeUnixNano: (T0 + 10_000_000n).toString(), attributes: { key: 42 } }] });

const cases: Array<{ name: string; spans: ReceivedSpan[]; rows: Array<[string, number, number, number]>; missing?: string[] }> = [
  { name: 'client, connect, server, internal: nested by parent, siblings by start',
    spans: [internal, server, connect, client],
    rows: [['c1', 0, 0, 40], ['k1', 1, 0.5, 3], ['s1', 1, 5, 30], ['i1', 2, 6, 24]] },
  { name: 'the app exported first: its SERVER span waits as a root with a missing parent',
    spans: [server, internal],
    rows: [['s1', 0, 0, 30], ['i1', 1, 1, 24]], missing: ['s1'] },
  { name: 'a span delivered twice (exporter retry) is shown once',
    spans: [client, server, server],
    rows: [['c1', 0, 0, 40], ['s1', 1, 5, 30]] },
  { name: 'a span of another trace is ignored',
    spans: [client, { ...server, traceId: 'ffffffffffffffffffffffffffffffff' }],
    rows: [['c1', 0, 0, 40]] },
  { name: 'a parent-id cycle still shows every span once',
    spans: [span('a', 'b', 'INTERNAL', 'x', 0, 2), span('b', 'a', 'INTERNAL', 'x', 1, 3)],
    rows: [['a', 0, 0, 2], ['b', 1, 1, 2]], missing: [] },
];

for (const c of cases) {
  test(`trace tree: ${c.name}`, () => {
    const tree = buildTraceTree(TRACE, c.spans);
    assert.deepEqual(tree.rows.map(r => [r.spanId, r.depth, round(r.startOffsetMs), round(r.durationMs)]), c.rows);
    if (c.missing) assert.deepEqual(tree.rows.filter(r => r.parentMissing).map(r => r.spanId), c.missing);
  });
}

test('trace tree: bars to scale, the gap between CLIENT and SERVER, services, errors, event offsets', () => {
  const tree = buildTraceTree(TRACE.toUpperCase(), [client, connect, server, internal]);
  assert.equal(tree.traceId, TRACE);
  assert.equal(tree.startTimeUnixNano, T0.toString());
  assert.equal(tree.durationMs, 40);
  assert.deepEqual(tree.services, ['loadlens', 'shop']);
  assert.equal(tree.errorCount, 1);
  const serverRow = tree.rows.find(r => r.spanId === 's1')!;
  assert.deepEqual([serverRow.barStart, serverRow.barWidth], [5 / 40, 30 / 40]);
  assert.deepEqual(serverRow.gap, { clientSpanId: 'c1', totalMs: 10, beforeMs: 5, afterMs: 5 });
  assert.equal(describeGap(serverRow.gap!), "10.0 ms outside the server's span (network and queueing): 5.00 ms before it started, 5.00 ms after it ended");
  assert.equal(tree.rows.find(r => r.spanId === 'k1')!.gap, undefined, 'only SERVER children of CLIENT spans have a gap');
  assert.equal(describeGap({ clientSpanId: 'c1', totalMs: 1.5, beforeMs: 4, afterMs: -2.5 }),
    "1.50 ms outside the server's span (network and queueing): 4.00 ms before it started, and it ended 2.50 ms after the client had the answer (the server recorded its end late)");
  assert.deepEqual(tree.rows.find(r => r.spanId === 'i1')!.events, [{ name: 'cache miss', offsetMs: 4, attributes: { key: 42 } }]);
  assert.equal(tree.rows[0]!.status, 'ERROR');
  assert.equal(tree.rows[0]!.statusMessage, 'HTTP 500');
});

test('trace tree: no spans yet is an empty tree, not an error', () => {
  assert.deepEqual(buildTraceTree(TRACE, []), { traceId: TRACE, startTimeUnixNano: '0', durationMs: 0, rows: [], services: [], errorCount: 0 });
});

test('formatSpanMs keeps about three significant digits', () => {
  assert.deepEqual([0.4215, 12.34, 250.4, 1250].map(formatSpanMs), ['0.42 ms', '12.3 ms', '250 ms', '1.25 s']);
});

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
