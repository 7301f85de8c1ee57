// The results panel's Breakdown tab as a model: rows in the stats table's order, the stacked bar at
// p50, the table of parts with their slowest traces, root causes newest first, the counters, and an
// empty tab that says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHostMessage, emptyPanelState, type PanelState } from '../../src/shared/panel-model.ts';
import { breakdownTab } from '../../src/shared/panel-breakdown.ts';
import type { RunBreakdownState } from '../../src/shared/breakdown/live.ts';
import type { RequestBreakdown } from '../../src/shared/breakdown/types.ts';
import type { RunHeader } from '../../src/shared/run.ts';
import type { RunReport, StatsSnapshot } from '../../src/shared/report.ts';

const header = { runId: 'run-1', scenario: 'shopper', file: '/w/shop.load.ts', startedAt: 0, targetUsers: 5, runTimeMs: 10_000 } as unknown as RunHeader;
const RECEIVER = 'http://127.0.0.1:4318';
const COUNTS = { spansReceived: 400, spansDropped: 0, spansUnparented: 3, spansUnmatched: 12, requests: 100, requestsRecomputed: 2, requestsDropped: 0 };

const slowdb: RequestBreakdown = {
  traces: 100,
  parts: [
    { service: 'inventory', span: 'db.query SELECT stock', kind: 'client', selfMs: { p50: 30, p95: 45, p99: 60 }, share: 0.61 },
    { service: 'shop', span: 'GET /slowdb', kind: 'server', selfMs: { p50: 6, p95: 8, p99: 9 }, share: 0.12 },
    { service: 'loadlens', span: 'network', kind: 'network', selfMs: { p50: 4, p95: 5, p99: 7 }, share: 0.08 },
    { service: 'inventory', span: 'GET /stock', kind: 'server', selfMs: { p50: 0, p95: 1, p99: 1 }, share: 0.01 },
  ],
  rootCauses: [{ service: 'inventory', span: 'db.query SELECT stock', message: 'stock table locked', count: 4, traceIds: ['a'.repeat(32), 'b'.repeat(32)] }],
};
const product: RequestBreakdown = {
  traces: 7,
  parts: [{ service: 'shop', span: 'GET /product/:id', kind: 'server', selfMs: { p50: 2, p95: 3, p99: 3 }, share: 1 }],
  rootCauses: [],
};

function started(): PanelState {
  return applyHostMessage(emptyPanelState(), { kind: 'run-started', header, otlpReceiver: RECEIVER });
}

function live(rows: RunBreakdownState['rows'], appSpans = 300): RunBreakdownState {
  return { runId: 'run-1', rows, counts: COUNTS, spansReceived: 400, appSpans };
}

