// Where a request's time went: the critical path of hand-built span trees with known answers
// (sequential and concurrent children, nesting, clock offsets, orphans, errors at depth), then the
// streaming aggregation (late spans, the 'other' part, bounds, percentiles within HDR precision).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SPAN_KIND_NAMES, type ReceivedSpan, type SpanKindName } from '../../src/receiver/types.ts';
import { BreakdownAggregator, criticalPath, rootCauseOf, slimSpan, splitTrace, withBreakdowns, type BreakdownPart } from '../../src/shared/breakdown/index.ts';
import type { RequestRow } from '../../src/shared/report.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
/** Epoch nanoseconds beyond 2^53, as real ones are. */
const T0 = 1_764_400_000_000_000_000n;
const RUN = 'run-1';

interface SpanSpec {
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

function span(spec: SpanSpec): ReceivedSpan {
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
function request(id: string, name: string, start: number, end: number, extra: Partial<SpanSpec> = {}): ReceivedSpan {
  const base = span({ id, kind: 'CLIENT', service: 'loadlens', name: `GET ${name}`, start, end, ...extra });
  base.attributes = { 'loadlens.request.name': name, 'http.request.method': 'GET' };
  return base;
}

/** Self time (ms) per part `service span` of every request of `spans` (one trace), and their sum per request. */
function partsOf(spans: readonly ReceivedSpan[]): { parts: Record<string, number>[]; totals: number[]; unparented: number[] } {
  const trees = splitTrace(new Map(spans.map(s => [s.spanId, slimSpan(s)])));
  trees.sort((a, b) => a.root.startUs - b.root.startUs);
  const parts = trees.map(tree => {
    const out: Record<string, number> = {};
    for (const segment of criticalPath(tree)) {
      const key = segment.network ? `${segment.span.service} network` : `${segment.span.service} ${segment.span.name}`;
      out[key] = (out[key] ?? 0) + segment.selfUs / 1000;
    }
    return out;
  });
  return { parts, totals: parts.map(p => Object.values(p).reduce((a, b) => a + b, 0)), unparented: trees.map(t => t.unparented) };
}

const criticalCases: Array<{ name: string; spans: ReceivedSpan[]; expected: Record<string, number>[]; unparented?: number[] }> = [
  {
    name: 'sequential children: each on the path, the gaps are the parent\'s',
    spans: [
      request('c', '/a', 0, 100),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 5, end: 95 }),
      span({ id: 'q1', parent: 's', kind: 'CLIENT', name: 'db.query A', start: 10, end: 40 }),
      span({ id: 'q2', parent: 's', kind: 'CLIENT', name: 'db.query B', start: 45, end: 85 }),
    ],
    expected: [{ 'loadlens network': 10, 'shop GET /a': 20, 'shop db.query A': 30, 'shop db.query B': 40 }],
  },
  {
    name: 'two concurrent 10 ms calls count 10 ms, not 20',
    spans: [
      request('c', '/a', 0, 30),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 2, end: 28 }),
      span({ id: 'x1', parent: 's', kind: 'CLIENT', name: 'GET /stock', start: 5, end: 15 }),
      span({ id: 'x2', parent: 's', kind: 'CLIENT', name: 'GET /stock', start: 5, end: 15 }),
    ],
    expected: [{ 'loadlens network': 4, 'shop GET /a': 16, 'shop GET /stock': 10 }],
  },
  {
    name: 'overlapping children: the later-ending one is on the path, the earlier one only where it ended before',
    spans: [
      request('c', '/a', 0, 40),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 0, end: 40 }),
      span({ id: 'a', parent: 's', name: 'A', start: 5, end: 15 }),
      span({ id: 'b', parent: 's', name: 'B', start: 10, end: 30 }),
      span({ id: 'p', parent: 's', name: 'P', start: 1, end: 4 }),
    ],
    // B covers 10-30; A ended after B started, so it is off the path; P (1-4) ended before B started.
    expected: [{ 'loadlens network': 0, 'shop GET /a': 17, 'shop B': 20, 'shop P': 3 }],
  },
  {
    name: 'nested across services: shop calls inventory, inventory queries its database',
    spans: [
      request('c', '/slowdb', 0, 50),
      span({ id: 'k', parent: 'c', service: 'loadlens', name: 'connect', start: 0, end: 2 }),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /slowdb', start: 3, end: 48 }),
      span({ id: 'h', parent: 's', kind: 'CLIENT', name: 'GET', start: 5, end: 45 }),
      span({ id: 'is', parent: 'h', kind: 'SERVER', service: 'inventory', name: 'GET /stock', start: 6, end: 44 }),
      span({ id: 'db', parent: 'is', kind: 'CLIENT', service: 'inventory', name: 'db.query SELECT stock', start: 8, end: 40 }),
    ],
    // connect (0-2) is the load generator's own time: network with the client's 2-3 and 48-50.
    expected: [{ 'loadlens network': 5, 'shop GET /slowdb': 5, 'shop GET': 2, 'inventory GET /stock': 6, 'inventory db.query SELECT stock': 32 }],
  },
  {
    name: 'clock offsets: a server span starting 2 ms before its client and ending after it counts within the client',
    spans: [
      request('c', '/a', 10, 50),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 8, end: 52 }),
      span({ id: 'q', parent: 's', name: 'db', start: 7, end: 20 }),
    ],
    expected: [{ 'loadlens network': 0, 'shop GET /a': 30, 'shop db': 10 }],
  },
  {
    name: 'a child entirely outside its parent\'s window counts nothing',
    spans: [
      request('c', '/a', 10, 50),
      span({ id: 's', parent: 'c', kind: 'SERVER', name: 'GET /a', start: 12, end: 48 }),
      span({ id: 'q', parent: 's', name: 'late', start: 60, end: 70 }),
    ],
    expected: [{ 'loadlens network': 4, 'shop GET /a': 36 }],
  },
  {
    name: 'orphans: a span whose parent never arrived hangs on the request it overlaps, counted unparented',
    spans: [
      span({ id: 'g', service: 'loadlens', name: 'group checkout', start: 0, end: 100 }),
      request('c1', '/a', 0, 40, { parent: 'g' }),
      request('c2', '/b', 50, 100, { parent: 'g' }),
      span({ id: 's1', parent: 'c1', kind: 'SERVER', name: 'GET /a', start: 2, end: 38 }),
      span({ id: 'o', parent: 'ffffffffffffffff', service: 'inventory', name: 'db.query', start: 60, end: 90 }),
      span({ id: 'oc', parent: 'o', service: 'inventory', name: 'parse', start: 70, end: 80 }),
    ],
    // The group's own span is in no request; the orphan and its child land under /b.
    expected: [{ 'loadlens network': 4, 'shop GET /a': 36 }, { 'loadlens network': 20, 'inventory db.query': 20, 'inventory parse': 10 }],
    unparented: [0, 1],
  },
  {
    name: 'a cycle of parent ids does not loop: the spans are counted once',
    spans: [
      request('c', '/a', 0, 10),
      span({ id: 'x', parent: 'y', name: 'X', start: 2, end: 8 }),
      span({ id: 'y', parent: 'x', name: 'Y', start: 3, end: 5 }),
    ],
    // The cycle closes at Y (the walk from X meets X again above Y): Y hangs on the request, X below it, clamped to Y's 3-5.
    expected: [{ 'loadlens network': 8, 'shop X': 2, 'shop Y': 0 }],
    unparented: [1],
  },
];

