import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateThresholds, parseThresholds } from '../../src/engine/stats/index.ts';
import type { ParsedThreshold, ThresholdInput } from '../../src/engine/stats/index.ts';
import type { RunReport } from '../../src/shared/report.ts';
import { formatThresholdActual } from '../../src/shared/stats-table.ts';
import { formatSummary } from '../../src/engine/outputs/terminal.ts';
import { renderHtmlReport } from '../../src/engine/outputs/report-html.ts';
import type { RequestRow } from '../../src/shared/report.ts';

const METRICS = 'p50, p90, p95, p99, avg, min, max, errorRate, rps, requests, failures';
const FILTERS = '{name:NAME}, {method:METHOD}, {span:SPAN}, {service:SERVICE} or several of them comma-separated, e.g. {method:GET,name:/checkout}';
const UNREADABLE = "write a comparator (<, <=, >, >=, ==) then a non-negative number and a unit (ms, s, %), e.g. '< 300ms'";

describe('parseThresholds accepts', () => {
  const cases: { key: string; value: string; expected: Omit<ParsedThreshold, 'key'> }[] = [
    { key: 'p95', value: '< 300ms', expected: { metric: 'p95', comparator: '<', value: 300, unit: 'ms', expression: 'p95 < 300ms' } },
    { key: 'p99', value: '<=1.5s', expected: { metric: 'p99', comparator: '<=', value: 1.5, unit: 's', expression: 'p99 <= 1.5s' } },
    { key: 'avg', value: ' < 200 ', expected: { metric: 'avg', comparator: '<', value: 200, unit: 'ms', expression: 'avg < 200ms' } },
    { key: 'errorRate', value: '<1%', expected: { metric: 'errorRate', comparator: '<', value: 1, unit: '%', expression: 'errorRate < 1%' } },
    { key: 'errorRate', value: '== 0', expected: { metric: 'errorRate', comparator: '==', value: 0, unit: '%', expression: 'errorRate == 0%' } },
    { key: 'rps', value: '>= 100', expected: { metric: 'rps', comparator: '>=', value: 100, unit: '', expression: 'rps >= 100' } },
    { key: 'requests', value: '> 0', expected: { metric: 'requests', comparator: '>', value: 0, unit: '', expression: 'requests > 0' } },
    {
      key: 'p99{name:/checkout}', value: '< 1s',
      expected: { metric: 'p99', filter: { name: '/checkout' }, comparator: '<', value: 1, unit: 's', expression: 'p99{name:/checkout} < 1s' },
    },
    {
      key: 'p95{method:get,name:/product/{id}}', value: '< 250ms',
      expected: { metric: 'p95', filter: { method: 'GET', name: '/product/{id}' }, comparator: '<', value: 250, unit: 'ms', expression: 'p95{method:GET,name:/product/{id}} < 250ms' },
    },
    {
      key: 'max{name:/search?q=a,b,method:POST}', value: '< 2s',
      expected: { metric: 'max', filter: { method: 'POST', name: '/search?q=a,b' }, comparator: '<', value: 2, unit: 's', expression: 'max{method:POST,name:/search?q=a,b} < 2s' },
    },
    {
      key: 'failures {method: GROUP, name: checkout }', value: '== 0',
      expected: { metric: 'failures', filter: { method: 'GROUP', name: 'checkout' }, comparator: '==', value: 0, unit: '', expression: 'failures{method:GROUP,name:checkout} == 0' },
    },
    {
      key: 'errorRate{method:POST}', value: '< 5',
      expected: { metric: 'errorRate', filter: { method: 'POST' }, comparator: '<', value: 5, unit: '%', expression: 'errorRate{method:POST} < 5%' },
    },
  ];
  for (const c of cases) {
    it(`${c.key}: '${c.value}'`, () => {
      assert.deepEqual(parseThresholds({ [c.key]: c.value }), { thresholds: [{ key: c.key, ...c.expected }], errors: [] });
    });
  }
});

