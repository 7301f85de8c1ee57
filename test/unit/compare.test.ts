// The regression rule (a relative AND an absolute margin), row matching, --max-regression parsing and
// report validation, as tables of cases; the CLI itself is tested against real runs in compare-cli.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareRuns, comparableReports, DEFAULT_LIMITS, judge, LimitsError, parseRegressionLimits, parseRunReport, ReportFileError,
  type Margin, type Verdict,
} from '../../src/shared/compare.ts';
import { formatChange } from '../../src/shared/compare-format.ts';
import { formatComparison } from '../../src/engine/outputs/compare-table.ts';
import type { RequestRow, RunReport } from '../../src/shared/report.ts';
import { shopReport } from '../fixtures/snapshots/shop-run.ts';

describe('judge: a change is a regression only beyond the relative AND the absolute margin', () => {
  const latency: Margin = { relative: 0.1, absolute: 5 };
  const errors: Margin = { relative: 0.1, absolute: 0.5 };
  const rps: Margin = { relative: 0.1, absolute: 1 };
  const cases: Array<[string, number, number, Margin, boolean, Verdict]> = [
    ['p95 5 → 60 ms: +1100 %, +55 ms', 5, 60, latency, true, 'regression'],
    ['p95 2.1 → 2.6 ms: +24 % but 0.5 ms (noise)', 2.1, 2.6, latency, true, 'unchanged'],
    ['p95 800 → 806 ms: 6 ms but 0.75 % (noise)', 800, 806, latency, true, 'unchanged'],
    ['p95 50 → 55 ms: exactly 10 % and 5 ms: not beyond', 50, 55, latency, true, 'unchanged'],
    ['p95 50 → 55.1 ms: just beyond both', 50, 55.1, latency, true, 'regression'],
    ['p95 60 → 5 ms: an improvement', 60, 5, latency, true, 'improvement'],
    ['p95 0 → 6 ms: any relative change from 0', 0, 6, latency, true, 'regression'],
    ['p95 0 → 4 ms: below the absolute margin', 0, 4, latency, true, 'unchanged'],
    ['error rate 0 → 0.4 %: below 0.5 pp', 0, 0.4, errors, true, 'unchanged'],
    ['error rate 0 → 0.6 %', 0, 0.6, errors, true, 'regression'],
    ['error rate 10 → 10.6 %: +0.6 pp but +6 %', 10, 10.6, errors, true, 'unchanged'],
    ['error rate 10 → 11.5 %: +1.5 pp and +15 %', 10, 11.5, errors, true, 'regression'],
    ['RPS 200 → 150: a drop of 25 %, 50/s', 200, 150, rps, false, 'regression'],
    ['RPS 5 → 4.2: −16 % but 0.8/s (noise)', 5, 4.2, rps, false, 'unchanged'],
    ['RPS 100 → 150: more is better', 100, 150, rps, false, 'improvement'],
    ['same value', 42, 42, latency, true, 'unchanged'],
  ];
  for (const [name, base, next, margin, higherIsWorse, expected] of cases) {
    test(name, () => assert.equal(judge(base, next, margin, higherIsWorse), expected));
  }
});

const row = (method: string, name: string, over: Partial<RequestRow>): RequestRow => ({
  method, name, count: 100, failures: 0, p50: 10, p90: 18, p95: 20, p99: 30, avg: 12, min: 1, max: 50, avgSize: 10, ttfbAvg: 9,
  connectAvg: 1, connects: 1, currentRps: 10, currentFailuresPerSec: 0, statusClasses: { '2xx': 100 }, ...over,
});
const report = (runId: string, requests: RequestRow[], durationMs = 10_000): RunReport => ({
  ...shopReport, header: { ...shopReport.header, runId, scenario: 'shopper' }, durationMs, requests,
});