for (const c of criticalCases) {
  test(`critical path: ${c.name}`, () => {
    const { parts, totals, unparented } = partsOf(c.spans);
    assert.equal(parts.length, c.expected.length);
    parts.forEach((got, i) => {
      const rounded = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
      assert.deepEqual(rounded, c.expected[i]);
    });
    // The parts of each request add up to its duration.
    const durations = splitTrace(new Map(c.spans.map(s => [s.spanId, slimSpan(s)]))).sort((a, b) => a.root.startUs - b.root.startUs).map(t => (t.root.endUs - t.root.startUs) / 1000);
    assert.deepEqual(totals.map(t => Math.round(t * 1000) / 1000), durations);
    if (c.unparented) assert.deepEqual(unparented, c.unparented);
  });
}

const rootCauseCases: Array<{ name: string; spans: ReceivedSpan[]; expected: { id: string; message: string } | undefined }> = [
  {
    name: 'the deepest ERROR span on the failing path',
    spans: [
      request('c', '/a', 0, 50, { error: 'HTTP 500' }),
      span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49, error: 'HTTP 500' }),
      span({ id: 'h', parent: 's', kind: 'CLIENT', start: 2, end: 40, error: 'HTTP 503' }),
      span({ id: 'is', parent: 'h', kind: 'SERVER', service: 'inventory', start: 3, end: 39, error: '' }),
      span({ id: 'db', parent: 'is', kind: 'CLIENT', service: 'inventory', name: 'db.query SELECT stock', start: 4, end: 30, error: 'stock table locked' }),
      span({ id: 'ok', parent: 'is', service: 'inventory', start: 31, end: 38 }),
      span({ id: 'shallow', parent: 's', start: 41, end: 45, error: 'cache timeout' }),
    ],
    expected: { id: 'db', message: 'stock table locked' },
  },
  {
    name: 'equally deep errors: the one that ended last',
    spans: [
      request('c', '/a', 0, 50, { error: 'HTTP 500' }),
      span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49 }),
      span({ id: 'e1', parent: 's', start: 2, end: 10, error: 'first' }),
      span({ id: 'e2', parent: 's', start: 11, end: 20, error: 'second' }),
    ],
    expected: { id: 'e2', message: 'second' },
  },
  {
    name: 'a failed request with nothing failed below it is its own root cause (a timeout, a failed check)',
    spans: [request('c', '/a', 0, 50, { error: 'timeout' }), span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49 })],
    expected: { id: 'c', message: 'timeout' },
  },
  {
    name: 'a request that did not fail has none, even with an error handled below it',
    spans: [request('c', '/a', 0, 50), span({ id: 's', parent: 'c', kind: 'SERVER', start: 1, end: 49, error: 'retried' })],
    expected: undefined,
  },
];