describe('parseThresholds rejects, naming the key, the problem and what is accepted', () => {
  const cases: { key: string; value: unknown; error: string }[] = [
    { key: 'p97', value: '< 1ms', error: `threshold 'p97': unknown metric 'p97'; use one of ${METRICS}, optionally with a filter such as p95{name:/checkout}` },
    { key: 'p95x{name:/a}', value: '< 1ms', error: `threshold 'p95x{name:/a}': unknown metric 'p95x'; use one of ${METRICS}, optionally with a filter such as p95{name:/checkout}` },
    { key: '', value: '< 1ms', error: `threshold '': unknown metric ''; use one of ${METRICS}, optionally with a filter such as p95{name:/checkout}` },
    { key: 'p95{foo:bar}', value: '< 1ms', error: `threshold 'p95{foo:bar}': cannot read the filter '{foo:bar}'; write ${FILTERS}` },
    { key: 'p95{name:}', value: '< 1ms', error: `threshold 'p95{name:}': cannot read the filter '{name:}'; write ${FILTERS}` },
    { key: 'p95{name:/a} extra', value: '< 1ms', error: `threshold 'p95{name:/a} extra': cannot read the filter '{name:/a} extra'; write ${FILTERS}` },
    { key: 'avg', value: '300ms', error: "threshold 'avg': '300ms' has no comparator; start it with <, <=, >, >= or ==, e.g. '< 300ms'" },
    { key: 'min', value: '< fast', error: `threshold 'min': cannot read '< fast'; ${UNREADABLE}` },
    { key: 'p90', value: '< -5ms', error: `threshold 'p90': cannot read '< -5ms'; ${UNREADABLE}` },
    { key: 'p99', value: '= 3', error: `threshold 'p99': cannot read '= 3'; ${UNREADABLE}` },
    { key: 'p95', value: '< 1%', error: "threshold 'p95': unit '%' does not fit p95; use ms or s (no unit means ms), e.g. '< 300ms'" },
    { key: 'errorRate{name:/a}', value: '< 2ms', error: "threshold 'errorRate{name:/a}': unit 'ms' does not fit errorRate; use % (no unit means %), e.g. '< 1%'" },
    { key: 'failures', value: '< 5%', error: "threshold 'failures': unit '%' does not fit failures; write a plain number, e.g. '>= 100'" },
    { key: 'rps', value: '> 10s', error: "threshold 'rps': unit 's' does not fit rps; write a plain number, e.g. '>= 100'" },
    { key: 'p50', value: 300, error: "threshold 'p50': the value must be a string such as '< 300ms', got number" },
  ];
  for (const c of cases) {
    it(`${c.key || "''"}: ${JSON.stringify(c.value)}`, () => {
      assert.deepEqual(parseThresholds({ [c.key]: c.value }), { thresholds: [], errors: [c.error] });
    });
  }

  it('reports every error at once and still parses the valid thresholds', () => {
    const result = parseThresholds({ p95: '< 300ms', p97: '< 1', errorRate: '< 1ms', rps: '>= 10' });
    assert.deepEqual(result.thresholds.map(t => t.expression), ['p95 < 300ms', 'rps >= 10']);
    assert.deepEqual(result.errors, [
      `threshold 'p97': unknown metric 'p97'; use one of ${METRICS}, optionally with a filter such as p95{name:/checkout}`,
      "threshold 'errorRate': unit 'ms' does not fit errorRate; use % (no unit means %), e.g. '< 1%'",
    ]);
  });

  it('accepts no thresholds at all', () => {
    assert.deepEqual(parseThresholds(undefined), { thresholds: [], errors: [] });
  });
});

function requestRow(method: string, name: string, numbers: Partial<RequestRow>): RequestRow {
  return {
    method, name, count: 0, failures: 0, p50: 0, p90: 0, p95: 0, p99: 0, avg: 0, min: 0, max: 0, avgSize: 0, ttfbAvg: 0,
    connectAvg: 0, connects: 0, currentRps: 0, currentFailuresPerSec: 0, statusClasses: {}, ...numbers,
  };
}