describe('compareRuns', () => {
  test('matches rows by method and name, computes the deltas and names the regressions', () => {
    const base = report('base', [
      row('GET', '/product', {}),
      row('POST', '/cart', { count: 200, failures: 0 }),
      row('GET', '/gone', {}),
      row('', 'Aggregated', { count: 400 }),
    ]);
    const next = report('next', [
      row('POST', '/cart', { count: 200, failures: 4, p95: 21 }),
      row('GET', '/product', { p50: 40, p95: 60, p99: 90, count: 50 }),
      row('GET', '/new', {}),
      row('', 'Aggregated', { count: 350 }),
    ]);
    const c = compareRuns(base, next);
    assert.deepEqual(c.rows.map(r => [r.method, r.name, r.presence]), [
      ['POST', '/cart', 'both'], ['GET', '/product', 'both'], ['GET', '/new', 'next-only'], ['GET', '/gone', 'base-only'], ['', 'Aggregated', 'both'],
    ]);
    const product = c.rows[1]!;
    assert.deepEqual(product.deltas.map(d => [d.metric, d.base, d.next, d.verdict]), [
      ['p50', 10, 40, 'regression'], ['p95', 20, 60, 'regression'], ['p99', 30, 90, 'regression'],
      ['rps', 10, 5, 'regression'], ['errorRate', 0, 0, 'unchanged'],
    ]);
    // 4 of 200 failed: 2 % against 0 %, and p95 +1 ms (+5 %) is noise.
    const cart = c.rows[0]!;
    assert.deepEqual(cart.deltas.map(d => [d.metric, d.verdict]), [['p50', 'unchanged'], ['p95', 'unchanged'], ['p99', 'unchanged'], ['rps', 'unchanged'], ['errorRate', 'regression']]);
    assert.equal(cart.deltas[4]!.next, 2);
    assert.deepEqual(c.regressions, ['POST /cart Error rate', 'GET /product p50', 'GET /product p95', 'GET /product p99', 'GET /product RPS', 'Aggregated RPS']);
  });

  test('a run compared with itself has no regression and no change', () => {
    const c = compareRuns(shopReport, shopReport);
    assert.deepEqual(c.regressions, []);
    assert.equal(c.rows.length, shopReport.requests.length);
    assert.ok(c.rows.every(r => r.deltas.every(d => d.delta === 0 && d.verdict === 'unchanged')));
  });

  test('the table says which metric regressed, with base, new and change', () => {
    const base = report('base', [row('GET', '/product', { p95: 6.2 })]);
    const next = report('next', [row('GET', '/product', { p95: 61.4 })]);
    const text = formatComparison(compareRuns(base, next), 200);
    const p95 = text.split('\n').find(l => /\bp95\b/.test(l))!;
    assert.match(p95, /6\.2 ms\s+61\.4 ms\s+\+55\.2 ms \(\+890%\)\s+REGRESSION$/);
    assert.match(text, /1 regression: GET \/product p95$/);
    assert.equal(formatChange({ metric: 'errorRate', base: 1, next: 0.25, delta: -0.75, relative: -0.75, verdict: 'improvement' }), '−0.75 pp (−75.0%)');
  });
});

describe('parseRegressionLimits', () => {
  test('sets the margin the unit names and keeps the others', () => {
    const limits = parseRegressionLimits('p95=20%,p95=12ms, errorRate=1pp,rps=5/s,p99=1.5s');
    assert.deepEqual(limits.p95, { relative: 0.2, absolute: 12 });
    assert.deepEqual(limits.errorRate, { relative: 0.1, absolute: 1 });
    assert.deepEqual(limits.rps, { relative: 0.1, absolute: 5 });
    assert.deepEqual(limits.p99, { relative: 0.1, absolute: 1500 });
    assert.deepEqual(limits.p50, DEFAULT_LIMITS.p50);
    assert.deepEqual(parseRegressionLimits(''), DEFAULT_LIMITS);
  });
  const bad: Array<[string, RegExp]> = [
    ['p95', /'p95': expected METRIC=VALUE with a unit/],
    ['p95=10', /'p95=10': expected METRIC=VALUE with a unit/],
    ['p97=10%', /unknown metric 'p97' \(one of p50, p95, p99, rps, errorRate\)/],
    ['errorRate=2ms', /errorRate takes % \(relative\) or pp \(percentage points\) \(absolute\), not 'ms'/],
    ['p95=1pp', /p95 takes % \(relative\) or ms or s \(absolute\), not 'pp'/],
  ];
  for (const [text, message] of bad) test(`rejects '${text}'`, () => assert.throws(() => parseRegressionLimits(text), (e: Error) => e instanceof LimitsError && message.test(e.message)));
});

