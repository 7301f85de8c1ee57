/**
 * The editor's embedded receiver (its worker thread) feeds the breakdown with every span it gets:
 * per run (`startBreakdown(runId)`: other runs' requests are left out), read at any time and once
 * more, final, after the run's wait; with the durations the span thresholds ask for. Real OTLP/JSON
 * posts to the worker's real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startReceiverWorker, type ReceiverWorker } from '../../src/receiver/index.ts';

const workerFile = path.join(import.meta.dirname, '../../src/receiver/worker.ts');
let receiver: ReceiverWorker;
before(async () => {
  receiver = await startReceiverWorker({ workerFile, port: 0 });
});
after(() => receiver.close());

const T0 = 1_800_000_000_000n * 1_000_000n;
const at = (ms: number) => String(T0 + BigInt(Math.round(ms * 1_000_000)));
const text = (value: string) => ({ stringValue: value });

/** One request of `runId`: the engine's CLIENT span (0-100 ms), the shop's SERVER (10-90), the inventory's db.query (20-60). */
function request(runId: string, traceId: string) {
  const id = (n: number) => `${traceId.slice(0, 14)}${String(n).padStart(2, '0')}`;
  const span = (spanId: string, parentSpanId: string, name: string, kind: number, start: number, end: number, attributes: object[] = []) =>
    ({ traceId, spanId, parentSpanId, name, kind, startTimeUnixNano: at(start), endTimeUnixNano: at(end), attributes });
  const resource = (service: string, extra: object[] = []) => ({ attributes: [{ key: 'service.name', value: text(service) }, ...extra] });
  return {
    resourceSpans: [
      { resource: resource('loadlens', [{ key: 'loadlens.run.id', value: text(runId) }]), scopeSpans: [{ spans: [span(id(1), '', 'GET /product/{id}', 3, 0, 100, [
        { key: 'loadlens.request.name', value: text('/product/{id}') }, { key: 'http.request.method', value: text('GET') },
      ])] }] },
      { resource: resource('shop'), scopeSpans: [{ spans: [span(id(2), id(1), 'GET /product/:id', 2, 10, 90)] }] },
      { resource: resource('inventory'), scopeSpans: [{ spans: [span(id(3), id(2), 'db.query SELECT stock', 3, 20, 60)] }] },
    ],
  };
}

async function post(body: object): Promise<void> {
  const response = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200);
}

test('embedded receiver: the breakdown of the run started, from every span, with the span thresholds\' durations', async () => {
  receiver.startBreakdown('run-a');
  await post(request('run-a', '0af7651916cd43dd8448eb211c80319c'));
  await post(request('run-a', '1af7651916cd43dd8448eb211c80319c'));
  await post(request('run-other', '2af7651916cd43dd8448eb211c80319c'));
  const { runId, rows, counts, spanDurations } = await receiver.breakdown({ final: true, filters: [{ span: 'db.query SELECT stock' }, { service: 'inventory' }] });
  assert.equal(runId, 'run-a');
  assert.deepEqual(Object.keys(rows), ['GET /product/{id}']);
  const row = rows['GET /product/{id}']!;
  assert.equal(row.traces, 2, 'the other run\'s request is not this run\'s');
  // Percentiles from HDR histograms: at most 1 % high.
  const parts = Object.fromEntries(row.parts.map(p => [`${p.service} ${p.span}`, [p.kind, Math.round(p.selfMs.p50), p.share]]));
  // 100 ms a request: 20 ms outside the shop, 40 ms in the shop itself, 40 ms in the query.
  assert.deepEqual(parts, {
    'loadlens network': ['network', 20, 0.2],
    'shop GET /product/:id': ['server', 40, 0.4],
    'inventory db.query SELECT stock': ['client', 40, 0.4],
  });
  assert.equal(counts.requests, 2);
  assert.equal(spanDurations[0]?.count, 2, 'the db.query spans of this run\'s requests');
  assert.equal(Math.round(spanDurations[0]?.p50 ?? 0), 40);
  assert.equal(spanDurations[1], undefined, 'the inventory has no SERVER span');

  // The next run starts over.
  receiver.startBreakdown('run-b');
  const next = await receiver.breakdown({ final: true });
  assert.deepEqual([next.runId, next.rows, next.counts.requests], ['run-b', {}, 0]);
});