/** A 100 s run: 1000 requests, 20 failed. */
const SUMMARY: ThresholdInput = {
  totals: { requests: 1000, failures: 20, rps: 10, p50: 120, p90: 250, p95: 280, p99: 900, avg: 150, min: 2, max: 1500 },
  requests: [
    requestRow('GET', '/checkout', { count: 100, failures: 5, p50: 300, p90: 450, p95: 500, p99: 800, avg: 320, min: 50, max: 900 }),
    requestRow('POST', '/checkout', { count: 300, failures: 15, p50: 200, p90: 600, p95: 700, p99: 1400, avg: 220, min: 40, max: 1500 }),
    requestRow('GET', '/product/{id}', { count: 600, p50: 80, p90: 150, p95: 180, p99: 260, avg: 90, min: 2, max: 400 }),
    requestRow('GROUP', 'checkout', { count: 100, failures: 20, p95: 2500, avg: 2000, min: 800, max: 4000 }),
    requestRow('', 'Aggregated', { count: 1000, failures: 20, p95: 280 }),
  ],
};

describe('evaluateThresholds', () => {
  const cases: { key: string; value: string; ok: boolean; actual: number; expression?: string }[] = [
    { key: 'p95', value: '< 300ms', ok: true, actual: 280 },
    { key: 'p95', value: '< 0.25s', ok: false, actual: 0.28 },
    { key: 'p99', value: '<= 900', ok: true, actual: 900 },
    { key: 'avg', value: '== 150ms', ok: true, actual: 150 },
    { key: 'min', value: '>= 2ms', ok: true, actual: 2 },
    { key: 'max', value: '< 1s', ok: false, actual: 1.5 },
    { key: 'errorRate', value: '< 1%', ok: false, actual: 2 },
    { key: 'errorRate', value: '<= 2', ok: true, actual: 2 },
    { key: 'rps', value: '>= 10', ok: true, actual: 10 },
    { key: 'requests', value: '> 1000', ok: false, actual: 1000 },
    { key: 'failures', value: '< 50', ok: true, actual: 20 },
    { key: 'p95{method:GET,name:/checkout}', value: '< 600ms', ok: true, actual: 500 },
    { key: 'errorRate{method:GET,name:/checkout}', value: '< 5%', ok: false, actual: 5 },
    { key: 'rps{method:GET,name:/product/{id}}', value: '>= 6', ok: true, actual: 6 },
    // Both methods of /checkout: counts add up, p95 is the higher row's, avg is count-weighted, min the lower.
    { key: 'p95{name:/checkout}', value: '< 600ms', ok: false, actual: 700 },
    { key: 'requests{name:/checkout}', value: '== 400', ok: true, actual: 400 },
    { key: 'errorRate{name:/checkout}', value: '== 5%', ok: true, actual: 5 },
    { key: 'avg{name:/checkout}', value: '< 250ms', ok: true, actual: 245 },
    { key: 'min{name:/checkout}', value: '>= 40', ok: true, actual: 40 },
    { key: 'requests{method:get}', value: '== 700', ok: true, actual: 700 },
    { key: 'p95{method:GROUP,name:checkout}', value: '< 3s', ok: true, actual: 2.5 },
    {
      key: 'p95{name:/nope}', value: '< 300ms', ok: false, actual: 0,
      expression: "p95{name:/nope} < 300ms (no request row matches name '/nope')",
    },
    {
      key: 'p95{method:DELETE,name:/checkout}', value: '< 300ms', ok: false, actual: 0,
      expression: "p95{method:DELETE,name:/checkout} < 300ms (no request row matches method DELETE, name '/checkout')",
    },
    {
      key: 'requests{name:Aggregated}', value: '> 0', ok: false, actual: 0,
      expression: "requests{name:Aggregated} > 0 (no request row matches name 'Aggregated')",
    },
  ];
  for (const c of cases) {
    it(`${c.key} ${c.value} → ${c.ok ? 'ok' : 'breached'} (${c.actual})`, () => {
      const { thresholds, errors } = parseThresholds({ [c.key]: c.value });
      assert.deepEqual(errors, []);
      const [result] = evaluateThresholds(thresholds, SUMMARY);
      const filter = thresholds[0]?.filter;
      // Each result names the key as written and the rows its filter reads.
      assert.deepEqual(result, { expression: c.expression ?? thresholds[0]?.expression, ok: c.ok, metric: thresholds[0]?.metric, unit: thresholds[0]?.unit, actual: c.actual, key: c.key, ...(filter ? { filter } : {}) });
    });
  }

  it('fails a rate or latency threshold over no requests, saying "no data"; counts read as zeros', () => {
    // issue 11: a target that never answered made `errorRate < 1%, p95 < 500ms` pass on 0 requests.
    const empty: ThresholdInput = { totals: { requests: 0, failures: 0, rps: 0, p50: 0, p90: 0, p95: 0, p99: 0, avg: 0, min: 0, max: 0 }, requests: [] };
    const { thresholds } = parseThresholds({ errorRate: '< 1%', p95: '< 500ms', requests: '> 0', failures: '== 0', rps: '>= 0' });
    assert.deepEqual(evaluateThresholds(thresholds, empty), [
      { expression: 'errorRate < 1% (no data: no request completed)', ok: false, metric: 'errorRate', unit: '%', actual: 0, key: 'errorRate' },
      { expression: 'p95 < 500ms (no data: no request completed)', ok: false, metric: 'p95', unit: 'ms', actual: 0, key: 'p95' },
      { expression: 'requests > 0', ok: false, metric: 'requests', unit: '', actual: 0, key: 'requests' },
      { expression: 'failures == 0', ok: true, metric: 'failures', unit: '', actual: 0, key: 'failures' },
      { expression: 'rps >= 0 (no data: no request completed)', ok: false, metric: 'rps', unit: '', actual: 0, key: 'rps' },
    ]);
  });
});