test('breakdown tab: live rows in the stats order, a bar at p50 that adds up to 100 %, the hover\'s line, counters', () => {
  let state = started();
  state = applyHostMessage(state, { kind: 'stats', snapshot: { requests: [
    { method: 'GET', name: '/product/{id}', p95: 3 }, { method: 'GET', name: '/slowdb', p95: 48 },
  ], current: { t: 1 } } as unknown as StatsSnapshot });
  state = applyHostMessage(state, { kind: 'breakdown', waiting: false, state: live([
    { method: 'GET', name: '/slowdb', breakdown: slowdb, slowest: [{ service: 'inventory', span: 'db.query SELECT stock', traces: [{ traceId: 'c'.repeat(32), selfMs: 61.25, durationMs: 80 }] }] },
    { method: 'GET', name: '/product/{id}', breakdown: product, slowest: [] },
  ]) });
  const view = breakdownTab(state)!;
  assert.equal(view.empty, undefined);
  assert.equal(view.waiting, false);
  assert.equal(view.status, 'Live: 100 requests broken down so far.');
  assert.deepEqual(view.rows.map(r => r.title), ['GET /product/{id}', 'GET /slowdb']);
  const row = view.rows[1]!;
  assert.equal(row.traces, 'from 100 traces');
  assert.equal(row.summary, 'p95 48.0 ms · 61 % in inventory db.query SELECT stock');
  // The bar: parts with a p50, widths by p50 over their sum (30 + 6 + 4 = 40 ms).
  assert.deepEqual(row.bar.map(s => [s.label, Math.round(s.widthPercent * 100) / 100, s.colour]), [
    ['inventory db.query SELECT stock', 75, 0], ['shop GET /slowdb', 15, 1], ['network and queueing (outside the application)', 10, 'network'],
  ]);
  assert.deepEqual(row.parts.map(p => [p.label, p.kind, p.p50, p.p95, p.p99, p.share]), [
    ['inventory db.query SELECT stock', 'client', '30.0 ms', '45.0 ms', '60.0 ms', '61 %'],
    ['shop GET /slowdb', 'server', '6.0 ms', '8.0 ms', '9.0 ms', '12 %'],
    ['network and queueing (outside the application)', 'network', '4.0 ms', '5.0 ms', '7.0 ms', '8 %'],
    ['inventory GET /stock', 'server', '0.0 ms', '1.0 ms', '1.0 ms', '1 %'],
  ]);
  assert.deepEqual(row.parts[0]!.slowest, [{ traceId: 'c'.repeat(32), self: '61.3 ms', duration: '80.0 ms' }]);
  assert.deepEqual(row.parts[1]!.slowest, []);
  assert.deepEqual(row.rootCauses.map(c => [c.service, c.span, c.message, c.count, c.traceIds]), [
    ['inventory', 'db.query SELECT stock', 'stock table locked', 4, ['b'.repeat(32), 'a'.repeat(32)]],
  ]);
  assert.deepEqual(view.counters.map(c => [c.label, c.value, c.warn]), [
    ['Spans received', '400', false], ['from the app', '300', false], ['Requests', '100', false],
    ['Dropped', '0', false], ['Unparented', '3', true], ['Unmatched', '12', false],
  ]);
});

test('breakdown tab: waiting for late spans, then the report\'s breakdown wins over the live one', () => {
  let state = started();
  state = applyHostMessage(state, { kind: 'breakdown', waiting: true, state: live([{ method: 'GET', name: '/slowdb', breakdown: product, slowest: [] }]) });
  let view = breakdownTab(state)!;
  assert.equal(view.waiting, true);
  assert.match(view.status, /^Waiting for the application's late spans/);
  const report = {
    header, requests: [{ method: '', name: 'Aggregated', p95: 40 }, { method: 'GET', name: '/slowdb', p95: 48, breakdown: slowdb }],
    breakdownCounts: COUNTS, receiver: { url: RECEIVER, spansReceived: 400, lateSpans: 37, waitedMs: 6100, waitEnded: 'quiet' },
    timeline: [], failures: [], slowest: [], iterationErrors: [], thresholds: [], totals: { requests: 100, failures: 0 },
  } as unknown as RunReport;
  state = applyHostMessage(state, { kind: 'finished', report, exitCode: 0 });
  view = breakdownTab(state)!;
  assert.equal(view.waiting, false);
  assert.equal(view.status, 'Where each request\'s time went, along its critical path, from 100 requests\' traces (37 spans came after the load).');
  assert.deepEqual(view.rows.map(r => [r.title, r.traces]), [['GET /slowdb', 'from 100 traces']]);
  assert.deepEqual(view.rows[0]!.parts[0]!.slowest, [], 'a report without breakdownTraces');
});

test('breakdown tab: empty, it says what to do; another run\'s breakdown is ignored', () => {
  let state = started();
  assert.equal(breakdownTab(state)!.empty, `No spans from your app yet: point OTEL_EXPORTER_OTLP_ENDPOINT at ${RECEIVER} (the app's own OpenTelemetry SDK, or zero-code auto-instrumentation, exports there).`);
  state = applyHostMessage(state, { kind: 'breakdown', waiting: false, state: { ...live([{ method: 'GET', name: '/x', breakdown: product, slowest: [] }]), runId: 'another' } });
  assert.equal(breakdownTab(state)!.rows.length, 0);
  state = applyHostMessage(state, { kind: 'breakdown', waiting: false, state: live([], 5) });
  assert.match(breakdownTab(state)!.empty!, /^Spans are arriving/);
  const elsewhere = applyHostMessage(emptyPanelState(), { kind: 'run-started', header });
  assert.match(breakdownTab(elsewhere)!.empty!, /needs Loadlens's own receiver/);
  assert.equal(breakdownTab(emptyPanelState()), undefined);
});