for (const c of rootCauseCases) {
  test(`root cause: ${c.name}`, () => {
    const [tree] = splitTrace(new Map(c.spans.map(s => [s.spanId, slimSpan(s)])));
    const cause = rootCauseOf(tree!);
    assert.deepEqual(cause === undefined ? undefined : { id: cause.spanId, message: cause.message }, c.expected);
  });
}

test('slimSpan: the message of a failed span falls back to its exception event, then error.type', () => {
  const withEvent = span({ id: 'a', start: 0, end: 1, error: '' });
  withEvent.events = [{ name: 'exception', timeUnixNano: '1', attributes: { 'exception.message': 'ECONNRESET on socket' } }];
  withEvent.attributes = { 'error.type': 'Error' };
  assert.equal(slimSpan(withEvent).message, 'ECONNRESET on socket');
  const withType = span({ id: 'b', start: 0, end: 1, error: '' });
  withType.attributes = { 'error.type': '500' };
  assert.equal(slimSpan(withType).message, '500');
  assert.equal(slimSpan(span({ id: 'c', start: 0, end: 1 })).message, '');
});

/** The spans of one request of GET /slowdb taking `dbMs` in its database (trace `n`). */
function slowdb(n: number, dbMs: number, options: { fail?: boolean } = {}): ReceivedSpan[] {
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
function near(got: number, exact: number, what = ''): void {
  assert.ok(got >= exact - 1e-9 && got <= exact * 1.01 + 1e-9, `${what} ${got} is not within 1 % above ${exact}`);
}

function part(parts: readonly BreakdownPart[], service: string, name: string): BreakdownPart {
  const found = parts.find(p => p.service === service && p.span === name);
  assert.ok(found, `part ${service} ${name} in ${parts.map(p => `${p.service} ${p.span}`).join(', ')}`);
  return found;
}

test('aggregate: percentiles of a part within HDR precision, shares adding up to 1', () => {
  const aggregator = new BreakdownAggregator({ runId: RUN });
  // db self times 1.0, 1.1, …, 100.9 ms (1000 requests); network 4 ms and the shop's own 6 ms each.
  for (let i = 0; i < 1000; i++) aggregator.add(slowdb(i + 1, 1 + i / 10), 0);
  aggregator.flush();
  const breakdown = aggregator.breakdownOf('GET', '/slowdb');
  assert.ok(breakdown);
  assert.equal(breakdown.traces, 1000);
  const db = part(breakdown.parts, 'inventory', 'db.query SELECT stock');
  assert.equal(db.kind, 'client');
  near(db.selfMs.p50, 50.9, 'p50');
  near(db.selfMs.p95, 95.9, 'p95');
  near(db.selfMs.p99, 99.9, 'p99');
  const network = part(breakdown.parts, 'loadlens', 'network');
  assert.equal(network.kind, 'network');
  near(network.selfMs.p50, 4);
  const server = part(breakdown.parts, 'shop', 'GET /slowdb');
  assert.equal(server.kind, 'server');
  near(server.selfMs.p99, 6);
  // Totals: db 1000 × 50.95 ms, network 4000 ms, shop 6000 ms.
  const total = 1000 * 50.95 + 4000 + 6000;
  assert.ok(Math.abs(db.share - 50950 / total) < 1e-9);
  assert.ok(Math.abs(breakdown.parts.reduce((sum, p) => sum + p.share, 0) - 1) < 1e-9);
  assert.deepEqual(breakdown.parts.map(p => p.span), ['db.query SELECT stock', 'GET /slowdb', 'network']);
  assert.deepEqual(breakdown.rootCauses, []);
  assert.deepEqual(aggregator.counts(), { spansReceived: 3000, spansDropped: 0, spansUnparented: 0, spansUnmatched: 0, requests: 1000, requestsRecomputed: 0, requestsDropped: 0 });
});

test('aggregate: a trace waits for its request span and a quiet period; late spans recompute it exactly', () => {
  const aggregator = new BreakdownAggregator({ settleMs: 1000, lateMs: 30_000 });
  const [client, server, db] = slowdb(1, 30);
  aggregator.add([server!], 0); // the app exported first
  aggregator.tick(5000);
  assert.equal(aggregator.breakdownOf('GET', '/slowdb'), undefined, 'no request span yet');
  aggregator.add([client!], 5000);
  aggregator.tick(5500);
  assert.equal(aggregator.breakdownOf('GET', '/slowdb'), undefined, 'not quiet for settleMs yet');
  aggregator.tick(6000);
  let breakdown = aggregator.breakdownOf('GET', '/slowdb')!;
  assert.equal(breakdown.traces, 1);
  near(part(breakdown.parts, 'shop', 'GET /slowdb').selfMs.p50, 36);
  // The inventory's span comes 8 s later: the request is taken out and computed again.
  aggregator.add([db!], 14_000);
  aggregator.tick(15_000);
  breakdown = aggregator.breakdownOf('GET', '/slowdb')!;
  assert.equal(breakdown.traces, 1);
  near(part(breakdown.parts, 'shop', 'GET /slowdb').selfMs.p50, 6);
  near(part(breakdown.parts, 'shop', 'GET /slowdb').selfMs.p99, 6);
  near(part(breakdown.parts, 'inventory', 'db.query SELECT stock').selfMs.p50, 30);
  assert.ok(Math.abs(part(breakdown.parts, 'shop', 'GET /slowdb').share - 6 / 40) < 1e-9, 'the first computation no longer counts');
  const counts = aggregator.counts();
  assert.equal(counts.requests, 1);
  assert.equal(counts.requestsRecomputed, 1);
  assert.equal(aggregator.holding().traces, 1, 'held for lateMs after its last span');
  aggregator.tick(45_000);
  assert.deepEqual(aggregator.holding(), { spans: 0, traces: 0 });
});

test('aggregate: the first-ever root causes, counted with the newest trace ids, and spans never matched', () => {
  const aggregator = new BreakdownAggregator({ traceIdsPerCause: 2 });
  for (let i = 1; i <= 4; i++) aggregator.add(slowdb(i, 10, { fail: true }), 0);
  aggregator.add(slowdb(5, 10), 0);
  aggregator.add([span({ id: 'stray', trace: 'f'.repeat(32), start: 0, end: 1 })], 0);
  aggregator.tick(1000);
  const breakdown = aggregator.breakdownOf('GET', '/slowdb')!;
  assert.equal(breakdown.traces, 5);
  assert.deepEqual(breakdown.rootCauses, [{
    service: 'inventory', span: 'db.query SELECT stock', message: 'stock table locked', count: 4,
    traceIds: [(3).toString(16).padStart(32, '0'), (4).toString(16).padStart(32, '0')],
  }]);
  aggregator.tick(31_000);
  assert.equal(aggregator.counts().spansUnmatched, 1, 'a trace without a request span, let go after requestWaitMs');
});

test("aggregate: parts beyond maxParts fold into 'other', summed per request", () => {
  const aggregator = new BreakdownAggregator({ maxParts: 3 });
  for (let n = 1; n <= 3; n++) {
    const trace = n.toString(16).padStart(32, '0');
    aggregator.add([
      request(`c${n}`, '/many', 0, 100, { trace }),
      span({ id: `s${n}`, parent: `c${n}`, kind: 'SERVER', name: 'GET /many', start: 0, end: 100, trace }),
      span({ id: `a${n}`, parent: `s${n}`, name: 'A', start: 0, end: 40, trace }),
      span({ id: `b${n}`, parent: `s${n}`, name: 'B', start: 40, end: 70, trace }),
      span({ id: `x${n}`, parent: `s${n}`, name: 'X', start: 70, end: 75 + n, trace }),
      span({ id: `y${n}`, parent: `s${n}`, name: 'Y', start: 80, end: 81, trace }),
    ], 0);
  }
  aggregator.flush();
  const { parts } = aggregator.breakdownOf('GET', '/many')!;
  // Tracked: the first request's largest parts (A 40, B 30, shop's own 100-40-30-6-1 = 23).
  assert.deepEqual(parts.map(p => `${p.service} ${p.span} ${p.kind}`), ['shop A internal', 'shop B internal', 'shop GET /many server', ' other other']);
  const other = parts.at(-1)!;
  // Per request, other = X (5+n) + Y (1) + network (0) → 7, 8, 9 ms.
  near(other.selfMs.p50, 8);
  near(other.selfMs.p99, 9);
  assert.ok(Math.abs(parts.reduce((sum, p) => sum + p.share, 0) - 1) < 1e-9);
  assert.ok(Math.abs(other.share - 24 / 300) < 1e-9);
});

test('aggregate: bounds drop and count, never silently', () => {
  const aggregator = new BreakdownAggregator({ maxSpansPerTrace: 2, maxHeldTraces: 2, maxRows: 1 });
  aggregator.add(slowdb(1, 10), 0); // its third span is over maxSpansPerTrace
  assert.equal(aggregator.counts().spansDropped, 1);
  aggregator.add([span({ id: 'lone', trace: 'e'.repeat(32), start: 0, end: 1 })], 0);
  // A third trace pushes out the oldest: trace 1, computed now since its request span is there.
  aggregator.add([request('r', '/other', 0, 5, { trace: 'd'.repeat(32) })], 0);
  assert.equal(aggregator.breakdownOf('GET', '/slowdb')?.traces, 1);
  // A fourth pushes out the lone span, which never saw its request: dropped.
  aggregator.add([request('r2', '/other', 0, 5, { trace: 'c'.repeat(32) })], 0);
  aggregator.flush();
  const counts = aggregator.counts();
  assert.equal(counts.spansDropped, 2);
  assert.equal(counts.requests, 1);
  assert.equal(counts.requestsDropped, 2, 'GET /other is a second row, beyond maxRows 1');
});

test('aggregate: only the requests of its run; duplicate deliveries count once', () => {
  const aggregator = new BreakdownAggregator({ runId: 'other-run' });
  aggregator.add(slowdb(1, 10), 0);
  aggregator.flush();
  assert.equal(aggregator.breakdowns().size, 0);
  assert.equal(aggregator.counts().spansUnmatched, 3);
  const same = new BreakdownAggregator({ runId: RUN });
  const spans = slowdb(2, 10);
  same.add(spans, 0);
  same.add(spans, 0);
  same.flush();
  assert.equal(same.breakdownOf('GET', '/slowdb')?.traces, 1);
});

test('spanDurations: by span name (with spaces), by service (its SERVER spans), per row', () => {
  const aggregator = new BreakdownAggregator();
  for (let i = 1; i <= 100; i++) aggregator.add(slowdb(i, i), 0);
  aggregator.add([request('o', '/other', 0, 3, { trace: 'a'.repeat(32) }), span({ id: 'os', parent: 'o', kind: 'SERVER', service: 'inventory', name: 'GET /x', start: 1, end: 2, trace: 'a'.repeat(32) })], 0);
  aggregator.flush();
  const db = aggregator.spanDurations({ span: 'db.query SELECT stock' })!;
  assert.equal(db.count, 100);
  assert.ok(db.p95 >= 95 && db.p95 <= 95 * 1.01, `p95 ${db.p95}`);
  assert.ok(db.min >= 1 && db.min <= 1.01 && db.max >= 100 && db.max <= 101, `${db.min} ${db.max}`);
  assert.ok(Math.abs(db.avg - 50.5) < 0.5);
  // service alone: its SERVER spans (inventory has only the /other row's).
  assert.equal(aggregator.spanDurations({ service: 'inventory' })?.count, 1);
  assert.equal(aggregator.spanDurations({ service: 'shop' })?.count, 100);
  assert.equal(aggregator.spanDurations({ service: 'shop', name: '/other' }), undefined);
  assert.equal(aggregator.spanDurations({ span: 'db.query SELECT stock', service: 'inventory', name: '/slowdb', method: 'GET' })?.count, 100);
  assert.equal(aggregator.spanDurations({ span: 'db.query SELECT stock', service: 'shop' }), undefined);
});

test('withBreakdowns: request rows get theirs; the aggregate row and rows without traces stay as they are', () => {
  const aggregator = new BreakdownAggregator();
  aggregator.add(slowdb(1, 10), 0);
  aggregator.flush();
  const row = (method: string, name: string) => ({ method, name, count: 1 }) as RequestRow;
  const rows = withBreakdowns([row('GET', '/slowdb'), row('GET', '/none'), row('', 'Aggregated')], (m, n) => aggregator.breakdownOf(m, n));
  assert.equal(rows[0]!.breakdown?.traces, 1);
  assert.equal(rows[1]!.breakdown, undefined);
  assert.equal(rows[2]!.breakdown, undefined);
  // Plain JSON: the report's shape survives a round trip.
  assert.deepEqual(JSON.parse(JSON.stringify(rows[0]!.breakdown)), rows[0]!.breakdown);
  assert.deepEqual(Object.keys(rows[0]!.breakdown!), ['traces', 'parts', 'rootCauses']);
  assert.deepEqual(Object.keys(rows[0]!.breakdown!.parts[0]!), ['service', 'span', 'kind', 'selfMs', 'share']);
});