describe('threshold results read in their own unit (issue 9)', () => {
  // Evaluated, never hand-written: the unit and the actual come from evaluateThresholds, and the text
  // from the one formatter the terminal, the HTML report and the editor's Problems share.
  const cases: Array<{ key: string; value: string; p99: number; unit: string; actual: number; reads: string }> = [
    { key: 'p99', value: '< 1s', p99: 1210, unit: 's', actual: 1.21, reads: '1.21 s' },
    { key: 'p99', value: '< 1500ms', p99: 1210, unit: 'ms', actual: 1210, reads: '1210 ms' },
    { key: 'p99', value: '< 300', p99: 186.4, unit: 'ms', actual: 186.4, reads: '186 ms' },
    { key: 'p99', value: '< 2s', p99: 12.5, unit: 's', actual: 0.013, reads: '0.013 s' },
    { key: 'errorRate', value: '< 1%', p99: 0, unit: '%', actual: 2, reads: '2%' },
    { key: 'rps', value: '>= 5', p99: 0, unit: '', actual: 10, reads: '10' },
  ];
  for (const c of cases) {
    it(`${c.key} ${c.value} with p99 ${c.p99} ms prints 'actual ${c.reads}' in the terminal and the HTML report`, () => {
      const { thresholds } = parseThresholds({ [c.key]: c.value });
      const results = evaluateThresholds(thresholds, { ...SUMMARY, totals: { ...SUMMARY.totals, p99: c.p99 } });
      assert.deepEqual(results.map(r => [r.metric, r.unit, r.actual]), [[c.key, c.unit, c.actual]]);
      assert.equal(formatThresholdActual(results[0]!), c.reads);
      const report: RunReport = { ...emptyReport, thresholds: results };
      assert.match(formatSummary(report, { width: 160 }), new RegExp(`${escape(thresholds[0]!.expression)}\\s+actual ${escape(c.reads)}\\n`));
      assert.match(renderHtmlReport(report), new RegExp(`<code>${escape(thresholds[0]!.expression.replace('<', '&lt;').replace('>', '&gt;'))}</code></td><td class="num">${escape(c.reads)}</td>`));
    });
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const emptyReport: RunReport = {
  header: { runId: 'r', scenario: 's', file: 'f.load.ts', startedAt: Date.parse('2026-01-01T00:00:00.000Z'), targetUsers: 1, runTimeMs: 10_000, host: '', otel: false },
  endedAt: '2026-01-01T00:00:10.000Z', durationMs: 10_000,
  totals: { requests: 0, failures: 0, rps: 0, p50: 0, p90: 0, p95: 0, p99: 0, avg: 0, min: 0, max: 0 },
  requests: [], failures: [], slowest: [], iterationErrors: [], thresholds: [], timeline: [], stopReason: 'run-time',
};
