import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Stats } from '../../src/engine/stats/index.ts';
import type { EncodedStats, RequestSample } from '../../src/engine/stats/index.ts';
import { newDurationHistogram, percentilesMs } from '../../src/engine/stats/index.ts';
import type { RequestRow } from '../../src/shared/report.ts';

/** A successful GET with the given duration; override any field. */
function sample(overrides: Partial<RequestSample> = {}): RequestSample {
  return {
    method: 'GET', name: '/a', startedAt: 1_000, durationMs: 10, ttfbMs: 5, connectMs: 0,
    newConnection: false, bytes: 100, status: 200, ...overrides,
  };
}

function row(rows: RequestRow[], method: string, name: string): RequestRow {
  const found = rows.find(r => r.method === method && r.name === name);
  assert.ok(found, `no row ${method} ${name} in ${rows.map(r => `${r.method} ${r.name}`).join(', ')}`);
  return found;
}

function assertWithin(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * relative, `${what}: ${actual} is not within ${relative * 100}% of ${expected}`);
}

/** Deterministic pseudo-random numbers in [0, 1) (a fixed LCG), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('Stats percentiles come from the histograms', () => {
  const cases: { title: string; durations: number[]; expected: { p50: number; p90: number; p95: number; p99: number }; tolerance: number; min: number; max: number; avg: number }[] = [
    {
      title: 'uniform 1..1000 ms',
      durations: Array.from({ length: 10_000 }, (_, i) => (i % 1000) + 1),
      expected: { p50: 500, p90: 900, p95: 950, p99: 990 }, tolerance: 0.01, min: 1, max: 1000, avg: 500.5,
    },
    {
      title: 'constant 250 ms (exact: percentiles are clamped to the exact min and max)',
      durations: Array.from({ length: 1000 }, () => 250),
      expected: { p50: 250, p90: 250, p95: 250, p99: 250 }, tolerance: 0, min: 250, max: 250, avg: 250,
    },
    {
      title: 'bimodal: 90 % at 10 ms, 10 % at 1000 ms',
      durations: Array.from({ length: 1000 }, (_, i) => (i % 10 === 9 ? 1000 : 10)),
      expected: { p50: 10, p90: 10, p95: 1000, p99: 1000 }, tolerance: 0.001, min: 10, max: 1000, avg: 109,
    },
    {
      title: 'sub-millisecond: uniform 0.001..1 ms keeps µs precision',
      durations: Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000),
      expected: { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }, tolerance: 0.002, min: 0.001, max: 1, avg: 0.5005,
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const stats = new Stats();
      for (const durationMs of c.durations) stats.record(sample({ durationMs }));
      const { totals, requests } = stats.summary();
      for (const r of [row(requests, 'GET', '/a'), row(requests, '', 'Aggregated')]) {
        for (const p of ['p50', 'p90', 'p95', 'p99'] as const) assertWithin(r[p], c.expected[p], c.tolerance, `${r.name} ${p}`);
        assert.equal(r.min, c.min);
        assert.equal(r.max, c.max);
        assert.equal(r.avg, c.avg);
        assert.equal(r.count, c.durations.length);
      }
      assert.deepEqual([totals.p50, totals.p99, totals.min, totals.max, totals.avg], [requests.at(-1)?.p50, requests.at(-1)?.p99, c.min, c.max, c.avg]);
    });
  }
});

describe('percentilesMs (one walk for several percentiles)', () => {
  const cases: { title: string; values: number[] }[] = [
    { title: 'uniform µs values', values: Array.from({ length: 5000 }, (_, i) => i * 37) },
    { title: 'with zeros', values: [0, 0, 0, 5, 5_000, 5_000_000] },
    { title: 'only zeros', values: [0, 0] },
    { title: 'one value', values: [123_456] },
    { title: 'skewed random', values: Array.from({ length: 3000 }, ((next) => () => Math.floor(next() ** 4 * 30_000_000))(random(7))) },
  ];
  const percentiles = [0.1, 1, 50, 90, 95, 99, 99.9, 100];
  for (const c of cases) {
    it(`equals hdr's getValueAtPercentile: ${c.title}`, () => {
      const histogram = newDurationHistogram();
      for (const value of c.values) histogram.recordValue(value);
      assert.deepEqual(percentilesMs(histogram, percentiles), percentiles.map(p => histogram.getValueAtPercentile(p) / 1000));
    });
  }
});

describe('Stats per-row numbers', () => {
  it('counts status classes, with no response and invalid statuses as error', () => {
    const stats = new Stats();
    for (const status of [200, 201, 204, 301, 404, 500, 503, 0, 0, 99, 700]) stats.record(sample({ status }));
    assert.deepEqual(row(stats.summary().requests, 'GET', '/a').statusClasses, { '2xx': 3, '3xx': 1, '4xx': 1, '5xx': 2, error: 4 });
  });

  it('averages size and ttfb over all requests and connect time over the requests that connected', () => {
    const stats = new Stats();
    stats.record(sample({ bytes: 1000, ttfbMs: 4, newConnection: true, connectMs: 3 }));
    stats.record(sample({ bytes: 0, ttfbMs: 2 }));
    stats.record(sample({ bytes: 500, ttfbMs: 3, newConnection: true, connectMs: 5 }));
    const r = row(stats.summary().requests, 'GET', '/a');
    assert.deepEqual([r.avgSize, r.ttfbAvg, r.connects, r.connectAvg], [500, 3, 2, 4]);
    // Connect and ttfb histograms keep 2 significant digits (values at most 0.8 % high).
    const connect = stats.percentiles('GET', '/a', 'connect');
    assertWithin(connect?.p50 ?? 0, 3, 0.008, 'connect p50');
    assertWithin(connect?.p99 ?? 0, 5, 0.008, 'connect p99');
    assert.equal(stats.percentiles('GET', '/nope', 'duration'), undefined);
  });

  it("builds the aggregate's ttfb and connect percentiles from the request rows (groups excluded)", () => {
    const stats = new Stats();
    for (let i = 1; i <= 100; i++) stats.record(sample({ name: i % 2 ? '/odd' : '/even', ttfbMs: i, newConnection: i <= 10, connectMs: i <= 10 ? i : 0 }));
    stats.recordGroup('checkout', 5_000, false);
    const ttfb = stats.percentiles('', 'Aggregated', 'ttfb');
    const connect = stats.percentiles('', 'Aggregated', 'connect');
    for (const [actual, expected, what] of [[ttfb?.p50, 50, 'ttfb p50'], [ttfb?.p99, 99, 'ttfb p99'], [connect?.p50, 5, 'connect p50'], [connect?.p99, 10, 'connect p99']] as const) {
      assertWithin(actual ?? 0, expected, 0.008, what);
    }
  });

  it('groups failures by (method, name, error) and keeps the last trace ids, newest last, skipping empty ids', () => {
    const stats = new Stats({ failureExamples: 3 });
    for (let i = 1; i <= 8; i++) stats.record(sample({ status: 500, error: 'HTTP 500', traceId: i === 8 ? '' : `t${i}`, startedAt: i }));
    stats.record(sample({ status: 0, error: 'timeout', traceId: 'x1', startedAt: 20 }));
    stats.record(sample({ method: 'POST', status: 500, error: 'HTTP 500', startedAt: 30 }));
    stats.record(sample({ status: 200 }));
    assert.deepEqual(stats.summary().failures, [
      { method: 'GET', name: '/a', error: 'HTTP 500', count: 8, traceIds: ['t5', 't6', 't7'], lastAt: 8 },
      { method: 'GET', name: '/a', error: 'timeout', count: 1, traceIds: ['x1'], lastAt: 20 },
      { method: 'POST', name: '/a', error: 'HTTP 500', count: 1, traceIds: [], lastAt: 30 },
    ]);
    const r = row(stats.summary().requests, 'GET', '/a');
    assert.deepEqual([r.count, r.failures], [10, 9]);
  });

  it('caps failure groups with one overflow group', () => {
    const stats = new Stats({ maxFailureGroups: 3 });
    for (let i = 0; i < 10; i++) stats.record(sample({ status: 500, error: `E${i}`, traceId: `t${i}` }));
    const failures = stats.summary().failures;
    assert.equal(stats.retained.failureGroups, 4);
    assert.deepEqual(failures.map(f => [f.method, f.name, f.error, f.count]), [
      ['GET', '/a', 'E0', 1], ['GET', '/a', 'E1', 1], ['GET', '/a', 'E2', 1], ['*', '(other names)', '(other errors)', 7],
    ]);
    assert.deepEqual(failures[3]?.traceIds, ['t5', 't6', 't7', 't8', 't9']);
  });

  it('caps distinct names: further pairs go to one overflow row, the aggregate counts everything', () => {
    const stats = new Stats({ maxNames: 3 });
    for (let i = 0; i < 10; i++) stats.record(sample({ name: `/item/${i}`, durationMs: i + 1 }));
    stats.record(sample({ method: 'POST', name: '/item/0' }));
    stats.recordGroup('checkout', 100, false);
    const { requests } = stats.summary();
    assert.deepEqual(requests.map(r => [r.method, r.name, r.count]), [
      ['GET', '/item/0', 1], ['GET', '/item/1', 1], ['GET', '/item/2', 1],
      ['*', '(other names)', 8], ['GROUP', '(other names)', 1], ['', 'Aggregated', 11],
    ]);
    const overflow = row(requests, '*', '(other names)');
    assert.deepEqual([overflow.min, overflow.max], [4, 10]);
    assert.equal(stats.retained.rows, 5);
  });

  it('counts a failed check as a failure of a request already counted', () => {
    const stats = new Stats({ clock: () => 5_000 });
    stats.record(sample({ traceId: 'abc' }));
    stats.recordCheckFailure('GET', '/a', 'check "order id returned" failed', 'abc');
    const { requests, failures, totals } = stats.summary();
    const r = row(requests, 'GET', '/a');
    assert.deepEqual([r.count, r.failures, r.statusClasses], [1, 1, { '2xx': 1 }]);
    assert.deepEqual([totals.requests, totals.failures], [1, 1]);
    assert.deepEqual(failures, [{ method: 'GET', name: '/a', error: 'check "order id returned" failed', count: 1, traceIds: ['abc'], lastAt: 5_000 }]);
  });

  it('records groups in their own GROUP rows, outside the aggregate', () => {
    const stats = new Stats({ clock: () => 7_000 });
    stats.record(sample({ durationMs: 40 }));
    stats.recordGroup('checkout', 100, false);
    stats.recordGroup('checkout', 300, true, 'HTTP 500 in /checkout/confirm');
    stats.recordGroup('browse', 50, true);
    const { requests, failures, totals, slowest } = stats.summary();
    const checkout = row(requests, 'GROUP', 'checkout');
    // p50 is the top of 100 ms's HDR bucket (100.031, within 0.1 %); p99 is clamped to the exact max.
    assert.deepEqual([checkout.count, checkout.failures, checkout.min, checkout.max, checkout.avg, checkout.p50, checkout.p99], [2, 1, 100, 300, 200, 100.031, 300]);
    assert.deepEqual(checkout.statusClasses, {});
    assert.deepEqual([totals.requests, totals.failures, totals.max], [1, 0, 40]);
    assert.deepEqual(failures.map(f => [f.method, f.name, f.error, f.count, f.lastAt]), [
      ['GROUP', 'checkout', 'HTTP 500 in /checkout/confirm', 1, 7_000], ['GROUP', 'browse', 'failed', 1, 7_000],
    ]);
    assert.deepEqual(slowest.map(s => s.durationMs), [40]);
  });

  it('keeps the slowest requests, slowest first, earlier first among equals', () => {
    const stats = new Stats({ slowestKept: 3 });
    [5, 50, 20, 70, 10, 70, 60].forEach((durationMs, i) => stats.record(sample({ durationMs, traceId: `t${i}`, startedAt: i })));
    assert.deepEqual(stats.summary().slowest, [
      { method: 'GET', name: '/a', durationMs: 70, status: 200, traceId: 't3', at: 3 },
      { method: 'GET', name: '/a', durationMs: 70, status: 200, traceId: 't5', at: 5 },
      { method: 'GET', name: '/a', durationMs: 60, status: 200, traceId: 't6', at: 6 },
    ]);
  });

  it('groups iteration errors by message and place, bounded', () => {
    const stats = new Stats({ maxFailureGroups: 2 });
    stats.recordIterationError('boom', 'shop.load.ts:10:5');
    stats.recordIterationError('boom', 'shop.load.ts:10:5');
    stats.recordIterationError('boom', 'shop.load.ts:20:1');
    stats.recordIterationError('other', 'shop.load.ts:30:1');
    stats.recordIterationError('no place');
    assert.deepEqual(stats.summary().iterationErrors, [
      { message: 'boom', where: 'shop.load.ts:10:5', count: 2 },
      { message: 'boom', where: 'shop.load.ts:20:1', count: 1 },
      { message: '(other errors)', count: 2 },
    ]);
  });

  it('rejects invalid options with the option named', () => {
    assert.throws(() => new Stats({ maxNames: 0 }), { name: 'RangeError', message: 'Stats option maxNames must be an integer ≥ 1, got 0' });
    assert.throws(() => new Stats({ timelinePoints: 1 }), { message: 'Stats option timelinePoints must be an integer ≥ 2, got 1' });
  });
});

describe('Stats intervals: current rates and the timeline', () => {
  it('computes current rps and failures/s over the last windowSeconds closed intervals', () => {
    const stats = new Stats({ windowSeconds: 10 });
    // 100 requests a second for 5 s (10 of them failing), then nothing.
    const expectedRps: Record<number, number> = { 1: 100, 5: 100, 10: 50, 14: 10, 15: 0 };
    for (let second = 1; second <= 15; second++) {
      if (second <= 5) for (let i = 0; i < 100; i++) stats.record(sample({ durationMs: i + 1, ...(i < 10 ? { error: 'HTTP 500', status: 500 } : {}) }));
      const point = stats.tick(second * 1000, 7);
      assert.deepEqual([point.t, point.rps, point.failuresPerSec, point.users], [second * 1000, second <= 5 ? 100 : 0, second <= 5 ? 10 : 0, 7]);
      if (second <= 5) assert.deepEqual([point.p50, point.p95, point.p99], [50.015, 95.039, 99.007]);
      const expected = expectedRps[second];
      if (expected !== undefined) {
        const r = row(stats.summary().requests, 'GET', '/a');
        assert.equal(r.currentRps, expected, `currentRps after ${second} s`);
        assert.equal(r.currentFailuresPerSec, expected / 10, `currentFailuresPerSec after ${second} s`);
      }
    }
  });

  it('divides by the measured time between ticks, so a late tick does not inflate rates', () => {
    const stats = new Stats({ windowSeconds: 3 });
    stats.tick(1_000, 1);
    for (let i = 0; i < 100; i++) stats.record(sample());
    const point = stats.tick(3_000, 1); // 2 s late
    assert.equal(point.rps, 50);
    // The window holds the 1 s interval (0 requests) and the 2 s one (100).
    assert.equal(row(stats.summary().requests, 'GET', '/a').currentRps, 33.333);
  });

  it('snapshot shows the last closed interval, or zeros before the first tick', () => {
    const stats = new Stats();
    const meta = { runId: 'r1', scenario: 'shopper', state: 'running' as const, startedAt: 1_000, now: 3_500, users: 4, targetUsers: 10 };
    assert.deepEqual(stats.snapshot(meta).current, { t: 3_500, rps: 0, failuresPerSec: 0, p50: 0, p95: 0, p99: 0, users: 4 });
    stats.record(sample({ durationMs: 12 }));
    stats.tick(2_000, 4);
    const snapshot = stats.snapshot(meta);
    assert.deepEqual(snapshot.current, { t: 2_000, rps: 1, failuresPerSec: 0, p50: 12, p95: 12, p99: 12, users: 4 });
    assert.deepEqual([snapshot.elapsedMs, snapshot.totals.name, snapshot.totals.count, snapshot.requests.length], [2_500, 'Aggregated', 1, 1]);
  });

  it('halves the timeline resolution when full: counts stay exact, p99 is the highest per-second p99', () => {
    const stats = new Stats({ timelinePoints: 4 });
    const lengths: number[] = [];
    for (let second = 1; second <= 9; second++) {
      for (let i = 0; i < second; i++) stats.record(sample({ durationMs: second * 10 }));
      stats.tick(second * 1000, second);
      lengths.push(stats.retained.timelinePoints);
    }
    assert.deepEqual(lengths, [1, 2, 3, 2, 3, 3, 4, 2, 3]);
    assert.deepEqual(stats.summary().timeline, [
      // seconds 1-4: 10 requests in 4 s; p50 = request-weighted mean of per-second medians (10·1+20·2+30·3+40·4)/10.
      { t: 4_000, rps: 2.5, failuresPerSec: 0, p50: 30, p95: 40, p99: 40, users: 4 },
      { t: 8_000, rps: 6.5, failuresPerSec: 0, p50: 66.923, p95: 80, p99: 80, users: 8 },
      { t: 9_000, rps: 9, failuresPerSec: 0, p50: 90, p95: 90, p99: 90, users: 9 },
    ]);
  });

  it('stays within timelinePoints for a 24 h run of one-second ticks and keeps every request', () => {
    const stats = new Stats();
    let longest = 0;
    for (let second = 1; second <= 86_400; second++) {
      stats.record(sample({ durationMs: second % 100 }));
      stats.tick(second * 1000, 1);
      longest = Math.max(longest, stats.retained.timelinePoints);
    }
    const timeline = stats.summary().timeline;
    assert.ok(longest <= 1800, `timeline grew to ${longest}`);
    assert.equal(timeline.at(-1)?.t, 86_400_000);
    // Each point covers 64 s (1 request/s) except the last, partial one.
    assert.equal(timeline[0]?.rps, 1);
    const spans = timeline.map((p, i) => p.t - (i === 0 ? 0 : timeline[i - 1]?.t ?? 0));
    assert.equal(spans.reduce((sum, span, i) => sum + (timeline[i]?.rps ?? 0) * span / 1000, 0), 86_400);
  });
});

describe('Stats encode/merge', () => {
  /** Samples over 5 s with several names, failures, connections; `second` says when each happens. */
  function workload(count: number): { sample: RequestSample; second: number }[] {
    const next = random(42);
    const names = ['/a', '/b', '/product/{id}', '/checkout', '/cart/add'];
    return Array.from({ length: count }, (_, i) => {
      const failed = next() < 0.05;
      const durationMs = Math.round(next() ** 2 * 2000 * 1000) / 1000 + 0.2;
      return {
        second: Math.floor((i / count) * 5) + 1,
        sample: sample({
          method: next() < 0.7 ? 'GET' : 'POST', name: names[Math.floor(next() * names.length)] ?? '/a',
          startedAt: 1_000 + i, durationMs, ttfbMs: durationMs / 2, newConnection: i % 50 === 0, connectMs: i % 50 === 0 ? 1 + next() : 0,
          bytes: Math.floor(next() * 5000), status: failed ? 503 : 200, traceId: `trace${i}`, ...(failed ? { error: next() < 0.5 ? 'HTTP 503' : 'timeout' } : {}),
        }),
      };
    });
  }

  /** Feeds `samples` into `stats`, ticking at each second boundary like the runner. */
  function run(stats: Stats, samples: { sample: RequestSample; second: number }[], users: number, shards: number): void {
    let second = 1;
    for (const s of samples) {
      while (s.second > second) stats.tick(second++ * 1000, users);
      stats.record(s.sample);
    }
    for (let shard = 0; shard < shards; shard++) {
      stats.recordGroup('checkout', 500, true);
      stats.recordIterationError('boom', 'x.load.ts:1:1');
    }
    while (second <= 5) stats.tick(second++ * 1000, users);
  }

  it('merging two shards equals recording every sample in one Stats', () => {
    const samples = workload(20_000);
    const whole = new Stats();
    run(whole, samples, 10, 2);
    const shardA = new Stats();
    const shardB = new Stats();
    run(shardA, samples.filter((_, i) => i % 2 === 0), 5, 1);
    run(shardB, samples.filter((_, i) => i % 2 === 1), 5, 1);
    // Through JSON, as between processes.
    const encoded = [shardA, shardB].map(s => JSON.parse(JSON.stringify(s.encode())) as EncodedStats);
    const merged = new Stats();
    for (const e of encoded) merged.merge(e);

    const expected = whole.summary();
    const actual = merged.summary();
    assert.deepEqual(actual.requests.map(r => [r.method, r.name]), expected.requests.map(r => [r.method, r.name]));
    for (const [i, e] of expected.requests.entries()) {
      const a = actual.requests[i];
      assert.ok(a);
      const what = `${e.method} ${e.name}`;
      assert.deepEqual(
        [a.count, a.failures, a.connects, a.min, a.max, a.statusClasses, a.currentRps, a.currentFailuresPerSec],
        [e.count, e.failures, e.connects, e.min, e.max, e.statusClasses, e.currentRps, e.currentFailuresPerSec], what);
      for (const key of ['avg', 'avgSize', 'ttfbAvg', 'connectAvg'] as const) assertWithin(a[key], e[key], 1e-9, `${what} ${key}`);
      for (const key of ['p50', 'p90', 'p95', 'p99'] as const) assertWithin(a[key], e[key], 0.001, `${what} ${key}`);
    }
    // Sums of floats added in another order differ in the last bits: averages are compared within 1e-9.
    assert.deepEqual({ ...actual.totals, avg: 0 }, { ...expected.totals, avg: 0 });
    assertWithin(actual.totals.avg, expected.totals.avg, 1e-9, 'totals avg');
    assert.deepEqual(actual.failures.map(f => [f.method, f.name, f.error, f.count]), expected.failures.map(f => [f.method, f.name, f.error, f.count]));
    assert.deepEqual(actual.slowest, expected.slowest);
    assert.deepEqual(actual.iterationErrors, [{ message: 'boom', where: 'x.load.ts:1:1', count: 2 }]);
    assert.deepEqual(actual.timeline.map(p => [p.t, p.rps, p.failuresPerSec, p.users]), expected.timeline.map(p => [p.t, p.rps, p.failuresPerSec, p.users]));
    for (const [i, e] of expected.timeline.entries()) {
      // A merged point's p99 is the higher shard p99: an upper bound, close to the pooled value.
      const p99 = actual.timeline[i]?.p99 ?? 0;
      assert.ok(p99 >= e.p99 && p99 <= e.p99 * 1.05, `second ${i + 1}: merged p99 ${p99}, whole ${e.p99}`);
    }
  });

  it('applies the name cap when merging', () => {
    const shards = [0, 1].map(shard => {
      const stats = new Stats();
      for (let i = 0; i < 4; i++) stats.record(sample({ name: `/s${shard}/n${i}` }));
      return stats.encode();
    });
    const merged = new Stats({ maxNames: 5 });
    for (const shard of shards) merged.merge(shard);
    assert.deepEqual(merged.summary().requests.map(r => [r.name, r.count]), [
      ['/s0/n0', 1], ['/s0/n1', 1], ['/s0/n2', 1], ['/s0/n3', 1], ['/s1/n0', 1], ['(other names)', 3], ['Aggregated', 8],
    ]);
  });

  it('refuses an unknown encoding', () => {
    const encoded = { ...new Stats().encode(), format: 'loadlens.stats/0' } as unknown as EncodedStats;
    assert.throws(() => new Stats().merge(encoded), { message: "cannot merge stats of format 'loadlens.stats/0', expected 'loadlens.stats/1'" });
  });
});