describe('parseRunReport', () => {
  const good = JSON.stringify(shopReport);
  const cases: Array<[string, string, RegExp]> = [
    ['truncated', good.slice(0, good.length / 2), /^runs\/a\.json: not valid JSON \(.*; is it truncated\?\)$/],
    ['empty', '', /^runs\/a\.json: not valid JSON \(it is empty\)$/],
    ['another JSON file', '{"name":"loadlens","version":"0.1.0"}', /^runs\/a\.json: not a Loadlens run report \('runId' is missing or not a string\)$/],
    ['a list', '[1,2]', /not a Loadlens run report \(expected a JSON object\)/],
    ['a bad row', JSON.stringify({ ...shopReport, requests: [{ method: 'GET' }] }), /requests\[0\] lacks method, name, count/],
  ];
  for (const [name, text, message] of cases) {
    test(`rejects ${name}, naming the file`, () => assert.throws(() => parseRunReport(text, 'runs/a.json'), (e: Error) => e instanceof ReportFileError && message.test(e.message)));
  }
  test('accepts the output of loadlens run --json: its last line is the report', () => {
    const stream = [JSON.stringify({ type: 'snapshot', snapshot: { runId: shopReport.header.runId } }), JSON.stringify({ type: 'report', report: shopReport }), ''].join('\n');
    assert.equal(parseRunReport(stream, 'ci.log').header.runId, shopReport.header.runId);
    assert.deepEqual(parseRunReport(JSON.stringify({ type: 'report', report: shopReport }), 'line.json').totals, shopReport.totals);
    // Cut before the report: the last line is a snapshot, and the message is about the file as a whole.
    assert.throws(() => parseRunReport(stream.split('\n')[0]! + '\n{"type":"snapsh', 'ci.log'), (e: Error) => e instanceof ReportFileError && /^ci\.log: not valid JSON/.test(e.message));
  });
  test('reads a report saved before RunReport.header: its header is made from its top-level fields', () => {
    const { header, ...rest } = shopReport;
    const legacy = { ...rest, runId: header.runId, scenario: header.scenario, file: header.file, startedAt: new Date(header.startedAt).toISOString(), shard: { index: 1, count: 3 } };
    const read = parseRunReport(JSON.stringify(legacy), 'runs/old.json');
    assert.deepEqual(read.header, {
      runId: header.runId, scenario: 'shopper', file: 'examples/shop.load.ts', startedAt: header.startedAt,
      // Never recorded by an old report: its peak users, its duration and no host, as a past run was shown.
      targetUsers: Math.max(...shopReport.timeline.map(p => p.users)), runTimeMs: 60_000, host: '', otel: true, shard: { index: 1, count: 3 },
    });
    assert.equal('runId' in read, false, 'no second copy of the header at the top level');
    assert.deepEqual(read.totals, shopReport.totals);
    assert.deepEqual(compareRuns(read, shopReport).base, { runId: header.runId, startedAt: '2025-06-12T09:30:00.000Z', file: 'examples/shop.load.ts' });
  });
  test('accepts a report and refuses two scenarios', () => {
    const parsed = parseRunReport(good, 'a.json');
    assert.equal(parsed.header.runId, shopReport.header.runId);
    assert.equal(comparableReports(parsed, 'a.json', parsed, 'b.json'), undefined);
    assert.equal(comparableReports(parsed, 'a.json', { ...parsed, header: { ...parsed.header, scenario: 'browse' } }, 'b.json'),
      "a.json is a run of scenario 'shopper' but b.json is of 'browse': compare two runs of the same scenario");
  });
});
