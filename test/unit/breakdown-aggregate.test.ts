// The streaming breakdown of every request: late spans, the 'other' part, bounds, root causes,
// span durations, percentiles within HDR precision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BreakdownAggregator, withBreakdowns } from '../../src/shared/breakdown/index.ts';
import type { RequestRow } from '../../src/shared/report.ts';
import { near, part, request, RUN, slowdb, span } from '../support/breakdown-spans.ts';

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

test('encode and absorb: two shards\' states add up to what one aggregator of all the spans computes', () => {
  const whole = new BreakdownAggregator();
  const shards = [new BreakdownAggregator(), new BreakdownAggregator()];
  for (let i = 1; i <= 400; i++) {
    const spans = slowdb(i, 1 + (i % 97), { fail: i % 10 === 0 });
    whole.add(spans, 0);
    shards[i % 2]!.add(spans, 0);
  }
  whole.flush();
  for (const shard of shards) shard.flush();
  const merged = new BreakdownAggregator();
  // Through JSON, as a shard's report carries it.
  for (const shard of shards) merged.absorb(JSON.parse(JSON.stringify(shard.encode())));
  const expected = whole.breakdownOf('GET', '/slowdb')!;
  const got = merged.breakdownOf('GET', '/slowdb')!;
  assert.equal(got.traces, 400);
  assert.deepEqual(got.parts.map(p => [p.service, p.span, p.kind, p.selfMs]), expected.parts.map(p => [p.service, p.span, p.kind, p.selfMs]));
  got.parts.forEach((p, i) => assert.ok(Math.abs(p.share - expected.parts[i]!.share) < 1e-12));
  assert.deepEqual(got.rootCauses.map(c => [c.service, c.span, c.message, c.count, c.traceIds.length]), [['inventory', 'db.query SELECT stock', 'stock table locked', 40, 5]]);
  assert.deepEqual(merged.spanDurations({ span: 'db.query SELECT stock' }), whole.spanDurations({ span: 'db.query SELECT stock' }));
  assert.deepEqual(merged.counts(), whole.counts());
  assert.throws(() => merged.absorb({ ...shards[0]!.encode(), format: 'other' as 'loadlens-breakdown-1' }), /format 'other'/);
});