describe('Stats memory is flat in run length', () => {
  it('1,000,000 requests over 5,000 names and 1,000 error kinds keep every structure within its bound', () => {
    const stats = new Stats({ maxNames: 50, timelinePoints: 100, maxFailureGroups: 20, failureExamples: 3, slowestKept: 5 });
    const probe = sample();
    for (let i = 0; i < 1_000_000; i++) {
      probe.name = `/n${i % 5_000}`;
      probe.durationMs = (i % 997) + 0.5;
      probe.startedAt = i;
      if (i % 10 === 0) {
        probe.error = `E${(i / 10) % 1000}`;
        probe.traceId = `t${i}`;
      } else {
        probe.error = undefined;
      }
      stats.record(probe);
      if (i % 100 === 0) stats.recordIterationError(`boom ${i}`, 'x.load.ts:1:1');
      if (i % 1000 === 999) stats.tick(i, 1);
    }
    assert.deepEqual(stats.retained, { rows: 51, failureGroups: 21, iterationErrorGroups: 21, timelinePoints: stats.retained.timelinePoints });
    assert.ok(stats.retained.timelinePoints <= 100);
    const summary = stats.summary();
    assert.equal(summary.totals.requests, 1_000_000);
    assert.equal(summary.totals.failures, 100_000);
    assert.equal(summary.requests.length, 52);
    assert.equal(row(summary.requests, '*', '(other names)').count, 1_000_000 - 50 * 200);
    assert.equal(summary.failures.reduce((sum, f) => sum + f.count, 0), 100_000);
    assert.ok(summary.failures.every(f => f.traceIds.length <= 3));
    assert.equal(summary.slowest.length, 5);
    assert.ok(summary.timeline.length <= 100);
  });
});
