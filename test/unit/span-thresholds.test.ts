// Thresholds on the application's spans (issue 16): `p95{span:db.query SELECT stock}`,
// `p95{service:inventory}`, combined with `name:`; parsed with clear errors, evaluated over the
// durations a real BreakdownAggregator kept of the spans it received.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThresholds, parseThresholds, spanFilterOf } from '../../src/engine/stats/index.ts';
import type { ParsedThreshold, ThresholdInput } from '../../src/engine/stats/index.ts';
import { BreakdownAggregator } from '../../src/shared/breakdown/index.ts';
import { request, slowdb, span } from '../support/breakdown-spans.ts';

describe('span thresholds: parsing', () => {
  const accepted: { key: string; value: string; expected: Omit<ParsedThreshold, 'key'> }[] = [
    {
      key: 'p95{span:db.query SELECT stock}', value: '< 50ms',
      expected: { metric: 'p95', filter: { span: 'db.query SELECT stock' }, comparator: '<', value: 50, unit: 'ms', expression: 'p95{span:db.query SELECT stock} < 50ms' },
    },
    {
      key: 'p99{service:inventory}', value: '< 1s',
      expected: { metric: 'p99', filter: { service: 'inventory' }, comparator: '<', value: 1, unit: 's', expression: 'p99{service:inventory} < 1s' },
    },
    {
      // Any order, spaces around keys; the canonical text puts method, name, service, span.
      key: 'max{span: SELECT a, b FROM t , service:db, name:/checkout,method:post}', value: '<= 200',
      expected: {
        metric: 'max', filter: { span: 'SELECT a, b FROM t', service: 'db', name: '/checkout', method: 'POST' }, comparator: '<=', value: 200, unit: 'ms',
        expression: 'max{method:POST,name:/checkout,service:db,span:SELECT a, b FROM t} <= 200ms',
      },
    },
  ];
  for (const c of accepted) {
    it(`accepts ${c.key}`, () => {
      assert.deepEqual(parseThresholds({ [c.key]: c.value }), { thresholds: [{ key: c.key, ...c.expected }], errors: [] });
    });
  }

  const rejected: { key: string; value: string; error: string }[] = [
    {
      key: 'errorRate{span:db.query}', value: '< 1%',
      error: "threshold 'errorRate{span:db.query}': errorRate cannot read spans: a span or service filter takes a latency metric (p50, p90, p95, p99, avg, min or max), e.g. p95{span:db.query}",
    },
    {
      key: 'requests{service:inventory}', value: '> 0',
      error: "threshold 'requests{service:inventory}': requests cannot read spans: a span or service filter takes a latency metric (p50, p90, p95, p99, avg, min or max), e.g. p95{span:db.query}",
    },
    { key: 'p95{span:a,span:b}', value: '< 1ms', error: "threshold 'p95{span:a,span:b}': 'span:' is given twice in the filter '{span:a,span:b}'" },
    {
      key: 'p95{span:}', value: '< 1ms',
      error: "threshold 'p95{span:}': cannot read the filter '{span:}'; write {name:NAME}, {method:METHOD}, {span:SPAN}, {service:SERVICE} or several of them comma-separated, e.g. {method:GET,name:/checkout}",
    },
  ];
  for (const c of rejected) {
    it(`rejects ${c.key}`, () => {
      assert.deepEqual(parseThresholds({ [c.key]: c.value }), { thresholds: [], errors: [c.error] });
    });
  }

  it('spanFilterOf: only thresholds with span: or service: read spans', () => {
    const { thresholds } = parseThresholds({ 'p95{name:/a}': '< 1', 'p95{service:shop,name:/a}': '< 1' });
    assert.deepEqual(thresholds.map(spanFilterOf), [undefined, { service: 'shop', name: '/a' }]);
  });
});

describe('span thresholds: evaluated over received spans', () => {
  // 100 requests of GET /slowdb whose database query takes 1…100 ms (its SERVER span 6 ms more),
  // and one GET /other served by the inventory in 1 ms.
  const aggregator = new BreakdownAggregator();
  for (let i = 1; i <= 100; i++) aggregator.add(slowdb(i, i), 0);
  const other = 'a'.repeat(32);
  aggregator.add([request('o', '/other', 0, 3, { trace: other }), span({ id: 'os', parent: 'o', kind: 'SERVER', service: 'inventory', name: 'GET /x', start: 1, end: 2, trace: other })], 0);
  aggregator.flush();
  const spans = (filter: Parameters<BreakdownAggregator['spanDurations']>[0]) => aggregator.spanDurations(filter);
  const summary: ThresholdInput = { totals: { requests: 101, failures: 0, rps: 10, p50: 1, p90: 1, p95: 1, p99: 1, avg: 1, min: 1, max: 1 }, requests: [] };

  const cases: { key: string; value: string; ok: boolean; low: number; expression?: string }[] = [
    // HDR keeps 2 significant digits: each actual is at most 1 % above the exact value `low`.
    { key: 'p95{span:db.query SELECT stock}', value: '< 50ms', ok: false, low: 95 },
    { key: 'p95{span:db.query SELECT stock}', value: '< 0.1s', ok: true, low: 0.095 },
    { key: 'p50{service:shop}', value: '< 100', ok: true, low: 56 },
    { key: 'max{service:inventory}', value: '< 2', ok: true, low: 1 },
    { key: 'min{service:shop,name:/slowdb,method:GET}', value: '>= 7', ok: true, low: 7 },
    {
      key: 'p95{service:shop,name:/other}', value: '< 5ms', ok: false, low: 0,
      expression: "p95{name:/other,service:shop} < 5ms (no data: no received span matches service 'shop' (its SERVER spans), name '/other')",
    },
    {
      key: 'p99{span:db.query SELECT price}', value: '< 5ms', ok: false, low: 0,
      expression: "p99{span:db.query SELECT price} < 5ms (no data: no received span matches span 'db.query SELECT price')",
    },
  ];
  for (const c of cases) {
    it(`${c.key} ${c.value} → ${c.ok ? 'ok' : 'breached'}`, () => {
      const { thresholds, errors } = parseThresholds({ [c.key]: c.value });
      assert.deepEqual(errors, []);
      const [result] = evaluateThresholds(thresholds, summary, spans);
      assert.equal(result!.ok, c.ok);
      assert.equal(result!.expression, c.expression ?? thresholds[0]!.expression);
      assert.ok(result!.actual >= c.low && result!.actual <= c.low * 1.01 + 0.001, `actual ${result!.actual} near ${c.low}`);
    });
  }

  it('without a receiver a span threshold fails with "no data", saying why; row thresholds are unaffected', () => {
    const { thresholds } = parseThresholds({ 'p95{span:db.query}': '< 5ms', requests: '> 100' });
    assert.deepEqual(evaluateThresholds(thresholds, summary), [
      {
        expression: "p95{span:db.query} < 5ms (no data: no spans were received: run with --receiver (or in the editor) and point the application's OTLP exporter at it)",
        ok: false, metric: 'p95', unit: 'ms', actual: 0, key: 'p95{span:db.query}', filter: { span: 'db.query' },
      },
      { expression: 'requests > 100', ok: true, metric: 'requests', unit: '', actual: 101, key: 'requests' },
    ]);
  });
});
